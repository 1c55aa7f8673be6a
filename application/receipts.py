"""Receipts of commands sent with an Idempotency-Key: a retry finds what the first request wrote.

A receipt is an aggregate of its own whose id derives from (actor, key). It is saved in the same
``Application.save`` as the case event the command produced, so the store holds both or neither
(one transaction on SQLite and on PostgreSQL): a process killed at any moment leaves no key
without its write and no write without its key. Two requests racing with one key both try to
create the same receipt; the store refuses the second, which then finds the first's receipt.

The receipt records the case and the version the command left it at, not the answer itself: the
answer is rebuilt from the case at that version, so no copy of a case's personal data is kept
outside the case's own stream.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.application import Application
from eventsourcing.domain import event

from domain.errors import LedgerError
from domain.integrity import Chained

_NAMESPACE = UUID("0d6f2a5e-3c1b-4f7e-8a90-6b2d4c8e1f37")


@dataclass(frozen=True)
class RequestKey:
    """An Idempotency-Key as its actor sent it, with a digest of the request it came with."""

    actor_id: str
    key: str
    request_hash: str

    @property
    def receipt_id(self) -> UUID:
        return CommandReceipt.create_id(self.actor_id, self.key)


def request_hash(*parts: bytes) -> str:
    """A digest of the parts of a request that make it the same request (method, path, body)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class KeyReused(LedgerError):
    """The key was already used by its actor for a different request (HTTP 422)."""

    def __init__(self, key: str):
        super().__init__(f"Idempotency-Key {key!r} was already used for a different request")
        self.key = key


class CommandReceipt(Chained):
    """Hash-chained like every stream, so seals cover receipts too (application/integrity.py)."""

    @staticmethod
    def create_id(actor_id: str, key: str) -> UUID:  # type: ignore[override]
        # A newline cannot occur in an actor's name nor in a key (keys are printable).
        return uuid5(_NAMESPACE, f"{actor_id}\n{key}")

    @classmethod
    def issue(
        cls, request: RequestKey, *, case_id: UUID, case_version: int, command: str, at: datetime
    ) -> CommandReceipt:
        return cls._create(  # type: ignore[no-any-return]
            cls.Issued,  # type: ignore[attr-defined]
            id=request.receipt_id,
            actor_id=request.actor_id,
            key=request.key,
            request_hash=request.request_hash,
            case_id=str(case_id),
            case_version=case_version,
            command=command,
            timestamp=at,
        )

    @event("Issued")
    def __init__(
        self, actor_id: str, key: str, request_hash: str, case_id: str, case_version: int, command: str
    ) -> None:
        self.actor_id = actor_id
        self.key = key
        self.request_hash = request_hash
        self.case_id = case_id
        self.case_version = case_version
        self.command = command


@dataclass(frozen=True)
class Receipt:
    """What a keyed command wrote: the case and the version it left the case at."""

    case_id: UUID
    case_version: int
    command: str


def find(app: Application[UUID], request: RequestKey) -> Receipt | None:
    """The receipt of the first request sent with this key, None if there was none; KeyReused
    if that request differed from this one."""
    issued: Any = next(iter(app.events.get(request.receipt_id, limit=1)), None)
    if issued is None:
        return None
    if issued.request_hash != request.request_hash:
        raise KeyReused(request.key)
    return Receipt(UUID(issued.case_id), issued.case_version, issued.command)


def position_of(app: Application[UUID], originator_id: UUID, version: int) -> int:
    """The notification id (store position) of one stored event.

    The library reads events by originator and notifications by position, never one from the
    other, so this asks the recorder's table directly (eventsourcing 9.5.6's layout: SQLite's
    rowid, PostgreSQL's notification_id; the in-memory store's list index).
    """
    recorder: Any = app.recorder
    datastore = getattr(recorder, "datastore", None)
    if datastore is None:  # the in-memory store of unit tests
        with recorder._database_lock:
            return int(recorder._stored_events_index[str(originator_id)][version]) + 1
    table = recorder.events_table_name
    if hasattr(datastore, "schema"):  # PostgreSQL
        sql = f'SELECT notification_id FROM "{datastore.schema}"."{table}" WHERE originator_id = %s AND originator_version = %s'  # noqa: S608
        value = originator_id if datastore.originator_id_type == "uuid" else str(originator_id)
        with datastore.transaction(commit=False) as cur:
            cur.execute(sql, (value, version))
            row = cur.fetchone()
        if row is None:
            raise LookupError(f"no event {originator_id} v{version} in the store")
        return int(row["notification_id"])
    sql = f"SELECT rowid FROM {table} WHERE originator_id = ? AND originator_version = ?"  # noqa: S608
    with datastore.transaction(commit=False) as cur:
        cur.execute(sql, (originator_id.hex, version))
        found = cur.fetchone()
    if found is None:
        raise LookupError(f"no event {originator_id} v{version} in the store")
    return int(found[0])
