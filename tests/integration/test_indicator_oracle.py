"""indicator_table (DESIGN.md §6 version 2) against the independent oracle of tests/indicator_oracle.py.

Three years of generated case lives and court filings for the demo county are recorded through
the Application and import_court_records; on 1 December 2026 every indicator and comparison is
compared for the county, every town, the villages of two towns, group=category and the category
and source filters, over periods of every kind: years (one complete, one under way), halves,
quarters (one under way, one whose previous quarter is longer), months (February against a
clipped January; December with no whole day yet), and month ranges.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import pytest

from application.config import StoreSettings
from application.ledger import Ledger
from projections.indicators import cell_evidence, indicator_table
from projections.runner import ViewRunner
from tests.indicator_oracle import (
    COUNTY,
    NOW,
    TZ,
    Court,
    Geography,
    History,
    Oracle,
    PeriodSpec,
    corrections,
    geography,
    issue_steps,
    local,
    make_court_records,
    make_history,
)
from tests.oracle_support import STORES, mismatches, module_store, oracle_world
from tests.support import Clock

QUIET = {"621199001007", "621199003002", "621199003005", "621199006004"}  # no defendant ever lives here
PERIODS = (
    "2025", "2026", "2026-H1", "2025-H2", "2025-Q1", "2026-Q1", "2026-Q4", "2025-01", "2026-02", "2026-03",
    "2026-11", "2026-12", "2026-01..2026-08", "2025-03..2025-05",
)
VILLAGE_TOWNS = ("621199001", "621199003")
OPEN_CASE_PERIODS = ("2025", "2026-H1", "2026-02")
CASES = 180
FILTERED: tuple[tuple[str, dict[str, str]], ...] = (
    ("2026", {"category": "family"}), ("2026-Q2", {"source": "court_diversion"}),
    ("2025-H2", {"category": "private_lending"}), ("2026-01..2026-08", {"source": "online"}),
)


def import_courts(ledger: Ledger, admin: Any, clock: Clock, records: list[Court]) -> Any:
    from application.court_feed import CourtRecord, import_court_records

    report = import_court_records(ledger, admin, [CourtRecord(**asdict(r)) for r in records])
    assert not report.problems, report.problems[:5]
    return report


#: When the court's exports were imported, and the last filing day each holds.
EXPORTS = ((local(2025, 1, 6), date(2025, 1, 5)), (local(2026, 1, 5), date(2026, 1, 4)), (NOW, date(2026, 12, 1)))
#: An instant in the past the tables are also asked about: after the second export, mid-June 2026.
AS_OF = local(2026, 6, 15, 12)
AS_OF_PERIODS = ("2025", "2025-Q4", "2026-Q1", "2026-H1", "2026-06", "2026-01..2026-05")


def as_known_on(record: Court, day: date) -> Court:
    """The record as the court's export of ``day`` shows it: a later conclusion not yet known."""
    if record.concluded_on is None or record.concluded_on <= day:
        return record
    return replace(record, concluded_on=None, outcome=None)


def record_all(ledger: Ledger, admin: Any, clock: Clock, history: History, courts: list[Court], fixes: list[Court]) -> None:
    """Cases step by step at their recording instants; the court's export at the turn of each
    year and at the end (everything filed by then: new filings and conclusions), then a file of
    corrections of a few earlier records."""
    i = 0
    for at, day in EXPORTS:
        j = i
        while j < len(history.steps) and history.steps[j].recorded_at <= at:
            j += 1
        issue_steps(ledger, clock, admin, history, history.steps[i:j])
        i = j
        clock.now = at
        import_courts(ledger, admin, clock, [as_known_on(r, day) for r in courts if r.filed_on <= day])
    assert i == len(history.steps)
    report = import_courts(ledger, admin, clock, fixes)
    assert report.corrected == len(fixes)
    clock.now = NOW


def table(cur: Any, **kwargs: Any) -> dict[str, Any]:
    return indicator_table(cur, now=NOW, tz=TZ, **kwargs)


@dataclass
class Compared:
    """One row of the engine beside the oracle's, and where it came from."""

    where: str
    want: dict[str, Any]
    got: dict[str, Any]


