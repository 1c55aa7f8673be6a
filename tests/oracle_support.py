"""Stores and comparisons shared by the tests of the indicator oracle (tests/indicator_oracle.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from application.config import StoreSettings
from application.ledger import Ledger
from application.reference_files import demo_text, read_csv, region_rows
from tests.indicator_oracle import Geography
from tests.support import PG_URL, Clock, postgres_available, postgres_schema


def oracle_world(store: StoreSettings, geo: Geography, clock: Clock) -> tuple[Ledger, Any]:
    """A ledger on ``store`` with the test's own regions (populations as ``geo`` says) and the
    demo county's organisations and mediators; returns the ledger and its admin actor."""
    ledger = Ledger(None, settings=store, clock=clock)
    system = ledger.system_actor()
    ledger.load_regions(system, region_rows(geo.csv_text()))
    ledger.load_organisations(system, read_csv(demo_text("organisations.csv")))
    ledger.load_mediators(system, read_csv(demo_text("mediators.csv")))
    admin, _ = ledger.add_actor("oracle-admin", "admin")
    return ledger, admin


STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@contextmanager
def module_store(kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreSettings]:
    """A store for a module-scoped fixture (tests/conftest.py's ``store`` is per test)."""
    if kind == "sqlite":
        yield StoreSettings(sqlite_path=str(tmp_path_factory.mktemp("store") / "ledger.sqlite3"), url=None, schema="public")
        return
    reason = postgres_available()
    if reason:
        if os.environ.get("LEDGER_TEST_POSTGRES") == "required":
            pytest.fail(f"PostgreSQL tests are required here: {reason}")
        pytest.skip(reason)
    with postgres_schema() as schema:
        yield StoreSettings(sqlite_path="", url=PG_URL, schema=schema)


def same(want: Any, got: Any) -> bool:
    if isinstance(want, float) and isinstance(got, int | float):
        return got == pytest.approx(want, rel=1e-9, abs=1e-9)
    return bool(want == got)


def mismatches(expected: dict[str, Any], actual: dict[str, Any], where: str) -> list[str]:
    return [f"{where} {k}: expected {w!r}, got {actual.get(k, '<absent>')!r}"
            for k, w in expected.items() if not same(w, actual.get(k))]
