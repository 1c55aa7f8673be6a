"""A case filed in court (一审新收案件), as the court's own case system exports it (DESIGN.md §9).

Most court filings never passed through mediation, so 万人成讼率 and 无讼村 count these, not the
ledger's own file_in_court events. Each court case is a hash-chained stream keyed by its case
number: Filed once, Concluded when the court reports an end, Corrected when a later export
says something else about it. Nothing is edited; a re-import of the same facts writes nothing.

The checks of a record are collected, not raised one at a time: an import reports every bad
field of every row before anything is written (``check_record``).
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.domain import event
from eventsourcing.utils import get_topic

from domain.causes import CauseTable
from domain.errors import InvalidValue
from domain.integrity import GENESIS, Upgraded
from domain.reference import stable_ids
from domain.values import forbidden_character

KINDS = ("民初", "行初", "民特", "诉前调", "执")
#: The first year a case number of today's shape was issued (and the oldest filing accepted).
FIRST_YEAR = 1990
#: A number issued across the turn of the year: a case received in the last days of December may
#: be numbered in the new year, and one numbered in December may carry a date of early January.
YEAR_TURN_DAYS = 15

#: Province abbreviations in court case numbers, by the first two digits of the region code
#: (GB/T 2260). Guizhou and Yunnan are written 黔 and 云 by the courts; 贵 and 滇 are accepted.
PROVINCES = {
    "京": "11", "津": "12", "冀": "13", "晋": "14", "蒙": "15",
    "辽": "21", "吉": "22", "黑": "23",
    "沪": "31", "苏": "32", "浙": "33", "皖": "34", "闽": "35", "赣": "36", "鲁": "37",
    "豫": "41", "鄂": "42", "湘": "43", "粤": "44", "桂": "45", "琼": "46",
    "渝": "50", "川": "51", "黔": "52", "贵": "52", "云": "53", "滇": "53", "藏": "54",
    "陕": "61", "甘": "62", "青": "63", "宁": "64", "新": "65",
}  # fmt: skip

_NUMBER = re.compile(
    r"[(（]([0-9]{4})[)）]"  # (2026)
    r"(\w)([0-9]{4})"  # 甘1199
    r"(民初|行初|民特|民?诉前调|执)"  # kind; 民诉前调 is how some courts write 诉前调
    r"([1-9][0-9]{0,8})号"
)
_REGION = re.compile(r"[0-9]{6}(?:[0-9]{3}(?:[0-9]{3})?)?")

#: What each rule of a record says, by the rule's code (the code is what reports and tests name).
RULES = {
    "required": "必填 / is required",
    "text": "不能含控制字符或代理项 / must not hold control characters or surrogates",
    "too_long": "过长 / too long",
    "case_number_format": "案号格式应为 (2026)甘1199民初123号 / not a case number like (2026)甘1199民初123号",
    "case_number_kind": f"案件类型应为 {'、'.join(KINDS)} / kind must be one of {', '.join(KINDS)}",
    "case_number_province": "案号中的省份简称未知 / unknown province abbreviation in the case number",
    "case_number_year": "案号年份与立案日期不符 / the year in the case number differs from the filing year",
    "case_number_court": "案号中的法院代字与法院所在县不符 / the court code in the number is not the court's county",
    "duplicate": "同一案号在文件中出现两次且内容不同 / the same case number twice in the file, differing",
    "unknown_court": "不是台账中的法院或人民法庭 / not a court or tribunal in the ledger's directory",
    "court_outside_scope": "该法院不在导入者的辖区内 / the court lies outside the importing actor's region",
    "date_format": "日期应为 YYYY-MM-DD / not a date (YYYY-MM-DD)",
    "before_earliest": "早于 LEDGER_EARLIEST / before LEDGER_EARLIEST",
    "future": "不能晚于今天 / must not lie in the future",
    "before_filing": "结案日期早于立案日期 / concluded before it was filed",
    "region_format": "区划代码应为 6、9 或 12 位数字 / a region code has 6, 9 or 12 digits",
    "unknown_region": "台账中无此区划 / not a region of the ledger",
    "boolean": "应为 是/否、true/false 或 1/0 / must be 是/否, true/false or 1/0",
    "outcome_without_conclusion": "有结案方式却无结案日期 / an outcome needs a concluded_on date",
    "pre_litigation_kind": "诉前调解案号应为诉前调案号 / the pre-litigation number must be a 诉前调 number",
}


class Problem(NamedTuple):
    """One broken rule of one record: its row (as the file counts rows), column, rule code, value."""

    row: int
    column: str
    rule: str
    value: str

    @property
    def message(self) -> str:
        return RULES.get(self.rule, self.rule)


class CaseNumber(NamedTuple):
    """A parsed case number (a named tuple: an import parses a million of them)."""

    year: int
    court: str  # the province abbreviation and the county's last four digits, e.g. 甘1199
    kind: str
    serial: int

    @property
    def text(self) -> str:
        """The number as the ledger keeps it (ASCII brackets), whatever brackets it came with."""
        return f"({self.year}){self.court}{self.kind}{self.serial}号"

    @property
    def county(self) -> str | None:
        """The county code the court part names (甘1199 → 621199), or None for an unknown province."""
        province = PROVINCES.get(self.court[0])
        return None if province is None else province + self.court[1:]


class CaseNumberError(InvalidValue):
    def __init__(self, code: str):
        super().__init__("case_number", RULES[code])
        self.code = code


def parse_case_number(text: str) -> CaseNumber:
    """``(2026)甘1199民初123号`` → CaseNumber(2026, "甘1199", "民初", 123); full-width brackets
    and 民诉前调 are read too. Raises CaseNumberError naming the rule it breaks."""
    found = _NUMBER.fullmatch(text.strip().replace(" ", ""))
    if found is None:
        loose = re.fullmatch(r"[(（][0-9]{4}[)）]\w[0-9]{4}(\D+?)[0-9]+号", text.strip())
        known = loose is not None and loose.group(1).removeprefix("民") in (*KINDS, "初", "特")
        raise CaseNumberError("case_number_kind" if loose and not known else "case_number_format")
    year, province, digits, kind, serial = found.groups()
    if province not in PROVINCES:
        raise CaseNumberError("case_number_province")
    return CaseNumber(int(year), province + digits, "诉前调" if kind == "民诉前调" else kind, int(serial))


def number_key(text: str) -> str:
    """A case number as the ledger keeps it, for matching one written by hand elsewhere (a
    ledger case's FiledInCourt): full-width brackets and spaces do not make another number."""
    try:
        return parse_case_number(text).text
    except CaseNumberError:
        return text.strip()


def year_fits(number_year: int, filed_on: date) -> bool:
    """The number's year is the filing year, or the next or previous one within YEAR_TURN_DAYS
    of the turn of the year (numbers issued as one year ends and the next begins)."""
    if number_year == filed_on.year:
        return True
    if number_year == filed_on.year + 1:
        return (date(number_year, 1, 1) - filed_on).days <= YEAR_TURN_DAYS
    if number_year == filed_on.year - 1:
        return (filed_on - date(filed_on.year, 1, 1)).days < YEAR_TURN_DAYS
    return False


@dataclass(frozen=True)
class Checks:
    """What a record is checked against: the ledger's courts (code → county code), its regions,
    the dates allowed (LEDGER_EARLIEST's date to the county's today) and the cause table.

    The answers for region codes and causes are remembered for the import (a file names a few
    hundred villages and a few dozen causes a million times)."""

    court_counties: Mapping[str, str]
    regions: Container[str]
    earliest: date
    today: date
    causes: CauseTable
    _region_rules: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)
    _categories: dict[tuple[str, str], str] = field(default_factory=dict, compare=False, repr=False)

    def region_rule(self, code: str) -> str | None:
        """The rule a region code breaks, or None."""
        try:
            return self._region_rules[code]
        except KeyError:
            pass
        if not _REGION.fullmatch(code):
            rule: str | None = "region_format"
        else:
            rule = None if code in self.regions else "unknown_region"
        self._region_rules[code] = rule
        return rule

    def category_of(self, cause: str, kind: str) -> str:
        key = (cause, kind)
        try:
            return self._categories[key]
        except KeyError:
            found = self._categories[key] = self.causes.category_of(cause, kind)
            return found


