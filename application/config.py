"""Settings from the environment, read at call time (12-factor)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from urllib.parse import unquote, urlparse
from zoneinfo import ZoneInfo

from domain.deadlines import DeadlineRules
from domain.values import TimeWindow

DEFAULT_DB = "./ledger.sqlite3"


@dataclass(frozen=True)
class StoreSettings:
    """Where events and views live. ``url`` is a PostgreSQL URL or None for SQLite."""

    sqlite_path: str
    url: str | None
    schema: str

    @property
    def is_postgres(self) -> bool:
        return self.url is not None

    def describe(self) -> str:
        if self.url is None:
            return f"SQLite {Path(self.sqlite_path).resolve()}"
        parsed = urlparse(self.url)
        return f"PostgreSQL {parsed.hostname}:{parsed.port or 5432}/{parsed.path.lstrip('/')} schema {self.schema}"

    def eventsourcing_env(self) -> dict[str, str]:
        """The eventsourcing library's own settings for this store."""
        if self.url is None:
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": self.sqlite_path,
                "SQLITE_LOCK_TIMEOUT": os.environ.get("LEDGER_SQLITE_LOCK_TIMEOUT", "30"),
            }
        parsed = urlparse(self.url)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": parsed.path.lstrip("/") or "postgres",
            "POSTGRES_HOST": parsed.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parsed.port or 5432),
            "POSTGRES_USER": unquote(parsed.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parsed.password or ""),
            "POSTGRES_SCHEMA": self.schema,
            "POSTGRES_POOL_SIZE": os.environ.get("LEDGER_PG_POOL_SIZE", "2"),
            "POSTGRES_MAX_OVERFLOW": os.environ.get("LEDGER_PG_MAX_OVERFLOW", "8"),
            "POSTGRES_CONNECT_TIMEOUT": "10",
            # Keeps commit order equal to id order, which followers rely on.
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        }


def store_settings() -> StoreSettings:
    url = os.environ.get("LEDGER_DATABASE_URL", "").strip() or None
    if url is not None and urlparse(url).scheme not in ("postgresql", "postgres"):
        raise ValueError("LEDGER_DATABASE_URL must start with postgresql://")
    return StoreSettings(
        sqlite_path=os.environ.get("LEDGER_DB", "").strip() or DEFAULT_DB,
        url=url,
        schema=os.environ.get("LEDGER_PG_SCHEMA", "").strip() or "public",
    )


def read_store_settings(primary: StoreSettings) -> StoreSettings | None:
    """Where the API reads its views from when not the primary: a PostgreSQL streaming replica
    (LEDGER_READ_DATABASE_URL), same schema. Commands and event reads stay on the primary."""
    url = os.environ.get("LEDGER_READ_DATABASE_URL", "").strip() or None
    if url is None:
        return None
    if urlparse(url).scheme not in ("postgresql", "postgres"):
        raise ValueError("LEDGER_READ_DATABASE_URL must start with postgresql://")
    if not primary.is_postgres:
        raise ValueError("LEDGER_READ_DATABASE_URL needs LEDGER_DATABASE_URL: a replica of what?")
    return replace(primary, url=url)


def deadline_rules() -> DeadlineRules:
    """LEDGER_DEADLINES (a .toml or .json file), with the time window every command is held to."""
    path = os.environ.get("LEDGER_DEADLINES", "").strip()
    rules = DeadlineRules.load(path) if path else DeadlineRules()
    return replace(rules, window=time_window())


def county_tz() -> ZoneInfo:
    return ZoneInfo(os.environ.get("LEDGER_TZ", "").strip() or "Asia/Shanghai")


def late_entry_hours() -> float:
    return float(os.environ.get("LEDGER_LATE_ENTRY_HOURS", "48"))


DEFAULT_EARLIEST = "1990-01-01"


def earliest() -> datetime:
    """LEDGER_EARLIEST: the earliest instant any command or query may name. A date is its
    midnight in the county's zone; an instant needs its offset. Not before 1900, not in the future."""
    raw = os.environ.get("LEDGER_EARLIEST", "").strip() or DEFAULT_EARLIEST
    try:
        if len(raw) == 10:
            when = datetime.combine(date.fromisoformat(raw), time(), tzinfo=county_tz())
        else:
            when = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(
            f"LEDGER_EARLIEST must be a date (1990-01-01) or an instant with offset, not {raw!r}"
        ) from None
    if when.tzinfo is None:
        raise ValueError("LEDGER_EARLIEST as an instant needs an offset, e.g. 1990-01-01T00:00:00+08:00")
    if not datetime(1900, 1, 1, tzinfo=UTC) <= when <= datetime.now(UTC):
        raise ValueError(f"LEDGER_EARLIEST must lie between 1900 and now, not {raw!r}")
    return when


def time_window() -> TimeWindow:
    """The instants commands and queries may carry (domain.values.TimeWindow)."""
    return TimeWindow(earliest=earliest(), zone=county_tz())
