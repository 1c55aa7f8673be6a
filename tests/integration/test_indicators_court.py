"""万人成讼率 and 无讼村 from the court's own filings (DESIGN.md §6, §9), imported through the
application on both stores: attribution by the defendant's or the plaintiff's domicile, the kinds
counted, suits of financial institutions, a span the feed does not cover, comparisons, 无讼村."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from application.court_feed import CourtRecord, import_court_records
from projections.indicators import cell_evidence
from tests.integration.test_indicators_v2 import LATER, act, report, row, table, views
from tests.integration.test_projection_oracle import GEO, TZ, local
from tests.support import COURT, World

TOWN, OTHER_TOWN, COUNTY = "621199001", "621199002", "621199"
V1, V2, V3 = "621199001001", "621199001002", "621199001003"
ELSEWHERE = "621199002001"


def record(
    n: int, filed_on: date, defendant: str | None, plaintiff: str | None = ELSEWHERE, *, kind: str = "民初",
    financial: bool = False, cause: str = "民间借贷纠纷",
) -> CourtRecord:
    return CourtRecord(
        case_number=f"({filed_on.year})甘1199{kind}{n}号", court_code=COURT, cause=cause, filed_on=filed_on,
        plaintiff_region=plaintiff, defendant_region=defendant, plaintiff_is_financial=financial,
    )


def load(world: World, records: list[CourtRecord], *, at: datetime = datetime(2027, 1, 10, tzinfo=UTC)) -> None:
    world.clock.now = at
    result = import_court_records(world.ledger, world.actors["admin"], records)
    assert not result.problems, result.problems


#: The feed's bounds: records from January 2025 to December 2026 (outside the demo's villages).
BOUNDS = [record(9001, date(2025, 1, 3), "621199008"), record(9002, date(2026, 12, 30), "621199008")]


def test_filings_are_attributed_to_the_defendants_domicile_by_default_or_the_plaintiffs(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(world, [
        *BOUNDS,
        record(1, date(2026, 2, 3), V1, ELSEWHERE),
        record(2, date(2026, 2, 4), V2, V1),
        record(3, date(2026, 2, 5), TOWN, None),  # domicile known to the town only
        record(4, date(2026, 2, 6), None, V1),  # defendant unknown: counted nowhere by default
    ])
    with views(world) as cur:
        towns = {r["region_code"]: r for r in table(cur, "2026-Q1", region=COUNTY)["rows"]}
        villages = {r["region_code"]: r for r in table(cur, "2026-Q1", level="village")["rows"]}
        monkeypatch.setenv("LEDGER_LITIGATION_DOMICILE", "plaintiff")
        by_plaintiff = {r["region_code"]: r for r in table(cur, "2026-Q1", region=COUNTY)["rows"]}
        plaintiff_villages = {r["region_code"]: r for r in table(cur, "2026-Q1", level="village")["rows"]}
    assert towns[TOWN]["court_cases"] == 3 and towns[OTHER_TOWN]["court_cases"] == 0
    assert towns[TOWN]["litigation_source"] == "court_feed"
    assert (villages[V1]["court_cases"], villages[V2]["court_cases"]) == (1, 1)
    assert by_plaintiff[TOWN]["court_cases"] == 2 and by_plaintiff[OTHER_TOWN]["court_cases"] == 1
    assert plaintiff_villages[V1]["court_cases"] == 2
    population = towns[TOWN]["population"]
    assert towns[TOWN]["litigation_per_10k"] == pytest.approx(3 / population * 10000)
    assert towns[TOWN]["litigation_per_10k_annualised"] == pytest.approx(3 / population * 10000 * 365 / 90)


def test_only_the_kinds_counted_and_without_financial_suits_when_asked(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    load(world, [
        *BOUNDS,
        record(1, date(2026, 3, 1), V1),
        record(2, date(2026, 3, 2), V1, kind="行初", cause="行政处罚"),
        record(3, date(2026, 3, 3), V1, kind="民特", cause="申请司法确认调解协议"),
        record(4, date(2026, 3, 4), V1, kind="执", cause="民间借贷纠纷"),
        record(5, date(2026, 3, 5), V1, "621199008", financial=True, cause="金融借款合同纠纷"),
    ])
    with views(world) as cur:
        default = row(cur, "2026-03")
        monkeypatch.setenv("LEDGER_LITIGATION_EXCLUDE_FINANCIAL", "1")
        no_banks = row(cur, "2026-03")
        monkeypatch.setenv("LEDGER_LITIGATION_KINDS", "民初")
        civil_only = row(cur, "2026-03")
        cell = cell_evidence(cur, region=TOWN, period="2026-03", indicator="court_cases", now=LATER, tz=TZ)
    assert default["court_cases"] == 3  # 民初 and 行初, the bank's suit included
    assert no_banks["court_cases"] == 2
    assert civil_only["court_cases"] == 1
    assert [e["case_number"] for e in cell["components"]["court_cases"]["events"]] == ["(2026)甘1199民初1号"]


def test_a_span_the_feed_does_not_cover_answers_none_never_ledger_filings(world: World) -> None:
    case = report(world, local(2024, 6, 3, 9))
    act(world, case, "file_in_court", local(2024, 6, 10, 9), court_code=COURT,
        court_case_number="(2024)甘1199民初77号", reason="起诉")
    load(world, [*BOUNDS, record(1, date(2026, 2, 3), V1)])
    with views(world) as cur:
        before_feed = row(cur, "2024")
        covered = row(cur, "2026")
        last_year_uncovered = row(cur, "2025-Q1")  # Q1 2024 is not covered: no comparison
        by_source = row(cur, "2026", source="walk_in")
    assert before_feed["ledger_court_filings"] == 1
    assert (before_feed["court_cases"], before_feed["litigation_per_10k"], before_feed["litigation_source"]) == (None, None, "none")
    assert covered["litigation_source"] == "court_feed" and covered["court_cases"] == 1
    assert last_year_uncovered["court_cases"] == 0 and last_year_uncovered["court_cases_last_year"] is None
    assert last_year_uncovered["court_cases_yoy"] is None
    assert by_source["litigation_source"] == "none" and by_source["court_cases"] is None


def test_court_cases_are_compared_with_the_same_span_last_year(world: World) -> None:
    records = [*BOUNDS]
    records += [record(100 + i, date(2025, 1 + i % 12, 10), V1) for i in range(20)]
    records += [record(200 + i, date(2026, 1 + i % 12, 10), V2) for i in range(15)]
    load(world, records)
    with views(world) as cur:
        year = row(cur, "2026")
        q1 = row(cur, "2026-Q1")
        on_1_december = row(cur, "2026", now=local(2026, 12, 1, 12))
    assert (year["court_cases"], year["court_cases_last_year"]) == (15, 20)
    assert year["court_cases_yoy"] == pytest.approx(-0.25)
    assert year["litigation_per_10k_yoy"] is not None
    assert (q1["court_cases"], q1["court_cases_last_year"], q1["court_cases_prev"]) == (6, 6, 3)
    # 1 Jan–30 Nov against 1 Jan–30 Nov: December's filings of either year are not compared
    assert (on_1_december["court_cases"], on_1_december["court_cases_last_year"]) == (14, 19)


def test_no_litigation_villages_over_the_year_so_far(world: World) -> None:
    incident = report(world, local(2026, 4, 1, 9), region_code=V2)
    act(world, incident, "report_incident", local(2026, 4, 2, 9), kind="mass_incident", description="聚集", severity="serious")
    load(world, [*BOUNDS, record(1, date(2026, 3, 3), V1), record(2, date(2026, 12, 3), V3)])
    villages = len(GEO.villages(TOWN))
    with views(world) as cur:
        year = table(cur, "2026")
        in_november = table(cur, "2026", now=local(2026, 11, 20, 9))
        quarter = row(cur, "2026-Q1")
        cell = cell_evidence(cur, region=TOWN, period="2026", indicator="no_litigation_villages", now=LATER, tz=TZ)
    (r,) = year["rows"]
    assert year["complete"] is True and r["no_litigation_villages"] == villages - 3
    (provisional,) = in_november["rows"]
    assert in_november["complete"] is False and provisional["no_litigation_villages"] == villages - 2
    assert quarter["no_litigation_villages"] is None
    assert cell["value"] == villages - 3 and cell["components"]["villages"]["count"] == villages - 3
    excluded: dict[str, Any] = {e["region_code"]: e for e in cell["components"]["villages_excluded"]["events"]}
    assert set(excluded) == {V1, V2, V3} and excluded[V2]["mass_incidents"] == 1


def test_as_of_counts_each_court_record_as_recorded_by_then(world: World) -> None:
    load(world, [*BOUNDS, record(1, date(2026, 2, 3), V1)])
    load(world, [*BOUNDS, record(1, date(2026, 4, 3), V1)], at=datetime(2027, 1, 12, tzinfo=UTC))
    between = datetime(2027, 1, 11, tzinfo=UTC)
    with views(world) as cur:
        then_q1 = row(cur, "2026-Q1", as_of=between)
        now_q1, now_q2 = row(cur, "2026-Q1"), row(cur, "2026-Q2")
    assert then_q1["court_cases"] == 1 and then_q1["overdue_open"] is None
    assert (now_q1["court_cases"], now_q2["court_cases"]) == (0, 1)
