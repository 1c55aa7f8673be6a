"""The instrument views: rebuilt from the first event they equal what one-event catch-ups
built; an assessment takes its court cases from the court feed's view when it holds cases."""

from __future__ import annotations

from typing import Any

import pytest

from application import instruments as acts
from projections.instruments import village_evidence
from projections.runner import ViewRunner
from tests.integration.test_instrument_transitions import CARD_ARGS, _card, _evidence
from tests.integration.test_projection_rebuild import dump_differences, dump_views
from tests.support import VILLAGE, World


def test_rebuilt_instrument_views_equal_event_by_event_catch_ups(world: World) -> None:
    runner = ViewRunner(world.ledger, batch_size=1)
    try:
        supervisor = world.actors["supervisor"]
        for path in (["hold_talk", "file_plan", "lift"], ["escalate"], []):
            _card(world, path)
            runner.catch_up()
        acts.enrol_village(world.ledger, supervisor, village_code=VILLAGE, year=2025, sponsor_code="FY", sponsor_name="县法院")
        runner.catch_up()
        acts.village_command(world.ledger, supervisor, VILLAGE, "assess", year=2025, complete=True, evidence=_evidence(0))
        acts.village_command(world.ledger, supervisor, VILLAGE, "name", year=2025)
        runner.catch_up()
        incremental = dump_views(runner)
        assert len(incremental["v_cards"][1]) == 3 and len(incremental["v_no_litigation_years"][1]) == 1
        runner.rebuild()
        assert not dump_differences(incremental, dump_views(runner))
    finally:
        runner.close()
    assert CARD_ARGS


def test_court_cases_come_from_the_court_feed_when_its_view_holds_cases(world: World) -> None:
    runner = ViewRunner(world.ledger)
    try:
        runner.catch_up()
        with runner.views.cursor(commit=True) as cur:
            # The shape of branch `court`'s view (INTERFACE.md), only the columns read here.
            cur.execute("CREATE TABLE IF NOT EXISTS v_court_cases (case_number TEXT PRIMARY KEY, kind TEXT, "
                        "filed_on TEXT, defendant_village TEXT, plaintiff_village TEXT)")  # fmt: skip
            cur.execute(
                "INSERT INTO v_court_cases (case_number, kind, filed_on, defendant_village, plaintiff_village) "
                "VALUES (%s, %s, %s, %s, %s)",
                ("(2025)甘1199民初88号", "民初", "2025-06-01", VILLAGE, None),
            )
            cur.execute(
                "INSERT INTO v_court_cases (case_number, kind, filed_on, defendant_village, plaintiff_village) "
                "VALUES (%s, %s, %s, %s, %s)",
                ("(2025)甘1199执9号", "执", "2025-07-01", VILLAGE, None),
            )
        none: Any = lambda position: ("", "")  # noqa: E731
        with runner.views.cursor() as cur:
            found = village_evidence(cur, village_code=VILLAGE, year=2025, incident_of=none)
            by_plaintiff = village_evidence(cur, village_code=VILLAGE, year=2025, incident_of=none, domicile="plaintiff")
    finally:
        runner.close()
    assert found["court_source"] == "court_feed"
    assert found["court_cases"] == {"count": 1, "items": [{"case_number": "(2025)甘1199民初88号"}]}
    assert by_plaintiff["court_cases"]["count"] == 0


def test_an_assessment_freezes_the_court_feeds_case_numbers(world: World) -> None:
    """Active once branch `court` is merged: a filing in the court's own feed fails the year."""
    from datetime import date

    court_feed = pytest.importorskip("application.court_feed")
    from application.config import county_tz
    from projections.governance import assess_village

    record = court_feed.CourtRecord(
        case_number="(2025)甘1199民初321号", court_code="ORGC-COURT", cause="民间借贷纠纷",
        filed_on=date(2025, 5, 6), plaintiff_region=None, defendant_region=VILLAGE,
    )  # fmt: skip
    report = court_feed.import_court_records(world.ledger, world.actors["admin"], [record])
    assert report.filed == 1, report
    supervisor = world.actors["supervisor"]
    acts.enrol_village(world.ledger, supervisor, village_code=VILLAGE, year=2025, sponsor_code="FY", sponsor_name="县法院")
    runner = ViewRunner(world.ledger)
    try:
        runner.catch_up()
        with runner.views.cursor() as cur:
            village, _ = assess_village(world.ledger, cur, supervisor, VILLAGE, year=2025, now=world.clock.now, tz=county_tz())
    finally:
        runner.close()
    assessed: Any = list(world.ledger.events.get(village.id))[-1]
    assert not assessed.passed and assessed.complete
    assert assessed.evidence["court_source"] == "court_feed"
    assert assessed.evidence["court_cases"]["items"] == [{"case_number": "(2025)甘1199民初321号"}]