@dataclass
class Recorded:
    oracle: Oracle
    geo: Geography
    history: History
    heads: list[Compared] = field(default_factory=list)
    rows: list[Compared] = field(default_factory=list)
    filtered: list[Compared] = field(default_factory=list)
    open_cases: list[Compared] = field(default_factory=list)
    rules: list[Compared] = field(default_factory=list)
    past: list[Compared] = field(default_factory=list)

    def problems(self, rows: list[Compared], *, only: set[str] | None = None, skip: frozenset[str] = frozenset()) -> list[str]:
        out: list[str] = []
        for r in rows:
            want = {k: v for k, v in r.want.items() if (only is None or k in only) and k not in skip}
            out += mismatches(want, r.got, r.where)
        return out


def answer_period(cur: Any, rec: Recorded, period: str) -> None:
    oracle, geo = rec.oracle, rec.geo
    spec = PeriodSpec.of(period)
    span = spec.span(NOW)
    towns = table(cur, region=COUNTY, period=period, level="town")
    head = {"complete": span.through == spec.end, "through": span.through.isoformat(), "days": span.days}
    rec.heads.append(Compared(f"{period} table", head, towns))
    assert [r["region_code"] for r in towns["rows"]] == geo.towns
    for row in towns["rows"]:
        rec.rows.append(Compared(f"{period} town {row['region_code']}", oracle.row(row["region_code"], period), row))
    (county,) = table(cur, region=COUNTY, period=period, level="county")["rows"]
    rec.rows.append(Compared(f"{period} county", oracle.row(COUNTY, period), county))
    for town in VILLAGE_TOWNS:
        rows = table(cur, region=town, period=period, level="village")["rows"]
        assert [r["region_code"] for r in rows] == geo.villages(town)
        for row in rows:
            rec.rows.append(Compared(f"{period} village {row['region_code']}", oracle.row(row["region_code"], period), row))
    by_category = table(cur, region=COUNTY, period=period, level="county", group="category")["rows"]
    active = {oracle.category[c] for c in oracle.steps} | {c.category for c in oracle.courts}
    assert active <= {r["category"] for r in by_category}, f"{period} group=category lacks a row"
    for row in by_category:
        want = oracle.row(COUNTY, period, category=row["category"], with_no_litigation=False)
        rec.rows.append(Compared(f"{period} category {row['category']}", want, row))


def answer_open_cases(cur: Any, rec: Recorded, period: str) -> None:
    """The open cases the engine judges overdue_share by, where the span ends, beside the oracle's."""
    when = min(PeriodSpec.of(period).span(NOW).end_instant(), NOW)
    ids = {str(u): i for i, u in enumerate(rec.history.case_ids)}
    for region in (COUNTY, *rec.geo.towns):
        evidence = cell_evidence(cur, region=region, period=period, indicator="overdue_share", now=NOW, tz=TZ)
        got = sorted(ids[str(e["case_id"])] for e in evidence["components"]["open_cases"]["events"])
        want = sorted(
            c for c, steps in rec.oracle.steps.items()
            if rec.oracle.village[c].startswith(region)
            and (done := [s for s in steps if s.occurred_at <= when])
            and done[-1].expected_status not in ("closed", "archived")
        )
        rec.open_cases.append(Compared(f"{period} {region}", {"open cases": want}, {"open cases": got}))


COURT_FIGURES = {"court_cases", "court_cases_last_year", "court_cases_yoy", "litigation_per_10k",
                 "litigation_per_10k_annualised", "no_litigation_villages"}


