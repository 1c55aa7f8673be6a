"""Red/yellow card proposals from the indicators v2 rows (DESIGN.md §6): each rule at work on a
county whose towns differ, the court feed imported through the application, and the parties'
confirmation window never making a town overdue."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from application.court_feed import CourtRecord, import_court_records
from projections.warnings import town_cards
from tests.integration.test_indicators_v2 import LATER, act, report, views
from tests.integration.test_projection_oracle import TZ, local
from tests.support import COURT, World

COUNTY = "621199"
HIGH, RISING, INCIDENT, OVERDUE, AGREED_ONLY = "621199001", "621199002", "621199003", "621199004", "621199005"


def _village(world: World, town: str) -> str:
    return min(r.code for r in world.ledger.regions().regions.values() if r.level == "village" and r.parent_code == town)


def _town_population(world: World, town: str, year: int) -> int:
    regions = world.ledger.regions().regions.values()
    return sum(r.population.get(year, 0) for r in regions if r.level == "village" and r.parent_code == town)


def _filings(world: World, year: int, per_10k: dict[str, float]) -> list[CourtRecord]:
    """First-instance filings spread over Q1 of ``year``, ``per_10k`` residents per town."""
    records: list[CourtRecord] = []
    for town, rate in per_10k.items():
        village = _village(world, town)
        for _ in range(round(_town_population(world, town, year) * rate / 10000)):
            n = len(records) + 1
            filed = date(year, 1, 5) + timedelta(days=n % 80)
            records.append(CourtRecord(case_number=f"({year})甘1199民初{n}号", court_code=COURT, cause="民间借贷纠纷",
                                       filed_on=filed, plaintiff_region=None, defendant_region=village))
    return records


def test_proposals_differ_by_town_and_name_their_reasons(world: World) -> None:
    towns = sorted(r.code for r in world.ledger.regions().regions.values() if r.level == "town")
    usual = dict.fromkeys(towns, 10.0)
    world.clock.now = LATER
    records = _filings(world, 2025, usual) + _filings(world, 2026, {**usual, HIGH: 40.0, RISING: 11.5})
    result = import_court_records(world.ledger, world.actors["admin"], records)
    assert not result.problems, result.problems[:3]

    # A major 个人极端 incident in one town.
    case = report(world, local(2026, 2, 3), region_code=_village(world, INCIDENT))
    act(world, case, "assign", local(2026, 2, 3, 12), route="peoples_mediation", organisation_code=f"ORGT{INCIDENT}")
    act(world, case, "accept", local(2026, 2, 3, 15))
    act(world, case, "report_incident", local(2026, 2, 4), kind="extreme_act", description="当事人扬言报复", severity="major")
    act(world, case, "record_failure", local(2026, 2, 5), reason="当事人拒绝调解")
    act(world, case, "file_in_court", local(2026, 2, 6), court_code=COURT, court_case_number="(2026)甘1199民初9999号",
        reason="调解不成")
    # Two cases left untriaged in another: overdue at the end of the quarter.
    for day in (2, 9):
        report(world, local(2026, 3, day), region_code=_village(world, OVERDUE))
    # An agreement whose parties never applied for confirmation: a reminder, not overdue work.
    agreed = report(world, local(2026, 1, 6), region_code=_village(world, AGREED_ONLY))
    act(world, agreed, "assign", local(2026, 1, 6, 12), route="peoples_mediation", organisation_code=f"ORGT{AGREED_ONLY}")
    act(world, agreed, "accept", local(2026, 1, 7))
    act(world, agreed, "record_agreement", local(2026, 1, 8), terms="分期偿还")

    with views(world) as cur:
        cards = town_cards(cur, county=COUNTY, period="2026-Q1", now=LATER, tz=TZ)
    by_town = {t["region_code"]: t for t in cards["towns"]}

    def reasons(town: str) -> dict[str, Any]:
        return {r["indicator"]: r for r in by_town[town]["reasons"]}

    assert by_town[HIGH]["card"] == "red"
    assert reasons(HIGH)["litigation_per_10k"]["ratio"] >= 1.5
    assert reasons(HIGH)["litigation_per_10k"]["county_value"] == cards["county_litigation_per_10k"]
    assert reasons(HIGH)["court_cases_yoy"]["value"] > 2
    assert by_town[RISING]["card"] == "yellow"
    assert set(reasons(RISING)) == {"court_cases_yoy"}
    assert 0.10 <= reasons(RISING)["court_cases_yoy"]["value"] < 0.20
    assert (by_town[INCIDENT]["card"], set(reasons(INCIDENT))) == ("red", {"extreme_acts"})
    assert (by_town[OVERDUE]["card"], set(reasons(OVERDUE))) == ("yellow", {"overdue_share"})
    assert by_town[OVERDUE]["figures"]["overdue_open"] == 2
    assert by_town[AGREED_ONLY]["card"] is None, by_town[AGREED_ONLY]
    assert by_town[AGREED_ONLY]["figures"]["overdue_share"] == 0.0  # one open case, not overdue
    quiet = [t for t in towns if t not in (HIGH, RISING, INCIDENT, OVERDUE, AGREED_ONLY)]
    # Quiet towns: no card; only the overdue rule is unjudged where no case is open (0 of 0).
    assert all(by_town[t]["card"] is None for t in quiet)
    assert all({u["indicator"] for u in by_town[t]["unjudged"]} <= {"overdue_share"} for t in quiet)
    assert cards["complete"] is True
