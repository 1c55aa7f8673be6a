"""Appending to the read-access logs (domain/access.py), and reading one case's own log.

Each log is a hash chain, so two appends to one log cannot both be next: the second fails on
the store's unique (stream, version) key and must be rebuilt on the new head. Reads of one
case by sixteen clients at once are normal, and a read must not fail because another read was
logged first, so appends to one stream are serialised within the process (a lock per stream)
and, between processes, retried on a conflict with jittered backoff until a deadline.
"""

from __future__ import annotations

import random
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, OperationalError

from application.ledger import Ledger
from domain.access import AccessLog, ListingLog, check_purpose
from domain.integrity import event_hash
from domain.reference import Actor

#: How long one append keeps retrying against appends from other processes. Each retry waits a
#: random time up to a doubling bound, so the contenders spread out instead of colliding again.
DEADLINE_SECONDS = 20.0
_FIRST_WAIT, _MAX_WAIT = 0.002, 0.2


@dataclass(frozen=True)
class Read:
    case_id: str
    handler: bool


class AccessLogBusy(OperationalError):
    """An append still conflicted at its deadline: answered 503 with Retry-After, never 500."""


def log_reads(
    ledger: Ledger,
    actor: Actor,
    reads: Iterable[Read],
    *,
    endpoint: str,
    purpose: str | None,
    listing: bool = False,
) -> None:
    """Record that ``actor`` saw the personal data of the cases in ``reads``.

    ``listing``: one request showed them all (a list page): ONE entry in the actor's listing log
    names every case. Otherwise each read is an entry in its case's own log.
    """
    reads = list(reads)
    purpose = check_purpose(purpose)
    if not reads:
        return
    if listing:
        _append(
            ledger,
            ListingLog.create_id(actor.name),
            lambda: ListingLog.open(actor.name),
            lambda log: log.record_listing(
                actor_id=actor.name,
                actor_role=actor.role,
                endpoint=endpoint,
                purpose=purpose,
                case_ids=[r.case_id for r in reads],
                handled=[r.case_id for r in reads if r.handler],
            ),
        )
        return
    for read in reads:
        _append(
            ledger,
            AccessLog.create_id(read.case_id),
            lambda case_id=read.case_id: AccessLog.open(case_id),  # type: ignore[misc]
            lambda log, handler=read.handler: log.record_read(  # type: ignore[misc]
                actor_id=actor.name,
                actor_role=actor.role,
                endpoint=endpoint,
                purpose=purpose,
                handler=handler,
            ),
        )


# One lock per ledger and stream, dropped with the last thread that holds or waits for it. Per
# ledger, not per process: two ledgers on one store contend as two processes would.
_locks: weakref.WeakValueDictionary[tuple[int, UUID], Any] = weakref.WeakValueDictionary()
_locks_guard = threading.Lock()


def _stream_lock(ledger: Ledger, stream_id: UUID) -> Any:
    with _locks_guard:
        lock = _locks.get((id(ledger), stream_id))
        if lock is None:
            lock = _locks[(id(ledger), stream_id)] = threading.Lock()
        return lock


def _append(
    ledger: Ledger, stream_id: UUID, open_log: Callable[[], Any], record: Callable[[Any], None]
) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    bound = _FIRST_WAIT
    with _stream_lock(ledger, stream_id):
        while True:
            log = _load(ledger, stream_id) or open_log()
            record(log)
            try:
                ledger.save(log)
                return
            except IntegrityError:
                # Another process appended first; the next attempt builds on its entry.
                if time.monotonic() >= deadline:
                    raise AccessLogBusy(
                        f"the access log {stream_id} stayed contended for {DEADLINE_SECONDS:.0f} s"
                    ) from None
                time.sleep(random.uniform(0, bound))
                bound = min(bound * 2, _MAX_WAIT)


def _load(ledger: Ledger, stream_id: UUID) -> Any | None:
    try:
        # A copy (the repository fast-forwards its cache from the store), so a failed save
        # leaves no phantom read behind in the cache.
        return ledger.repository.get(stream_id)
    except AggregateNotFoundError:
        return None


def case_log(ledger: Ledger, case_id: str) -> list[dict[str, Any]]:
    """The reads in the case's own log, oldest first, read from the store.

    Without list reads: those are in the listing logs, found through the views
    (projections/access.py reads_of_case gives both).
    """
    log_id = str(AccessLog.create_id(case_id))
    entries = []
    e: Any
    for e in ledger.events.get(AccessLog.create_id(case_id)):
        if type(e).__name__ != "Read":
            continue
        entries.append(
            {
                "log": log_id,
                "sequence": e.originator_version,
                "read_at": e.timestamp,
                "actor_id": e.actor_id,
                "actor_role": e.actor_role,
                "endpoint": e.endpoint,
                "purpose": e.purpose,
                "handler": e.handler,
                "cases": 1,
                "hash": event_hash(e),
            }
        )
    return entries