#: The fields every event of a court case may carry, in a record's order.
FIELDS = (
    "case_number", "court_code", "cause", "filed_on", "plaintiff_region", "defendant_region",
    "plaintiff_is_financial", "concluded_on", "outcome", "pre_litigation_number",
)  # fmt: skip
#: What a later record may correct (the number is the case itself; its conclusion is Concluded).
CORRECTABLE = (
    "court_code", "cause", "category", "filed_on", "plaintiff_region", "defendant_region",
    "plaintiff_is_financial", "pre_litigation_number", "concluded_on", "outcome",
)  # fmt: skip


def check_record(
    values: Mapping[str, Any], checks: Checks
) -> tuple[dict[str, Any] | None, list[tuple[str, str, str]]]:
    """The record as a court case's fields (dates as ISO text), or None with every problem as
    (column, rule code, value). ``values`` holds the record's fields: text, dates, booleans or None."""
    fields = _plain_record(values, checks)
    if fields is not None:
        return fields, []
    return check_record_fully(values, checks)


def _plain_record(values: Mapping[str, Any], checks: Checks) -> dict[str, Any] | None:
    """The fields of a plain record that breaks no rule, in one straight pass (an import checks
    a million); None for anything else (a problem, a value that is not text or a date, a 诉前调
    number), and ``check_record_fully`` then decides and names every problem. It must accept
    nothing the full pass refuses and give the same fields: tests/unit/test_court_case.py
    compares the two over generated records."""
    get = values.get
    raw_number, court_code, cause = get("case_number"), get("court_code"), get("cause")
    if type(raw_number) is not str or type(court_code) is not str or type(cause) is not str:
        return None
    if get("pre_litigation_number") not in (None, ""):
        return None
    outcome, plaintiff_region, defendant_region = get("outcome"), get("plaintiff_region"), get("defendant_region")
    # Only the values used here: a control character elsewhere is for the full check to name.
    used = [raw_number, court_code, cause]
    for optional in (outcome, plaintiff_region, defendant_region):
        if optional is not None:
            if type(optional) is not str:
                return None
            used.append(optional)
    if forbidden_character("".join(used)) is not None:
        return None
    raw_number, court_code, cause = raw_number.strip(), court_code.strip(), cause.strip()
    if not (0 < len(raw_number) <= 64 and 0 < len(court_code) <= 64 and 0 < len(cause) <= 100):
        return None
    found = _NUMBER.fullmatch(raw_number.replace(" ", ""))
    if found is None:
        return None
    year_text, province, digits, kind, serial = found.groups()
    code = PROVINCES.get(province)
    year = int(year_text)
    if code is None or checks.court_counties.get(court_code) != code + digits or year < FIRST_YEAR:
        return None
    filed_on = get("filed_on")
    if type(filed_on) is not date or not checks.earliest <= filed_on <= checks.today:
        return None
    if not year_fits(year, filed_on):
        return None
    concluded_on = get("concluded_on")
    if concluded_on == "":
        concluded_on = None
    elif concluded_on is not None and (
        type(concluded_on) is not date or not filed_on <= concluded_on <= checks.today
    ):
        return None
    if outcome is not None:
        outcome = outcome.strip() or None
        if outcome is not None and (len(outcome) > 50 or concluded_on is None):
            return None
    if plaintiff_region is not None:
        plaintiff_region = plaintiff_region.strip() or None
        if plaintiff_region is not None and (len(plaintiff_region) > 12 or checks.region_rule(plaintiff_region)):
            return None
    if defendant_region is not None:
        defendant_region = defendant_region.strip() or None
        if defendant_region is not None and (len(defendant_region) > 12 or checks.region_rule(defendant_region)):
            return None
    financial = get("plaintiff_is_financial", False)
    if financial is None:
        financial = False
    elif type(financial) is not bool:
        return None
    if kind == "民诉前调":
        kind = "诉前调"
    return {
        "case_number": f"({year}){province}{digits}{kind}{int(serial)}号",
        "kind": kind,
        "court_code": court_code,
        "cause": cause,
        "category": checks.category_of(cause, kind),
        "filed_on": filed_on.isoformat(),
        "plaintiff_region": plaintiff_region,
        "defendant_region": defendant_region,
        "plaintiff_is_financial": financial,
        "concluded_on": None if concluded_on is None else concluded_on.isoformat(),
        "outcome": outcome,
        "pre_litigation_number": None,
    }


