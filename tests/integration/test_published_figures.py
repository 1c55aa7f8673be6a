"""The published figures of the source texts as exact vectors (issue 11, DESIGN.md §6 version 2).

Each is built from records written through the application: court filings through
import_court_records (in one batch, as a court's export arrives), dispute cases through the
Ledger's commands at their own instants, as tests/support.py's World does. The clock is injected:
"now" is 10:00 on 1 December 2026 in the county, so 2026 counts 1 January-30 November and is
compared with 1 January-30 November 2025.

Scale. Vectors 1 and 2 use the published counts (17,640 → 15,241; 9,269 → 8,140). Vector 3
(54,971 → 43,191, 通辽 2022) would add 98,162 filings: 54,971 and 43,191 share no factor, so no
smaller pair keeps the ratio exactly; it is built at a tenth, 5,497 → 4,319 (−21.4299%, shown as
−21.43% like the published −21.4295%), and says so. The rates 29,500/36,200 and 300/1,360 are built
from their smallest equal fractions, 295/362 and 15/68 (the same numbers exactly); 477/643 cannot be
reduced and is built at full size.

Stores. Every vector runs on SQLite and on PostgreSQL. The 47,000 court filings go through
import_court_records in one batch, as a court's export arrives (its checks, hash-chained events,
saves of many events per transaction), and the views catch up from them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from application.ledger import Ledger
from projections.indicators import indicator_table
from projections.runner import ViewRunner
from tests.indicator_oracle import COUNTY, NOW, TZ, geography, local
from tests.oracle_support import STORES, module_store, oracle_world
from tests.support import Clock

COURT = "ORGC-COURT"
QUIET_VILLAGES = ("621199004003", "621199007005")  # no filing against anyone living here
NO_POPULATION = "621199002003"


def filings(first: date, last: date, count: int, villages: list[str], serials: dict[tuple[int, str], int],
            *, kind: str = "民初", every_town: int = 9, every_county: int = 47) -> list[Any]:
    """``count`` filings spread evenly over ``first``..``last``: defendants in ``villages`` in turn,
    every ``every_town``-th known only to its town and every ``every_county``-th only to the county
    (0: none);
    one in twenty an administrative case (行初)."""
    from application.court_feed import CourtRecord

    days = (last - first).days + 1
    out = []
    for i in range(count):
        filed = first + timedelta(days=i * days // count)
        this_kind = "行初" if kind == "民初" and i % 20 == 7 else kind
        serials[(filed.year, this_kind)] = serial = serials.get((filed.year, this_kind), 0) + 1
        village = villages[i % len(villages)]
        domicile = COUNTY if every_county and i % every_county == 3 else village[:9] if every_town and i % every_town == 5 else village
        out.append(CourtRecord(
            case_number=f"({filed.year})甘1199{this_kind}{serial}号", court_code=COURT,
            cause="行政许可" if this_kind == "行初" else ("民间借贷纠纷", "离婚纠纷", "信用卡纠纷", "买卖合同纠纷")[i % 4],
            filed_on=filed, plaintiff_region=villages[(i * 7) % len(villages)], defendant_region=domicile,
            plaintiff_is_financial=i % 4 == 2,
        ))
    return out


def answer(ledger: Ledger, period: str, level: str = "county", region: str = COUNTY, **kwargs: Any) -> dict[str, Any]:
    runner = ViewRunner(ledger)
    try:
        runner.catch_up()
        with runner.views.cursor() as cur:
            return indicator_table(cur, region=region, period=period, level=level, now=NOW, tz=TZ, **kwargs)
    finally:
        runner.close()


def percent(fraction: float) -> float:
    return round(fraction * 100, 2)


# ---------------------------------------------------------------------------------------- court cases


@pytest.fixture(scope="module", params=STORES)
def court_ledger(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    from application.court_feed import import_court_records

    geo = geography()
    villages = [v for v in geo.villages(COUNTY) if v not in QUIET_VILLAGES]
    serials: dict[tuple[int, str], int] = {}
    records = [
        # Vector 3, at a tenth: the year 2024 (complete) against 2023.
        *filings(date(2023, 1, 1), date(2023, 12, 31), 5_497, villages, serials),
        *filings(date(2024, 1, 1), date(2024, 12, 31), 4_319, villages, serials),
        # Vectors 1 and 2: 1 January-30 November, and January-August of it.
        *filings(date(2025, 1, 1), date(2025, 8, 31), 9_269, villages, serials),
        *filings(date(2025, 9, 1), date(2025, 11, 30), 17_640 - 9_269, villages, serials),
        *filings(date(2025, 12, 1), date(2025, 12, 31), 40, villages, serials),  # after the span: not compared
        *filings(date(2026, 1, 1), date(2026, 8, 31), 8_140, villages, serials),
        *filings(date(2026, 9, 1), date(2026, 11, 30), 15_241 - 8_140, villages, serials),
        *filings(date(2026, 12, 1), date(2026, 12, 1), 3, villages, serials),  # today: no whole day yet
        # Kinds other than 民初/行初 are not first-instance civil or administrative filings; some
        # name defendants in the quiet villages, which stay 无讼.
        *filings(date(2025, 1, 1), date(2026, 11, 30), 30, list(QUIET_VILLAGES), serials, kind="执"),
        *filings(date(2025, 1, 1), date(2026, 11, 30), 20, villages, serials, kind="民特"),
        *filings(date(2025, 1, 1), date(2026, 11, 30), 20, list(QUIET_VILLAGES), serials, kind="诉前调"),
    ]
    with module_store(request.param, tmp_path_factory) as store:
        ledger, admin = oracle_world(store, geo, Clock(NOW))
        try:
            report = import_court_records(ledger, admin, records)
            assert not report.problems and report.filed == len(records)
            yield ledger
        finally:
            ledger.close()


def test_court_cases_this_year_against_the_same_span_last_year(court_ledger: Ledger) -> None:
    """17,640 → 15,241: −2,399 and −13.60%, on 1 December: 1 Jan–30 Nov against 1 Jan–30 Nov."""
    table = answer(court_ledger, "2026")
    assert (table["complete"], table["through"], table["days"]) == (False, "2026-11-30", 334)
    (row,) = table["rows"]
    assert (row["court_cases"], row["court_cases_last_year"]) == (15_241, 17_640)
    assert row["court_cases"] - row["court_cases_last_year"] == -2_399
    assert row["court_cases_yoy"] == pytest.approx(-2_399 / 17_640)
    assert percent(row["court_cases_yoy"]) == -13.60
    assert row["litigation_source"] == "court_feed"


def test_court_cases_of_a_month_range(court_ledger: Ledger) -> None:
    """今年1-8月 9,269 → 8,140: −1,129 and −12.18%."""
    table = answer(court_ledger, "2026-01..2026-08")
    assert (table["complete"], table["through"], table["days"]) == (True, "2026-08-31", 243)
    (row,) = table["rows"]
    assert (row["court_cases"], row["court_cases_last_year"]) == (8_140, 9_269)
    assert row["court_cases"] - row["court_cases_last_year"] == -1_129
    assert row["court_cases_yoy"] == pytest.approx(-1_129 / 9_269)
    assert percent(row["court_cases_yoy"]) == -12.18


def test_court_cases_of_a_whole_year(court_ledger: Ledger) -> None:
    """54,971 → 43,191 gives −21.43%; built at a tenth (5,497 → 4,319), see the module's note."""
    (row,) = answer(court_ledger, "2024")["rows"]
    assert (row["court_cases"], row["court_cases_last_year"]) == (4_319, 5_497)
    assert percent(row["court_cases_yoy"]) == percent((43_191 - 54_971) / 54_971) == -21.43


