"""The demo county's court case feed (一审新收案件): what the county court's case system would export.

Most first-instance civil cases never pass through a mediator: lending, credit-card, sales and
divorce suits dominate, banks sue card holders, and the rate runs at 100–250 cases per 10,000
residents a year. The ledger's own cases that went to court (file_in_court), its judicial
confirmations (民特) and its court-diverted cases (诉前调) appear here too, under the same numbers.
Everything is planned in memory from a seeded random generator; the caller imports the records.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import cache, partial
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from application.court_feed import CourtRecord
from application.demo_seasons import COURT_SEASONS, court_filing
from domain.court_case import PROVINCES
from domain.reference import Region

#: Region code's first two digits → the province's abbreviation in case numbers (the first the
#: table gives: the courts' own 黔 and 云, not 贵 and 滇).
PROVINCE_ABBREVIATIONS = {code: abbreviation for abbreviation, code in reversed(PROVINCES.items())}

#: 民初 causes (案由) and their weights. The first four are the big four of a county court.
CIVIL_CAUSES = {
    "民间借贷纠纷": 22, "信用卡纠纷": 14, "买卖合同纠纷": 12, "离婚纠纷": 12,
    "金融借款合同纠纷": 9, "机动车交通事故责任纠纷": 5, "租赁合同纠纷": 3, "劳动争议": 2.5,
    "追索劳动报酬纠纷": 2.5, "物业服务合同纠纷": 3, "房屋买卖合同纠纷": 2, "建设工程施工合同纠纷": 2,
    "生命权、身体权、健康权纠纷": 2, "服务合同纠纷": 1.5, "保险合同纠纷": 1.5, "赡养纠纷": 1,
    "抚养纠纷": 1.5, "相邻关系纠纷": 1, "土地承包经营权纠纷": 1.5, "离婚后财产纠纷": 0.5,
}
BIG_FOUR = ("民间借贷纠纷", "信用卡纠纷", "买卖合同纠纷", "离婚纠纷")
#: Weight multipliers of causes by the defendant's village kind (urban community or farming village).
URBAN_CAUSES = {"物业服务合同纠纷": 3, "房屋买卖合同纠纷": 2, "土地承包经营权纠纷": 0, "相邻关系纠纷": 0.5}
FARMING_CAUSES = {"物业服务合同纠纷": 0.05, "房屋买卖合同纠纷": 0.3, "土地承包经营权纠纷": 2.5, "相邻关系纠纷": 2}
#: Suits brought by banks and card issuers (金融机构).
FINANCIAL_CAUSES = {"信用卡纠纷": 1.0, "金融借款合同纠纷": 1.0, "保险合同纠纷": 0.3}
ADMINISTRATIVE_CAUSES = {"行政处罚": 4, "行政强制": 2, "行政登记": 1.5, "行政确认": 1.5, "行政补偿": 1}
#: The ledger's categories, told as the cause a court would file them under.
CAUSE_OF_CATEGORY = {
    "neighbour": "相邻关系纠纷", "family": "离婚纠纷", "elder_support": "赡养纠纷", "child_support": "抚养纠纷",
    "property_management": "物业服务合同纠纷", "private_lending": "民间借贷纠纷", "labour": "劳动争议",
    "migrant_wages": "追索劳动报酬纠纷", "land_contract": "土地承包经营权纠纷",
    "traffic_accident": "机动车交通事故责任纠纷", "medical": "医疗损害责任纠纷", "financial": "金融借款合同纠纷",
    "commercial": "买卖合同纠纷", "real_estate": "房屋买卖合同纠纷", "insurance": "保险合同纠纷",
    "consumer": "买卖合同纠纷", "ip": "侵害商标权纠纷", "administrative": "行政处罚", "other": "合同纠纷",
}
COURT_OUTCOMES = {"judgment": "判决", "court_mediation": "调解", "withdrawn": "撤诉", "dismissed": "驳回起诉"}
CIVIL_OUTCOMES = {"判决": 45, "调解": 25, "撤诉": 25, "驳回起诉": 3, "移送": 2}
#: 行初 per 10,000 residents a year, beside the 民初 rate the caller asks for.
ADMINISTRATIVE_RATE = 2.5


@dataclass
class _Filing:
    """A court case before it has its number."""

    kind: str
    court_code: str
    cause: str
    filed_on: date
    plaintiff_region: str | None
    defendant_region: str | None
    financial: bool = False
    concluded_on: date | None = None
    outcome: str | None = None
    pre_litigation: _Filing | None = None
    number: str = ""
    on_numbered: list[Callable[[str], None]] = field(default_factory=list)


@dataclass
class CourtPlan:
    records: list[CourtRecord]
    ledger_filings: int  # of them, ledger cases filed in court (民初/行初)


class CourtFeed:
    """Plans the feed of one county; ``quiet`` holds (village code, year) pairs left without suits."""

    def __init__(
        self,
        regions: dict[str, Region],
        county: str,
        courts_by_town: dict[str, str],
        county_court: str,
        tz: ZoneInfo,
        rng: random.Random,
        quiet: set[tuple[str, int]],
    ):
        self.regions, self.county, self.tz, self.rng, self.quiet = regions, county, tz, rng, quiet
        self.courts_by_town, self.county_court = courts_by_town, county_court
        self.number_prefix = PROVINCE_ABBREVIATIONS.get(county[:2], "") + county[2:6]
        self.villages = sorted((r for r in regions.values() if r.level == "village"), key=lambda r: r.code)
        self.towns = sorted((r for r in regions.values() if r.level == "town"), key=lambda r: r.code)
        # Some villages go to law more than others; communities in town most of all.
        self.leaning = {v.code: 1.3 if is_urban(v) else rng.uniform(0.5, 1.1) for v in self.villages}

    def court_of(self, region: str | None) -> str:
        town = region[:9] if region and len(region) >= 9 else None
        return self.courts_by_town.get(town or "", self.county_court)

    def local(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()

    # ------------------------------------------------------------------ planning

    def plan(self, steps: Iterable[Any], begin: datetime, end: datetime, *, rate: float, scale: float) -> CourtPlan:
        """Records for ``begin``..``end``: the ledger's own court cases (their steps get their numbers)
        and, around them, the suits that never touched a mediator, ``rate`` 民初 per 10,000 a year
        times ``scale`` (a fraction of the county, for small samples)."""
        filings = self._from_ledger(steps)
        ledger_filings = sum(1 for f in filings if f.kind in ("民初", "行初"))
        first, last = self.local(begin), self.local(end)
        per_year: dict[tuple[int, str], int] = defaultdict(int)
        for f in filings:
            per_year[f.filed_on.year, f.kind] += 1
        for year in range(first.year, last.year + 1):
            start, stop = max(first, date(year, 1, 1)), min(last, date(year, 12, 31))
            share = ((stop - start).days + 1) / ((date(year, 12, 31) - date(year, 1, 1)).days + 1)
            people = sum(population(v, year) for v in self.villages)
            civil = round(rate * scale * people / 10_000 * share) - per_year[year, "民初"]
            administrative = round(ADMINISTRATIVE_RATE * scale * people / 10_000 * share) - per_year[year, "行初"]
            filings += [self._civil(year, start, stop) for _ in range(max(0, civil))]
            filings += [self._administrative(start, stop) for _ in range(max(0, administrative))]
        for f in filings:
            if f.concluded_on and f.concluded_on > last:
                f.concluded_on, f.outcome = None, None
        self._number(filings)
        return CourtPlan([self._record(f) for f in sorted(filings, key=lambda f: (f.filed_on, f.number))], ledger_filings)

    def _from_ledger(self, steps: Iterable[Any]) -> list[_Filing]:
        lives: dict[int, list[Any]] = defaultdict(list)
        for step in steps:
            lives[step.case].append(step)
        filings: list[_Filing] = []
        for index in sorted(lives):
            filings += self._life_filings(sorted(lives[index], key=lambda s: s.seq))
        return filings

    def _life_filings(self, life: list[Any]) -> list[_Filing]:
        report = life[0].args
        village = str(report["region_code"])[:12]
        found: list[_Filing] = []
        diverted: _Filing | None = None
        if report["source"] == "court_diversion":
            diverted = _Filing("诉前调", self.court_of(village), CAUSE_OF_CATEGORY[report["category"]],
                               self.local(life[0].occurred_at), village, village)
            ends = {"record_agreement": "调解成功", "record_failure": "调解不成", "file_in_court": "调解不成",
                    "withdraw": "撤回"}
            end = next((s for s in life if s.command in ends), None)
            if end is not None:
                diverted.concluded_on, diverted.outcome = self.local(end.occurred_at), ends[end.command]
            diverted.on_numbered.append(partial(_mention_number, report))
            found.append(diverted)
        confirmation: _Filing | None = None
        litigation: _Filing | None = None
        for step in life:
            if step.command == "request_confirmation":
                confirmation = _Filing("民特", step.args["court_code"], "申请司法确认调解协议",
                                       self.local(step.occurred_at), village, village)
                found.append(confirmation)
            elif step.command == "decide_confirmation" and confirmation is not None:
                confirmation.concluded_on = self.local(step.occurred_at)
                confirmation.outcome = "确认调解协议有效" if step.args["granted"] else "驳回申请"
            elif step.command == "file_in_court":
                administrative = report["category"] == "administrative"
                litigation = _Filing("行初" if administrative else "民初", step.args["court_code"],
                                     CAUSE_OF_CATEGORY[report["category"]], self.local(step.occurred_at),
                                     village, self.county if administrative else village, pre_litigation=diverted)
                litigation.on_numbered.append(partial(_set_number, step.args))
                found.append(litigation)
            elif step.command == "record_court_outcome" and litigation is not None:
                litigation.concluded_on = self.local(step.occurred_at)
                litigation.outcome = COURT_OUTCOMES[step.args["outcome"]]
        return found

    def _civil(self, year: int, start: date, stop: date) -> _Filing:
        rng = self.rng
        defendant = self._domicile(year)
        village = self.regions.get(defendant or "")
        weights = dict(CIVIL_CAUSES)
        if village is not None and village.level == "village":
            for cause, factor in (URBAN_CAUSES if is_urban(village) else FARMING_CAUSES).items():
                weights[cause] *= factor
        cause = rng.choices(list(weights), list(weights.values()))[0]
        financial = rng.random() < FINANCIAL_CAUSES.get(cause, 0)
        if financial:
            plaintiff = self.county if rng.random() < 0.6 else None  # a local branch, or a bank elsewhere
        else:
            plaintiff = self._plaintiff(defendant, year)
        filed = self._day(start, stop, *COURT_SEASONS.get(cause, (lambda d: 1.0, 1.0)))
        filing = _Filing("民初", self.court_of(defendant), cause, filed, plaintiff, defendant, financial)
        simple = rng.random() < 0.7
        filing.concluded_on = filed + timedelta(days=rng.randint(15, 90) if simple else rng.randint(60, 200))
        outcomes = dict(CIVIL_OUTCOMES)
        if financial:  # card holders who have left seldom answer: judgments by default
            outcomes["判决"], outcomes["调解"] = 70, 10
        filing.outcome = rng.choices(list(outcomes), list(outcomes.values()))[0]
        return filing

    def _administrative(self, start: date, stop: date) -> _Filing:
        rng = self.rng
        cause = rng.choices(list(ADMINISTRATIVE_CAUSES), list(ADMINISTRATIVE_CAUSES.values()))[0]
        # The defendant is a county department or a town government; tribunals hear no 行政 cases.
        defendant = self.county if rng.random() < 0.8 else rng.choice(self.towns).code
        plaintiff = self._domicile(start.year) if rng.random() < 0.8 else None
        filed = self._day(start, stop, lambda d: 1.0, 1.0)
        filing = _Filing("行初", self.county_court, cause, filed, plaintiff, defendant)
        filing.concluded_on = filed + timedelta(days=rng.randint(45, 180))
        filing.outcome = rng.choices(["判决驳回诉讼请求", "判决撤销", "撤诉", "裁定驳回起诉"], [5, 2, 3, 2])[0]
        return filing

    def _domicile(self, year: int) -> str | None:
        """A party's domicile: mostly a village, sometimes only the town or the county, now and then unknown."""
        rng = self.rng
        draw = rng.random()
        if draw < 0.74:
            villages, weights = self._village_weights(year)
            return rng.choices(villages, cum_weights=weights)[0]
        if draw < 0.84:
            towns, weights = self._town_weights(year)
            return rng.choices(towns, cum_weights=weights)[0]
        return self.county if draw < 0.92 else None

    @cache  # noqa: B019 - one feed plans one county once
    def _village_weights(self, year: int) -> tuple[list[str], list[float]]:
        open_villages = [v for v in self.villages if (v.code, year) not in self.quiet]
        weights = [population(v, year) * self.leaning[v.code] for v in open_villages]
        return [v.code for v in open_villages], list(accumulate(weights))

    @cache  # noqa: B019
    def _town_weights(self, year: int) -> tuple[list[str], list[float]]:
        weights = [sum(population(v, year) for v in self.villages if v.parent_code == t.code) for t in self.towns]
        return [t.code for t in self.towns], list(accumulate(weights))

    def _plaintiff(self, defendant: str | None, year: int) -> str | None:
        draw = self.rng.random()
        if draw < 0.45 and defendant and len(defendant) == 12:
            return defendant
        return self._domicile(year)

    def _day(self, start: date, stop: date, season: Callable[[date], float], top: float) -> date:
        span = (stop - start).days
        while True:
            day = start + timedelta(days=self.rng.randint(0, span))
            if self.rng.random() * top * 1.2 <= season(day) * court_filing(day):
                return day

    # ------------------------------------------------------------------ numbering

    def _number(self, filings: list[_Filing]) -> None:
        """Serials increase per court, year and kind in the order of filing, as courts number them."""
        series: dict[tuple[int, str], list[_Filing]] = defaultdict(list)
        for f in filings:
            series[f.filed_on.year, f.kind].append(f)
        for (year, kind), cases in sorted(series.items()):
            cases.sort(key=lambda f: f.filed_on)  # stable: the planning order breaks ties
            for serial, f in enumerate(cases, start=1):
                f.number = f"({year}){self.number_prefix}{kind}{serial}号"
                for tell in f.on_numbered:
                    tell(f.number)

    @staticmethod
    def _record(f: _Filing) -> CourtRecord:
        return CourtRecord(
            case_number=f.number,
            court_code=f.court_code,
            cause=f.cause,
            filed_on=f.filed_on,
            plaintiff_region=f.plaintiff_region,
            defendant_region=f.defendant_region,
            plaintiff_is_financial=f.financial,
            concluded_on=f.concluded_on,
            outcome=f.outcome,
            pre_litigation_number=f.pre_litigation.number if f.pre_litigation else None,
        )


