"""Stores outlive code: a store written by each earlier version still opens, verifies and projects.

The files under tests/fixtures were written by the code of their version (see make_store_v1.py)
and are never regenerated; each test works on a copy so the fixture stays as written.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from application.config import StoreSettings
from application.integrity import verify
from application.ledger import Ledger
from projections.cases import case_row
from projections.runner import ViewRunner

FIXTURES = Path(__file__).parent.parent / "fixtures"
STORES = sorted(FIXTURES.glob("store-v*.sqlite3"))


@pytest.fixture(params=STORES, ids=[p.stem for p in STORES])
def old_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreSettings:
    copy = tmp_path / request.param.name
    shutil.copy(request.param, copy)
    return StoreSettings(sqlite_path=str(copy), url=None, schema="public")


def test_there_is_a_fixture_store_per_earlier_version() -> None:
    assert [p.name for p in STORES][:1] == ["store-v1.sqlite3"]


def test_an_earlier_store_opens_verifies_intact_and_projects(old_store: StoreSettings) -> None:
    ledger = Ledger(settings=old_store)
    try:
        report = verify(ledger)
        assert report.intact, report.summary()
        assert report.last_seal is not None
        assert report.cases == 3
        views = ViewRunner(ledger)
        try:
            views.rebuild()
            assert views.lag().behind == 0
            with views.views.cursor() as cur:
                rows = [
                    case_row(cur, str(e.originator_id))
                    for e in ledger.recorder.select_notifications(start=1, limit=1000)
                    if e.originator_version == 1 and ".case:" in e.topic
                ]
            statuses = sorted(r["status"] for r in rows if r is not None)
            assert statuses == ["assigned", "closed", "litigating"], statuses
        finally:
            views.close()
    finally:
        ledger.close()
