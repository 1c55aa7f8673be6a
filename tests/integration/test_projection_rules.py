"""Rules of the views, one at a time: retroactive corrections, the county's time zone, as-of
indicators against a replayed store, the evidence behind a cell, overdue work at an instant,
case listings, and the runner's lag."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from application.config import StoreSettings
from domain.case import Case
from projections.cases import list_cases, overdue_as_of
from projections.indicators import cell_evidence, indicator_table
from projections.runner import ViewRunner
from tests.integration.test_projection_oracle import (
    COUNT_INDICATORS,
    COUNTY,
    GEO,
    LATER,
    TZ,
    History,
    Oracle,
    compare_tables,
    issue,
    local,
    make_history,
    mismatches,
    period_months,
)
from tests.support import World, make_world, postgres_schema

TOWN_A, TOWN_B = "621199001", "621199002"


@contextmanager
def views(world: World) -> Iterator[ViewRunner]:
    runner = ViewRunner(world.ledger)
    try:
        runner.catch_up()
        yield runner
    finally:
        runner.close()


def act(world: World, case_id: Any, command: str, when: datetime, **args: Any) -> Case:
    """A command as the admin, happening and recorded at ``when``."""
    world.clock.now = when
    return world.ledger.execute(world.actors["admin"], case_id, command, occurred_at=when, **args).case


def report(world: World, when: datetime, **overrides: Any) -> Case:
    world.clock.now = when
    return world.report(actor="admin", occurred_at=when, **overrides)


def rows_by_region(
    cur: Any, period: str, *, as_of: datetime | None = None, now: datetime = LATER
) -> dict[str, dict[str, Any]]:
    rows = indicator_table(cur, region=COUNTY, period=period, level="town", as_of=as_of, now=now, tz=TZ)["rows"]
    (county,) = indicator_table(cur, region=COUNTY, period=period, level="county", as_of=as_of, now=now, tz=TZ)["rows"]
    return {**{r["region_code"]: r for r in rows}, COUNTY: county}


#: Judged at the query's instant from the deadlines as known now, so left null in as-of tables.
OVERDUE = ("overdue_open", "overdue_share")


def without_overdue(rows: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {code: {k: v for k, v in row.items() if k not in OVERDUE} for code, row in rows.items()}


# ------------------------------------------------------------------------------------ corrections

MOVING = (
    "disputes_reported", "disputes_assigned", "resolved_pre_litigation", "resolution_rate", "mediation_agreements",
    "mediation_concluded_failures", "mediation_success_rate", "confirmations_granted", "confirmation_rate",
    "online_confirmations", "ledger_court_filings", "ledger_court_filings_yoy", "serious_incidents",
    "extreme_acts", "follow_up_rate", "satisfaction_rate", "mean_days_to_mediated_resolution", "mean_days_in_court",
)
CORRECTION_PERIODS = ("2026", "2026-Q1", "2026-Q2", "2026-03", "2026-04", "2026-05")


def _two_rich_cases(world: World) -> tuple[UUID, UUID]:
    """Two cases in town A whose facts fall in March, April and May 2026."""
    one = report(world, local(2026, 3, 20, 10), region_code="621199001003", category="neighbour").id
    for command, day, args in [
        ("assign", (3, 21), {"route": "peoples_mediation", "organisation_code": "ORG621199001003"}),
        ("accept", (3, 22), {}),
        ("record_failure", (3, 30), {"reason": "分歧较大"}),
        ("file_in_court", (4, 2), {"court_code": "ORGC-COURT", "court_case_number": "(2026)甘1199民初1号", "reason": "起诉"}),
        ("record_court_outcome", (4, 20), {"outcome": "judgment", "summary": "判决"}),
        ("close", (4, 22), {"summary": "审结销号"}),
        ("reopen", (4, 25), {"reason": "纠纷反复"}),
        ("assign", (4, 26), {"route": "peoples_mediation", "organisation_code": "ORGT621199001"}),
        ("accept", (4, 27), {}),
        ("record_agreement", (5, 3), {"terms": "分期给付"}),
        ("request_confirmation", (5, 4), {"court_code": "ORGC-COURT", "online": True, "applicants": ["张建国", "李秀英"]}),
        ("decide_confirmation", (5, 10), {"granted": True, "reason": "合法"}),
        ("close", (5, 12), {"summary": "销号"}),
        ("follow_up", (5, 20), {"satisfaction": "satisfied", "relapse": False}),
        ("report_incident", (5, 25), {"kind": "extreme_act", "description": "冲突", "severity": "serious"}),
    ]:
        act(world, one, command, local(2026, *day, 9), **args)
    two = report(world, local(2026, 4, 5, 15), region_code="621199001005", category="family").id
    for command, day, args in [
        ("assign", (4, 6), {"route": "peoples_mediation", "organisation_code": "ORG621199001005"}),
        ("accept", (4, 7), {}),
        ("hold_session", (4, 10), {"mode": "onsite", "participants": ["甲", "乙"], "summary": "调解"}),
        ("record_agreement", (4, 15), {"terms": "赔礼道歉"}),
        ("close", (4, 18), {"summary": "销号"}),
    ]:
        act(world, two, command, local(2026, *day, 11), **args)
    return one, two


def test_a_region_correction_moves_every_count_of_the_case_to_the_other_town(world: World) -> None:
    one, two = _two_rich_cases(world)
    with views(world) as runner, runner.views.cursor() as cur:
        before = {p: rows_by_region(cur, p) for p in CORRECTION_PERIODS}
        # the same tables on the clock of the instant just before the correction
        before_then = {p: rows_by_region(cur, p, now=local(2026, 6, 1, 9) - timedelta(seconds=1)) for p in CORRECTION_PERIODS}
    assert before["2026"][TOWN_A]["disputes_reported"] == 2 and before["2026"][TOWN_A]["ledger_court_filings"] == 1
    assert before["2026"][TOWN_B]["disputes_reported"] == 0

    corrected_at = local(2026, 6, 1, 9)
    act(world, one, "correct_details", corrected_at, field="region_code", value="621199002003", reason="选错社区")
    act(world, two, "correct_details", corrected_at + timedelta(minutes=5), field="region_code", value="621199002001001", reason="选错网格")
    with views(world) as runner, runner.views.cursor() as cur:
        after = {p: rows_by_region(cur, p) for p in CORRECTION_PERIODS}
        as_it_was = {p: rows_by_region(cur, p, as_of=corrected_at - timedelta(seconds=1)) for p in CORRECTION_PERIODS}

    problems = []
    for p in CORRECTION_PERIODS:
        a0, b0, a1, b1 = before[p][TOWN_A], before[p][TOWN_B], after[p][TOWN_A], after[p][TOWN_B]
        problems += mismatches({k: a0[k] for k in MOVING}, b1, f"{p} town B after")
        problems += mismatches({k: b0[k] for k in MOVING}, a1, f"{p} town A after")
        # 万人成讼率 and 无讼村 come from the court feed, which this store has none of.
        problems += mismatches({"litigation_per_10k": None, "litigation_source": "none"}, b1, f"{p} town B after")
        problems += mismatches(before[p][COUNTY], after[p][COUNTY], f"{p} county (a move inside the county changes nothing)")
        for town in (TOWN_A, TOWN_B):
            problems += mismatches(
                without_overdue(before_then[p])[town], as_it_was[p][town], f"{p} town {town} as of just before the correction"
            )
    assert not problems, "\n".join(problems)


def test_a_category_correction_leaves_the_indicators_and_moves_the_case_in_listings(world: World) -> None:
    _, two = _two_rich_cases(world)
    with views(world) as runner, runner.views.cursor() as cur:
        before = {p: rows_by_region(cur, p) for p in CORRECTION_PERIODS}
        assert [r["id"] for r in list_cases(cur, scope=[], now=world.clock.now, category="family")[0]] == [str(two)]
    act(world, two, "correct_details", local(2026, 6, 2, 9), field="category", value="labour", reason="类型选错")
    with views(world) as runner, runner.views.cursor() as cur:
        after = {p: rows_by_region(cur, p) for p in CORRECTION_PERIODS}
        assert list_cases(cur, scope=[], now=world.clock.now, category="family") == ([], 0)
        assert [r["id"] for r in list_cases(cur, scope=[], now=world.clock.now, category="labour")[0]] == [str(two)]
    # The counts move to the new category, in the case's (unchanged) region: unfiltered rows stay.
    assert after == before


# ------------------------------------------------------------------------------------ time zone


def test_periods_are_calendar_periods_in_beijing_time(world: World) -> None:
    april_first = datetime.fromisoformat("2026-04-01T00:30:00+08:00")
    assert april_first.astimezone(UTC) == datetime(2026, 3, 31, 16, 30, tzinfo=UTC)
    march_last = datetime.fromisoformat("2026-03-31T23:30:00+08:00")
    new_year = datetime.fromisoformat("2026-01-01T00:10:00+08:00")  # 2025-12-31T16:10Z

    late = report(world, march_last, region_code="621199001002").id
    early = report(world, april_first, region_code="621199001002").id
    act(world, early, "file_in_court", april_first + timedelta(minutes=1), court_code="ORGC-COURT",
        court_case_number="(2026)甘1199民初9号", reason="起诉")
    act(world, late, "withdraw", april_first + timedelta(minutes=2), reason="撤回")
    world.clock.now = datetime(2026, 4, 2, tzinfo=UTC)
    report(world, new_year, region_code="621199001002")

    def cell(cur: Any, period: str) -> dict[str, Any]:
        (row,) = indicator_table(cur, region="621199001", period=period, level="town", now=LATER, tz=TZ)["rows"]
        return {k: row[k] for k in ("disputes_reported", "ledger_court_filings")}

    with views(world) as runner, runner.views.cursor() as cur:
        q1, q2 = cell(cur, "2026-Q1"), cell(cur, "2026-Q2")
        march, april = cell(cur, "2026-03"), cell(cur, "2026-04")
        y2025, y2026, dec, jan = cell(cur, "2025"), cell(cur, "2026"), cell(cur, "2025-12"), cell(cur, "2026-01")
    assert q2 == april == {"disputes_reported": 1, "ledger_court_filings": 1}
    assert march == {"disputes_reported": 1, "ledger_court_filings": 0}
    assert q1 == {"disputes_reported": 2, "ledger_court_filings": 0}
    assert jan["disputes_reported"] == 1 and dec["disputes_reported"] == 0
    assert y2026["disputes_reported"] == 3 and y2025["disputes_reported"] == 0


# ------------------------------------------------------------------------------------ as of


@contextmanager
def second_world(world: World, tmp_path: Path) -> Iterator[World]:
    """A fresh store of the same kind as ``world``'s, with the demo county and the standard actors."""
    settings = world.ledger.settings
    if settings.is_postgres:
        with postgres_schema() as schema:
            other = make_world(StoreSettings(sqlite_path="", url=settings.url, schema=schema))
            try:
                yield other
            finally:
                other.ledger.close()
    else:
        other = make_world(StoreSettings(sqlite_path=str(tmp_path / "replayed.sqlite3"), url=None, schema="public"))
        try:
            yield other
        finally:
            other.ledger.close()


