"""Scheduled seals: while a server or follower runs, seal the store every so often, so that a
truncated tail is detectable even if nobody remembers to run `ledger seal`. Like `ledger seal`,
each scheduled seal is appended to the witness file when LEDGER_SEAL_WITNESS names one."""

from __future__ import annotations

import logging
import os
import threading

from application.integrity import BrokenStore, SealRace, latest_seal_note, seal
from application.ledger import Ledger
from domain.integrity import Seal

log = logging.getLogger(__name__)


def seal_interval() -> float:
    """Seconds between scheduled seals (LEDGER_SEAL_INTERVAL, default an hour; 0 turns them off)."""
    return float(os.environ.get("LEDGER_SEAL_INTERVAL", "3600"))


def seal_if_new(ledger: Ledger) -> Seal | None:
    """Seal unless nothing was recorded since the latest seal."""
    last = latest_seal_note(ledger)
    if last is not None and (ledger.recorder.max_notification_id() or 0) <= last.id:
        return None
    sealed, _ = seal(ledger, ledger.system_actor())
    return sealed


def start_sealing(ledger: Ledger, stop: threading.Event, interval: float | None = None) -> threading.Thread | None:
    """A daemon thread that seals every ``interval`` seconds until ``stop`` is set."""
    interval = seal_interval() if interval is None else interval
    if interval <= 0:
        return None

    def run() -> None:
        while not stop.wait(interval):
            try:
                sealed = seal_if_new(ledger)
            except BrokenStore as e:
                # Never seal over a broken store; say so loudly and keep the server up.
                log.error("scheduled seal refused: %s", e)
                continue
            except SealRace as e:
                log.info("scheduled seal gave way: %s", e)
                continue
            if sealed is not None:
                log.info("sealed %d events at position %d: root %s", sealed.events, sealed.position, sealed.root)

    thread = threading.Thread(target=run, name="ledger-sealer", daemon=True)
    thread.start()
    return thread
