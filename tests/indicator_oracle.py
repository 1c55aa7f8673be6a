"""An independent oracle for the indicators of DESIGN.md §6 version 2.

A seeded generator plans case lives over three calendar years (2024 is the year before the first
compared year, 2025; 2026 is under way on the injected "now", 1 December 2026) and the court's
own first-instance filings for the same county. The cases are recorded through the Application
with the clock at each step's recording instant; the court records through import_court_records,
in batches at the turn of each year and at the end, the last batch correcting a few earlier ones.

``Oracle`` then computes every v2 indicator from those plain-Python records alone: spans of whole
local days, counting by case (the first qualifying event of each life of a case; a reopening
starts a new life), corrections of category and region applied retroactively, court cases by the
defendant's domicile, populations (residents + floating) from the region rows the test loaded.
It imports nothing from projections/.

Where DESIGN.md leaves a choice open, the oracle states the reading it takes (see READINGS).
"""

from __future__ import annotations

import copy
import csv
import io
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import application

TZ = ZoneInfo("Asia/Shanghai")
COUNTY = "621199"
COURT = "ORGC-COURT"
TRIBUNALS = ("ORGC-TRIB-01", "ORGC-TRIB-02", "ORGC-TRIB-03")
COUNTY_COMMITTEE = "ORGC-COUNTY"
INDUSTRY = {"financial": "ORGC-FIN", "labour": "ORGC-LAB", "medical": "ORGC-MED", "traffic_accident": "ORGC-TRAF",
            "property_management": "ORGC-PROP", "family": "ORGC-FAM", "commercial": "ORGC-COM"}
#: Version 2: assigning to these hands the case off (closed, referred), no acceptance awaited.
HAND_OFF_ROUTES = frozenset({"arbitration", "notarisation"})
MEDIATION_ROUTES = frozenset({"peoples_mediation", "industry_mediation", "invited_mediation",
                              "administrative_mediation", "lawyer_mediation"})
MAJOR = frozenset({"major", "grave"})  # severity >= LEDGER_MAJOR_SEVERITY (default major)
LITIGATION_KINDS = frozenset({"民初", "行初"})
CATEGORIES = (
    "family", "elder_support", "child_support", "neighbour", "property_management", "private_lending",
    "labour", "migrant_wages", "land_contract", "traffic_accident", "medical", "financial", "commercial",
    "real_estate", "insurance", "consumer", "ip", "administrative", "other",
)
SOURCES = ("grid_patrol", "walk_in", "hotline", "petition", "court_diversion", "online", "police_referral",
           "department_referral")
#: Indicators compared with last year's same span (and for quarters and months the previous period).
COMPARED = ("disputes_reported", "disputes_assigned", "resolved_pre_litigation", "confirmations_granted",
            "court_cases", "litigation_per_10k", "ledger_court_filings", "serious_incidents")
#: The readings the oracle takes where DESIGN.md §6 leaves a choice open.
READINGS = """
- a life of a case runs from its report (or a reopening) to the next reopening; every count takes the
  first qualifying event of each life, and a case counts once per span however many lives qualify;
- a mediation attempt is an acceptance; a concluded failure is the first filing in court, close as
  unresolvable or withdrawal of a life with an acceptance and no agreement;
- confirmation_rate = confirmations_granted / successes (first agreements), both in the span;
- criminal_escalations, extreme_acts and mass_incidents break serious_incidents (severity >= major) down;
- follow_up/satisfaction/relapse: of the successes in the span, those with a follow-up of a life whose
  agreement falls in the span (the generator gives a life at most one); mean days to mediated
  resolution run from the report, or for a reopened case from its reopening;
- overdue_open: open cases at the end of the span (never later than now) with a pending obligation of
  §5 past due then, the parties' confirmation-request window excepted; overdue_share null with no open case.
"""

# The court's 案由 (as exported) and the category DESIGN.md §9's table gives them.
CAUSES = {
    "民间借贷纠纷": "private_lending", "金融借款合同纠纷": "financial", "信用卡纠纷": "financial",
    "买卖合同纠纷": "commercial", "离婚纠纷": "family", "劳动争议": "labour",
    "机动车交通事故责任纠纷": "traffic_accident", "物业服务合同纠纷": "property_management",
    "房屋买卖合同纠纷": "real_estate", "追索劳动报酬纠纷": "migrant_wages", "赡养纠纷": "elder_support",
    "抚养纠纷": "child_support", "相邻关系纠纷": "neighbour", "土地承包经营权纠纷": "land_contract",
}
CAUSE_WEIGHTS = {"民间借贷纠纷": 18, "金融借款合同纠纷": 10, "信用卡纠纷": 10, "买卖合同纠纷": 12, "离婚纠纷": 14,
                 "劳动争议": 4, "机动车交通事故责任纠纷": 6, "物业服务合同纠纷": 5, "房屋买卖合同纠纷": 3,
                 "追索劳动报酬纠纷": 4, "赡养纠纷": 2, "抚养纠纷": 2, "相邻关系纠纷": 3, "土地承包经营权纠纷": 3}
FINANCIAL_CAUSES = ("金融借款合同纠纷", "信用卡纠纷")
ADMINISTRATIVE_CAUSE = "行政许可"


def local(year: int, month: int, day: int = 1, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ).astimezone(UTC)


def local_day(when: datetime) -> date:
    return when.astimezone(TZ).date()