def _mention_number(report: dict[str, Any], number: str) -> None:
    # A court-diverted dispute arrives with the court's 诉前调 number; the clerk notes it.
    report["summary"] = f"{report['summary']}（{number}）"


def _set_number(filing: dict[str, Any], number: str) -> None:
    filing["court_case_number"] = number


def is_urban(region: Region) -> bool:
    """An urban community (社区) rather than a farming village (村): the demo county names say which."""
    return region.name.endswith("社区")


def population(region: Region, year: int) -> int:
    """Residents plus registered floating population (the indicators' denominator): each the
    year's figure, else the latest earlier one, else the earliest known."""
    return _by_year(region.population, year) + _by_year(region.floating, year)


def _by_year(figures: dict[int, int], year: int) -> int:
    earlier = [y for y in figures if y <= year]
    if earlier:
        return figures[max(earlier)]
    return figures[min(figures)] if figures else 0


def import_batches(
    records: list[CourtRecord], end: datetime, tz: ZoneInfo, *, months: int = 3
) -> Iterator[tuple[datetime, list[CourtRecord]]]:
    """The exports a court would send every ``months`` months: the span's new filings as they
    stood at export time, and the cases concluded in the span again with their conclusion; the
    last, partial span is exported at ``end``."""
    spans: dict[tuple[int, int], list[CourtRecord]] = defaultdict(list)

    def span(day: date | str) -> tuple[int, int]:
        year, month = _month(day)
        return year, (month - 1) // months * months + 1

    for r in records:
        filed = span(r.filed_on)
        if r.concluded_on is None:
            spans[filed].append(r)
            continue
        done = span(r.concluded_on)
        if done == filed:
            spans[filed].append(r)
        else:
            spans[filed].append(replace(r, concluded_on=None, outcome=None))
            spans[done].append(r)
    for (year, month), batch in sorted(spans.items()):
        following = date(year + (month + months - 1) // 12, (month + months - 1) % 12 + 1, 1)
        at = datetime.combine(following, time(2), tz)
        yield min(at, end), batch


def _month(day: date | str) -> tuple[int, int]:
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return day.year, day.month
