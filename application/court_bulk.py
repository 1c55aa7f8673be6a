"""Stored events for a large batch of new court filings, without Application.save's per-object costs.

A court import may bring a million new cases, each one Filed event of one known shape.
``Application.save`` checks every object it is given against the library's runtime protocols
(``isinstance`` on a ``typing.Protocol`` walks the protocol's members: about a fifth of an
import's time on Python 3.11) and its mapper encodes each event with the standard library's
JSON encoder, calling back into Python for the timestamp. Here a Filed event's stored state is
written with orjson straight from the checked fields, and the batch goes to the recorder as
``save`` would send it (``EventStore.put`` then ``recorder.insert_events``: the Ledger takes
no snapshots and acts on no notifications, so nothing else of ``save`` is skipped).

The stored bytes must be the mapper's, so that a fast import and a slow one leave the same
store: the first filing of every batch is also built as a domain event and encoded by the
mapper, and if the two encodings ever differ (a library upgrade, a new field) every filing of
that batch goes through the mapper. tests/integration/test_court_import_bytes.py holds the
fast path to the bytes of one ``save`` per record.

The recorder is the Ledger's, with two changes to how rows reach the store (``bulk_insert``),
not to what is written: PostgreSQL gets the batch's composite rows in binary (the library's
statement sends them as text, and psycopg's quoting of each field in Python took a third of an
import's time); SQLite gets one ``executemany`` instead of one ``execute`` per event.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteAggregateRecorder, SQLiteApplicationRecorder
from eventsourcing.utils import get_topic

from application.ledger import Ledger
from domain.court_case import CourtCase
from domain.integrity import GENESIS

_FILED_TOPIC = get_topic(CourtCase.Filed)  # type: ignore[attr-defined]
_AGGREGATE_TOPIC = get_topic(CourtCase)
_CLASS_VERSION = CourtCase.Filed.class_version  # type: ignore[attr-defined]


class FilingEncoder:
    """The stored Filed events of one import (one actor, file and instant)."""

    def __init__(self, ledger: Ledger, *, actor_id: str, file_sha256: str, at: datetime):
        self.ledger = ledger
        self.actor_id = actor_id
        self.file_sha256 = file_sha256
        self.at = at
        # The state as the mapper writes it: the event's attributes in their order, without the
        # originator's id and version (columns of their own), then the class version.
        self.head: dict[str, Any] = {
            "timestamp": {"_type_": "datetime_iso", "_data_": at.isoformat()},
            "originator_topic": _AGGREGATE_TOPIC,
            "prev_hash": GENESIS,
            "actor_id": actor_id,
            "file_sha256": file_sha256,
        }
        # The head's JSON is the same for every filing: written once, the rest appended to it.
        self.prefix = orjson.dumps(self.head)[:-1] + b',"row":'
        self.suffix = b',"class_version":' + str(_CLASS_VERSION).encode() + b"}"
        #: None until the first filing was compared with the mapper's encoding.
        self.fast: bool | None = None

    def stored(self, case_id: UUID, row: int, fields: Mapping[str, Any]) -> StoredEvent:
        if self.fast is None:
            slow = self._mapped(case_id, row, fields)
            self.fast = self._encoded(case_id, row, fields) == slow
            return slow
        if self.fast and type(row) is int:
            try:
                return self._encoded(case_id, row, fields)
            except orjson.JSONEncodeError:
                pass  # text orjson refuses (the record checks keep it out): the mapper decides
        return self._mapped(case_id, row, fields)

    def _encoded(self, case_id: UUID, row: int, fields: Mapping[str, Any]) -> StoredEvent:
        # orjson.dumps({**head, "row": row, **fields, "class_version": 2}), spliced from parts.
        state = b"".join((self.prefix, str(row).encode(), b",", orjson.dumps(fields)[1:-1], self.suffix))
        return StoredEvent(case_id, CourtCase.INITIAL_VERSION, _FILED_TOPIC, state)

    def _mapped(self, case_id: UUID, row: int, fields: Mapping[str, Any]) -> StoredEvent:
        event = CourtCase.filed_event(
            case_id, fields, actor_id=self.actor_id, file_sha256=self.file_sha256, row=row, at=self.at
        )
        return self.ledger.mapper.to_stored_event(event)


Insert = Callable[[Sequence[StoredEvent]], None]


def bulk_insert(ledger: Ledger) -> Insert:
    """``ledger.recorder.insert_events`` for a large batch: the same transaction, table lock,
    NOTIFY and rows, with the rows sent as described above. Any recorder it does not know is
    used as it is."""
    recorder: Any = ledger.recorder
    if type(recorder) is SQLiteApplicationRecorder:

        def insert(events: Sequence[StoredEvent]) -> None:
            # The application recorder executes one row at a time only to return each row's
            # id; its base class inserts the same rows with one executemany.
            with recorder.datastore.transaction(commit=True) as cursor:
                SQLiteAggregateRecorder._insert_events(recorder, cursor, events)

        return insert
    statement = getattr(recorder, "insert_events_statement", None)
    if statement is None or not ledger.settings.is_postgres:
        return recorder.insert_events
    from psycopg.sql import SQL

    text = statement.as_string(None)
    if text.count("unnest(%s::") != 1:
        return recorder.insert_events
    binary = copy.copy(recorder)  # the same pool and lock statements; only this copy's statement differs
    binary.insert_events_statement = SQL(text.replace("unnest(%s::", "unnest(%b::"))  # type: ignore[arg-type]
    return binary.insert_events  # type: ignore[no-any-return]
