"""Indicators version 2 (DESIGN.md §6) through the application and the projection, on both
stores: counting by case, like spans compared, population by year with floating population and
its fallback, category and source breakdowns, the evidence behind cells, and the v1 names gone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.errors import InvalidValue
from projections.indicators import INDICATORS, RETIRED, cell_evidence, indicator_table
from projections.runner import ViewRunner
from tests.integration.test_projection_oracle import TZ, local
from tests.support import World

TOWN, OTHER_TOWN, COUNTY = "621199001", "621199002", "621199"
VILLAGE, VILLAGE_2 = "621199001001", "621199001002"
COURT = "ORGC-COURT"
#: A clock long after every event of these tests: every period is complete.
LATER = datetime(2028, 1, 5, tzinfo=UTC)


@contextmanager
def views(world: World) -> Iterator[Any]:
    runner = ViewRunner(world.ledger)
    try:
        runner.catch_up()
        with runner.views.cursor() as cur:
            yield cur
    finally:
        runner.close()


def act(world: World, case_id: Any, command: str, when: datetime, **args: Any) -> None:
    world.clock.now = when
    world.ledger.execute(world.actors["admin"], case_id, command, occurred_at=when, **args)


def report(world: World, when: datetime, **overrides: Any) -> UUID:
    world.clock.now = when
    overrides.setdefault("region_code", VILLAGE)
    return world.report(actor="admin", occurred_at=when, **overrides).id  # type: ignore[no-any-return]


def steps(world: World, case_id: UUID, plan: list[tuple[str, tuple[int, ...], dict[str, Any]]]) -> None:
    for command, when, args in plan:
        act(world, case_id, command, local(*when), **args)


def assign(org: str) -> dict[str, Any]:
    return {"route": "peoples_mediation", "organisation_code": org}


FILE = {"court_code": COURT, "court_case_number": "(2026)甘1199民初7号", "reason": "起诉"}


def table(cur: Any, period: str, *, region: str = TOWN, level: str = "town", now: datetime = LATER, **kw: Any) -> dict[str, Any]:
    return indicator_table(cur, region=region, period=period, level=level, now=now, tz=TZ, **kw)


def row(cur: Any, period: str, **kw: Any) -> dict[str, Any]:
    (only,) = table(cur, period, **kw)["rows"]
    return only


# ------------------------------------------------------------------------------------ counting by case


def test_a_case_failing_at_village_and_settling_at_county_is_one_success_of_one(world: World) -> None:
    case = report(world, local(2026, 2, 1, 9))
    steps(world, case, [
        ("assign", (2026, 2, 2, 9), assign("ORG621199001001")),
        ("accept", (2026, 2, 3, 9), {}),
        ("record_failure", (2026, 2, 10, 9), {"reason": "分歧较大"}),
        ("assign", (2026, 2, 11, 9), assign("ORGT621199001")),
        ("accept", (2026, 2, 12, 9), {}),
        ("record_failure", (2026, 2, 20, 9), {"reason": "仍有分歧"}),
        ("assign", (2026, 2, 21, 9), assign("ORGC-COUNTY")),
        ("accept", (2026, 2, 22, 9), {}),
        ("record_agreement", (2026, 3, 1, 9), {"terms": "分期给付"}),
    ])
    with views(world) as cur:
        q1 = row(cur, "2026-Q1")
    assert q1["disputes_reported"] == 1
    assert q1["disputes_assigned"] == 1  # the first hand-over only, not each escalation
    assert q1["mediation_agreements"] == 1 and q1["mediation_concluded_failures"] == 0
    assert q1["mediation_success_rate"] == 1.0
    assert q1["resolved_pre_litigation"] == 1 and q1["resolution_rate"] == 1.0
    assert q1["mean_days_to_mediated_resolution"] == pytest.approx(28.0)


def test_a_failure_concludes_when_the_case_leaves_mediation(world: World) -> None:
    withdrawn = report(world, local(2026, 4, 1, 9))
    steps(world, withdrawn, [
        ("assign", (2026, 4, 2, 9), assign("ORG621199001001")),
        ("accept", (2026, 4, 3, 9), {}),
        ("record_failure", (2026, 4, 10, 9), {"reason": "分歧较大"}),
        ("close", (2026, 4, 12, 9), {"summary": "无法调解"}),
    ])
    filed = report(world, local(2026, 4, 1, 10), source="court_diversion")
    steps(world, filed, [
        ("assign", (2026, 4, 2, 10), assign("ORG621199001001")),
        ("accept", (2026, 4, 3, 10), {}),
        ("record_failure", (2026, 4, 10, 10), {"reason": "分歧较大"}),
        ("file_in_court", (2026, 5, 2, 10), FILE),
    ])
    waiting = report(world, local(2026, 4, 1, 11))  # failed, neither reassigned nor gone: not concluded
    steps(world, waiting, [
        ("assign", (2026, 4, 2, 11), assign("ORG621199001001")),
        ("accept", (2026, 4, 3, 11), {}),
        ("record_failure", (2026, 4, 10, 11), {"reason": "分歧较大"}),
    ])
    gave_up = report(world, local(2026, 4, 1, 13))  # failed, handed on, declined, then withdrawn
    steps(world, gave_up, [
        ("assign", (2026, 4, 2, 13), assign("ORG621199001001")),
        ("accept", (2026, 4, 3, 13), {}),
        ("record_failure", (2026, 4, 10, 13), {"reason": "分歧较大"}),
        ("assign", (2026, 4, 11, 13), assign("ORGT621199001")),
        ("decline", (2026, 4, 12, 13), {"reason": "不属于受理范围"}),
        ("withdraw", (2026, 6, 1, 13), {"reason": "当事人撤回"}),
    ])
    never_tried = report(world, local(2026, 4, 1, 12))  # withdrawn before any mediation
    act(world, never_tried, "withdraw", local(2026, 4, 5, 12), reason="当事人自行和解")
    with views(world) as cur:
        april, may, june, q2 = (row(cur, p) for p in ("2026-04", "2026-05", "2026-06", "2026-Q2"))
        court = cell_evidence(cur, region=TOWN, period="2026-Q2", indicator="court_referral_success_rate", now=LATER, tz=TZ)
        rate = cell_evidence(cur, region=TOWN, period="2026-Q2", indicator="mediation_success_rate", now=LATER, tz=TZ)
    assert april["mediation_concluded_failures"] == 1 and april["mediation_success_rate"] == 0.0
    assert may["mediation_concluded_failures"] == 1 and may["ledger_court_filings"] == 1
    assert q2["mediation_concluded_failures"] == 3 and q2["mediation_agreements"] == 0
    assert june["mediation_concluded_failures"] == 1  # the withdrawal, in June
    assert q2["court_referral_success_rate"] == 0.0
    assert [e["case_id"] for e in court["components"]["denominator"]["events"]] == [str(filed)]
    assert court["components"]["numerator"]["count"] == 0
    assert sorted(e["case_id"] for e in rate["components"]["denominator"]["events"]) == sorted(
        [str(withdrawn), str(filed), str(gave_up)]
    )


def test_a_reopened_case_counts_again_only_in_a_later_period(world: World) -> None:
    case = report(world, local(2026, 3, 2, 9))
    steps(world, case, [
        ("assign", (2026, 3, 3, 9), assign("ORG621199001001")),
        ("accept", (2026, 3, 4, 9), {}),
        ("record_agreement", (2026, 3, 10, 9), {"terms": "赔偿"}),
        ("close", (2026, 3, 12, 9), {"summary": "销号"}),
        ("reopen", (2026, 3, 20, 9), {"reason": "反复"}),
        ("assign", (2026, 3, 21, 9), assign("ORG621199001001")),
        ("accept", (2026, 3, 22, 9), {}),
        ("record_agreement", (2026, 3, 25, 9), {"terms": "再次协议"}),
        ("close", (2026, 3, 26, 9), {"summary": "销号"}),
        ("reopen", (2026, 4, 2, 9), {"reason": "又反复"}),
        ("assign", (2026, 4, 3, 9), assign("ORG621199001001")),
        ("accept", (2026, 4, 4, 9), {}),
        ("record_agreement", (2026, 4, 9, 9), {"terms": "第三次协议"}),
    ])
    with views(world) as cur:
        march, april, q1, year = (row(cur, p) for p in ("2026-03", "2026-04", "2026-Q1", "2026"))
        cell = cell_evidence(cur, region=TOWN, period="2026", indicator="mediation_agreements", now=LATER, tz=TZ)
        disputes = cell_evidence(cur, region=TOWN, period="2026", indicator="disputes_assigned", now=LATER, tz=TZ)
    assert march["mediation_agreements"] == 1 and march["disputes_assigned"] == 1
    assert april["mediation_agreements"] == 1 and april["disputes_assigned"] == 1
    assert q1["mediation_agreements"] == 1
    assert year["mediation_agreements"] == 1 and year["disputes_assigned"] == 1 and year["disputes_reported"] == 1
    assert cell["value"] == 1 and cell["components"]["cases"]["count"] == 1
    assert disputes["components"]["cases"]["count"] == 1
    # the mean is over the case once: its first agreement of the span
    assert year["mean_days_to_mediated_resolution"] == pytest.approx(8.0)


def test_confirmations_online_work_follow_ups_and_incidents(world: World) -> None:
    case = report(world, local(2026, 5, 4, 9))
    steps(world, case, [
        ("assign", (2026, 5, 5, 9), assign("ORG621199001001")),
        ("accept", (2026, 5, 6, 9), {}),
        ("hold_session", (2026, 5, 7, 9), {"mode": "online", "participants": ["甲", "乙"], "summary": "视频调解"}),
        ("hold_session", (2026, 5, 8, 9), {"mode": "online", "participants": ["甲", "乙"], "summary": "视频调解"}),
        ("record_agreement", (2026, 5, 9, 9), {"terms": "分期"}),
        ("request_confirmation", (2026, 5, 10, 9), {"court_code": COURT, "online": True, "applicants": ["张建国", "李秀英"]}),
        ("decide_confirmation", (2026, 5, 15, 9), {"granted": True, "reason": "合法"}),
        ("close", (2026, 5, 16, 9), {"summary": "销号"}),
        ("follow_up", (2026, 6, 10, 9), {"satisfaction": "satisfied", "relapse": True}),
        ("report_incident", (2026, 6, 11, 9), {"kind": "mass_incident", "description": "聚集", "severity": "serious"}),
        ("report_incident", (2026, 6, 12, 9), {"kind": "extreme_act", "description": "冲突", "severity": "grave"}),
        ("report_incident", (2026, 6, 13, 9), {"kind": "criminal_escalation", "description": "伤害", "severity": "major"}),
    ])
    other = report(world, local(2026, 5, 4, 10))
    steps(world, other, [
        ("assign", (2026, 5, 5, 10), assign("ORG621199001001")),
        ("accept", (2026, 5, 6, 10), {}),
        ("record_agreement", (2026, 5, 9, 10), {"terms": "分期"}),
        ("request_confirmation", (2026, 5, 10, 10), {"court_code": COURT, "online": False, "applicants": ["张建国", "李秀英"]}),
        ("decide_confirmation", (2026, 5, 15, 10), {"granted": False, "reason": "违法"}),
    ])
    with views(world) as cur:
        may, june = row(cur, "2026-05"), row(cur, "2026-06")
        serious = cell_evidence(cur, region=TOWN, period="2026-06", indicator="serious_incidents", now=LATER, tz=TZ)
    assert may["online_mediations"] == 1 and may["online_confirmations"] == 1
    assert may["confirmations_granted"] == 1 and may["confirmations_rejected"] == 1
    assert may["confirmation_rate"] == 0.5
    # the follow-up is counted with the resolution it follows up (May), not in June
    assert may["follow_up_rate"] == 0.5 and may["satisfaction_rate"] == 1.0 and may["relapse_rate"] == 1.0
    assert june["follow_up_rate"] is None
    # severity major or above (LEDGER_MAJOR_SEVERITY): one case, whatever its number of incidents
    assert june["serious_incidents"] == 1
    assert (june["criminal_escalations"], june["extreme_acts"], june["mass_incidents"]) == (1, 1, 0)
    assert [e["case_id"] for e in serious["components"]["incidents"]["events"]] == [str(case)]


# ------------------------------------------------------------------------------------ periods and comparisons


def test_on_1_december_the_year_compares_1_january_to_30_november_with_the_same_span_last_year(world: World) -> None:
    for when in [(2025, 11, 30, 23), (2025, 12, 1, 0, 30), (2025, 12, 20, 9), (2026, 3, 1, 9), (2026, 11, 30, 23, 30)]:
        report(world, local(*when))
    world.clock.now = local(2026, 12, 1, 0, 10)
    report(world, local(2026, 12, 1, 0, 5))  # today: not yet counted
    december_first = local(2026, 12, 1, 15)
    with views(world) as cur:
        answer = table(cur, "2026", now=december_first)
        (r,) = answer["rows"]
        q4 = row(cur, "2026-Q4", now=december_first)
        november = row(cur, "2026-11", now=december_first)
    assert answer["complete"] is False and answer["through"] == "2026-11-30" and answer["days"] == 334
    assert (answer["last_year_from"], answer["last_year_through"]) == ("2025-01-01", "2025-11-30")
    assert r["disputes_reported"] == 2 and r["disputes_reported_last_year"] == 1
    assert r["disputes_reported_yoy"] == 1.0
    assert r["disputes_reported_prev"] is None  # years have no 环比
    # Q4 so far (61 days) against Q3's first 61 days, and Q4 2025's first 61 days
    assert q4["disputes_reported"] == 1 and q4["disputes_reported_last_year"] == 1
    assert q4["disputes_reported_prev"] == 0 and q4["disputes_reported_pop"] is None
    assert november["disputes_reported"] == 1 and november["disputes_reported_last_year"] == 1


def test_quarter_on_quarter_is_clipped_to_the_days_elapsed(world: World) -> None:
    report(world, local(2026, 2, 8, 20))  # day 39 of Q1: inside the clipped span
    report(world, local(2026, 2, 9, 9))  # day 40: outside
    report(world, local(2026, 4, 3, 9))
    report(world, local(2026, 4, 4, 9))
    with views(world) as cur:
        answer = table(cur, "2026-Q2", now=local(2026, 5, 10, 12))
    (r,) = answer["rows"]
    assert answer["days"] == 39 and answer["through"] == "2026-05-09"
    assert (answer["prev_from"], answer["prev_through"]) == ("2026-01-01", "2026-02-08")
    assert r["disputes_reported"] == 2 and r["disputes_reported_prev"] == 1 and r["disputes_reported_pop"] == 1.0


def test_a_month_range_counts_its_months(world: World) -> None:
    for month in (1, 4, 8, 9):
        report(world, local(2026, month, 10, 9))
    with views(world) as cur:
        r = row(cur, "2026-01..2026-08")
        with pytest.raises(InvalidValue, match="runs forward"):
            table(cur, "2026-08..2026-01")
        with pytest.raises(InvalidValue, match="within one year"):
            table(cur, "2025-11..2026-02")
    assert r["disputes_reported"] == 3 and r["disputes_reported_prev"] is None


# ------------------------------------------------------------------------------------ population


def _regions(world: World, rows: list[dict[str, Any]]) -> None:
    world.ledger.load_regions(world.actors["admin"], rows)


def test_population_adds_floating_falls_back_to_an_earlier_year_and_is_null_with_a_reason(world: World) -> None:
    _regions(world, [
        {"code": "629901", "level": "county", "name": "试点县", "parent_code": None, "population": {"2025": 0}},
        {"code": "629901001", "level": "town", "name": "甲镇", "parent_code": "629901"},
        {"code": "629901002", "level": "town", "name": "乙镇", "parent_code": "629901"},
        {"code": "629901001001", "level": "village", "name": "一村", "parent_code": "629901001",
         "population": {"2024": 900, "2025": 1000}, "floating": {"2025": 200}},
        {"code": "629901001002", "level": "village", "name": "二村", "parent_code": "629901001",
         "population": {"2025": 3000, "2026": 3100}},
        {"code": "629901002001", "level": "village", "name": "三村", "parent_code": "629901002",
         "population": {"2026": 500}},
        {"code": "629901002002", "level": "village", "name": "四村", "parent_code": "629901002"},
    ])
    with views(world) as cur:
        towns = {r["region_code"]: r for r in table(cur, "2026", region="629901")["rows"]}
        county = row(cur, "2026", region="629901", level="county")
    a, b = towns["629901001"], towns["629901002"]
    assert a["population"] == 1000 + 200 + 3100 and a["population_year"] == 2025
    assert "2025" in a["population_note"]
    assert b["population"] is None and b["litigation_per_10k"] is None
    assert "629901002002" in b["population_note"] and "四村" in b["population_note"]
    assert county["population"] is None and "629901002002" in county["population_note"]


# ------------------------------------------------------------------------------------ breakdowns


def test_category_and_source_filters_and_a_table_by_category(world: World) -> None:
    report(world, local(2026, 3, 2, 9), category="family", source="walk_in")
    report(world, local(2026, 3, 3, 9), category="family", source="court_diversion")
    moved = report(world, local(2026, 3, 4, 9), category="neighbour", source="walk_in")
    report(world, local(2026, 3, 5, 9), category="labour", source="hotline", region_code="621199002001")
    act(world, moved, "correct_details", local(2026, 3, 6, 9), field="category", value="family", reason="类型有误")
    with views(world) as cur:
        family = row(cur, "2026-Q1", category="family")
        walk_in = row(cur, "2026-Q1", source="walk_in")
        both = row(cur, "2026-Q1", category="family", source="court_diversion")
        by_category = table(cur, "2026-Q1", region=COUNTY, group="category")
        county = row(cur, "2026-Q1", region=COUNTY, level="county")
        with pytest.raises(InvalidValue):
            table(cur, "2026-Q1", category="no-such-category")
    assert family["disputes_reported"] == 3  # the corrected case moved to family, retroactively
    assert walk_in["disputes_reported"] == 2 and both["disputes_reported"] == 1
    assert walk_in["litigation_source"] == "none" and walk_in["court_cases"] is None
    rows = {r["category"]: r for r in by_category["rows"]}
    assert rows["family"]["category_label"] == "婚姻家庭" and rows["family"]["disputes_reported"] == 3
    assert rows["labour"]["disputes_reported"] == 1 and rows["neighbour"]["disputes_reported"] == 0
    assert all(r["region_code"] == COUNTY for r in by_category["rows"])
    assert rows["family"]["population"] == county["population"] is not None


def test_version_1_names_are_gone_and_every_v2_name_is_answered(world: World) -> None:
    report(world, local(2026, 3, 2, 9))
    with views(world) as cur:
        answer = table(cur, "2026-03")
    (r,) = answer["rows"]
    for retired in RETIRED:
        assert retired not in r
    for name in INDICATORS:
        assert name in r
    assert r["litigation_source"] == "none" and r["court_cases"] is None and r["litigation_per_10k"] is None
    assert r["no_litigation_villages"] is None  # months leave it null; without a court feed, years too


def test_a_regions_file_carries_floating_population_by_year(world: World) -> None:
    from application.reference_files import region_rows

    text = (
        "code,level,name,parent_code,population_2026,floating_2026\n"
        "629902,county,试点二县,,,\n"
        "629902001,town,丙镇,629902,,\n"
        "629902001001,village,五村,629902001,2000,350\n"
    )
    _regions(world, region_rows(text))
    assert world.ledger.regions().regions["629902001001"].floating == {2026: 350}
    with views(world) as cur:
        (town,) = table(cur, "2026", region="629902")["rows"]
    assert (town["population"], town["population_year"], town["population_note"]) == (2350, 2026, None)
