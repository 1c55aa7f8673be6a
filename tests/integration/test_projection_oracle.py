"""An independent oracle for the indicators of DESIGN.md §6.

Adapted minimally to indicators version 2 (counting by case, first agreement per life, names of
version 2); only the indicators whose definition it already had are compared here. The full
version 2 oracle is written separately.

A seeded generator of this module plans a few hundred case lives over 2025-01..2026-06 (villages
of several towns, grids, every path of the state machine, corrections of category and region),
records them through the Application with the clock at each step's recording instant, and keeps
every command in plain Python. The indicators are then computed from that record alone — periods
in Asia/Shanghai time, corrections applied retroactively, populations read from the demo CSV —
and compared with ``indicator_table`` for every town and the county over several periods.

The generator, the record and the oracle are also used by the other test_projection_* modules.
"""

from __future__ import annotations

import csv
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

import application
from projections.indicators import indicator_table
from projections.runner import ViewRunner
from tests.support import World

TZ = ZoneInfo("Asia/Shanghai")
COUNTY = "621199"
COURT = "ORGC-COURT"
COUNTY_COMMITTEE = "ORGC-COUNTY"
FOLLOWABLE = ("mediated", "confirmed")
COUNT_INDICATORS = {
    "disputes_reported": "reported",
    "resolved_pre_litigation": "resolved_pre_litigation",
    "mediation_agreements": "agreements",
    "confirmations_granted": "confirmations_granted",
    "ledger_court_filings": "court_filings",
}
ALL_INDICATORS = (*COUNT_INDICATORS, "ledger_court_filings_yoy")
#: Long after every history: every period asked for is complete.
LATER = datetime(2030, 1, 5, tzinfo=UTC)
CATEGORIES = (
    "family", "elder_support", "child_support", "neighbour", "property_management", "private_lending",
    "labour", "migrant_wages", "land_contract", "traffic_accident", "medical", "financial", "commercial",
    "real_estate", "insurance", "consumer", "ip", "administrative", "other",
)
SOURCES = ("grid_patrol", "walk_in", "hotline", "petition", "court_diversion", "online", "police_referral")


# ---------------------------------------------------------------------------------------- regions


@dataclass(frozen=True)
class Geography:
    """The demo county as its CSV file says: villages with populations, grids, towns."""

    population: dict[str, dict[int, int]]  # village code -> {year: residents}
    grids: dict[str, list[str]]  # village code -> grid codes
    towns: list[str]

    def villages(self, region: str) -> list[str]:
        return sorted(v for v in self.population if v.startswith(region))

    def regions(self) -> list[str]:
        """Every village and grid code, the places a case may be reported or corrected to."""
        return sorted([*self.population, *(g for gs in self.grids.values() for g in gs)])


def read_geography() -> Geography:
    path = Path(application.__file__).parent / "demo_data" / "regions.csv"
    population: dict[str, dict[int, int]] = {}
    grids: dict[str, list[str]] = defaultdict(list)
    towns = []
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["level"] == "town":
                towns.append(row["code"])
            elif row["level"] == "village":
                # The denominator is residents plus registered floating population (DESIGN §6).
                floating = {int(k.removeprefix("floating_")): int(v) for k, v in row.items() if k.startswith("floating_") and v}
                population[row["code"]] = {
                    int(k.removeprefix("population_")): int(v) + floating.get(int(k.removeprefix("population_")), 0)
                    for k, v in row.items()
                    if k.startswith("population_") and v
                }
            elif row["level"] == "grid":
                grids[row["parent_code"]].append(row["code"])
    return Geography(population, dict(grids), sorted(towns))


GEO = read_geography()


def village_of(region_code: str) -> str:
    return region_code[:12]


# ---------------------------------------------------------------------------------------- generator


@dataclass
class Step:
    """One command as issued, and what the ledger answered."""

    case: int
    seq: int
    command: str
    occurred_at: datetime
    recorded_at: datetime
    args: dict[str, Any]
    expected_resolution: str | None = None  # what the generator's own model expects after the step
    resolution: str | None = None  # the case's resolution the ledger returned
    status: str | None = None
    position: int | None = None