def check_record_fully(
    values: Mapping[str, Any], checks: Checks
) -> tuple[dict[str, Any] | None, list[tuple[str, str, str]]]:
    """``check_record`` rule by rule, every problem of the record collected."""
    problems: list[tuple[str, str, str]] = []
    # One search over all the record's text; each value is searched only if that finds something.
    clean = forbidden_character("".join([v for v in values.values() if isinstance(v, str)])) is None

    def bad(column: str, rule: str, value: object) -> None:
        problems.append((column, rule, "" if value is None else str(value)))

    def text(column: str, value: object, *, required: bool, limit: int) -> str | None:
        if clean and type(value) is str:  # the common case, first: clean text of a fitting length
            stripped = value.strip()
            if stripped and len(stripped) <= limit:
                return stripped
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                bad(column, "required", value)
            return None
        value = str(value)
        if not clean and forbidden_character(value) is not None:
            bad(column, "text", value)
            return None
        value = value.strip()
        if len(value) > limit:
            bad(column, "too_long", value[:80])
            return None
        return value

    def day(column: str, value: object, *, required: bool) -> date | None:
        if value is None or value == "":
            if required:
                bad(column, "required", value)
            return None
        if isinstance(value, datetime):
            value = value.date()
        if not isinstance(value, date):
            bad(column, "date_format", value)
            return None
        if value < checks.earliest:
            bad(column, "before_earliest", value)
            return None
        if value > checks.today:
            bad(column, "future", value)
            return None
        return value

    def region(column: str, value: object) -> str | None:
        code = text(column, value, required=False, limit=12)
        if code is None:
            return None
        rule = checks.region_rule(code)
        if rule is not None:
            bad(column, rule, code)
        return code

    raw_number = text("case_number", values.get("case_number"), required=True, limit=64)
    number: CaseNumber | None = None
    if raw_number is not None:
        try:
            number = parse_case_number(raw_number)
        except CaseNumberError as e:
            bad("case_number", e.code, raw_number)
    court_code = text("court_code", values.get("court_code"), required=True, limit=64)
    court_county = None
    if court_code is not None:
        court_county = checks.court_counties.get(court_code)
        if court_county is None:
            bad("court_code", "unknown_court", court_code)
    cause = text("cause", values.get("cause"), required=True, limit=100)
    filed_on = day("filed_on", values.get("filed_on"), required=True)
    concluded_on = day("concluded_on", values.get("concluded_on"), required=False)
    if filed_on is not None and concluded_on is not None and concluded_on < filed_on:
        bad("concluded_on", "before_filing", concluded_on)
    outcome = text("outcome", values.get("outcome"), required=False, limit=50)
    if outcome is not None and concluded_on is None and not values.get("concluded_on"):
        bad("outcome", "outcome_without_conclusion", outcome)
    plaintiff_region = region("plaintiff_region", values.get("plaintiff_region"))
    defendant_region = region("defendant_region", values.get("defendant_region"))
    financial = values.get("plaintiff_is_financial", False)
    if financial is None:
        financial = False
    if not isinstance(financial, bool):
        bad("plaintiff_is_financial", "boolean", financial)
    pre_litigation = text(
        "pre_litigation_number", values.get("pre_litigation_number"), required=False, limit=64
    )
    if pre_litigation is not None:
        try:
            parsed_pre = parse_case_number(pre_litigation)
        except CaseNumberError as e:
            bad("pre_litigation_number", e.code, pre_litigation)
        else:
            if parsed_pre.kind != "诉前调":
                bad("pre_litigation_number", "pre_litigation_kind", pre_litigation)
            pre_litigation = parsed_pre.text
    if number is not None:
        if number.year < FIRST_YEAR or filed_on is not None and not year_fits(number.year, filed_on):
            bad("case_number", "case_number_year", raw_number)
        if court_county is not None and number.county != court_county:
            bad("case_number", "case_number_court", raw_number)
    if problems:
        return None, problems
    assert number is not None and cause is not None and filed_on is not None
    return {
        "case_number": number.text,
        "kind": number.kind,
        "court_code": court_code,
        "cause": cause,
        "category": checks.category_of(cause, number.kind),
        "filed_on": filed_on.isoformat(),
        "plaintiff_region": plaintiff_region,
        "defendant_region": defendant_region,
        "plaintiff_is_financial": bool(financial),
        "concluded_on": None if concluded_on is None else concluded_on.isoformat(),
        "outcome": outcome,
        "pre_litigation_number": pre_litigation,
    }, []