NOW = local(2026, 12, 1, 10, 0)  # 1 December 2026: the year under way covers 1 Jan - 30 Nov
HISTORY_START = local(2024, 1, 1)
HISTORY_END = local(2026, 12, 1, 9, 0)


# ---------------------------------------------------------------------------------------- regions


@dataclass(frozen=True)
class Geography:
    """The county's regions as loaded by the test: residents and floating population by year."""

    residents: dict[str, dict[int, int]]  # village -> {year: residents}
    floating: dict[str, dict[int, int]]  # village -> {year: registered floating population}
    grids: dict[str, list[str]]
    towns: list[str]
    rows: list[dict[str, str]] = field(default_factory=list)  # the CSV rows, for the store

    def villages(self, region: str) -> list[str]:
        return sorted(v for v in self.residents if v.startswith(region))

    def places(self) -> list[str]:
        """Every village and grid code, where a case may be reported or corrected to."""
        return sorted([*self.residents, *(g for gs in self.grids.values() for g in gs)])

    def population(self, region: str, year: int) -> tuple[int | None, int | None, str | None]:
        """(population, year used, note): the latest figure up to ``year`` of every village,
        residents plus floating; null with a reason when a village has none at all."""
        total, used = 0, set()
        for v in self.villages(region):
            years = [y for y in self.residents[v] if y <= year]
            if not years:
                return None, None, f"no population for {v}"
            y = max(years)
            used.add(y)
            total += self.residents[v][y] + self.floating.get(v, {}).get(y, 0)
        return total, max(used) if used else None, None

    def csv_text(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(self.rows[0]))
        writer.writeheader()
        writer.writerows(self.rows)
        return out.getvalue()


def geography(*, drop_years: tuple[int, ...] = (2026,), floating_share: float = 0.3,
              without_population: tuple[str, ...] = (), seed: int = 7) -> Geography:
    """The demo county with the 2026 residents dropped (so 2026 falls back to 2025), floating
    population for some villages, and optionally villages with no figure at all."""
    rng = random.Random(seed)
    path = Path(application.__file__).parent / "demo_data" / "regions.csv"
    with path.open(encoding="utf-8") as f:
        demo = list(csv.DictReader(f))
    years = sorted(int(k.removeprefix("population_")) for k in demo[0] if k.startswith("population_"))
    residents: dict[str, dict[int, int]] = {}
    floating: dict[str, dict[int, int]] = {}
    grids: dict[str, list[str]] = defaultdict(list)
    towns: list[str] = []
    rows = []
    for row in demo:
        out = {"code": row["code"], "level": row["level"], "name": row["name"], "parent_code": row["parent_code"]}
        out.update({f"population_{y}": "" for y in years})
        out.update({f"floating_{y}": "" for y in years})
        if row["level"] == "town":
            towns.append(row["code"])
        elif row["level"] == "grid":
            grids[row["parent_code"]].append(row["code"])
        elif row["level"] == "village":
            code = row["code"]
            residents[code] = {}
            if code not in without_population:
                for y in years:
                    if y not in drop_years and row[f"population_{y}"]:
                        residents[code][y] = int(row[f"population_{y}"])
                        out[f"population_{y}"] = row[f"population_{y}"]
                if rng.random() < floating_share:
                    floating[code] = {y: rng.randint(50, 900) for y in residents[code]}
                    for y, n in floating[code].items():
                        out[f"floating_{y}"] = str(n)
        rows.append(out)
    return Geography(residents, floating, dict(grids), sorted(towns), rows)


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
    expected_status: str = ""
    status: str | None = None
    position: int | None = None


@dataclass
class _Model:
    """The generator's picture of one case, to choose only commands the state allows."""

    status: str = "reported"
    region: str = ""
    category: str = ""
    level: int = 0  # 0 village committee, 1 town committee, 2 county committee
    extended: bool = False
    resolution: str | None = None
    failed_before: bool = False
    followed_up: bool = False