def test_two_villages_without_filings_are_two_no_litigation_villages(court_ledger: Ledger) -> None:
    table = answer(court_ledger, "2025")
    assert table["complete"] is True
    assert table["rows"][0]["no_litigation_villages"] == 2
    towns = {r["region_code"]: r["no_litigation_villages"] for r in answer(court_ledger, "2025", level="town")["rows"]}
    assert towns == {t: sum(1 for v in QUIET_VILLAGES if v.startswith(t)) for t in towns}
    # The year under way: provisional, and the same two.
    running = answer(court_ledger, "2026")
    assert running["complete"] is False and running["rows"][0]["no_litigation_villages"] == 2
    # A quarter leaves it null.
    assert answer(court_ledger, "2026-Q1")["rows"][0]["no_litigation_villages"] is None


# ---------------------------------------------------------------------------------------- rates from cases


def _cases(ledger: Ledger, clock: Clock, admin: Any, village: str, count: int, start: datetime, *,
           source: str = "grid_patrol", category: str = "neighbour") -> list[Any]:
    """``count`` cases reported in ``village`` and handed to its committee, minutes apart."""
    ids = []
    for i in range(count):
        at = start + timedelta(minutes=3 * i)
        clock.now = at + timedelta(minutes=5)
        case = ledger.report(
            admin, occurred_at=at, source=source, category=category, region_code=village, summary="邻里纠纷",
            parties=[{"role": "applicant", "kind": "person", "name": "张建国"}, {"role": "respondent", "kind": "person", "name": "李秀英"}],
            people_involved=2,
        ).case
        ledger.execute(admin, case.id, "assign", occurred_at=at + timedelta(minutes=1), route="peoples_mediation",
                       organisation_code=f"ORG{village}")
        ids.append(case.id)
    return ids