class CourtCase(Upgraded):
    """One court case, by its case number. Every event names the actor who imported it and
    where the fact came from: the file's SHA-256 and the row in it."""

    class Event(Upgraded.Event):
        actor_id: str
        file_sha256: str
        row: int

    class Created(Event, Upgraded.Created):
        pass

    @staticmethod
    def create_id(case_number: str) -> UUID:  # type: ignore[override]
        return _court_case_id(case_number)

    @classmethod
    def file(
        cls, fields: Mapping[str, Any], *, actor_id: str, file_sha256: str, row: int, at: datetime
    ) -> CourtCase:
        """A new court case from a checked record (``check_record``)."""
        created: Any = cls._create(
            cls.Filed,  # type: ignore[attr-defined]
            id=cls.create_id(fields["case_number"]),
            actor_id=actor_id,
            file_sha256=file_sha256,
            row=row,
            timestamp=at,
            **fields,
        )
        return created

    @classmethod
    def filed_event(
        cls,
        case_id: UUID,
        fields: Mapping[str, Any],
        *,
        actor_id: str,
        file_sha256: str,
        row: int,
        at: datetime,
    ) -> Any:
        """The Filed event ``file`` would create, without building the aggregate: a bulk import
        saves events only, and an aggregate is folded from them when it is read."""
        return cls.Filed(  # type: ignore[attr-defined]
            originator_topic=_TOPIC,
            originator_id=case_id,
            originator_version=cls.INITIAL_VERSION,
            timestamp=at,
            prev_hash=GENESIS,
            actor_id=actor_id,
            file_sha256=file_sha256,
            row=row,
            **fields,
        )

    @event("Filed")
    def __init__(
        self,
        case_number: str,
        kind: str,
        court_code: str,
        cause: str,
        category: str,
        filed_on: str,
        plaintiff_region: str | None,
        defendant_region: str | None,
        plaintiff_is_financial: bool,
        concluded_on: str | None,
        outcome: str | None,
        pre_litigation_number: str | None,
        actor_id: str,
        file_sha256: str,
        row: int,
        timestamp: datetime,
    ) -> None:
        self.case_number = case_number
        self.kind = kind
        self.court_code = court_code
        self.cause = cause
        self.category = category
        self.filed_on = filed_on
        self.plaintiff_region = plaintiff_region
        self.defendant_region = defendant_region
        self.plaintiff_is_financial = plaintiff_is_financial
        self.concluded_on = concluded_on
        self.outcome = outcome
        self.pre_litigation_number = pre_litigation_number

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in ("case_number", "kind", *CORRECTABLE)}

    def update(
        self, fields: Mapping[str, Any], *, actor_id: str, file_sha256: str, row: int, at: datetime
    ) -> list[str]:
        """Bring the case to what a later record says: a conclusion first given becomes
        Concluded, anything else that differs one Corrected naming the changed fields. A record
        without a conclusion leaves an earlier one standing (an export of new filings only says
        nothing about endings). The names of the events written, none when nothing changed."""
        written = []
        concluding = self.concluded_on is None and fields.get("concluded_on") is not None
        changes = {
            name: fields.get(name)
            for name in CORRECTABLE
            if fields.get(name) != getattr(self, name)
            and not (
                name in ("concluded_on", "outcome") and (concluding or fields.get("concluded_on") is None)
            )
        }
        if changes:
            self._corrected(
                changes=changes, reason="a later court record differs", actor_id=actor_id,
                file_sha256=file_sha256, row=row, timestamp=at,
            )  # fmt: skip
            written.append("Corrected")
        if concluding:
            self._concluded(
                concluded_on=fields["concluded_on"], outcome=fields.get("outcome"), actor_id=actor_id,
                file_sha256=file_sha256, row=row, timestamp=at,
            )  # fmt: skip
            written.append("Concluded")
        return written

    @event("Concluded")
    def _concluded(
        self,
        concluded_on: str,
        outcome: str | None,
        actor_id: str,
        file_sha256: str,
        row: int,
        timestamp: datetime,
    ) -> None:
        self.concluded_on = concluded_on
        self.outcome = outcome

    @event("Corrected")
    def _corrected(
        self,
        changes: dict[str, Any],
        reason: str,
        actor_id: str,
        file_sha256: str,
        row: int,
        timestamp: datetime,
    ) -> None:
        for name, value in changes.items():
            setattr(self, name, value)


_TOPIC = get_topic(CourtCase)
_court_case_id = stable_ids("court_case")