AS_OF_PERIODS = ("2025", "2026", "2025-Q4", "2026-Q1", "2026-Q2", "2025-11", "2026-02", "2026-03")


def test_indicators_as_of_equal_a_store_that_only_saw_the_events_recorded_until_then(world: World, tmp_path: Path) -> None:
    history = make_history(seed=4242, cases=55, start=local(2025, 6, 1), end=local(2026, 4, 30))
    issue(world, history)
    # An instant halfway through the recordings, between two whole seconds (no ties).
    as_of = history.steps[len(history.steps) // 2].recorded_at + timedelta(microseconds=500000)
    seen = [s for s in history.steps if s.recorded_at <= as_of]
    unseen = [s for s in history.steps if s.recorded_at > as_of]
    assert any(s.command == "correct_details" and s.args["field"] == "region_code" for s in seen)
    assert any(s.command == "correct_details" and s.args["field"] == "region_code" for s in unseen)
    assert any(s.occurred_at <= as_of for s in unseen), "some late entries should straddle the instant"

    oracle = Oracle(history, as_of=as_of)
    with views(world) as full, full.views.cursor() as cur:
        then = {p: rows_by_region(cur, p, as_of=as_of) for p in AS_OF_PERIODS}
        now = {p: rows_by_region(cur, p) for p in AS_OF_PERIODS}
        oracle_problems = compare_tables(cur, oracle, AS_OF_PERIODS, as_of=as_of)
    assert then != now, "the instant chosen should change some indicators"

    with second_world(world, tmp_path) as replayed:
        issue(replayed, history, only=seen)
        with views(replayed) as runner, runner.views.cursor() as cur:
            # the same instant fixes the spans (a period under way at as_of counts its elapsed days)
            replay = {p: without_overdue(rows_by_region(cur, p, now=as_of)) for p in AS_OF_PERIODS}
    problems = [
        problem
        for p in AS_OF_PERIODS
        for region in replay[p]
        for problem in mismatches(replay[p][region], then[p][region], f"{p} {region} as of {as_of.isoformat()}")
    ]
    assert not problems, "\n".join(problems)
    assert not oracle_problems, "\n".join(oracle_problems)


# ------------------------------------------------------------------------------------ evidence

EVIDENCE_PERIODS = ("2025", "2026-Q1", "2026-04")


def test_every_traced_cell_lists_exactly_the_events_it_counts(world: World) -> None:
    history = make_history(seed=77, cases=60)
    issue(world, history)
    as_of = history.steps[2 * len(history.steps) // 3].recorded_at + timedelta(microseconds=1)
    ids = {str(case_id): i for i, case_id in enumerate(history.case_ids)}
    regions = [*GEO.towns[:4], COUNTY]
    problems = []
    traced = 0
    with views(world) as runner, runner.views.cursor() as cur:
        for when in (None, as_of):
            oracle = Oracle(history, as_of=when)
            for region in regions:
                for period in EVIDENCE_PERIODS:
                    months = period_months(period)[1]
                    for indicator, kind in COUNT_INDICATORS.items():
                        evidence = cell_evidence(
                            cur, region=region, period=period, indicator=indicator, as_of=when, now=LATER, tz=TZ
                        )
                        component = evidence["components"]["cases"]
                        events = component["events"]
                        where = f"{region} {period} {indicator} as of {when}"
                        traced += evidence["value"] > 0
                        if component["count"] != evidence["value"] or len(events) != evidence["value"]:
                            problems.append(f"{where}: value {evidence['value']}, {len(events)} events listed")
                        listed = Counter(ids[e["case_id"]] for e in events)
                        expected = Counter({f.case for f in oracle.facts_in(region, months, kind)})
                        if listed != expected:
                            problems.append(f"{where}: cases listed {dict(listed)}, expected {dict(expected)}")
    assert traced >= 40, "too few non-empty cells to trace"
    assert not problems, "\n".join(problems[:40])


# ------------------------------------------------------------------------------------ overdue


def test_overdue_as_of_an_instant_before_and_after_each_deadline(world: World) -> None:
    t0 = local(2026, 3, 2, 9)
    case = report(world, t0, region_code="621199001001").id
    day, second = timedelta(days=1), timedelta(seconds=1)

    def overdue(when: datetime, scope: list[str] | None = None, region: str | None = None) -> list[tuple[str, str]]:
        with views(world) as runner, runner.views.cursor() as cur:
            rows = overdue_as_of(cur, when=when, scope=scope or [], region=region)
            return [(r["case_id"], r["kind"]) for r in rows]

    cid = str(case)
    assert overdue(t0 + 3 * day - second) == []
    assert overdue(t0 + 3 * day) == [], "exactly at the due instant is still in time"
    assert overdue(t0 + 3 * day + second) == [(cid, "triage")]
    assert overdue(t0 + 3 * day + second, region=TOWN_A) == [(cid, "triage")]
    assert overdue(t0 + 3 * day + second, region=TOWN_B) == []
    assert overdue(t0 + 3 * day + second, scope=[COUNTY, TOWN_B]) == []

    act(world, case, "assign", t0 + 4 * day, route="peoples_mediation", organisation_code="ORG621199001001")
    assert overdue(t0 + 3 * day + second) == [(cid, "triage")], "an instant in the past keeps its answer"
    assert overdue(t0 + 4 * day + second) == [], "triage met; acceptance not yet due"
    assert overdue(t0 + 6 * day + second) == [(cid, "acceptance")]
    act(world, case, "accept", t0 + 7 * day)
    assert overdue(t0 + 6 * day + second) == [(cid, "acceptance")]
    assert overdue(t0 + 7 * day + second) == []
    assert overdue(t0 + 37 * day + second) == [(cid, "mediation")]
    act(world, case, "record_agreement", t0 + 20 * day, terms="达成协议")
    assert overdue(t0 + 37 * day + second) == []


def test_a_deadline_re_dated_later_does_not_rewrite_whether_it_was_overdue_before(world: World) -> None:
    """A deadline is overdue at T when it had passed at T without the event that meets it
    (DESIGN.md §5); a later extension or risk assessment cannot change what was true at T."""
    day = timedelta(days=1)
    t0 = local(2026, 3, 2, 9)
    mediated = report(world, t0, region_code="621199001001").id
    act(world, mediated, "assign", t0 + 0.5 * day, route="peoples_mediation", organisation_code="ORG621199001001")
    act(world, mediated, "accept", t0 + day)
    act(world, mediated, "hold_session", t0 + 2 * day, mode="onsite", participants=["甲"], summary="调解")
    # Mediation was due at t0 + 31 days; the extension is agreed only at t0 + 33 days.
    act(world, mediated, "extend_deadline", t0 + 33 * day, days=20, reason="双方同意延长")

    risky = report(world, t0 + 40 * day, region_code="621199001001").id
    # Triage is due 3 days after the report; the case is assessed high risk (1 day) only on day 2.
    act(world, risky, "assess_risk", t0 + 42 * day, level="high", flags=[])

    with views(world) as runner, runner.views.cursor() as cur:
        during_the_miss = [(r["case_id"], r["kind"]) for r in overdue_as_of(cur, when=t0 + 32 * day, scope=[])]
        before_the_assessment = [(r["case_id"], r["kind"]) for r in overdue_as_of(cur, when=t0 + 41.5 * day, scope=[])]
        after_the_assessment = [(r["case_id"], r["kind"]) for r in overdue_as_of(cur, when=t0 + 42 * day + timedelta(hours=1), scope=[])]
    problems = []
    if during_the_miss != [(str(mediated), "mediation")]:
        problems.append(f"at day 32 the mediation deadline (due day 31, extended only on day 33) was overdue; got {during_the_miss}")
    if before_the_assessment != []:
        problems.append(f"at day 41.5 the triage deadline was due on day 43 (risk still low); got {before_the_assessment}")
    if after_the_assessment != [(str(risky), "triage")]:
        problems.append(f"after the high-risk assessment triage (due day 41) is overdue; got {after_the_assessment}")
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------------------------ listings


def test_list_cases_filters_and_pages_agree_with_the_aggregates(world: World) -> None:
    history = make_history(seed=515, cases=60)
    issue(world, history)
    cases = [world.ledger.get_case(i) for i in history.case_ids]
    instants = [history.steps[-1].recorded_at + timedelta(days=1), history.steps[len(history.steps) // 2].recorded_at]
    statuses = Counter(c.status for c in cases)
    assert len(statuses) >= 5
    villages = Counter(c.village_code for c in cases)
    village = villages.most_common(1)[0][0]

    def expected(now: datetime, *, status: str | None = None, region: str | None = None, overdue: bool | None = None) -> list[str]:
        chosen = [
            c for c in cases
            if (status is None or c.status == status)
            and (region is None or c.region_path[len(region) // 3 - 2] == region)
            and (overdue is None or any(d.overdue_at(now) for d in c.deadlines) == overdue)
        ]
        # Newest report first; ties by id.
        chosen.sort(key=lambda c: str(c.id))
        chosen.sort(key=lambda c: c.reported_at, reverse=True)
        return [str(c.id) for c in chosen]

    problems = []
    with views(world) as runner, runner.views.cursor() as cur:
        for now in instants:
            combos: list[dict[str, Any]] = [{}]
            combos += [{"status": s} for s in statuses]
            combos += [{"region": r} for r in (TOWN_A, TOWN_B, village)]
            combos += [{"overdue": True}, {"overdue": False}, {"overdue": True, "region": TOWN_A},
                       {"status": "accepted", "overdue": True}, {"status": "closed", "overdue": False, "region": TOWN_B}]
            for filters in combos:
                want = expected(now, **filters)
                rows, total = list_cases(cur, scope=[], now=now, per_page=1000, **filters)
                if total != len(want) or [r["id"] for r in rows] != want:
                    problems.append(f"{filters} at {now}: {total} cases {[r['id'] for r in rows][:5]}..., expected {len(want)} {want[:5]}...")
            assert any(expected(now, overdue=True) for now in instants), "no overdue case to filter on"
        # Pages of 7 put together are the whole list; every page tells the same total.
        want = expected(instants[0])
        pages, totals = [], set()
        for page in range(1, len(want) // 7 + 3):
            rows, total = list_cases(cur, scope=[], now=instants[0], page=page, per_page=7)
            pages.append([r["id"] for r in rows])
            totals.add(total)
    assert totals == {len(want)}
    assert [i for p in pages for i in p] == want
    assert all(len(p) == 7 for p in pages[: len(want) // 7]) and pages[-1] == []
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------------------------ lag


def test_lag_is_zero_after_catch_up_and_counts_each_new_event(world: World) -> None:
    history: History = make_history(seed=3, cases=8)
    issue(world, history, until=len(history.steps) // 2)
    runner = ViewRunner(world.ledger)
    try:
        runner.catch_up()
        lag = runner.lag()
        assert lag.behind == 0 and lag.position == lag.head == world.event_count()
        rng = random.Random(1)
        for _ in range(3):
            before = world.event_count()
            issue(world, history, until=history.recorded + rng.randint(1, 6))
            # A report of five or more people also writes the system's mass flag (DESIGN.md §10).
            n = world.event_count() - before
            assert runner.lag().behind == n
            assert runner.lag().position == lag.position
            assert runner.catch_up() == n
            lag = runner.lag()
            assert lag.behind == 0 and lag.head == world.event_count()
    finally:
        runner.close()
