"""Stores for the suite. Every test that takes ``store`` runs on SQLite and on PostgreSQL.

PostgreSQL tests skip with a visible reason when no server answers, unless
LEDGER_TEST_POSTGRES=required (as in CI), where an absent server fails the run instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from application.config import StoreSettings
from tests.support import PG_URL, World, make_world, postgres_available, postgres_schema

_pg_reason: list[str | None] = []


def _postgres_reason() -> str | None:
    if not _pg_reason:
        _pg_reason.append(postgres_available())
    return _pg_reason[0]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[StoreSettings]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield StoreSettings(sqlite_path=str(tmp_path / "ledger.sqlite3"), url=None, schema="public")
        return
    reason = _postgres_reason()
    if reason:
        if os.environ.get("LEDGER_TEST_POSTGRES") == "required":
            pytest.fail(f"PostgreSQL tests are required here: {reason}")
        pytest.skip(reason)
    with postgres_schema() as schema:
        yield StoreSettings(sqlite_path="", url=PG_URL, schema=schema)


@pytest.fixture
def world(store: StoreSettings) -> Iterator[World]:
    """A ledger on each real store, demo county loaded, one actor per role, clock at T0."""
    w = make_world(store)
    yield w
    w.ledger.close()


@pytest.fixture
def memory_world() -> Iterator[World]:
    """The same on the library's in-memory store, for fast unit tests of rules."""
    w = make_world(None, popo=True)
    yield w
    w.ledger.close()
