"""The views' database: a tracking recorder of the eventsourcing library, so that view rows and
the tracking position commit in one transaction, plus the few SQL helpers the views need."""

from __future__ import annotations

import os
import uuid
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import (
    InfrastructureFactory,
    InterfaceError,
    OperationalError,
    Tracking,
    TrackingRecorder,
)
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from eventsourcing.utils import Environment

from application.config import StoreSettings
from application.setup_lock import exclusive_setup
from projections.health import Failure, Progress
from projections.periods import parse_utc_text, utc_text
from projections.schema import HEALTH_TABLES, INDEXES, PROJECTION_INDEXES, TABLES, VIEWS_VERSION

UPSTREAM = "ledger"  # the application whose events the views follow
#: A failure's message is kept for people; a poison event's text must not make it unstorable.
_MESSAGE_LIMIT = 1000


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def storable_text(text: str, limit: int = _MESSAGE_LIMIT) -> str:
    """``text`` cut to ``limit`` and without what PostgreSQL text refuses (NUL, lone surrogates):
    an error message may quote the very value that could not be projected."""
    cleaned = text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


class Cursor:
    """One transaction's cursor with ``%s`` placeholders on both stores."""

    def __init__(self, raw: Any, sqlite: bool):
        self.raw = raw
        self.sqlite = sqlite

    def _sql(self, sql: str) -> str:
        return sql.replace("%s", "?") if self.sqlite else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        self.raw.execute(self._sql(sql), tuple(params))
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.raw.executemany(self._sql(sql), [tuple(r) for r in rows])

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        self.execute(sql, params)
        return [dict(r) for r in self.raw.fetchall()]

    def one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        self.execute(sql, params)
        row = self.raw.fetchone()
        return dict(row) if row is not None else None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else next(iter(row.values()))


