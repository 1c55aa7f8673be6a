"""Realistic demo histories for the demo county, generated through the Application.

Every case's life is planned first, then all steps of all cases are replayed in the order they
were recorded, with the application's clock set to each step's recording instant, so that late
entries, overdue work and as-of queries look as they would in a county that used the ledger.

Urban communities (社区) and farming villages (村) quarrel about different things; wage claims and
land disputes have their seasons (application/demo_seasons.py); incidents come mostly from cases
judged risky, failed or still open; the tribunals of application/demo_data/tribunal_areas.csv
hear their towns' cases. Around the ledger's cases the county court's own feed is planned
(application/demo_court.py), its numbers given to the ledger's filings, and imported quarterly.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from application.config import county_tz
from application.court_feed import import_court_records
from application.demo_court import CourtFeed, import_batches, is_urban, population
from application.demo_instruments import enrol_demo_villages
from application.demo_seasons import SEASONS
from application.errors import UnknownActor
from application.ledger import Ledger, utc_now
from application.reference_files import demo_text, load_demo_lead_units, load_demo_reference, read_csv
from domain.errors import InvalidValue
from domain.reference import Actor
from domain.values import id_check_digit

#: Dispute categories in urban communities (社区): housing estates, shops, loans between neighbours.
URBAN_CATEGORIES = {
    "property_management": 20, "consumer": 10, "private_lending": 16, "family": 8, "neighbour": 7,
    "elder_support": 2, "child_support": 2, "labour": 8, "migrant_wages": 5, "land_contract": 0,
    "traffic_accident": 7, "medical": 2, "financial": 4, "commercial": 4, "real_estate": 3, "insurance": 1,
    "ip": 0.5, "administrative": 1, "other": 3,
}
#: ... and in farming villages (村): land, boundaries, families and the support of the old.
FARMING_CATEGORIES = {
    "land_contract": 16, "neighbour": 20, "family": 16, "elder_support": 6, "child_support": 3,
    "private_lending": 9, "migrant_wages": 7, "labour": 3, "traffic_accident": 6, "property_management": 0.5,
    "consumer": 1, "medical": 1.5, "financial": 2, "commercial": 1, "real_estate": 0.3, "insurance": 1,
    "ip": 0, "administrative": 1.5, "other": 3,
}
CATEGORY_WEIGHTS = {c: URBAN_CATEGORIES[c] + FARMING_CATEGORIES[c] for c in URBAN_CATEGORIES}
SOURCE_WEIGHTS = {
    "grid_patrol": 35, "walk_in": 25, "hotline": 12, "petition": 5, "court_diversion": 8,
    "online": 7, "police_referral": 5, "department_referral": 3,
}
INDUSTRY = {
    "labour": "industry_labour", "migrant_wages": "industry_labour", "traffic_accident": "industry_traffic",
    "medical": "industry_medical", "financial": "industry_financial", "property_management": "industry_property",
    "commercial": "industry_commercial", "real_estate": "industry_commercial", "insurance": "industry_financial",
    "consumer": "industry_commercial",
}
SURNAMES = "王张李刘陈杨马赵黄周吴徐孙朱胡郭何高林罗郑梁谢宋唐韩冯邓曹彭曾"
GIVEN = ["建国", "秀英", "玉兰", "志强", "海燕", "春梅", "永红", "国庆", "晓东", "丽娟", "文斌", "桂芳",
         "德明", "小军", "红霞", "伟", "静", "磊", "敏", "勇", "军", "芳", "娟", "强", "平", "刚", "燕"]
SUMMARIES = {
    "neighbour": "因宅基地排水沟问题引发相邻纠纷", "family": "夫妻因家庭财产分割发生纠纷",
    "elder_support": "子女之间就老人赡养费用分担发生争议", "child_support": "离婚后子女抚养费给付纠纷",
    "property_management": "业主与物业公司因物业费及服务质量发生纠纷", "private_lending": "借款到期未还引发民间借贷纠纷",
    "labour": "员工与企业因解除劳动合同补偿发生争议", "migrant_wages": "农民工追讨拖欠工资",
    "land_contract": "土地承包经营权流转期限争议", "traffic_accident": "道路交通事故损害赔偿纠纷",
    "medical": "患者家属对诊疗过程提出异议", "financial": "金融借款逾期还款纠纷", "commercial": "买卖合同货款纠纷",
    "real_estate": "商品房逾期交付纠纷", "insurance": "保险理赔金额争议", "consumer": "消费者购买商品质量问题投诉",
    "ip": "商标使用纠纷", "administrative": "对行政处理决定有异议", "other": "其他矛盾纠纷",
}

INCIDENT_TEXT = {
    "criminal_escalation": "当事人矛盾激化引发治安案件",
    "extreme_act": "当事人扬言采取极端行为，已稳控",
    "mass_incident": "多名当事人聚集讨要说法",
}
#: The chance that a case gives rise to an incident: mostly cases judged high or critical risk,
#: cases whose mediation failed and cases still open; seldom a case settled and closed.
INCIDENT_ODDS = {"critical": 0.12, "high": 0.04, "failed": 0.008, "open": 0.01, "closed": 0.001, "mediated": 0.0003}
#: Placeholder in a planned file_in_court until the court feed gives the filing its number.
UNNUMBERED = "(待编号)"
#: 民初 filings per 10,000 residents a year (万人成讼率): 通辽 2022 had about 150.
COURT_RATE = 160.0

Clock = Callable[[], datetime]


@dataclass(order=True)
class Step:
    recorded_at: datetime
    case: int
    seq: int
    command: str = field(compare=False)
    actor: str = field(compare=False)
    occurred_at: datetime = field(compare=False)
    args: dict[str, Any] = field(compare=False, default_factory=dict)


class _Life:
    """The planned steps of one case, each after the previous in world and recording time."""

    def __init__(self, rng: random.Random, index: int, start: datetime, end: datetime):
        self.rng, self.index, self.t, self.end = rng, index, start, end
        self.recorded = start
        self.ended = False
        self.steps: list[Step] = []

    def add(self, command: str, actor: str, after_hours: float, **args: Any) -> bool:
        """Plan a step; False once the step would lie beyond the end of the demo period."""
        when = self.t + timedelta(hours=after_hours)
        late = self.rng.random() < 0.03
        delay = timedelta(days=self.rng.uniform(2.5, 9)) if late else timedelta(minutes=self.rng.uniform(1, 240))
        recorded = max(when + delay, self.recorded + timedelta(seconds=1))
        if self.ended or recorded > self.end:
            # Once a step falls beyond the end, so does every later one.
            self.ended = True
            return False
        self.t, self.recorded = when, recorded
        self.steps.append(Step(recorded, self.index, len(self.steps), command, actor, when, args))
        return True

    def add_before_end(self, command: str, actor: str, **args: Any) -> bool:
        """Plan a step somewhere between the last one and the end, for a case still open then."""
        room = (self.end - self.recorded).total_seconds() / 3600 - 1
        if room <= 0:
            return False
        self.ended = False
        return self.add(command, actor, self.rng.uniform(0, room), **args)

    def is_open(self) -> bool:
        """Whether the case is still open once its planned steps are done."""
        last = next((s.command for s in reversed(self.steps) if s.command in ("close", "withdraw", "reopen")), None)
        return last not in ("close", "withdraw")


class DemoCounty:
    """Knows the demo county's places, bodies and people, and plans case lives in it."""

    def __init__(self, ledger: Ledger, rng: random.Random, tz: ZoneInfo | None = None):
        self.rng = rng
        self.tz = tz or county_tz()
        regions = ledger.regions().regions
        directory = ledger.directory()
        self.regions = regions
        self.county = next(r.code for r in regions.values() if r.level == "county")
        self.villages = [r for r in regions.values() if r.level == "village"]
        self.grids: dict[str, list[str]] = {}
        for r in regions.values():
            if r.level == "grid" and r.parent_code:
                self.grids.setdefault(r.parent_code, []).append(r.code)
        self.weights = [max(r.population.values(), default=1000) for r in self.villages]
        by_kind: dict[str, list[Any]] = {}
        for org in directory.organisations.values():
            by_kind.setdefault(org.kind, []).append(org)
        self.by_kind = by_kind
        self.committee = {o.region_code: o.code for o in by_kind["village_committee"] + by_kind["town_committee"]}
        self.county_committee = by_kind["county_committee"][0].code
        self.court = by_kind["court"][0].code
        # A people's tribunal (人民法庭) hears the cases and confirmations of the towns it covers.
        self.courts_by_town = {
            row["town_code"]: row["tribunal_code"]
            for row in read_csv(demo_text("tribunal_areas.csv"))
            if row["tribunal_code"] in directory.organisations and row["town_code"] in regions
        }
        self.mediators: dict[str, list[str]] = {}
        for m in directory.mediators.values():
            self.mediators.setdefault(m.organisation_code, []).append(m.id)
        #: (village code, year) pairs in which no suit names a party of the village (无讼村).
        self.quiet: set[tuple[str, int]] = set()

    def choose_quiet_villages(self, years: range, per_year: int = 4) -> None:
        """Each year a few farming villages, small ones most likely, see no suit at all."""
        farming = [v for v in self.villages if not is_urban(v)]
        for year in years:
            chosen: set[str] = set()
            while len(chosen) < min(per_year, len(farming)):
                village = self.rng.choices(farming, [1 / max(population(v, year), 1) ** 2 for v in farming])[0]
                chosen.add(village.code)
            self.quiet |= {(code, year) for code in sorted(chosen)}

    def court_of(self, region_code: str) -> str:
        return self.courts_by_town.get(region_code[:9], self.court)

    def local(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()

    def person(self, birth_from: int = 1950) -> dict[str, Any]:
        rng = self.rng
        born = datetime(rng.randint(birth_from, 2002), rng.randint(1, 12), rng.randint(1, 28))
        first17 = f"{self.county}{born:%Y%m%d}{rng.randint(0, 999):03d}"
        return {
            "kind": "person",
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "id_number": first17 + id_check_digit(first17),
            "phone": f"1{rng.choice('35789')}{rng.randint(0, 999999999):09d}",
        }

    def start(self, category: str, begin: datetime, end: datetime) -> datetime:
        """When a dispute of ``category`` arises: evenly, but for the seasons the category has."""
        season, top = SEASONS.get(category, (lambda d: 1.0, 1.0))
        span = (end - begin).total_seconds() - 3600
        while True:
            at = begin + timedelta(seconds=self.rng.uniform(0, span))
            if self.rng.random() * top <= season(self.local(at)):
                return at

    def plan(self, index: int, begin: datetime, end: datetime) -> list[Step]:
        rng = self.rng
        village = rng.choices(self.villages, self.weights)[0]
        town = village.parent_code or ""
        region = rng.choice(self.grids.get(village.code, [village.code]) + [village.code])
        mix = URBAN_CATEGORIES if is_urban(village) else FARMING_CATEGORIES
        category = rng.choices(list(mix), list(mix.values()))[0]
        source = rng.choices(list(SOURCE_WEIGHTS), list(SOURCE_WEIGHTS.values()))[0]
        life = _Life(rng, index, self.start(category, begin, end), end)
        recorder = f"recorder-{town}"
        people = rng.choice([2, 2, 2, 3, 4, 6, 12]) if category != "migrant_wages" else rng.randint(5, 40)
        parties = [{**self.person(), "role": "applicant"}, {**self.person(), "role": "respondent"}]
        if category in INDUSTRY and rng.random() < 0.6:
            parties[1] = {"role": "respondent", "kind": "organisation", "name": "青山县某某有限公司"}
        amount = None if category in ("neighbour", "family") else f"{rng.randint(2, 4000) * 50}.00"
        life.add(
            "report", recorder, 0,
            source=source, category=category, region_code=region, summary=SUMMARIES[category],
            parties=parties, people_involved=people, amount_in_dispute=amount,
        )
        if rng.random() < 0.12:
            level = rng.choices(["medium", "high", "critical"], [6, 3, 1])[0]
            flags = ["mass"] if people >= 5 else rng.choice([[], [], ["extreme"], ["criminal_escalation"]])
            if life.add("assess_risk", f"supervisor-{self.county}", rng.uniform(1, 20), level=level, flags=flags) and (
                rng.random() < INCIDENT_ODDS.get(level, 0)
            ):
                self._incident(life, people, soon=True)
        if rng.random() < 0.02:
            life.add("add_supervision_note", f"supervisor-{self.county}", rng.uniform(2, 30),
                     instruction="请加快调处进度并报告结果", due_at=life.t + timedelta(days=rng.randint(5, 40)))
        if rng.random() < 0.01:
            life.add("correct_details", recorder, rng.uniform(1, 48), field="category",
                     value=rng.choice(list(CATEGORY_WEIGHTS)), reason="登记时纠纷类型选择有误")
        if rng.random() < 0.04:
            life.add("withdraw", recorder, rng.uniform(2, 60), reason="当事人自行和解，申请撤回")
            self._after_close(life, mediated=False)
            return life.steps
        if (source == "court_diversion" and rng.random() < 0.3 or rng.random() < 0.04) and self._litigate(life, village.code):
            return life.steps
        self._mediate(life, town, village.code, category, recorder, people)
        if life.is_open() and rng.random() < INCIDENT_ODDS["open"]:
            self._incident(life, people)
        return life.steps

    def _incident(self, life: _Life, people: int, *, soon: bool = False) -> None:
        """民转刑, an extreme act or a mass incident; most are 'serious', a few 'major'."""
        rng = self.rng
        kind = "mass_incident" if people >= 5 and rng.random() < 0.5 else rng.choice(["criminal_escalation", "extreme_act"])
        args = {"kind": kind, "description": INCIDENT_TEXT[kind], "severity": rng.choices(["serious", "major", "grave"], [12, 3, 0.3])[0]}
        if soon:
            life.add("report_incident", f"supervisor-{self.county}", rng.uniform(24, 24 * 30), **args)
        else:
            life.add_before_end("report_incident", f"supervisor-{self.county}", **args)

    def _mediate(self, life: _Life, town: str, village: str, category: str, recorder: str, people: int) -> None:
        rng = self.rng
        kind = INDUSTRY.get(category)
        if kind and rng.random() < 0.7:
            bodies = [self.by_kind[kind][0].code, self.committee[town], self.county_committee]
            route = "industry_mediation"
        else:
            bodies = [self.committee[village], self.committee[town], self.county_committee]
            route = "peoples_mediation"
        org = bodies[0]
        for level, org in enumerate(bodies):
            triage = rng.uniform(2, 60) if rng.random() > 0.05 else rng.uniform(80, 200)
            mediator = rng.choice(self.mediators.get(org, [None]))  # type: ignore[list-item]
            if not life.add("assign", recorder, triage, route=route if level == 0 else "peoples_mediation",
                            organisation_code=org, mediator_id=mediator):
                return
            actor = f"mediator-{org}"
            if rng.random() < 0.04 and not life.add("decline", actor, rng.uniform(4, 40), reason="不属于本组织受理范围"):
                return
            if life.steps[-1].command == "decline":
                org = self.committee[town] if org != self.committee[town] else self.county_committee
                actor = f"mediator-{org}"
                if not life.add("assign", recorder, rng.uniform(2, 30), route="peoples_mediation", organisation_code=org):
                    return
            accept_after = rng.uniform(1, 40) if rng.random() > 0.06 else rng.uniform(50, 120)
            if not life.add("accept", actor, accept_after):
                return
            for _ in range(rng.choice([1, 1, 2, 2, 3])):
                if not life.add("hold_session", actor, rng.uniform(24, 24 * 9), mode=rng.choice(["onsite", "onsite", "phone", "online"]),
                                participants=["申请人", "被申请人"], summary="组织双方当事人面对面调解"):
                    return
            if rng.random() < 0.07 and not life.add("extend_deadline", actor, rng.uniform(24, 24 * 10), days=rng.randint(10, 30),
                                                    reason="双方同意延长调解期限"):
                return
            success = rng.random() < (0.8 if level == 0 else 0.6)
            if success:
                if not life.add("record_agreement", actor, rng.uniform(24, 24 * 12), terms="双方自愿达成调解协议，分期履行",
                                amount=f"{rng.randint(1, 400) * 100}.00" if rng.random() < 0.6 else None):
                    return
                if rng.random() < 0.35:
                    competent = self.court_of(village) if org in (self.committee[village], self.committee[town]) else self.court
                    if not life.add("request_confirmation", actor, rng.uniform(24, 24 * 20), court_code=competent,
                                    online=rng.random() < 0.5):
                        return
                    granted = rng.random() < 0.93
                    if not life.add("decide_confirmation", f"judge-{self.county}", rng.uniform(24, 24 * 14), granted=granted,
                                    reason="调解协议合法有效，予以确认" if granted else "协议内容违反法律规定"):
                        return
                    if not granted:
                        continue
                if rng.random() < 0.5 and not life.add("record_performance", actor, rng.uniform(24, 24 * 20),
                                                       performed=rng.choices(["full", "partial", "none"], [8, 2, 1])[0]):
                    return
                if life.add("close", actor, rng.uniform(2, 24 * 5), summary="纠纷已化解，予以销号"):
                    self._after_close(life, mediated=True, actor=actor)
                return
            if not life.add("record_failure", actor, rng.uniform(24, 24 * 15), reason="双方分歧较大，调解未能达成协议"):
                return
            if rng.random() < INCIDENT_ODDS["failed"]:
                self._incident(life, people, soon=True)
        if rng.random() < 0.6 and self._litigate(life, village):
            return
        if life.add("close", f"mediator-{org}", rng.uniform(24, 24 * 10), summary="多次调解未果，当事人不再主张"):
            self._after_close(life, mediated=False)

    def _litigate(self, life: _Life, village: str) -> bool:
        """File the case in the court or tribunal of its village; False, and nothing planned, when
        the village is one that sees no suit that year."""
        rng = self.rng
        judge = f"judge-{self.county}"
        after = rng.uniform(24, 24 * 15)
        if (village, self.local(life.t + timedelta(hours=after)).year) in self.quiet:
            return False
        # The number is the court's: the court feed numbers this filing among all the others.
        # Tribunals hear civil cases only; an administrative suit goes to the county court.
        # (No steps: the report itself fell beyond the end, and so will this filing.)
        administrative = bool(life.steps) and life.steps[0].args["category"] == "administrative"
        court = self.court if administrative else self.court_of(village)
        if not life.add("file_in_court", judge, after, court_code=court,
                        court_case_number=UNNUMBERED, reason="调解不成，当事人起诉"):
            return True
        outcome = rng.choices(["judgment", "court_mediation", "withdrawn", "dismissed"], [5, 3, 1, 1])[0]
        if not life.add("record_court_outcome", judge, rng.uniform(24 * 25, 24 * 110), outcome=outcome, summary="案件审结"):
            return True
        if life.add("close", judge, rng.uniform(24, 24 * 10), summary="案件审结销号"):
            self._after_close(life, mediated=False)
        return True

    def _after_close(self, life: _Life, *, mediated: bool, actor: str | None = None) -> None:
        rng = self.rng
        if rng.random() < INCIDENT_ODDS["mediated" if mediated else "closed"]:
            self._incident(life, 2, soon=True)
            return
        if mediated and actor and rng.random() < 0.85:
            visit = rng.uniform(24 * 3, 24 * 28) if rng.random() < 0.9 else rng.uniform(24 * 31, 24 * 50)
            relapse = rng.random() < 0.03
            if not life.add("follow_up", actor, visit, satisfaction=rng.choices(["satisfied", "neutral", "dissatisfied"], [8, 2, 1])[0],
                            relapse=relapse):
                return
            if relapse:
                life.add("reopen", f"supervisor-{self.county}", rng.uniform(2, 72), reason="回访发现纠纷反复")
                return
        if rng.random() < 0.6:
            life.add("archive", f"supervisor-{self.county}", rng.uniform(24 * 20, 24 * 90),
                     archive_number=f"QS-{life.index + 1:06d}")


def demo_actors(ledger: Ledger, county: DemoCounty) -> None:
    """The actors the histories are attributed to; created once, their tokens are not kept."""
    wanted: list[tuple[str, str, str | None, str | None]] = [(f"supervisor-{county.county}", "supervisor", county.county, None),
              (f"judge-{county.county}", "judge", county.county, None)]
    towns = {v.parent_code for v in county.villages}
    wanted += [(f"recorder-{t}", "recorder", t, None) for t in sorted(t for t in towns if t)]
    orgs = {o.code: o for kind in county.by_kind.values() for o in kind}
    wanted += [(f"mediator-{code}", "mediator", None, code) for code in sorted(orgs)]
    for name, role, region, org in wanted:
        try:
            ledger.actor(name)
        except UnknownActor:
            ledger.add_actor(name, role, region_code=region, organisation_code=org)


DEMO_TOWN = "621199001"  # 城关镇
DEMO_ORGANISATION = "ORG621199001001"  # its first community's mediation committee
#: Names earlier versions gave the demo actors of a second, third... start (demo-reader-2).
_EARLIER_DEMO_NAME = re.compile(r"^demo-(recorder|mediator|judge|supervisor|auditor|reader|admin)-\d+$")


def demo_tokens(ledger: Ledger) -> list[tuple[str, str, str]]:
    """(role, actor name, token) of one demo actor per role, for `ledger serve --demo`.

    The first start registers demo-recorder, demo-mediator...; every later start rotates their
    tokens instead, so the tokens printed before stop working and no actors pile up. Extra demo
    actors that earlier versions added on each start (demo-reader-2...) have their tokens revoked.
    """
    counties = sorted(r.code for r in ledger.regions().regions.values() if r.level == "county")
    county = counties[0] if counties else None
    wanted = [
        ("recorder", DEMO_TOWN, None),
        ("mediator", DEMO_TOWN, DEMO_ORGANISATION),
        ("judge", county, None),
        ("supervisor", county, None),
        ("auditor", None, None),
        ("reader", None, None),
        ("admin", None, None),
    ]
    tokens = []
    for role, region, organisation in wanted:
        name = f"demo-{role}"
        try:
            existing: Actor | None = ledger.actor(name)
        except UnknownActor:
            existing = None
        if existing is None:
            actor, token = ledger.add_actor(name, role, region_code=region, organisation_code=organisation)
        else:
            actor, token = ledger.rotate(name)
        tokens.append((actor.role, actor.name, token))
    for listed in ledger.list_actors():
        if listed.token == "active" and _EARLIER_DEMO_NAME.match(listed.name):
            ledger.revoke(listed.name)
    return tokens


def demo_begin(end: datetime, tz: ZoneInfo) -> datetime:
    """1 January two years before ``end``'s year: a full year before the first year compared with
    its predecessor, so that both of the last two years have a year-on-year change."""
    return datetime(end.astimezone(tz).year - 2, 1, 1, tzinfo=tz).astimezone(UTC)


def plan_histories(county: DemoCounty, disputes: int, begin: datetime, end: datetime) -> list[Step]:
    """Every step of ``disputes`` case lives, in the order they are recorded."""
    steps: list[Step] = []
    planned = 0
    while planned < disputes:
        life = county.plan(planned, begin, end)
        # A report begun just before the end and entered late would be recorded after it: that
        # dispute is not one of the demo's, and another is planned in its place.
        if life:
            steps.extend(life)
            planned += 1
    steps.sort()
    return steps


def generate(
    ledger: Ledger,
    *,
    years: float | None = None,
    disputes: int = 5000,
    seed: int = 0,
    end: datetime | None = None,
    court_rate: float = COURT_RATE,
    court_scale: float = 1.0,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Plan and record ``disputes`` case histories and the county court's feed, ending at ``end``
    (default now) and beginning ``years`` earlier (default: on 1 January two years before).

    The feed holds ``court_rate`` 民初 cases per 10,000 residents a year times ``court_scale``;
    ``court_scale=0`` leaves the feed out.
    """
    load_demo_reference(ledger)
    load_demo_lead_units(ledger)
    rng = random.Random(seed)
    county = DemoCounty(ledger, rng)
    demo_actors(ledger, county)
    end = (end or utc_now()).astimezone(UTC)
    begin = demo_begin(end, county.tz) if years is None else end - timedelta(days=365 * years)
    county.choose_quiet_villages(range(county.local(begin).year, county.local(end).year + 1))
    steps = plan_histories(county, disputes, begin, end)
    court = CourtFeed(county.regions, county.county, county.courts_by_town, county.court, county.tz, rng, county.quiet)
    records = court.plan(steps, begin, end, rate=court_rate, scale=court_scale).records if court_scale > 0 else []
    case_ids = [UUID(int=rng.getrandbits(128), version=4) for _ in range(disputes)]
    actors: dict[str, Actor] = {}
    saved_clock = ledger.clock
    counts = {"events": 0, "refused": 0, "court_records": 0}
    try:
        for n, step in enumerate(steps):
            ledger.clock = lambda at=step.recorded_at: at  # type: ignore[misc]
            actor = actors.get(step.actor) or actors.setdefault(step.actor, ledger.actor(step.actor))
            try:
                if step.command == "report":
                    ledger.report(actor, occurred_at=step.occurred_at, case_id=case_ids[step.case], **step.args)
                else:
                    ledger.execute(actor, case_ids[step.case], step.command, occurred_at=step.occurred_at, **step.args)
                counts["events"] += 1
            except InvalidValue:
                # A planned correction that changes nothing is refused, as it would be for a clerk.
                counts["refused"] += 1
            if progress and n % 200 == 0:
                progress(n, len(steps))
        counts["court_records"] = import_feed(ledger, actors.get(f"judge-{county.county}") or ledger.actor(f"judge-{county.county}"),
                                              records, end, county.tz)
    finally:
        ledger.clock = saved_clock
    # The 石泉 pattern: four demonstration 无讼村, each sponsored by a county body, this year.
    counts["villages_enrolled"] = enrol_demo_villages(ledger)
    if progress:
        progress(len(steps), len(steps))
    return counts


def import_feed(ledger: Ledger, actor: Actor, records: list[Any], end: datetime, tz: ZoneInfo) -> int:
    """Import the feed as the court would have sent it, month by month; the number of records."""
    for at, batch in import_batches(records, end, tz):
        ledger.clock = lambda at=at: at  # type: ignore[misc]
        import_court_records(ledger, actor, batch)
    return len(records)
