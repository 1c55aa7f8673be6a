"""Serialises table creation between processes that start at once on one PostgreSQL database.

PostgreSQL's ``CREATE TABLE IF NOT EXISTS`` is not safe against a concurrent twin: one of two
followers or API workers starting together fails with "tuple concurrently updated" or a
duplicate pg_type row; a session-level advisory lock held while tables are created avoids it.
The library's SQLite recorders check, then insert, a migration row, so they race too; there a
lock file beside the database does the same.
"""

from __future__ import annotations

import fcntl
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from application.config import StoreSettings


@contextmanager
def exclusive_setup(settings: StoreSettings, what: str) -> Iterator[None]:
    if not settings.is_postgres:
        with _file_lock(settings.sqlite_path):
            yield
        return
    import psycopg

    key = zlib.crc32(f"setup:{settings.schema}:{what}".encode())
    env = settings.eventsourcing_env()
    with psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=int(env["POSTGRES_PORT"]),
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"] or None,
        connect_timeout=int(env["POSTGRES_CONNECT_TIMEOUT"]),
        autocommit=True,
    ) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


@contextmanager
def _file_lock(db_path: str) -> Iterator[None]:
    if db_path == ":memory:" or db_path.startswith("file:"):
        yield
        return
    with open(f"{db_path}.setup-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