class ViewsMixin(TrackingRecorder):
    sqlite: bool
    schema: str = "public"
    datastore: Any
    #: Stamps the progress and failure records (a test's clock makes "stalled" exact).
    clock: Callable[[], datetime] = staticmethod(_wall_clock)

    @contextmanager
    def cursor(self, *, commit: bool = False) -> Iterator[Cursor]:
        with self.datastore.transaction(commit=commit) as raw:
            if not self.sqlite and self.schema != "public":
                raw.execute(f'SET LOCAL search_path TO "{self.schema}"')
            yield Cursor(raw, self.sqlite)

    def lock_for_writing(self, cur: Cursor) -> None:
        """Serialise writers of the views, so a batch can check it starts where the last ended."""
        if self.sqlite:
            # The first write of an SQLite transaction takes the database's write lock.
            cur.execute("UPDATE v_meta SET value = value WHERE key = 'version'")
        else:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (zlib.crc32(f"views:{self.schema}".encode()),))

    def tracked_position(self, cur: Cursor) -> int:
        return self._max_tracking_id(UPSTREAM, cur.raw) or 0  # type: ignore[attr-defined]

    def generation_and_position(self, cur: Cursor) -> tuple[str | None, int]:
        """Which build of the views this is (a new one each time they are recreated empty, when
        positions start again from 0) and the position it has reached, in one statement."""
        row = cur.one(
            "SELECT (SELECT value FROM v_meta WHERE key = 'generation') AS generation, "
            f"(SELECT MAX(notification_id) FROM {self._tracking_table()} WHERE application_name = %s) AS position",
            (UPSTREAM,),
        )
        assert row is not None
        generation = row["generation"]
        return (None if generation is None else str(generation)), int(row["position"] or 0)

    def _tracking_table(self) -> str:
        raise NotImplementedError

    def record_position(self, cur: Cursor, position: int) -> None:
        """The batch's last position, in the batch's transaction; with it, the time the views
        moved, and the end of any failure they have now moved past (it was fixed)."""
        self._insert_tracking(cur.raw, Tracking(UPSTREAM, position))  # type: ignore[attr-defined]
        cur.execute(
            "INSERT INTO v_progress (name, position, moved_at) VALUES (%s, %s, %s) "
            "ON CONFLICT (name) DO UPDATE SET position = excluded.position, moved_at = excluded.moved_at",
            (UPSTREAM, position, utc_text(self.clock())),
        )
        cur.execute("DELETE FROM v_failure WHERE position <= %s", (position,))

    # -- the projection's own health (projections/health.py judges it)

    def record_failure(
        self, position: int, case_id: str | None, version: int | None, topic: str, error: str, message: str
    ) -> Failure | None:
        """Keep (or update) the one failure record; None when the views are already past
        ``position`` (another runner got through it meanwhile: nothing to report)."""
        now = utc_text(self.clock())
        with self.cursor(commit=True) as cur:
            self.lock_for_writing(cur)
            if self.tracked_position(cur) >= position:
                return None
            cur.execute("DELETE FROM v_failure WHERE position <> %s", (position,))
            cur.execute(
                "INSERT INTO v_failure (position, case_id, version, topic, error, message, first_seen, "
                "last_seen, attempts) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 1) ON CONFLICT (position) "
                "DO UPDATE SET case_id = excluded.case_id, version = excluded.version, topic = excluded.topic, "
                "error = excluded.error, message = excluded.message, last_seen = excluded.last_seen, "
                "attempts = v_failure.attempts + 1",
                (position, case_id, version, storable_text(topic), storable_text(error), storable_text(message), now, now),
            )
            return self._failure(cur)

    def failure(self) -> Failure | None:
        with self.cursor() as cur:
            return self._failure(cur)

    @staticmethod
    def _failure(cur: Cursor) -> Failure | None:
        row = cur.one("SELECT * FROM v_failure ORDER BY position LIMIT 1")
        if row is None:
            return None
        return Failure(
            position=int(row["position"]),
            case_id=row["case_id"],
            version=None if row["version"] is None else int(row["version"]),
            topic=row["topic"],
            error=row["error"],
            message=row["message"],
            first_seen=parse_utc_text(row["first_seen"]),
            last_seen=parse_utc_text(row["last_seen"]),
            attempts=int(row["attempts"]),
        )

    def clear_failure(self) -> None:
        with self.cursor(commit=True) as cur:
            cur.execute("DELETE FROM v_failure")

    def progress(self) -> Progress:
        with self.cursor() as cur:
            row = cur.one("SELECT moved_at, caught_up_at FROM v_progress WHERE name = %s", (UPSTREAM,))
        if row is None:
            return Progress(None, None)
        return Progress(
            moved_at=None if row["moved_at"] is None else parse_utc_text(row["moved_at"]),
            caught_up_at=None if row["caught_up_at"] is None else parse_utc_text(row["caught_up_at"]),
        )

    def record_caught_up(self) -> None:
        """The heartbeat of a runner with nothing to do: the views were at the store's head now."""
        with self.cursor(commit=True) as cur:
            cur.execute(
                "INSERT INTO v_progress (name, caught_up_at) VALUES (%s, %s) "
                "ON CONFLICT (name) DO UPDATE SET caught_up_at = excluded.caught_up_at",
                (UPSTREAM, utc_text(self.clock())),
            )

    def _health_tables_ready(self) -> bool:
        with self.cursor() as cur:
            if self.sqlite:
                tables = cur.scalar(
                    "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('v_failure', 'v_progress')"
                )
            else:
                tables = cur.scalar(
                    "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = %s "
                    "AND table_name IN ('v_failure', 'v_progress')",
                    (self.schema,),
                )
            if tables != len(HEALTH_TABLES):
                return False
            return bool(cur.scalar("SELECT count(*) AS n FROM v_progress WHERE name = %s", (UPSTREAM,)))

    def _create_health_tables(self) -> None:
        """Only when missing, and in a transaction of its own: a write in the transaction that has
        just read the views' version would fail at once on SQLite ("database is locked") whenever
        another process has committed a batch in between."""
        if self._health_tables_ready():
            return
        with self.cursor(commit=True) as cur:
            if not self.sqlite:
                self.lock_for_writing_or_create(cur)
            for table, columns in HEALTH_TABLES.items():
                cur.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
            # The start of the clock for views that never moved (a follower that never ran).
            cur.execute(
                "INSERT INTO v_progress (name, position, moved_at) VALUES (%s, 0, %s) ON CONFLICT (name) DO NOTHING",
                (UPSTREAM, utc_text(self.clock())),
            )

    def _reset_health(self, cur: Cursor) -> None:
        """New views (new code): what failed before is tried again from the start."""
        cur.execute("DELETE FROM v_failure")
        cur.execute(
            "UPDATE v_progress SET position = 0, moved_at = %s WHERE name = %s", (utc_text(self.clock()), UPSTREAM)
        )

    def create_views(self, *, query_indexes: bool = True) -> bool:
        """Create missing tables and indexes; drop and recreate all when the views' code version
        changed. ``query_indexes=False`` leaves out the indexes only queries use (a rebuild adds
        them at the end; a start after an interrupted rebuild adds them here).

        Returns True when the views were (re)created empty and need a rebuild.
        """
        self._create_health_tables()
        with self.cursor(commit=True) as cur:
            self.lock_for_writing_or_create(cur)
            stored = cur.scalar("SELECT value FROM v_meta WHERE key = 'version'")
            if stored == str(VIEWS_VERSION):
                if query_indexes:
                    self._create_indexes(cur, INDEXES)
                return False
            for table in TABLES:
                if table != "v_meta":
                    cur.execute(f"DROP TABLE IF EXISTS {table}")
            for table, columns in TABLES.items():
                cur.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
            self._create_indexes(cur, PROJECTION_INDEXES + (INDEXES if query_indexes else []))
            cur.execute("DELETE FROM v_meta WHERE key IN ('version', 'generation')")
            cur.execute("INSERT INTO v_meta (key, value) VALUES ('version', %s)", (str(VIEWS_VERSION),))
            # Positions start again from 0: caches keyed by position must tell these views apart.
            cur.execute("INSERT INTO v_meta (key, value) VALUES ('generation', %s)", (uuid.uuid4().hex,))
            self._reset_tracking(cur)
            self._reset_health(cur)
            return True

    def create_query_indexes(self) -> None:
        with self.cursor(commit=True) as cur:
            self.lock_for_writing(cur)
            self._create_indexes(cur, INDEXES)

    @staticmethod
    def _create_indexes(cur: Cursor, statements: list[str]) -> None:
        for statement in statements:
            cur.execute(statement)

    def drop_views(self) -> None:
        with self.cursor(commit=True) as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS v_meta (" + TABLES["v_meta"] + ")")
            cur.execute("DELETE FROM v_meta WHERE key = 'version'")

    def lock_for_writing_or_create(self, cur: Cursor) -> None:
        cur.execute("CREATE TABLE IF NOT EXISTS v_meta (" + TABLES["v_meta"] + ")")
        if not self.sqlite:
            self.lock_for_writing(cur)

    def _reset_tracking(self, cur: Cursor) -> None:
        raise NotImplementedError