@contextmanager
def environment(**values: str) -> Iterator[None]:
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def record(store: StoreSettings) -> Recorded:
    geo = geography()
    history = make_history(geo, seed=20261201, cases=CASES)
    courts = make_court_records(geo, seed=11, per_year=700, quiet=QUIET)
    fixes = corrections(courts, seed=12, count=40, geo=geo, quiet=QUIET)
    clock = Clock()
    ledger, admin = oracle_world(store, geo, clock)
    try:
        record_all(ledger, admin, clock, history, courts, fixes)
        rec = Recorded(Oracle(geo, history, courts + fixes), geo, history)
        runner = ViewRunner(ledger)
        try:
            runner.catch_up()
            with runner.views.cursor() as cur:
                for period in PERIODS:
                    answer_period(cur, rec, period)
                for period in OPEN_CASE_PERIODS:
                    answer_open_cases(cur, rec, period)
                plaintiffs = rec.oracle.counting(domicile="plaintiff", kinds=frozenset({"民初"}), exclude_financial=True)
                with environment(LEDGER_LITIGATION_DOMICILE="plaintiff", LEDGER_LITIGATION_KINDS="民初",
                                 LEDGER_LITIGATION_EXCLUDE_FINANCIAL="1"):
                    for period in ("2025", "2026-Q1"):
                        for row in table(cur, region=COUNTY, period=period, level="town")["rows"]:
                            want = {k: v for k, v in plaintiffs.row(row["region_code"], period).items() if k in COURT_FIGURES}
                            rec.rules.append(Compared(f"{period} by plaintiff town {row['region_code']}", want, row))
                day = max(day for at, day in EXPORTS if at <= AS_OF)
                past = Oracle(rec.geo, rec.history, [r for r in courts if r.filed_on <= day], as_of=AS_OF)
                for period in AS_OF_PERIODS:
                    for row in table(cur, region=COUNTY, period=period, level="town", as_of=AS_OF)["rows"]:
                        rec.past.append(Compared(f"{period} as of {AS_OF} town {row['region_code']}",
                                                 past.row(row["region_code"], period), row))
                for period, filters in FILTERED:
                    for row in table(cur, region=COUNTY, period=period, level="town", **filters)["rows"]:
                        want = rec.oracle.row(row["region_code"], period, category=filters.get("category"),
                                              source=filters.get("source"), with_no_litigation=False)
                        rec.filtered.append(Compared(f"{period} {filters} town {row['region_code']}", want, row))
        finally:
            runner.close()
    finally:
        ledger.close()
    return rec


@pytest.fixture(scope="module", params=STORES)
def recorded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorded]:
    """One recorded history per store, shared by the comparisons below (recording is the cost)."""
    with module_store(request.param, tmp_path_factory) as store:
        yield record(store)


def check(problems: list[str]) -> None:
    assert not problems, f"{len(problems)} cells differ from the oracle:\n" + "\n".join(problems[:60])


OVERDUE = frozenset({"days", "overdue_open", "overdue_share"})


def test_the_history_exercises_what_the_indicators_are_made_of(recorded: Recorded) -> None:
    oracle, history = recorded.oracle, recorded.history
    commands = Counter(s.command for s in history.steps)
    for command in ("withdraw", "reopen", "follow_up", "file_in_court", "record_failure", "record_agreement",
                    "report_incident", "record_court_outcome", "extend_deadline", "decline", "archive",
                    "request_confirmation", "decide_confirmation", "add_supervision_note", "assess_risk"):
        assert commands[command] >= 3, f"the generator issued only {commands[command]} {command}"
    for s in history.steps:
        assert s.status == s.expected_status, s
    routes = Counter(s.args["route"] for s in history.steps if s.command == "assign")
    assert routes["arbitration"] >= 2 and routes["industry_mediation"] >= 2
    assert any(s.command == "assign" and s.args["organisation_code"] == "ORGC-COUNTY" for s in history.steps)
    incidents = Counter((s.args["kind"], s.args["severity"]) for s in history.steps if s.command == "report_incident")
    assert len(incidents) == 9, incidents  # every kind at every severity
    sessions = Counter(s.args["mode"] for s in history.steps if s.command == "hold_session")
    assert sessions["online"] >= 3 and sum(s.args["online"] for s in history.steps if s.command == "request_confirmation") >= 3
    assert sum(s.args["source"] == "court_diversion" for s in history.steps if s.command == "report") >= 10
    late = [s for s in history.steps if s.recorded_at - s.occurred_at > timedelta(days=1)]
    assert len(late) >= 20
    for kind in ("concluded_failures", "online_mediations", "online_confirmations", "confirmations_rejected",
                 "followed_up", "mass_incidents", "criminal_escalations", "extreme_acts", "court_outcomes"):
        assert len(oracle.marks[kind]) >= 3, kind
    withdrawn_after_failure = [
        c for c, steps in history.by_case.items()
        if any(s.command == "withdraw" for s in steps) and any(s.command == "record_failure" for s in steps)
    ]
    assert len(withdrawn_after_failure) >= 2
    resolved_again = [c for c in oracle.steps if sum(1 for m in oracle.marks["successes"] if m.case == c) >= 2]
    assert resolved_again, "no case resolved again after a reopening"
    moved_town = [c for c, steps in history.by_case.items() if steps[0].args["region_code"][:9] != oracle.village[c][:9]]
    assert len(moved_town) >= 3
    kinds = Counter(c.kind for c in oracle.courts)
    assert set(kinds) == {"民初", "行初", "民特", "诉前调", "执"}
    levels = Counter(len(c.defendant_region or "") for c in oracle.courts)
    assert levels[12] and levels[9] and levels[6] and levels[0]
    assert sum(c.plaintiff_is_financial for c in oracle.courts) >= 20
    # The values the comparison rests on are not all zero or null.
    county_2026 = next(r.want for r in recorded.rows if r.where == "2026 county")
    for name in ("disputes_reported", "resolution_rate", "mediation_success_rate", "court_referral_success_rate",
                 "confirmation_rate", "court_cases_yoy", "litigation_per_10k", "satisfaction_rate", "relapse_rate",
                 "mean_days_in_court", "no_litigation_villages", "online_mediations", "serious_incidents"):
        assert county_2026[name], name