@dataclass
class _Model:
    """The generator's own picture of one case, to choose only commands the state allows."""

    status: str = "reported"
    region: str = ""
    category: str = ""
    level: int = 0  # 0 village committee, 1 town committee, 2 county committee
    extended: bool = False
    resolution: str | None = None


class _Life:
    """The planned steps of one case; world and recording time never go backwards."""

    def __init__(self, rng: random.Random, case: int, start: datetime, end: datetime):
        self.rng, self.case, self.end = rng, case, end
        self.t = self.recorded = start
        self.steps: list[Step] = []

    def _when(self, hours: float) -> datetime:
        rng = self.rng
        if rng.random() < 0.08:
            # Now and then land just after a local month boundary (00:00-01:00 Beijing time).
            local = self.t.astimezone(TZ)
            first = datetime(local.year + local.month // 12, local.month % 12 + 1, 1, tzinfo=TZ)
            when = first + timedelta(seconds=rng.randint(0, 3599))
            if when - self.t < timedelta(days=45):
                return when.astimezone(UTC)
        return self.t + timedelta(seconds=max(1, round(hours * 3600)))

    def add(self, command: str, hours: float, *, resolution: str | None = None, **args: Any) -> bool:
        """Plan a step ``hours`` after the previous one; False when it would be recorded after the end."""
        rng = self.rng
        when = self._when(hours) if self.steps else self.t
        late = rng.random() < 0.05
        delay = timedelta(seconds=rng.randint(36 * 3600, 8 * 86400) if late else rng.randint(0, 3 * 3600))
        recorded = max(when + delay, self.recorded)
        if recorded > self.end:
            return False
        if command == "add_supervision_note":
            args["due_at"] = when + timedelta(days=rng.randint(2, 20))
        self.t, self.recorded = when, recorded
        self.steps.append(Step(self.case, len(self.steps), command, when, recorded, args, resolution))
        return True


def _any_state(life: _Life, m: _Model) -> bool:
    rng = life.rng
    r = rng.random()
    hours = rng.uniform(1, 24 * 6)
    if r < 0.25:
        return life.add("report_incident", hours, kind=rng.choice(["criminal_escalation", "extreme_act", "mass_incident"]),
                        description="矛盾激化发生冲突", severity=rng.choice(["serious", "major", "grave"]))
    if r < 0.5:
        value = rng.choice([c for c in CATEGORIES if c != m.category])
        if life.add("correct_details", hours, field="category", value=value, reason="登记时纠纷类型选择有误"):
            m.category = value
            return True
        return False
    if r < 0.75:
        # Mostly within the same town, sometimes anywhere in the county (other towns included).
        pool = GEO.regions() if rng.random() < 0.4 else [c for c in GEO.regions() if c[:9] == m.region[:9]]
        value = rng.choice([c for c in pool if c != m.region])
        if life.add("correct_details", hours, field="region_code", value=value, reason="登记时选错村社区"):
            m.region = value
            return True
        return False
    if r < 0.9:
        return life.add("assess_risk", hours, level=rng.choice(["low", "medium", "high", "critical"]),
                        flags=rng.choice([[], ["mass"], ["extreme", "criminal_escalation"]]))
    return life.add("add_supervision_note", hours, instruction="请加快调处进度")


def _assign(life: _Life, m: _Model, hours: float, org: str) -> bool:
    if life.add("assign", hours, route="peoples_mediation", organisation_code=org):
        m.status = "assigned"
        return True
    return False


def _committee(m: _Model) -> str:
    return (f"ORG{village_of(m.region)}", f"ORGT{m.region[:9]}", COUNTY_COMMITTEE)[m.level]


def _progress(life: _Life, m: _Model) -> bool:
    """One step along the state machine; False when the case's life ends here."""
    rng = life.rng
    s = m.status
    h = rng.uniform(2, 24 * 12)
    pick = rng.random()
    if s == "reported":
        if pick < 0.78:
            m.level = 0
            return _assign(life, m, h, _committee(m))
        if pick < 0.86:
            if life.add("withdraw", h, resolution="withdrawn", reason="当事人自行和解"):
                m.status, m.resolution = "closed", "withdrawn"
                return True
            return False
        if pick < 0.94:
            return _file(life, m, h)
        return False  # left waiting for triage
    if s == "assigned":
        if pick < 0.85:
            if life.add("accept", h):
                m.status, m.extended = "accepted", False
                return True
            return False
        if pick < 0.95:
            if life.add("decline", h, reason="不属于本组织受理范围"):
                m.status = "reported"
                return True
            return False
        return _assign(life, m, h, _committee(m))  # reassigned to the same level
    if s in ("accepted", "mediating"):
        options = ["hold_session", "record_agreement", "record_failure"]
        weights = [5, 4, 3] if s == "accepted" else [3, 5, 3]
        if s == "mediating" and not m.extended:
            options.append("extend_deadline")
            weights.append(1)
        if rng.random() < 0.04:
            return False  # mediation still running at the end
        command = rng.choices(options, weights)[0]
        if command == "hold_session":
            ok = life.add(command, h, mode=rng.choice(["onsite", "online", "phone"]), participants=["申请人", "被申请人"], summary="面对面调解")
            m.status = "mediating" if ok else m.status
        elif command == "extend_deadline":
            ok = life.add(command, h, days=rng.randint(1, 30), reason="双方同意延长")
            m.extended = m.extended or ok
        elif command == "record_agreement":
            ok = life.add(command, h, terms="双方达成协议", amount=rng.choice([None, "1200.00"]))
            m.status = "agreed" if ok else m.status
        else:
            ok = life.add(command, h, reason="双方分歧较大")
            m.status = "failed" if ok else m.status
        return ok
    if s == "agreed":
        if pick < 0.3:
            if life.add("request_confirmation", h, court_code=COURT, online=rng.random() < 0.5, applicants=["张建国", "李秀英"]):
                m.status = "confirmation_pending"
                return True
            return False
        if pick < 0.42:
            return life.add("record_performance", h, performed=rng.choice(["full", "partial", "none"]))
        if pick < 0.97:
            return _close(life, m, h, "mediated")
        return False
    if s == "confirmation_pending":
        granted = pick < 0.75
        if life.add("decide_confirmation", h, granted=granted, reason="协议合法有效" if granted else "协议违反法律规定"):
            m.status = "confirmed" if granted else "failed"
            return True
        return False
    if s == "confirmed":
        if pick < 0.2:
            return life.add("record_performance", h, performed="full")
        return _close(life, m, h, "confirmed")
    if s == "failed":
        if pick < 0.45 and m.level < 2:
            m.level += 1  # escalation: village -> town committee -> county committee
            return _assign(life, m, h, _committee(m))
        if pick < 0.75:
            return _file(life, m, h)
        if pick < 0.97:
            return _close(life, m, h, "unresolvable")
        return False
    if s == "litigating":
        if pick < 0.95 and life.add("record_court_outcome", rng.uniform(24 * 20, 24 * 90),
                                    outcome=rng.choice(["judgment", "court_mediation", "withdrawn", "dismissed"]), summary="审结"):
            m.status = "adjudicated"
            return True
        return False
    if s == "adjudicated":
        return pick < 0.95 and _close(life, m, h, "adjudicated")
    if s == "closed":
        followable = m.resolution in FOLLOWABLE
        follow, reopen, archive = (0.55, 0.65, 0.8) if followable else (0.08, 0.18, 0.4)
        if pick < follow:
            return life.add("follow_up", rng.uniform(24, 24 * 40), satisfaction=rng.choice(["satisfied", "neutral", "dissatisfied"]),
                            relapse=rng.random() < 0.2)
        if pick < reopen:
            if life.add("reopen", h, reason="回访发现纠纷反复"):
                m.status, m.resolution, m.level = "reported", None, 0
                return True
            return False
        if pick < archive and life.add("archive", rng.uniform(24 * 5, 24 * 60), archive_number=f"QS-{life.case:05d}"):
            m.status = "archived"
        return False
    return False  # archived


def _file(life: _Life, m: _Model, hours: float) -> bool:
    if life.add("file_in_court", hours, court_code=COURT, court_case_number=f"(2026)甘1199民初{life.case}号", reason="调解不成，起诉"):
        m.status = "litigating"
        return True
    return False


def _close(life: _Life, m: _Model, hours: float, resolution: str) -> bool:
    if life.add("close", hours, resolution=resolution, summary="纠纷化解销号"):
        m.status, m.resolution = "closed", resolution
        return True
    return False


def plan_case(rng: random.Random, case: int, start: datetime, end: datetime, towns: list[str]) -> list[Step]:
    village = rng.choice(GEO.villages(rng.choice(towns)))
    region = rng.choice([village, village, *GEO.grids.get(village, [])])
    m = _Model(region=region, category=rng.choice(CATEGORIES))
    life = _Life(rng, case, start, end)
    life.add(
        "report", 0, source=rng.choice(SOURCES), category=m.category, region_code=region, summary="邻里因排水发生纠纷",
        parties=[{"role": "applicant", "kind": "person", "name": "张建国"}, {"role": "respondent", "kind": "person", "name": "李秀英"}],
        people_involved=rng.randint(1, 9), amount_in_dispute=rng.choice([None, "800.00", "25000.50"]),
    )
    for _ in range(40):
        moved = _any_state(life, m) if rng.random() < 0.12 else _progress(life, m)
        if not moved:
            break
    return life.steps


def local(year: int, month: int, day: int = 1, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ).astimezone(UTC)


HISTORY_START = local(2025, 1, 1)
HISTORY_END = local(2026, 6, 30, 23, 59)


@dataclass
class History:
    steps: list[Step]  # in the order they are recorded
    case_ids: list[UUID]
    recorded: int = 0  # how many steps have been issued so far
    by_case: dict[int, list[Step]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        grouped: dict[int, list[Step]] = defaultdict(list)
        for s in self.steps:
            grouped[s.case].append(s)
        self.by_case = {c: sorted(ss, key=lambda s: s.seq) for c, ss in grouped.items()}


def make_history(seed: int, cases: int, *, towns: list[str] | None = None, start: datetime = HISTORY_START,
                 end: datetime = HISTORY_END) -> History:
    rng = random.Random(seed)
    towns = towns or GEO.towns[:4]
    span = int((end - start).total_seconds()) - 10 * 86400
    steps: list[Step] = []
    for i in range(cases):
        if rng.random() < 0.15:
            # Reported just after (or just before) a local month boundary.
            first = local(rng.choice([2025, 2026]), rng.randint(1, 12))
            begin = first + timedelta(seconds=rng.randint(-3600, 3600))
            begin = min(max(begin, start), start + timedelta(seconds=span))
        else:
            begin = start + timedelta(seconds=rng.randint(0, span))
        steps.extend(plan_case(rng, i, begin, end, towns))
    steps.sort(key=lambda s: (s.recorded_at, s.case, s.seq))
    case_ids = [UUID(int=rng.getrandbits(128), version=4) for _ in range(cases)]
    return History(steps, case_ids)


def issue(world: World, history: History, *, until: int | None = None, only: list[Step] | None = None) -> list[Step]:
    """Issue the next steps (up to index ``until``) as the admin, each at its recording instant."""
    admin = world.actors["admin"]
    todo = only if only is not None else history.steps[history.recorded : until]
    for step in todo:
        world.clock.now = step.recorded_at
        if step.command == "report":
            result = world.ledger.report(admin, occurred_at=step.occurred_at, case_id=history.case_ids[step.case], **step.args)
        else:
            result = world.ledger.execute(
                admin, history.case_ids[step.case], step.command, occurred_at=step.occurred_at, **step.args
            )
        step.resolution, step.status, step.position = result.case.resolution, result.case.status, result.position
    if only is None:
        history.recorded += len(todo)
    return todo


# ---------------------------------------------------------------------------------------- oracle


def month_key(when: datetime) -> str:
    local_time = when.astimezone(TZ)
    return f"{local_time.year:04d}-{local_time.month:02d}"


def period_months(period: str) -> tuple[int, list[str]]:
    """(year, months) of "2026", "2026-Q2" or "2026-04"."""
    year = int(period[:4])
    if len(period) == 4:
        months = range(1, 13)
    elif period[5] == "Q":
        q = int(period[6])
        months = range(3 * q - 2, 3 * q + 1)
    else:
        months = range(int(period[5:7]), int(period[5:7]) + 1)
    return year, [f"{year:04d}-{m:02d}" for m in months]


@dataclass(frozen=True)
class Fact:
    kind: str
    case: int
    month: str
    value: float = 0.0
    day: str = ""


class Oracle:
    """Indicators computed from the record of commands alone, as DESIGN.md §6 defines them."""

    def __init__(self, history: History, *, as_of: datetime | None = None):
        self.facts: list[Fact] = []
        self.village: dict[int, str] = {}
        self.category: dict[int, str] = {}
        # A span as of an instant counts the days before that instant's own (still running) day.
        self.cutoff = None if as_of is None else as_of.astimezone(TZ).date().isoformat()
        for case, steps in history.by_case.items():
            known = [s for s in steps if s.position is not None and (as_of is None or s.recorded_at <= as_of)]
            if known:
                self._case(case, known)

    def _case(self, case: int, steps: list[Step]) -> None:
        region, category = steps[0].args["region_code"], steps[0].args["category"]
        reported_at = steps[0].occurred_at
        litigated = False
        open_close: Fact | None = None  # the last close that is followable and not yet followed up
        agreed = False  # in this life of the case (a reopening starts another)
        for s in steps:
            day = s.occurred_at.astimezone(TZ).date().isoformat()
            kind = {
                "report": "reported", "record_failure": "failures",
                "file_in_court": "court_filings", "report_incident": "incidents",
            }.get(s.command)
            if kind:
                self.facts.append(Fact(kind, case, month_key(s.occurred_at), day=day))
            if s.command == "record_agreement" and not agreed:
                agreed = True
                self.facts.append(Fact("agreements", case, month_key(s.occurred_at), day=day))
                if not litigated:
                    self.facts.append(Fact("resolved_pre_litigation", case, month_key(s.occurred_at), day=day))
            if s.command == "file_in_court":
                litigated = True
            if s.command == "decide_confirmation" and s.args["granted"]:
                self.facts.append(Fact("confirmations_granted", case, month_key(s.occurred_at), day=day))
            if s.command in ("close", "withdraw"):
                month = month_key(s.occurred_at)
                self.facts.append(Fact("closes", case, month, (s.occurred_at - reported_at).total_seconds()))
                open_close = None
                if s.resolution in FOLLOWABLE:
                    open_close = Fact("followable_closes", case, month)
                    self.facts.append(open_close)
            if s.command == "follow_up" and open_close is not None:
                self.facts.append(Fact("followed_up_closes", case, open_close.month))
                open_close = None
            if s.command == "reopen":
                open_close = None
                agreed = False
            if s.command == "correct_details" and s.args["field"] == "region_code":
                region = s.args["value"]
            if s.command == "correct_details" and s.args["field"] == "category":
                category = s.args["value"]
        self.village[case], self.category[case] = village_of(region), category

    def facts_in(self, region: str, months: list[str], kind: str | None = None) -> list[Fact]:
        wanted = set(months)
        return [
            f for f in self.facts
            if f.month in wanted and self.village[f.case].startswith(region) and (kind is None or f.kind == kind)
            and (self.cutoff is None or f.day < self.cutoff)
        ]

    def row(self, region: str, period: str) -> dict[str, Any]:
        year, months = period_months(period)
        # Each case once per indicator and period.
        n = Counter(kind for kind, _ in {(f.kind, f.case) for f in self.facts_in(region, months)})
        last_year = len({f.case for f in self.facts_in(region, [f"{year - 1}{m[4:]}" for m in months], "court_filings")})
        villages = GEO.villages(region)
        population = sum(GEO.population[v].get(year, 0) for v in villages) if any(year in GEO.population[v] for v in villages) else None

        def ratio(a: float, b: float) -> float | None:
            return None if b == 0 else a / b

        row = {
            "region_code": region,
            "population": population,
            **{name: n[kind] for name, kind in COUNT_INDICATORS.items()},
            "ledger_court_filings_yoy": ratio(n["court_filings"] - last_year, last_year),
        }
        if self.cutoff is not None and self.cutoff <= months[-1] + "-31":
            del row["ledger_court_filings_yoy"]  # a span still running: compared with a clipped one
        return row


def mismatches(expected: dict[str, Any], actual: dict[str, Any], where: str) -> list[str]:
    """Every field that differs, floats compared with pytest.approx."""
    out = []
    for key, want in expected.items():
        got = actual.get(key)
        same = got == pytest.approx(want, rel=1e-9, abs=1e-9) if isinstance(want, float) and got is not None else got == want
        if not same:
            out.append(f"{where} {key}: expected {want!r}, got {got!r}")
    return out


PERIODS = ("2025", "2026", "2025-Q1", "2025-Q3", "2026-Q1", "2026-Q2", "2025-12", "2026-01", "2026-03", "2026-04", "2026-06")


def compare_tables(cur: Any, oracle: Oracle, periods: tuple[str, ...] = PERIODS, *, as_of: datetime | None = None) -> list[str]:
    problems = []
    for period in periods:
        towns = indicator_table(cur, region=COUNTY, period=period, level="town", as_of=as_of, now=LATER, tz=TZ)["rows"]
        assert [r["region_code"] for r in towns] == GEO.towns
        for row in towns:
            problems += mismatches(oracle.row(row["region_code"], period), row, f"{period} town {row['region_code']}")
        (county,) = indicator_table(cur, region=COUNTY, period=period, level="county", as_of=as_of, now=LATER, tz=TZ)["rows"]
        problems += mismatches(oracle.row(COUNTY, period), county, f"{period} county")
    return problems


# ---------------------------------------------------------------------------------------- the test


def test_indicator_table_equals_an_independent_oracle(world: World) -> None:
    history = make_history(seed=20260401, cases=300)
    issue(world, history)

    # The history must exercise what the indicators are made of, or the comparison proves little.
    commands = Counter(s.command for s in history.steps)
    for command in ("withdraw", "reopen", "follow_up", "file_in_court", "record_failure", "record_agreement",
                    "report_incident", "record_court_outcome", "extend_deadline", "decline", "archive"):
        assert commands[command] >= 3, f"the generator issued only {commands[command]} {command}"
    decisions = Counter(s.args["granted"] for s in history.steps if s.command == "decide_confirmation")
    assert decisions[True] >= 3 and decisions[False] >= 2
    fields = Counter(s.args["field"] for s in history.steps if s.command == "correct_details")
    assert fields["category"] >= 5 and fields["region_code"] >= 5
    assert any(s.command == "assign" and s.args["organisation_code"].startswith("ORGT") for s in history.steps)
    assert sum(1 for s in history.steps if s.occurred_at.astimezone(TZ).day == 1 and s.occurred_at.astimezone(TZ).hour == 0) >= 10
    oracle = Oracle(history)
    moved_town = [c for c, steps in history.by_case.items() if steps[0].args["region_code"][:9] != oracle.village[c][:9]]
    assert len(moved_town) >= 3
    # Mediated or confirmed closes after a court filing (reopened cases) are not pre-litigation.
    after_filing = [
        s for steps in history.by_case.values() for i, s in enumerate(steps)
        if s.expected_resolution in ("mediated", "confirmed") and any(p.command == "file_in_court" for p in steps[:i])
    ]
    assert len(after_filing) >= 3
    # The ledger agreed with the generator's model of every close.
    for s in history.steps:
        if s.expected_resolution is not None:
            assert s.resolution == s.expected_resolution, s

    assert sum(1 for f in oracle.facts if f.kind == "followed_up_closes") >= 10
    assert any(f.kind == "closes" for f in oracle.facts) and any(f.kind == "resolved_pre_litigation" for f in oracle.facts)

    runner = ViewRunner(world.ledger)
    try:
        runner.catch_up()
        with runner.views.cursor() as cur:
            problems = compare_tables(cur, oracle)
    finally:
        runner.close()
    assert not problems, f"{len(problems)} cells differ from the oracle:\n" + "\n".join(problems[:60])