class SQLiteViews(ViewsMixin, SQLiteTrackingRecorder):
    sqlite = True

    def _tracking_table(self) -> str:
        return "tracking"

    def _reset_tracking(self, cur: Cursor) -> None:
        cur.execute("DELETE FROM tracking WHERE application_name = %s", (UPSTREAM,))


class ReplicaUnavailable(OperationalError):
    """The read replica the views are read from does not answer (the primary may well do)."""


class PostgresViews(ViewsMixin, PostgresTrackingRecorder):
    sqlite = False
    #: Read from a streaming replica (LEDGER_READ_DATABASE_URL): reads only, nothing created.
    replica = False

    @contextmanager
    def cursor(self, *, commit: bool = False) -> Iterator[Cursor]:
        if commit:
            with super().cursor(commit=True) as cur:
                yield cur
            return
        # Reads run outside a transaction: under READ COMMITTED each statement takes its own
        # snapshot inside one or not, so BEGIN, SET LOCAL and ROLLBACK would only add three round
        # trips to every request. The pool's connections are in autocommit mode; the search path
        # is set once per connection instead (the library's own statements name their schema).
        try:
            with self.datastore.get_connection() as conn:
                if getattr(conn, "ledger_search_path", None) != self.schema:
                    conn.execute(f'SET search_path TO "{self.schema}"')
                    conn.ledger_search_path = self.schema
                yield Cursor(conn.cursor(), False)
        except (OperationalError, InterfaceError) as e:
            if self.replica:
                raise ReplicaUnavailable(str(e)) from e
            raise

    def _tracking_table(self) -> str:
        return f'"{self.schema}"."{self.tracking_table_name}"'

    def _reset_tracking(self, cur: Cursor) -> None:
        cur.execute(f'DELETE FROM "{self.schema}"."{self.tracking_table_name}" WHERE application_name = %s', (UPSTREAM,))


