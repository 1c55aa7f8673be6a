"""Appending to and reading the per-case read-access logs (domain/access.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from application.ledger import Ledger
from domain.access import AccessLog, check_purpose
from domain.integrity import event_hash
from domain.reference import Actor

_ATTEMPTS = 5


@dataclass(frozen=True)
class Read:
    case_id: str
    handler: bool


def log_reads(ledger: Ledger, actor: Actor, reads: Iterable[Read], *, endpoint: str, purpose: str | None) -> None:
    """Append one read per case, all in one save; retried when a concurrent read of the same
    case appended first (each log is a hash chain, so appends to one case are serialised)."""
    reads = list(reads)
    purpose = check_purpose(purpose)
    for attempt in range(_ATTEMPTS):
        logs = []
        for read in reads:
            log = _load(ledger, read.case_id) or AccessLog.open(read.case_id)
            log.record_read(
                actor_id=actor.name, actor_role=actor.role, endpoint=endpoint, purpose=purpose, handler=read.handler
            )
            logs.append(log)
        try:
            ledger.save(*logs)
            return
        except IntegrityError:
            if attempt == _ATTEMPTS - 1:
                raise


def _load(ledger: Ledger, case_id: str) -> AccessLog | None:
    try:
        # A copy (the repository fast-forwards its cache from the store), so a failed save
        # leaves no phantom read behind in the cache.
        return ledger.repository.get(AccessLog.create_id(case_id))  # type: ignore[no-any-return]
    except AggregateNotFoundError:
        return None


def access_log(ledger: Ledger, case_id: str) -> list[dict[str, Any]]:
    """Every recorded read of the case's personal data, oldest first, each with its chain hash."""
    entries = []
    e: Any
    for e in ledger.events.get(AccessLog.create_id(case_id)):
        if type(e).__name__ != "Read":
            continue
        entries.append({
            "sequence": e.originator_version,
            "read_at": e.timestamp,
            "actor_id": e.actor_id,
            "actor_role": e.actor_role,
            "endpoint": e.endpoint,
            "purpose": e.purpose,
            "handler": e.handler,
            "hash": event_hash(e),
        })
    return entries
