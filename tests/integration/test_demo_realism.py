"""The demo county looks like a county: committees, tribunals, the mix and seasons of disputes,
incidents where the trouble is, and a court feed at the volumes and mix of a county court.

The distribution checks run on a planned sample (no store: planning is cheap); the recorded
checks run the generator through the application on both stores.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest

from application.config import StoreSettings
from application.court_feed import CourtRecord
from application.demo import DemoCounty, Step, demo_begin, generate, plan_histories
from application.demo_court import BIG_FOUR, CourtFeed, is_urban, population
from application.demo_seasons import days_to_festival
from domain.court_case import parse_case_number
from projections.runner import ViewRunner
from tests.support import World, make_world

END = datetime(2026, 12, 1, 4, tzinfo=UTC)
URBAN_KINDS = ("property_management", "consumer", "private_lending")
FARMING_KINDS = ("land_contract", "neighbour", "family")


@dataclass
class Sample:
    county: DemoCounty
    steps: list[Step]
    records: list[CourtRecord]
    begin: datetime

    def lives(self) -> dict[int, list[Step]]:
        found: dict[int, list[Step]] = defaultdict(list)
        for step in self.steps:
            found[step.case].append(step)
        return {k: sorted(v, key=lambda s: s.seq) for k, v in found.items()}


@pytest.fixture(scope="module")
def sample() -> Iterator[Sample]:
    world = make_world(None, popo=True)
    rng = random.Random(7)
    county = DemoCounty(world.ledger, rng)
    begin = demo_begin(END, county.tz)
    county.choose_quiet_villages(range(2024, 2027))
    steps = plan_histories(county, 4000, begin, END)
    feed = CourtFeed(county.regions, county.county, county.courts_by_town, county.court, county.tz, rng, county.quiet)
    yield Sample(county, steps, feed.plan(steps, begin, END, rate=160, scale=1).records, begin)
    world.ledger.close()


def _civil_or_administrative(r: CourtRecord) -> bool:
    return parse_case_number(r.case_number).kind in ("民初", "行初")


def test_every_village_and_town_committee_has_three_to_nine_mediators(memory_world: World) -> None:
    directory = memory_world.ledger.directory()
    members = Counter(m.organisation_code for m in directory.mediators.values())
    committees = [o for o in directory.organisations.values() if o.kind in ("village_committee", "town_committee")]
    assert len(committees) == 68
    assert all(3 <= members[o.code] <= 9 for o in committees), {o.code: members[o.code] for o in committees}


def test_the_history_begins_a_full_year_before_the_first_year_compared(sample: Sample) -> None:
    assert sample.begin == datetime(2024, 1, 1, tzinfo=sample.county.tz)
    reports = [s for s in sample.steps if s.command == "report"]
    years = Counter(sample.county.local(s.occurred_at).year for s in reports)
    assert set(years) == {2024, 2025, 2026}
    assert years[2024] > 1000 and years[2025] > 1000


def test_urban_communities_and_farming_villages_have_their_own_disputes(sample: Sample) -> None:
    regions = sample.county.regions
    mix: dict[bool, Counter[str]] = {True: Counter(), False: Counter()}
    for s in sample.steps:
        if s.command == "report":
            mix[is_urban(regions[s.args["region_code"][:12]])][s.args["category"]] += 1
    urban, farming = mix[True], mix[False]
    assert sum(urban[c] for c in URBAN_KINDS) / sum(urban.values()) > 0.4
    assert sum(farming[c] for c in FARMING_KINDS) / sum(farming.values()) > 0.45
    assert {c for c, _ in urban.most_common(3)} <= {*URBAN_KINDS, "labour"}
    assert {c for c, _ in farming.most_common(3)} == set(FARMING_KINDS)
    assert urban["land_contract"] == 0
    assert farming["property_management"] / sum(farming.values()) < 0.02


def _daily_rate(days: list[date], inside: Any, begin: date, end: date) -> tuple[float, float]:
    span = [begin.fromordinal(n) for n in range(begin.toordinal(), end.toordinal() + 1)]
    in_days = sum(1 for d in span if inside(d))
    hits = sum(1 for d in days if inside(d))
    return hits / in_days, (len(days) - hits) / (len(span) - in_days)


def test_wage_claims_peak_before_the_spring_festival_and_land_disputes_at_planting(sample: Sample) -> None:
    tz_day = sample.county.local
    first, last = tz_day(sample.begin), tz_day(END)
    by_category: dict[str, list[date]] = defaultdict(list)
    for s in sample.steps:
        if s.command == "report":
            by_category[s.args["category"]].append(tz_day(s.occurred_at))
    before, rest = _daily_rate(by_category["migrant_wages"], lambda d: 7 < days_to_festival(d) <= 35, first, last)
    assert before > 2.5 * rest
    planting, other = _daily_rate(by_category["land_contract"], lambda d: 3 <= d.month <= 5, first, last)
    assert planting > 2 * other
    # Courts see the wage suits of the same season too.
    wages = [r.filed_on for r in sample.records if r.cause == "追索劳动报酬纠纷"]
    assert isinstance(wages[0], date)
    before, rest = _daily_rate(wages, lambda d: 7 < days_to_festival(d) <= 35, first, last)  # type: ignore[arg-type]
    assert before > 2 * rest


def test_court_volumes_per_ten_thousand_lie_in_the_band_and_the_big_four_dominate(sample: Sample) -> None:
    villages = [r for r in sample.county.regions.values() if r.level == "village"]
    for year in (2024, 2025):
        civil = [r for r in sample.records if parse_case_number(r.case_number).kind == "民初" and r.filed_on.year == year]  # type: ignore[union-attr]
        per_10k = len(civil) / sum(population(v, year) for v in villages) * 10_000
        assert 100 <= per_10k <= 250, (year, per_10k)
        causes = Counter(r.cause for r in civil)
        assert sum(causes[c] for c in BIG_FOUR) / len(civil) > 0.5
        assert set(BIG_FOUR) <= {c for c, _ in causes.most_common(5)}
        financial = [r for r in civil if r.plaintiff_is_financial]
        assert 0.1 < len(financial) / len(civil) < 0.35
        assert {r.cause for r in financial} <= {"信用卡纠纷", "金融借款合同纠纷", "保险合同纠纷"}
        levels = Counter(len(r.defendant_region or "") for r in civil)
        assert levels[12] / len(civil) > 0.6 and levels[9] and levels[6] and levels[0]
    kinds = Counter(parse_case_number(r.case_number).kind for r in sample.records)
    assert kinds["行初"] > 0 and kinds["民特"] > 0 and kinds["诉前调"] > 0


def test_a_few_villages_see_no_suit_in_a_year(sample: Sample) -> None:
    villages = {r.code for r in sample.county.regions.values() if r.level == "village"}
    for year in (2024, 2025):
        sued = {
            region
            for r in sample.records
            if _civil_or_administrative(r) and r.filed_on.year == year  # type: ignore[union-attr]
            for region in (r.defendant_region, r.plaintiff_region)
        }
        quiet = villages - sued
        assert 1 <= len(quiet) <= 8, (year, quiet)


def test_case_numbers_run_per_court_year_and_kind_and_the_ledgers_filings_keep_theirs(sample: Sample) -> None:
    series: dict[tuple[int, str], list[tuple[Any, int]]] = defaultdict(list)
    for r in sample.records:
        number = parse_case_number(r.case_number)
        assert number.court == "甘1199" and number.year == r.filed_on.year  # type: ignore[union-attr]
        series[number.year, number.kind].append((r.filed_on, number.serial))
    for cases in series.values():
        cases.sort()
        assert [serial for _, serial in cases] == list(range(1, len(cases) + 1))
    by_number = {r.case_number: r for r in sample.records}
    filings = [s for s in sample.steps if s.command == "file_in_court"]
    assert filings
    for s in filings:
        record = by_number[s.args["court_case_number"]]
        assert record.filed_on == sample.county.local(s.occurred_at) and record.court_code == s.args["court_code"]
    linked = [r for r in sample.records if r.pre_litigation_number]
    assert linked and all(parse_case_number(r.pre_litigation_number or "").kind == "诉前调" for r in linked)


def test_tribunals_hear_the_towns_they_cover(sample: Sample) -> None:
    county = sample.county
    assert set(county.courts_by_town.values()) == {"ORGC-TRIB-01", "ORGC-TRIB-02", "ORGC-TRIB-03"}
    confirmations: Counter[str] = Counter()
    for lives in sample.lives().values():
        town = lives[0].args["region_code"][:9]
        civil = lives[0].args["category"] != "administrative"
        holder = None
        for s in lives:
            if s.command == "assign":
                holder = s.args["organisation_code"]
            if s.command == "file_in_court":
                assert s.args["court_code"] == (county.courts_by_town.get(town, "ORGC-COURT") if civil else "ORGC-COURT")
            if s.command == "request_confirmation":
                # The court of the mediating body's area: a committee of the town → the town's tribunal.
                local = holder in (county.committee[lives[0].args["region_code"][:12]], county.committee[town])
                assert s.args["court_code"] == (county.courts_by_town.get(town, "ORGC-COURT") if local else "ORGC-COURT")
                confirmations[s.args["court_code"]] += 1
    civil = [r for r in sample.records if parse_case_number(r.case_number).kind == "民初" and r.defendant_region]
    for r in civil:
        assert r.court_code == county.courts_by_town.get((r.defendant_region or "")[:9], "ORGC-COURT")
    used = Counter(r.court_code for r in civil)
    assert all(used[t] > 100 and confirmations[t] > 10 for t in county.courts_by_town.values())


def test_incidents_arise_mostly_from_open_failed_or_high_risk_cases(sample: Sample) -> None:
    troubled: set[int] = set()
    calm: set[int] = set()
    incidents: set[int] = set()
    for case, life in sample.lives().items():
        commands = [s.command for s in life]
        risky = any(s.command == "assess_risk" and s.args["level"] in ("high", "critical") for s in life)
        closing = [c for c in commands if c in ("close", "withdraw", "reopen")]
        still_open = not closing or closing[-1] == "reopen"
        (troubled if risky or "record_failure" in commands or still_open else calm).add(case)
        if "report_incident" in commands:
            incidents.add(case)
    assert len(incidents) >= 10
    assert len(incidents & troubled) / len(incidents) >= 0.75
    troubled_rate = len(incidents & troubled) / len(troubled)
    calm_rate = len(incidents & calm) / len(calm)
    assert troubled_rate > 10 * calm_rate


def _case_events(world: World) -> list[tuple[Any, ...]]:
    notes = world.ledger.recorder.select_notifications(start=1, limit=1_000_000)
    return [
        (n.originator_id, n.originator_version, n.topic, n.state)
        for n in notes
        if ".Case." in n.topic or "CourtCase" in n.topic
    ]


def test_the_same_seed_gives_the_same_cases_and_court_records() -> None:
    worlds = [make_world(None, popo=True) for _ in range(3)]
    try:
        counts = [
            generate(w.ledger, disputes=25, seed=seed, end=END, court_scale=0.01)
            for w, seed in zip(worlds, (5, 5, 6), strict=True)
        ]
        same, again, other = (_case_events(w) for w in worlds)
        assert counts[0] == counts[1] and counts[0]["court_records"] > 100
        assert same == again
        assert same != other
    finally:
        for w in worlds:
            w.ledger.close()


def test_the_recorded_demo_links_the_ledgers_court_cases_to_the_feed(store: StoreSettings) -> None:
    world = make_world(store)
    try:
        counts = generate(world.ledger, disputes=60, seed=2, end=END, court_scale=0.02)
        runner = ViewRunner(world.ledger)
        try:
            runner.catch_up()
            with runner.views.cursor() as cur:
                kinds = {r["kind"]: r["n"] for r in cur.all("SELECT kind, COUNT(*) AS n FROM v_court_cases GROUP BY kind")}
                linked = {r["case_number"] for r in cur.all("SELECT case_number FROM v_court_cases WHERE dispute_id IS NOT NULL")}
                concluded = cur.scalar("SELECT COUNT(*) FROM v_court_cases WHERE concluded_on IS NOT NULL")
        finally:
            runner.close()
        assert sum(kinds.values()) == counts["court_records"]
        assert kinds["民初"] > 50
        filed = [
            n for n in world.ledger.recorder.select_notifications(start=1, limit=1_000_000) if n.topic.endswith("FiledInCourt")
        ]
        assert filed and len(linked) >= len(filed)
        assert all(re.fullmatch(r"\(20\d\d\)甘1199(民初|行初|民特|诉前调)\d+号", n) for n in linked)
        assert concluded > 0
    finally:
        world.ledger.close()