def test_tables_say_the_span_they_count(recorded: Recorded) -> None:
    check(recorded.problems(recorded.heads))


def test_indicator_table_equals_the_oracle(recorded: Recorded) -> None:
    check(recorded.problems(recorded.rows, skip=OVERDUE))


def test_filters_by_category_and_source_equal_the_oracle(recorded: Recorded) -> None:
    check(recorded.problems(recorded.filtered, skip=OVERDUE))


def test_every_row_carries_the_days_it_counts(recorded: Recorded) -> None:
    """DESIGN.md §6: "Every row also carries `days` (days counted)"."""
    check(recorded.problems(recorded.rows + recorded.filtered, only={"days"}))


def test_overdue_open_equals_the_oracle(recorded: Recorded) -> None:
    """The parties' 30-day window to apply for confirmation is a reminder, never an obligation (§5)."""
    check(recorded.problems(recorded.rows + recorded.filtered, only={"overdue_open"}))


def test_open_cases_are_judged_where_the_span_ends(recorded: Recorded) -> None:
    """A case closed when the span ended and reopened later was not open then."""
    check(recorded.problems(recorded.open_cases))


def test_overdue_share_equals_the_oracle(recorded: Recorded) -> None:
    rows = [r for r in recorded.rows + recorded.filtered if r.want["overdue_share"] is not None]
    check(recorded.problems(rows, only={"overdue_share"}))


def test_overdue_share_is_null_without_open_cases(recorded: Recorded) -> None:
    """0 of 0 open cases is no share at all, like every other rate of the table."""
    rows = [r for r in recorded.rows + recorded.filtered if r.want["overdue_share"] is None]
    assert rows
    check(recorded.problems(rows, only={"overdue_share"}))


def test_court_filings_counted_by_the_configured_rules(recorded: Recorded) -> None:
    """LEDGER_LITIGATION_DOMICILE=plaintiff, LEDGER_LITIGATION_KINDS=民初, LEDGER_LITIGATION_EXCLUDE_FINANCIAL=1."""
    assert recorded.rules
    check(recorded.problems(recorded.rules))


def test_tables_as_of_an_instant_equal_the_oracle(recorded: Recorded) -> None:
    """As of mid-June 2026: what had been recorded by then (late entries not yet), regions and
    categories as then corrected, the court's export of early January (so the first half of 2026
    has no court feed: court_cases null, litigation_source none), spans as of that instant."""
    assert any(r.want["court_cases"] is None for r in recorded.past)
    assert any(r.want["court_cases"] for r in recorded.past)
    check(recorded.problems(recorded.past))