class _Life:
    """The planned steps of one case; world and recording time never go backwards."""

    def __init__(self, rng: random.Random, case: int, start: datetime, end: datetime, model: _Model):
        self.rng, self.case, self.end, self.m = rng, case, end, model
        self.t = self.recorded = start
        self.steps: list[Step] = []

    def _when(self, hours: float) -> datetime:
        rng = self.rng
        if rng.random() < 0.08:
            # Now and then just after a local month boundary (00:00-01:00 Beijing time).
            here = self.t.astimezone(TZ)
            first = datetime(here.year + here.month // 12, here.month % 12 + 1, 1, tzinfo=TZ)
            when = first + timedelta(seconds=rng.randint(0, 3599))
            if when - self.t < timedelta(days=45):
                return when.astimezone(UTC)
        return self.t + timedelta(seconds=max(1, round(hours * 3600)))

    def add(self, command: str, hours: float, *, status: str | None = None, **args: Any) -> bool:
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
        if status is not None:
            self.m.status = status
        self.steps.append(Step(self.case, len(self.steps), command, when, recorded, args, self.m.status))
        return True


def _any_state(life: _Life, m: _Model, places: list[str]) -> bool:
    rng = life.rng
    r = rng.random()
    hours = rng.uniform(1, 24 * 6)
    if r < 0.25:
        return life.add("report_incident", hours, kind=rng.choice(["criminal_escalation", "extreme_act", "mass_incident"]),
                        description="矛盾激化发生冲突", severity=rng.choice(["serious", "major", "grave"]))
    if r < 0.45:
        value = rng.choice([c for c in CATEGORIES if c != m.category])
        if life.add("correct_details", hours, field="category", value=value, reason="登记时纠纷类型选择有误"):
            m.category = value
            return True
        return False
    if r < 0.65:
        pool = places if rng.random() < 0.4 else [c for c in places if c[:9] == m.region[:9]]
        value = rng.choice([c for c in pool if c != m.region])
        if life.add("correct_details", hours, field="region_code", value=value, reason="登记时选错村社区"):
            m.region = value
            return True
        return False
    if r < 0.85:
        return life.add("assess_risk", hours, level=rng.choice(["low", "medium", "high", "critical"]),
                        flags=rng.choice([[], ["mass"], ["extreme", "criminal_escalation"]]))
    return life.add("add_supervision_note", hours, instruction="请加快调处进度")


def _committee(m: _Model) -> str:
    return (f"ORG{village_of(m.region)}", f"ORGT{m.region[:9]}", COUNTY_COMMITTEE)[m.level]


def _assign(life: _Life, m: _Model, hours: float) -> bool:
    rng = life.rng
    if m.category in INDUSTRY and rng.random() < (0.6 if m.level == 2 else 0.1):
        return life.add("assign", hours, status="assigned", route="industry_mediation", organisation_code=INDUSTRY[m.category])
    return life.add("assign", hours, status="assigned", route="peoples_mediation", organisation_code=_committee(m))


def _progress(life: _Life, m: _Model) -> bool:
    """One step along the state machine; False when the case's life ends here."""
    rng = life.rng
    s = m.status
    h = rng.uniform(2, 24 * 12)
    pick = rng.random()
    if s == "reported":
        withdraw = 0.5 if m.failed_before else 0.08
        if pick < 0.05 and not m.failed_before:
            # Handed to arbitration: not a mediation route; the hand-off ends the case (referred).
            if life.add("assign", h, status="closed", route="arbitration", organisation_code="ORGC-ARB"):
                m.resolution = "referred"
                return True
            return False
        if pick < 0.05 + withdraw:
            if life.add("withdraw", h, status="closed", reason="当事人自行和解"):
                m.resolution = "withdrawn"
                return True
            return False
        if pick < 0.85:
            m.level = 0 if not m.failed_before else m.level
            return _assign(life, m, h)
        if pick < 0.94:
            return _file(life, m, h)
        return False  # left waiting for triage
    if s == "assigned":
        if pick < 0.78:
            if life.add("accept", h, status="accepted"):
                m.extended = False
                return True
            return False
        if pick < 0.9:
            return life.add("decline", h, status="reported", reason="不属于本组织受理范围")
        if m.level < 2:
            m.level += 1  # handed up before acceptance: village -> town -> county
        return _assign(life, m, h)
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
            return life.add(command, h, status="mediating", mode=rng.choice(["onsite", "online", "online", "phone"]),
                            participants=["申请人", "被申请人"], summary="面对面调解")
        if command == "extend_deadline":
            ok = life.add(command, h, days=rng.randint(1, 30), reason="双方同意延长")
            m.extended = m.extended or ok
            return ok
        if command == "record_agreement":
            return life.add(command, h, status="agreed", terms="双方达成协议", amount=rng.choice([None, "1200.00"]))
        if life.add(command, h, status="failed", reason="双方分歧较大"):
            m.failed_before = True
            return True
        return False
    if s == "agreed":
        if pick < 0.35:
            # The county court is competent for every body of the county (application/court_areas.py).
            return life.add("request_confirmation", h, status="confirmation_pending", court_code=COURT,
                            online=rng.random() < 0.5, applicants=["张建国", "李秀英"])
        if pick < 0.45:
            return life.add("record_performance", h, performed=rng.choice(["full", "partial", "none"]))
        if pick < 0.97:
            return _close(life, m, h, "mediated")
        return False
    if s == "confirmation_pending":
        if pick < 0.05:
            return False  # decision still pending
        granted = pick < 0.78
        if life.add("decide_confirmation", h, status="confirmed" if granted else "failed", granted=granted,
                    reason="协议合法有效" if granted else "协议违反法律规定"):
            m.failed_before = m.failed_before or not granted
            return True
        return False
    if s == "confirmed":
        if pick < 0.2:
            return life.add("record_performance", h, performed="full")
        return _close(life, m, h, "confirmed")
    if s == "failed":
        if pick < 0.4 and m.level < 2:
            m.level += 1  # escalation: village -> town -> county
            return _assign(life, m, h)
        if pick < 0.5:
            # Handed on, sent back, then withdrawn: a failure concluded by withdrawal.
            return _assign(life, m, h)
        if pick < 0.75:
            return _file(life, m, h)
        if pick < 0.97:
            return _close(life, m, h, "unresolvable")
        return False
    if s == "litigating":
        if pick < 0.93:
            return life.add("record_court_outcome", rng.uniform(24 * 20, 24 * 90), status="adjudicated",
                            outcome=rng.choice(["judgment", "court_mediation", "withdrawn", "dismissed"]), summary="审结")
        return False
    if s == "adjudicated":
        return pick < 0.95 and _close(life, m, h, "adjudicated")
    if s == "closed":
        followable = m.resolution in ("mediated", "confirmed") and not m.followed_up
        follow, reopen, archive = (0.55, 0.68, 0.8) if followable else (0.0, 0.15, 0.4)
        if pick < follow:
            if life.add("follow_up", rng.uniform(24, 24 * 40), satisfaction=rng.choice(["satisfied", "satisfied", "neutral", "dissatisfied"]),
                        relapse=rng.random() < 0.2):
                m.followed_up = True
                return True
            return False
        if pick < reopen:
            if life.add("reopen", h, status="reported", reason="回访发现纠纷反复"):
                m.resolution, m.level, m.followed_up, m.failed_before = None, 0, False, False
                return True
            return False
        if pick < archive:
            life.add("archive", rng.uniform(24 * 5, 24 * 60), status="archived", archive_number=f"QS-{life.case:05d}")
        return False
    return False  # archived


def _file(life: _Life, m: _Model, hours: float) -> bool:
    return life.add("file_in_court", hours, status="litigating", court_code=COURT,
                    court_case_number=f"(2026)甘1199民初{90000 + life.case}号", reason="调解不成，起诉")


def _close(life: _Life, m: _Model, hours: float, resolution: str) -> bool:
    if life.add("close", hours, status="closed", summary="纠纷化解销号"):
        m.resolution = resolution
        return True
    return False


def plan_case(rng: random.Random, geo: Geography, case: int, start: datetime, end: datetime, towns: list[str], *,
              asides: float = 0.12) -> list[Step]:
    """One case's life; ``asides`` is the share of steps that are corrections, incidents, risk
    assessments or supervision notes rather than moves along the state machine."""
    village = rng.choice(geo.villages(rng.choice(towns)))
    region = rng.choice([village, village, *geo.grids.get(village, [])])
    m = _Model(region=region, category=rng.choice(CATEGORIES))
    life = _Life(rng, case, start, end, m)
    source = "court_diversion" if rng.random() < 0.2 else rng.choice(SOURCES)
    life.add(
        "report", 0, source=source, category=m.category, region_code=region, summary="邻里因排水发生纠纷",
        parties=[{"role": "applicant", "kind": "person", "name": "张建国"}, {"role": "respondent", "kind": "person", "name": "李秀英"}],
        people_involved=rng.randint(1, 9), amount_in_dispute=rng.choice([None, "800.00", "25000.50"]),
    )
    places = geo.places()
    for _ in range(40):
        moved = _any_state(life, m, places) if rng.random() < asides else _progress(life, m)
        if not moved:
            break
    return life.steps


@dataclass
class History:
    steps: list[Step]  # in the order they are recorded
    case_ids: list[UUID]
    recorded: int = 0
    by_case: dict[int, list[Step]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        grouped: dict[int, list[Step]] = defaultdict(list)
        for s in self.steps:
            grouped[s.case].append(s)
        self.by_case = {c: sorted(ss, key=lambda s: s.seq) for c, ss in grouped.items()}


def make_history(geo: Geography, seed: int, cases: int, *, towns: list[str] | None = None,
                 start: datetime = HISTORY_START, end: datetime = HISTORY_END, asides: float = 0.12) -> History:
    rng = random.Random(seed)
    towns = towns or geo.towns
    span = int((end - start).total_seconds()) - 10 * 86400
    steps: list[Step] = []
    for i in range(cases):
        if rng.random() < 0.12:
            first = local(rng.choice(range(start.year, end.year + 1)), rng.randint(1, 11))
            begin = first + timedelta(seconds=rng.randint(-3600, 3600))
            begin = min(max(begin, start), start + timedelta(seconds=span))
        else:
            begin = start + timedelta(seconds=rng.randint(0, span))
        steps.extend(plan_case(rng, geo, i, begin, end, towns, asides=asides))
    steps.sort(key=lambda s: (s.recorded_at, s.case, s.seq))
    case_ids = [UUID(int=rng.getrandbits(128), version=4) for _ in range(cases)]
    return History(steps, case_ids)


def issue_steps(ledger: Any, clock: Any, actor: Any, history: History, steps: list[Step]) -> None:
    """Issue ``steps`` as ``actor``, each at its recording instant."""
    for step in steps:
        clock.now = step.recorded_at
        if step.command == "report":
            result = ledger.report(actor, occurred_at=step.occurred_at, case_id=history.case_ids[step.case], **step.args)
        else:
            result = ledger.execute(actor, history.case_ids[step.case], step.command, occurred_at=step.occurred_at, **step.args)
        step.status, step.position = result.case.status, result.position


# ---------------------------------------------------------------------------------------- court records


@dataclass(frozen=True)
class Court:
    """One court record as generated (the fields of application.court_feed.CourtRecord)."""

    case_number: str
    court_code: str
    cause: str
    filed_on: date
    plaintiff_region: str | None
    defendant_region: str | None
    plaintiff_is_financial: bool = False
    concluded_on: date | None = None
    outcome: str | None = None
    pre_litigation_number: str | None = None

    @property
    def kind(self) -> str:
        return self.case_number.split("甘1199")[1].rstrip("0123456789号")

    @property
    def category(self) -> str:
        if self.kind == "行初" or self.cause.startswith("行政"):
            return "administrative"
        return CAUSES.get(self.cause, "other")


def _domicile(rng: random.Random, geo: Geography, quiet: set[str]) -> str | None:
    r = rng.random()
    village = rng.choice([v for v in geo.residents if v not in quiet])
    if r < 0.78:
        return village
    if r < 0.9:
        return village[:9]
    if r < 0.95:
        return COUNTY
    return None


def make_court_records(geo: Geography, seed: int, per_year: int, *, quiet: set[str],
                       first: date = date(2024, 1, 1), last: date = date(2026, 11, 30)) -> list[Court]:
    """Filings over ``first``..``last``: mostly 民初 with defendants' domiciles at village, town or
    county level or unknown; a few other kinds; none with a defendant in the ``quiet`` villages
    (who may still sue: plaintiffs anywhere)."""
    rng = random.Random(seed)
    serial: dict[tuple[int, str], int] = defaultdict(int)
    records = []
    days = (last - first).days + 1
    causes, weights = list(CAUSE_WEIGHTS), list(CAUSE_WEIGHTS.values())
    for _ in range(per_year * days // 365):
        filed = first + timedelta(days=rng.randrange(days))
        kind = rng.choices(["民初", "行初", "民特", "诉前调", "执"], [86, 5, 4, 3, 2])[0]
        cause = ADMINISTRATIVE_CAUSE if kind == "行初" else (rng.choices(causes, weights)[0] if rng.random() > 0.03 else "名誉权纠纷")
        serial[(filed.year, kind)] += 1
        financial = cause in FINANCIAL_CAUSES and rng.random() < 0.8
        defendant = _domicile(rng, geo, quiet)
        if kind in ("执", "民特") and rng.random() < 0.5:
            defendant = rng.choice(sorted(quiet))  # other kinds never make a village litigious
        concluded = filed + timedelta(days=rng.randint(10, 200)) if rng.random() < 0.5 else None
        records.append(Court(
            case_number=f"({filed.year})甘1199{kind}{serial[(filed.year, kind)]}号",
            court_code=rng.choice([COURT, COURT, *TRIBUNALS]),
            cause=cause,
            filed_on=filed,
            plaintiff_region=None if financial else _domicile(rng, geo, set()),
            defendant_region=defendant,
            plaintiff_is_financial=financial,
            concluded_on=concluded if concluded and concluded <= last else None,
            outcome=("判决" if rng.random() < 0.5 else "调解") if concluded and concluded <= last else None,
        ))
    return records


def corrections(records: list[Court], seed: int, count: int, geo: Geography, quiet: set[str], *,
                last: date = date(2026, 11, 30)) -> list[Court]:
    """Changed versions of ``count`` earlier records: a new filing date in the same year, or a
    new defendant domicile."""
    rng = random.Random(seed)
    changed = []
    for r in rng.sample(records, count):
        if rng.random() < 0.5:
            filed = min(r.filed_on + timedelta(days=rng.randint(-40, 40)), last)
            if filed.year != r.filed_on.year or filed == r.filed_on:
                filed = r.filed_on - timedelta(days=1) if (r.filed_on.month, r.filed_on.day) != (1, 1) else r.filed_on + timedelta(days=1)
            concluded = r.concluded_on if r.concluded_on is None or r.concluded_on >= filed else None
            changed.append(Court(**{**r.__dict__, "filed_on": filed, "concluded_on": concluded,
                                    "outcome": r.outcome if concluded else None}))
        else:
            changed.append(Court(**{**r.__dict__, "defendant_region": _domicile(rng, geo, quiet)}))
    return changed


# ---------------------------------------------------------------------------------------- spans


@dataclass(frozen=True)
class Span:
    start: date
    through: date  # inclusive; the day before start when empty

    @property
    def days(self) -> int:
        return max(0, (self.through - self.start).days + 1)

    def has(self, day: date) -> bool:
        return self.start <= day <= self.through

    def end_instant(self) -> datetime:
        nxt = self.through + timedelta(days=1)
        return datetime(nxt.year, nxt.month, nxt.day, tzinfo=TZ).astimezone(UTC)


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


@dataclass(frozen=True)
class PeriodSpec:
    kind: str  # year, half, quarter, month, range
    year: int
    first_month: int
    last_month: int

    @classmethod
    def of(cls, text: str) -> PeriodSpec:
        year = int(text[:4])
        rest = text[4:]
        if not rest:
            return cls("year", year, 1, 12)
        if rest.startswith("-H"):
            h = int(rest[2])
            return cls("half", year, 6 * h - 5, 6 * h)
        if rest.startswith("-Q"):
            q = int(rest[2])
            return cls("quarter", year, 3 * q - 2, 3 * q)
        if ".." in rest:
            return cls("range", year, int(rest[1:3]), int(rest.split("..")[1][5:7]))
        return cls("month", year, int(rest[1:3]), int(rest[1:3]))

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        return _month_end(self.year, self.last_month)

    def span(self, at: datetime) -> Span:
        """Whole elapsed days as of ``at``: the period's own days once ended, else up to yesterday."""
        today = local_day(at)
        if today > self.end:
            return Span(self.start, self.end)
        return Span(self.start, max(today, self.start) - timedelta(days=1))

    def previous(self) -> PeriodSpec | None:
        if self.kind == "quarter":
            return PeriodSpec("quarter", self.year - 1, 10, 12) if self.first_month == 1 else \
                PeriodSpec("quarter", self.year, self.first_month - 3, self.last_month - 3)
        if self.kind == "month":
            return PeriodSpec("month", self.year - 1, 12, 12) if self.first_month == 1 else \
                PeriodSpec("month", self.year, self.first_month - 1, self.first_month - 1)
        return None


def year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return date(day.year - 1, 2, 28)


def last_year_span(span: Span) -> Span:
    start = year_earlier(span.start)
    return Span(start, start - timedelta(days=1)) if span.days == 0 else Span(start, year_earlier(span.through))


def previous_span(period: PeriodSpec, span: Span) -> Span | None:
    before = period.previous()
    if before is None:
        return None
    return Span(before.start, min(before.end, before.start + timedelta(days=span.days - 1)))


# ---------------------------------------------------------------------------------------- oracle


@dataclass(frozen=True)
class Mark:
    """A case qualifying for one indicator on one local day (with a value for the means)."""

    kind: str
    case: int
    day: date
    value: float = 0.0
    extra: Any = None


class Oracle:
    """Every §6 v2 indicator computed from the commands and court records alone."""

    def __init__(self, geo: Geography, history: History, courts: list[Court], *, now: datetime = NOW,
                 as_of: datetime | None = None):
        """``courts`` in the order their versions were imported; with ``as_of``, the steps recorded
        by then (the caller passes the court versions imported by then) and spans as of then."""
        self.geo, self.now, self.as_of = geo, as_of or now, as_of
        self.marks: dict[str, list[Mark]] = defaultdict(list)
        self.village: dict[int, str] = {}
        self.category: dict[int, str] = {}
        self.source: dict[int, str] = {}
        self.steps: dict[int, list[Step]] = {}
        self._memo: dict[Any, dict[int, Mark]] = {}
        self._judged: dict[datetime, dict[int, tuple[int, int]]] = {}
        for case, steps in history.by_case.items():
            known = [s for s in steps if s.position is not None and (as_of is None or s.recorded_at <= as_of)]
            if known:
                self.steps[case] = known
                self._case(case, known)
        final: dict[str, Court] = {}
        for c in courts:  # later versions of a case number replace earlier ones
            final[c.case_number] = c
        self.courts = list(final.values())
        self._filings = self._counted("defendant", LITIGATION_KINDS, exclude_financial=False)
        months = sorted(f"{c.filed_on:%Y-%m}" for c in self.courts)
        self._feed = (months[0], months[-1]) if months else None

    def covers(self, span: Span) -> bool:
        """Whether the court feed reaches from the span's first month to its last."""
        return self._feed is not None and self._feed[0] <= f"{span.start:%Y-%m}" and self._feed[1] >= f"{span.through:%Y-%m}"

    def _counted(self, domicile: str, kinds: frozenset[str], *, exclude_financial: bool) -> list[tuple[date, str, str]]:
        """The counted filings with a known domicile: (filed_on, domicile, category)."""
        out = []
        for c in self.courts:
            region = c.defendant_region if domicile == "defendant" else c.plaintiff_region
            if c.kind in kinds and region is not None and not (exclude_financial and c.plaintiff_is_financial):
                out.append((c.filed_on, region, c.category))
        return out

    def counting(self, *, domicile: str, kinds: frozenset[str], exclude_financial: bool) -> Oracle:
        """The same oracle counting court filings by other rules (LEDGER_LITIGATION_*)."""
        other = copy.copy(self)
        other._filings = self._counted(domicile, kinds, exclude_financial=exclude_financial)
        other._memo, other._judged = {}, {}
        return other

    def _mark(self, kind: str, case: int, when: datetime, value: float = 0.0, extra: Any = None) -> None:
        self.marks[kind].append(Mark(kind, case, local_day(when), value, extra))

    def _case(self, case: int, steps: list[Step]) -> None:
        first = steps[0]
        region, category = first.args["region_code"], first.args["category"]
        self.source[case] = first.args["source"]
        reported_at = first.occurred_at
        ever_filed = False
        life: set[str] = set()  # what this life has already qualified for
        accepted = agreed = False
        success: Mark | None = None
        for s in steps:
            c, a = s.command, s.args

            def once(kind: str, value: float = 0.0, extra: Any = None, s: Step = s, life: set[str] = life) -> None:
                if kind not in life:
                    life.add(kind)
                    self._mark(kind, case, s.occurred_at, value, extra)

            if c == "report":
                once("disputes_reported")
            elif c == "reopen":
                life, accepted, agreed, success = set(), False, False, None
                reported_at = s.occurred_at  # a reopened case is handled afresh: its days run from here
            elif c == "assign" and a["route"] in MEDIATION_ROUTES:
                once("disputes_assigned")
            elif c == "accept":
                accepted = True
            elif c == "hold_session" and a["mode"] == "online":
                once("online_mediations")
            elif c == "record_agreement":
                if not agreed:
                    agreed = True
                    days = (s.occurred_at - reported_at).total_seconds() / 86400
                    once("successes", days)
                    success = self.marks["successes"][-1]
                    if not ever_filed:
                        once("resolved_pre_litigation")
            elif c == "request_confirmation" and a["online"]:
                once("online_confirmations")
            elif c == "decide_confirmation":
                once("confirmations_granted" if a["granted"] else "confirmations_rejected")
            elif (
                c in ("file_in_court", "withdraw")
                or (c == "assign" and a["route"] in HAND_OFF_ROUTES)
                or (c == "close" and s.expected_status == "closed" and _was(steps, s, "failed"))
            ):
                if accepted and not agreed:
                    once("concluded_failures")
                if c == "file_in_court":
                    ever_filed = True
                    once("ledger_court_filings")
            elif c == "record_court_outcome":
                filed = next(p for p in reversed(steps[: s.seq]) if p.command == "file_in_court")
                once("court_outcomes", (s.occurred_at - filed.occurred_at).total_seconds() / 86400)
            elif c == "follow_up" and success is not None:
                self.marks["followed_up"].append(Mark("followed_up", case, success.day, 0.0,
                                                      (a["satisfaction"] == "satisfied", a["relapse"])))
                success = None
            elif c == "report_incident" and a["severity"] in MAJOR:
                once("serious_incidents")
                once({"criminal_escalation": "criminal_escalations", "extreme_act": "extreme_acts",
                      "mass_incident": "mass_incidents"}[a["kind"]])
            elif c == "correct_details" and a["field"] == "region_code":
                region = a["value"]
            elif c == "correct_details" and a["field"] == "category":
                category = a["value"]
        self.village[case], self.category[case] = village_of(region), category

    # ---- selection

    def _cases(self, kind: str, region: str, span: Span, category: str | None, source: str | None) -> dict[int, Mark]:
        """The cases qualifying for ``kind`` in the span, each with its first mark there."""
        key = (kind, region, span, category, source)
        if key not in self._memo:
            self._memo[key] = self._select(kind, region, span, category, source)
        return self._memo[key]

    def _select(self, kind: str, region: str, span: Span, category: str | None, source: str | None) -> dict[int, Mark]:
        found: dict[int, Mark] = {}
        first, last = span.start, span.through
        for m in self.marks[kind]:
            if (first <= m.day <= last and self.village[m.case].startswith(region)
                    and (category is None or self.category[m.case] == category)
                    and (source is None or self.source[m.case] == source) and m.case not in found):
                found[m.case] = m
        return found

    def court_cases(self, region: str, span: Span, category: str | None = None) -> int:
        first, last = span.start, span.through
        return sum(
            1 for filed, domicile, cat in self._filings
            if first <= filed <= last and domicile.startswith(region) and (category is None or cat == category)
        )

    def counts(self, region: str, span: Span, category: str | None, source: str | None) -> dict[str, Any]:
        def n(kind: str) -> int:
            return len(self._cases(kind, region, span, category, source))

        return {k: n(k) for k in (
            "disputes_reported", "disputes_assigned", "resolved_pre_litigation", "confirmations_granted",
            "ledger_court_filings", "serious_incidents")}

    # ---- rows

    def row(self, region: str, period: str, *, category: str | None = None, source: str | None = None,
            at: datetime | None = None, with_no_litigation: bool = True) -> dict[str, Any]:
        at = at or self.now
        p = PeriodSpec.of(period)
        span = p.span(at)
        ly = last_year_span(span)
        prev = previous_span(p, span)

        def sel(kind: str, s: Span = span, src: str | None = source) -> dict[int, Mark]:
            return self._cases(kind, region, s, category, src)

        def ratio(a: float, b: float) -> float | None:
            return None if not b else a / b

        successes, failures = sel("successes"), sel("concluded_failures")
        referral_ok = {c for c in successes if self.source[c] == "court_diversion"}
        referral_failed = {c for c in failures if self.source[c] == "court_diversion"}
        followed: dict[int, list[tuple[bool, bool]]] = defaultdict(list)
        for m in self.marks["followed_up"]:
            if m.case in successes and span.has(m.day) and self.village[m.case].startswith(region):
                followed[m.case].append(m.extra)
        outcomes = sel("court_outcomes")
        row: dict[str, Any] = {"days": span.days}
        population, pop_year, note = self.geo.population(region, p.year)
        row.update({"population": population, "population_year": pop_year})
        if note is not None:
            row["population_note"] = _Present()

        def block(s: Span) -> dict[str, Any]:
            """The ↔ indicators over span ``s`` (population of the span's year)."""
            out: dict[str, Any] = {k: len(sel(k, s)) for k in (
                "disputes_reported", "disputes_assigned", "resolved_pre_litigation", "confirmations_granted",
                "ledger_court_filings", "serious_incidents")}
            covered = source is None and self.covers(s)
            out["court_cases"] = self.court_cases(region, s, category) if covered else None
            pop = self.geo.population(region, s.start.year)[0]
            cc = out["court_cases"]
            out["litigation_per_10k"] = None if not pop or cc is None else cc / pop * 10000
            return out

        here = block(span)
        row.update(here)
        if source is not None:
            del row["court_cases"], row["litigation_per_10k"]
        before = block(ly)
        for k in COMPARED:
            if k not in row:
                continue
            row[f"{k}_last_year"] = before[k]
            row[f"{k}_yoy"] = _change(here[k], before[k])
        if prev is not None:
            earlier = block(prev)
            for k in COMPARED:
                if k not in row:
                    continue
                row[f"{k}_prev"] = earlier[k]
                row[f"{k}_pop"] = _change(here[k], earlier[k])
        if source is None:
            row["litigation_per_10k_annualised"] = (
                None if row["litigation_per_10k"] is None or not span.days else row["litigation_per_10k"] * 365 / span.days)
        row.update({
            "resolution_rate": ratio(here["resolved_pre_litigation"], here["disputes_assigned"]),
            "mediation_success_rate": ratio(len(successes), len(successes) + len(failures)),
            "court_referral_success_rate": ratio(len(referral_ok), len(referral_ok) + len(referral_failed)),
            "confirmations_rejected": len(sel("confirmations_rejected")),
            "confirmation_rate": ratio(here["confirmations_granted"], len(successes)),
            "online_mediations": len(sel("online_mediations")),
            "online_confirmations": len(sel("online_confirmations")),
            "criminal_escalations": len(sel("criminal_escalations")),
            "extreme_acts": len(sel("extreme_acts")),
            "mass_incidents": len(sel("mass_incidents")),
            "follow_up_rate": ratio(len(followed), len(successes)),
            "satisfaction_rate": ratio(sum(1 for f in followed.values() if any(sat for sat, _ in f)), len(followed)),
            "relapse_rate": ratio(sum(1 for f in followed.values() if any(rel for _, rel in f)), len(followed)),
            "mean_days_to_mediated_resolution": ratio(sum(m.value for m in successes.values()), len(successes)),
            "mean_days_in_court": ratio(sum(m.value for m in outcomes.values()), len(outcomes)),
        })
        if self.as_of is None:
            overdue, open_ = self.overdue(region, min(span.end_instant(), at), category, source)
            row["overdue_open"] = overdue
            row["overdue_share"] = ratio(overdue, open_)
        else:  # judged from the deadlines as known now only
            row["overdue_open"] = row["overdue_share"] = None
        if source is None:
            row["litigation_source"] = "court_feed" if here["court_cases"] is not None else "none"
        if with_no_litigation:
            year = PeriodSpec.of(str(p.year)).span(at)
            row["no_litigation_villages"] = (
                self.no_litigation_villages(region, year) if p.kind == "year" and self.covers(year) else None)
        return row

    def no_litigation_villages(self, region: str, span: Span) -> int:
        sued = {domicile for filed, domicile, _ in self._filings if len(domicile) == 12 and span.has(filed)}
        troubled = {self.village[c] for c in self._cases("serious_incidents", region, span, None, None)}
        troubled |= {self.village[c] for c in self._cases("mass_incidents", region, span, None, None)}
        return sum(1 for v in self.geo.villages(region) if v not in sued and v not in troubled)

    # ---- overdue (DESIGN.md §5), judged at an instant from the events that had occurred by then

    def overdue(self, region: str, when: datetime, category: str | None, source: str | None) -> tuple[int, int]:
        """(overdue, open) cases at ``when``."""
        if when not in self._judged:
            judged = {}
            for case, steps in self.steps.items():
                done = [s for s in steps if s.occurred_at <= when]
                if done and done[-1].expected_status not in ("closed", "archived"):
                    judged[case] = (1, _missed(done, when))
            self._judged[when] = judged
        late = open_ = 0
        for case, (is_open, is_late) in self._judged[when].items():
            if not self.village[case].startswith(region):
                continue
            if (category is not None and self.category[case] != category) or (source is not None and self.source[case] != source):
                continue
            open_ += is_open
            late += is_late
        return late, open_


def _was(steps: list[Step], step: Step, status: str) -> bool:
    """Whether the case was in ``status`` just before ``step``."""
    return step.seq > 0 and steps[step.seq - 1].expected_status == status


#: Diagnosis only: True judges the parties' confirmation-request window as an obligation (version 1).
WINDOW_IS_OBLIGATION = False


def _missed(done: list[Step], when: datetime) -> int:
    """1 when an obligation of the body holding the case is pending and past due at ``when``."""
    risk = "low"
    triage: datetime | None = None
    acceptance = mediation = decision = window = None
    extension = 0.0
    notes: list[datetime] = []
    for s in done:
        c = s.command
        if c in ("report", "decline", "reopen"):
            triage = s.occurred_at
        if c in ("assign", "file_in_court", "withdraw"):
            triage = None
        if c == "assign" and s.args["route"] not in HAND_OFF_ROUTES:
            acceptance = s.occurred_at
        if c in ("accept", "decline"):
            acceptance = None
        if c == "accept":
            mediation, extension = s.occurred_at, 0.0
        if c == "extend_deadline":
            extension = float(s.args["days"])
        if c in ("record_agreement", "record_failure"):
            mediation = None
        if c == "record_agreement":
            window = s.occurred_at
        if c in ("request_confirmation", "close"):
            window = None
        if c == "request_confirmation":
            decision = s.occurred_at
        if c == "decide_confirmation":
            decision = None
        if c == "assess_risk":
            risk = s.args["level"]
        if c not in ("report", "assess_risk", "add_supervision_note", "report_incident", "correct_details", "link_to_lead_case"):
            notes = []  # a supervision note is answered by the next step taken on the case
        if c == "add_supervision_note":
            notes.append(s.args["due_at"])
    dues = [d for d in notes]
    if triage is not None:
        dues.append(triage + timedelta(days=1 if risk in ("high", "critical") else 3))
    if acceptance is not None:
        dues.append(acceptance + timedelta(days=2))
    if mediation is not None:
        dues.append(mediation + timedelta(days=30 + extension))
    if decision is not None:
        dues.append(decision + timedelta(days=15))
    if WINDOW_IS_OBLIGATION and window is not None:
        dues.append(window + timedelta(days=30))
    return int(any(when > d for d in dues))


class _Present:
    """Expected: any non-empty value (a reason written for people)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and bool(other.strip())

    def __repr__(self) -> str:
        return "<a reason>"


def _change(now: float | None, before: float | None) -> float | None:
    if now is None or before is None or before == 0:
        return None
    return (now - before) / before