def open_views(
    settings: StoreSettings, clock: Callable[[], datetime] | None = None, *, replica: bool = False
) -> SQLiteViews | PostgresViews:
    """The views' recorder on the same store as the events (its tracking table is views_tracking).
    ``clock`` stamps the progress and failure records (default: the wall clock).

    ``replica``: the views as a read-only streaming replica holds them. Nothing is created or
    checked there (a hot standby refuses every write, DDL included); the follower on the primary
    creates and fills them, and replication brings them over."""
    env = settings.eventsourcing_env()
    if settings.is_postgres:
        env["POSTGRES_POOL_SIZE"] = "2"
    if replica:
        env["CREATE_TABLE"] = "no"
        # A replica that is down must answer 503 at once, not hold the request while the pool
        # retries for the primary's patience.
        env["POSTGRES_CONNECT_TIMEOUT"] = os.environ.get("LEDGER_READ_CONNECT_TIMEOUT", "3")
    factory = InfrastructureFactory.construct(env=Environment("views", env))  # type: ignore[var-annotated]
    views_class: type[SQLiteViews | PostgresViews] = PostgresViews if settings.is_postgres else SQLiteViews
    if not settings.is_postgres:
        _relax_sqlite_sync(factory.datastore)  # type: ignore[attr-defined]
    if replica:
        views = _configured(factory.tracking_recorder(views_class), settings, clock)  # type: ignore[arg-type]
        views.replica = True  # type: ignore[union-attr]
        return views
    with exclusive_setup(settings, "views"):
        views = _configured(factory.tracking_recorder(views_class), settings, clock)  # type: ignore[arg-type]
        views.create_views()
    return views


def _configured(
    views: SQLiteViews | PostgresViews, settings: StoreSettings, clock: Callable[[], datetime] | None
) -> SQLiteViews | PostgresViews:
    views.schema = settings.schema
    if clock is not None:
        views.clock = clock  # type: ignore[method-assign]
    return views


def _relax_sqlite_sync(datastore: Any) -> None:
    """WAL with synchronous=NORMAL: a commit no longer waits for fsync. A power cut can lose the
    last batches, but never half a batch: their rows and tracking position go together, so the
    views are simply projected again from the position that survived. Never the event store."""
    pool = datastore.pool
    create = pool._create_connection

    def create_relaxed() -> Any:
        connection = create()
        connection._sqlite_conn.execute("PRAGMA synchronous=NORMAL")
        connection._sqlite_conn.execute("PRAGMA wal_autocheckpoint=20000")
        connection._sqlite_conn.execute("PRAGMA cache_size=-16384")
        return connection

    pool._create_connection = create_relaxed
