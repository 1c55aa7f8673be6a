"""Every stored event row, read from the events table itself, in pages by position.

The library's notification log starts at position 1, so a row an intruder writes at rowid 0 or
-1 (SQLite) or notification_id ≤ 0 (PostgreSQL) is never listed there, while reading a stream
by its id (`ledger case show`) still returns it. `ledger verify` therefore reads the table
directly, every row whatever its position, and names those outside the notification sequence.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier

#: Below every position a row can have on either store (both are signed 64-bit).
BEFORE_ALL = -(2**63)
FIRST = 1


def pages(
    recorder: Any, *, stop: int | None = None, limit: int = 1000, topic: str | None = None
) -> Iterator[Sequence[Notification]]:
    """Pages of rows ordered by position, from the lowest position there is up to ``stop``."""
    read = _reader(recorder)
    after = BEFORE_ALL
    while True:
        page = read(after, stop, limit, topic)
        if not page:
            return
        yield page
        after = page[-1].id


def _reader(recorder: Any) -> Any:
    if isinstance(recorder, SQLiteApplicationRecorder):
        return _SQLite(recorder)
    if isinstance(recorder, PostgresApplicationRecorder):
        return _Postgres(recorder)
    return _Notifications(recorder)


class _SQLite:
    def __init__(self, recorder: SQLiteApplicationRecorder):
        self.recorder = recorder

    def __call__(self, after: int, stop: int | None, limit: int, topic: str | None) -> list[Notification]:
        where = ["rowid > ?"]
        params: list[int | str] = [after]
        if stop is not None:
            where.append("rowid <= ?")
            params.append(stop)
        if topic is not None:
            where.append("topic = ?")
            params.append(topic)
        sql = (
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {self.recorder.events_table_name} "
            f"WHERE {' AND '.join(where)} ORDER BY rowid LIMIT ?"
        )
        with self.recorder.datastore.transaction(commit=False) as c:
            c.execute(sql, [*params, limit])
            return [
                Notification(
                    id=row[0],
                    originator_id=_uuid(row[1]),
                    originator_version=row[2],
                    topic=row[3],
                    state=row[4],
                )
                for row in c.fetchall()
            ]


class _Postgres:
    def __init__(self, recorder: PostgresApplicationRecorder):
        self.recorder = recorder
        self.table = SQL("{}.{}").format(
            Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name)
        )

    def __call__(self, after: int, stop: int | None, limit: int, topic: str | None) -> list[Notification]:
        where = [SQL("notification_id > %s")]
        params: list[int | str] = [after]
        if stop is not None:
            where.append(SQL("notification_id <= %s"))
            params.append(stop)
        if topic is not None:
            where.append(SQL("topic = %s"))
            params.append(topic)
        sql = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {} WHERE {} "
            "ORDER BY notification_id LIMIT %s"
        ).format(self.table, SQL(" AND ").join(where))
        with self.recorder.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(sql, [*params, limit])
            return [
                Notification(
                    id=row["notification_id"],
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in curs.fetchall()
            ]


class _Notifications:
    """Stores with no table to read (the in-memory one): the notification log is all there is."""

    def __init__(self, recorder: Any):
        self.recorder = recorder

    def __call__(self, after: int, stop: int | None, limit: int, topic: str | None) -> Sequence[Notification]:
        return self.recorder.select_notifications(  # type: ignore[no-any-return]
            start=max(after, 0),
            limit=limit,
            stop=stop,
            topics=[topic] if topic else (),
            inclusive_of_start=False,
        )


def _uuid(value: Any) -> Any:
    try:
        return UUID(value)
    except (TypeError, ValueError):
        return value  # an id that is no UUID: the verifier names the row instead of crashing