def _then(ledger: Ledger, clock: Clock, admin: Any, case_ids: list[Any], start: datetime, *steps: tuple[str, dict[str, Any]]) -> None:
    for i, case_id in enumerate(case_ids):
        at = start + timedelta(minutes=5 * i)
        for j, (command, args) in enumerate(steps):
            clock.now = at + timedelta(minutes=j + 5)
            ledger.execute(admin, case_id, command, occurred_at=at + timedelta(minutes=j), **args)


@pytest.fixture(scope="module", params=STORES)
def cases_ledger(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    """In March 2026 in 东关街道 (the fewest commands that make the three fractions; each case goes
    through report, assign, accept and agreement as in life):
    - 643 agreements, 477 of them judicially confirmed;
    - 295 of the 643 are family cases, and 67 more family cases were handed to mediation and not
      yet agreed: 295 of 362 family cases resolved;
    - 15 of the 643 came from the court (诉前委派, source court_diversion), and 53 more court
      referrals failed and were closed: 15 of 68.
    The county has no population figure for 东关街道's third village and none at all for 2026 (2026
    falls back to 2025); two filings a town in the first quarter."""
    from application.court_feed import import_court_records

    geo = geography(without_population=(NO_POPULATION,))
    village = "621199002001"
    with module_store(request.param, tmp_path_factory) as store:
        clock = Clock(local(2026, 3, 1))
        ledger, admin = oracle_world(store, geo, clock)
        accept: tuple[str, dict[str, Any]] = ("accept", {})
        agree: tuple[str, dict[str, Any]] = ("record_agreement", {"terms": "双方达成协议"})
        try:
            family = _cases(ledger, clock, admin, village, 295, local(2026, 3, 2), category="family")
            referred = _cases(ledger, clock, admin, village, 15, local(2026, 3, 3), source="court_diversion")
            others = _cases(ledger, clock, admin, village, 643 - 295 - 15, local(2026, 3, 4))
            agreed = family + referred + others
            _cases(ledger, clock, admin, village, 67, local(2026, 3, 6), category="family")
            failed = _cases(ledger, clock, admin, village, 53, local(2026, 3, 7), source="court_diversion")
            _then(ledger, clock, admin, agreed, local(2026, 3, 10), accept, agree)
            _then(ledger, clock, admin, agreed[:477], local(2026, 3, 20),
                  ("request_confirmation", {"court_code": COURT, "online": False, "applicants": ["张建国", "李秀英"]}),
                  ("decide_confirmation", {"granted": True, "reason": "协议合法有效"}))
            _then(ledger, clock, admin, failed, local(2026, 3, 25), accept, ("record_failure", {"reason": "分歧较大"}),
                  ("close", {"summary": "调解不成"}))
            clock.now = NOW
            villages = [geo.villages(t)[0] for t in geo.towns]
            records = filings(date(2026, 1, 1), date(2026, 3, 31), 16, villages, {}, every_town=0, every_county=0)
            assert not import_court_records(ledger, admin, records).problems
            yield ledger
        finally:
            ledger.close()


def test_rates_from_cases(cases_ledger: Ledger) -> None:
    town = {r["region_code"]: r for r in answer(cases_ledger, "2026-03", level="town")["rows"]}["621199002"]
    # 477 confirmations of 643 agreements = 74.18%.
    assert (town["confirmations_granted"], town["resolved_pre_litigation"]) == (477, 643)
    assert town["confirmation_rate"] == pytest.approx(477 / 643)
    assert percent(town["confirmation_rate"]) == 74.18
    # 300 of 1,360 court referrals = 22.06% (built as 15 of 68, the same fraction).
    assert 15 * 20 == 300 and 68 * 20 == 1_360
    assert town["court_referral_success_rate"] == pytest.approx(300 / 1_360)
    assert percent(town["court_referral_success_rate"]) == 22.06
    assert town["mediation_success_rate"] == pytest.approx(643 / (643 + 53))
    # 29,500 of 36,200 resolved = 81.49% (built as 295 of 362 family cases, the same fraction).
    assert 295 * 100 == 29_500 and 362 * 100 == 36_200
    (family,) = [r for r in answer(cases_ledger, "2026-03", level="town", category="family")["rows"]
                 if r["region_code"] == "621199002"]
    assert (family["resolved_pre_litigation"], family["disputes_assigned"]) == (295, 362)
    assert family["resolution_rate"] == pytest.approx(29_500 / 36_200)
    assert percent(family["resolution_rate"]) == 81.49
    # The same family bulletin by category.
    rows = {r["category"]: r for r in answer(cases_ledger, "2026-03", region="621199002", level="town", group="category")["rows"]}
    assert percent(rows["family"]["resolution_rate"]) == 81.49


# ---------------------------------------------------------------------------------------- population


def test_a_village_without_population_makes_its_rates_null_with_a_reason(cases_ledger: Ledger) -> None:
    rows = {r["region_code"]: r for r in answer(cases_ledger, "2026-Q1", level="town")["rows"]}
    town = rows["621199002"]
    assert town["court_cases"] == 2
    assert town["population"] is None and town["litigation_per_10k"] is None
    assert town["litigation_per_10k_annualised"] is None
    assert NO_POPULATION in town["population_note"]
    (county,) = answer(cases_ledger, "2026-Q1")["rows"]
    assert county["population"] is None and county["litigation_per_10k"] is None and county["population_note"]
    other = rows["621199001"]
    assert other["population"] and other["litigation_per_10k"] == pytest.approx(2 / other["population"] * 10000)


def test_a_year_without_figures_falls_back_and_names_the_year(cases_ledger: Ledger) -> None:
    geo = geography(without_population=(NO_POPULATION,))
    rows = {r["region_code"]: r for r in answer(cases_ledger, "2026-Q1", level="town")["rows"]}
    town = rows["621199001"]
    assert town["population_year"] == 2025
    assert town["population"] == geo.population("621199001", 2025)[0]
    exact = {r["region_code"]: r for r in answer(cases_ledger, "2025", level="town")["rows"]}["621199001"]
    assert exact["population_year"] == 2025 and exact["population"] == town["population"]
