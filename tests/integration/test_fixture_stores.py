"""Stores outlive code: a store written by each earlier version still opens, verifies and projects.

The files under tests/fixtures were written by the code of their version (see make_store_v1.py)
and are never regenerated; each test works on a copy so the fixture stays as written.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import orjson
import pytest

from application.config import StoreSettings
from application.integrity import seal, verify
from application.ledger import Ledger
from domain.integrity import STORED_STATE, canonical
from domain.reference import RegionCatalogue
from projections.cases import case_row
from projections.runner import ViewRunner
from tests.fixtures.observe_store import case_ids, observe

FIXTURES = Path(__file__).parent.parent / "fixtures"
STORES = sorted(FIXTURES.glob("store-v1.sqlite3"))


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


def test_an_earlier_stores_unchained_streams_are_legacy_until_a_new_seal_covers_them(
    old_store: StoreSettings, tmp_path: Path
) -> None:
    """Actors, token entries and reference data were not chained before version 2: verify names
    them as legacy (not broken), and the first seal after the upgrade covers every one of them."""
    ledger = Ledger(settings=old_store)
    try:
        before = verify(ledger, witness=None)
        assert before.intact, before.summary()
        kinds = {item["kind"] for item in before.legacy}
        assert kinds == {"actor", "token index", "regions", "directory"}, kinds
        assert not before.legacy_covered
        assert "legacy streams" in before.summary() and "not yet covered" in before.summary()
        witness = str(tmp_path / "seals.jsonl")
        sealed, _ = seal(ledger, ledger.system_actor(), witness=witness)
        # The new seal chains to the one the old code wrote, and covers the legacy heads.
        assert sealed.previous_seal == before.last_seal["root"]  # type: ignore[index]
        assert sealed.previous_seal_id == before.last_seal["id"]  # type: ignore[index]
        assert {item["stream_id"] for item in before.legacy} <= set(sealed.heads)
        after = verify(ledger, witness=witness)
        assert after.intact, after.summary()
        assert after.legacy_covered and len(after.legacy) == len(before.legacy)
        # New events on a legacy stream are chained onto its legacy head.
        ledger.load_regions(ledger.system_actor(), [])
        assert verify(ledger, witness=witness).intact
    finally:
        ledger.close()
    # A population changed in the legacy reference data is now named.
    with sqlite3.connect(old_store.sqlite_path, isolation_level=None) as conn:
        conn.execute(
            'UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), \'"population":{"20\', '
            '\'"population":{"19\') AS BLOB) WHERE originator_id = ? AND originator_version = 2',
            (RegionCatalogue.ID.hex,),
        )
    ledger = Ledger(settings=old_store)
    try:
        report = verify(ledger, witness=witness)
        assert not report.intact
        assert report.broken[0]["stream"] == "regions", report.broken
    finally:
        ledger.close()


# ---------------------------------------------------------------------------- version 2 stores
# Written by make_store_v2.py before the case-model corrections, with every event type of the day,
# on SQLite and PostgreSQL; store-v2.expected.json is what that code read from them.

EXPECTED_V2 = json.loads((FIXTURES / "store-v2.expected.json").read_text(encoding="utf-8"))


@pytest.fixture
def v2_store(store: StoreSettings, tmp_path: Path) -> tuple[StoreSettings, str]:
    """The version-2 fixture of the ``store`` fixture's kind, restored as written."""
    if store.url is None:
        copy = tmp_path / "store-v2.sqlite3"
        shutil.copy(FIXTURES / "store-v2.sqlite3", copy)
        return StoreSettings(sqlite_path=str(copy), url=None, schema="public"), "sqlite"
    import psycopg

    dump = (FIXTURES / "store-v2.pg.sql").read_text(encoding="utf-8")
    with psycopg.connect(store.url, autocommit=True) as conn:
        conn.execute(dump.replace(f"{SCHEMA_V2}.", f"{store.schema}."))  # type: ignore[call-overload]
    return store, "postgres"


SCHEMA_V2 = "store_v2_fixture"


def test_a_version_2_store_reads_verifies_projects_and_reviews_as_it_did(
    v2_store: tuple[StoreSettings, str],
) -> None:
    settings, kind = v2_store
    ledger = Ledger(settings=settings)
    try:
        found = observe(ledger)
    finally:
        ledger.close()
    expected = EXPECTED_V2[kind]
    assert found["intact"] and found["events"] == expected["events"] and found["cases"] == expected["cases"]
    assert found["case_rows"] == expected["case_rows"]
    assert found["indicators"] == expected["indicators"]
    assert found["reviews"] == expected["reviews"]


def test_a_version_2_store_takes_a_new_seal_and_new_commands_and_stays_intact(
    v2_store: tuple[StoreSettings, str],
) -> None:
    settings, _ = v2_store
    ledger = Ledger(settings=settings)
    try:
        admin = ledger.actor("admin")
        open_case = next(cid for cid in case_ids(ledger) if ledger.get_case(cid).status == "assigned")
        ledger.execute(admin, open_case, "accept")
        sealed, _ = seal(ledger, admin)
        report = verify(ledger, witness=None)
        assert report.intact, report.summary()
        assert report.last_seal is not None and report.last_seal["position"] == sealed.position
    finally:
        ledger.close()


def test_version_1_confirmation_requests_read_in_the_version_2_shape_and_hash_as_stored(
    v2_store: tuple[StoreSettings, str],
) -> None:
    """The upcaster adds the applicants (not recorded then: empty) and the mediator's hand-over;
    the event's hash stays the hash of the JSON the store holds."""
    settings, _ = v2_store
    ledger = Ledger(settings=settings)
    try:
        notes = [
            n for n in ledger.recorder.select_notifications(start=1, limit=10_000)
            if n.topic.endswith("Case.ConfirmationRequested")
        ]  # fmt: skip
        assert len(notes) == 2
        for note in notes:
            stored = orjson.loads(note.state)
            assert "applicants" not in stored and "class_version" not in stored
            upcast = ledger.mapper.to_domain_event(note)
            assert upcast.applicants == [] and upcast.handed_over_by == "mediator"  # type: ignore[attr-defined]
            as_stored = {
                k: v
                for k, v in vars(upcast).items()
                if k not in ("applicants", "handed_over_by", STORED_STATE)
            }
            assert canonical(upcast) == canonical(SimpleNamespace(**as_stored)).replace(
                b"types:SimpleNamespace", b"domain.case:Case.ConfirmationRequested"
            )
    finally:
        ledger.close()


def test_ledger_verify_says_a_version_2_store_is_intact(
    v2_store: tuple[StoreSettings, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from cli.main import main
    from tests.support import use_store

    use_store(monkeypatch, v2_store[0])
    result = CliRunner().invoke(main, ["verify"], env={"COLUMNS": "200"}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "intact" in result.output, result.output
