"""Importing a county's historic dispute ledger (矛盾纠纷排查化解台账, one row per dispute) as
case histories: each good row becomes the events its columns support — report, assign and
accept, a session, agreement or failure, confirmation, filing in court and its outcome, close,
follow-up — made by the case aggregate's own commands, so every rule of a live case holds.

Every event carries the sheet's date as ``occurred_at``, the import's instant as recorded_at,
the importing actor, and a note naming the file's SHA-256 and the row; the case's source is
``migration`` (历史台账导入). Deadlines opened by these old events count from the import
(domain/deadlines.MigrationRules): the old ledger cannot tell whether a step was on time, and an
imported open case gets its usual time from the day it arrives instead of an overdue flag.

The file is read streaming: the first pass checks every row and writes nothing (a dry run stops
there); then the good rows' cases are saved, many per transaction: from the events the first
pass built, for a file of up to KEEP_ROWS rows, or built again on a second pass over a longer
file, so memory stays bounded whatever the file's size.
Without ``skip_bad`` one bad row refuses the whole file. A case's id is a uuid5 of the row's
fingerprint (its mapped values), so running a file again writes nothing, across restarts.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from application.config import county_tz
from application.ledger import Ledger
from application.ledger_mapping import (
    HEADER_SEARCH_ROWS,
    MIN_HEADERS,
    Mapping,
    ValueCodes,
    default_mapping,
    value_key,
)
from application.table_files import blank, open_table, read_bool, read_code, read_date, read_text
from application.warning_settings import warning_rules
from domain.case import Act, Case
from domain.codes import PartyKind, Role, Route, Source
from domain.deadlines import MigrationRules
from domain.errors import AccessDenied, IllegalTransition, InvalidValue, LedgerError, RuleViolation
from domain.reference import Actor, Directory, RegionCatalogue
from domain.routing import ROUTE_KINDS
from domain.values import check_credit_code, check_resident_id

#: Cases saved per transaction.
SAVE_CHUNK = 500
#: Rows whose built events the checking pass keeps for the writing pass (about 4.5 KB each).
KEEP_ROWS = 5_000
_NAMESPACE = UUID("6b1c9f0e-4f57-4a63-9c55-3f1e0c2a7d41")
_SPLIT = str.maketrans({c: "、" for c in ",，;；/\\|\n"})
_ORGANISATION_WORDS = ("公司", "有限", "委员会", "合作社", "银行", "医院", "学校", "厂", "局", "中心", "集团")
#: What a ledger writes in a party's place when the party has no id number or phone.
_ABSENT = frozenset({"无", "-", "—", "/", "空"})
#: Lines under a table that are not disputes: signatures and totals.
_FOOTERS = ("填表人", "填报人", "审核人", "负责人", "制表", "合计", "总计", "备注：", "说明：")
#: The route a kind of organisation mediates by when the ledger names none.
ROUTE_OF_KIND = {
    "village_committee": Route.PEOPLES_MEDIATION,
    "town_committee": Route.PEOPLES_MEDIATION,
    "county_committee": Route.PEOPLES_MEDIATION,
    "governance_centre": Route.PEOPLES_MEDIATION,
    "administrative": Route.ADMINISTRATIVE_MEDIATION,
    "lawyer_mediation": Route.LAWYER_MEDIATION,
    "arbitration": Route.ARBITRATION,
    "notary": Route.NOTARISATION,
    "court": Route.INVITED_MEDIATION,
    "tribunal": Route.INVITED_MEDIATION,
}
RULES = {
    "required": "a value is needed here",
    "date_format": "not a date (2025-03-07, 2025/3/7, 2025年3月7日, 2025.3.7 or an Excel date)",
    "unmapped": "no code for this value: add it to the mapping file ([values.*])",
    "ambiguous": "more than one village has this name: write its code, or add it to [values.region]",
    "id_number": "not a valid id number (18 characters, GB 11643 check digit) or credit code",
    "number": "not a whole number",
    "amount": "not an amount in yuan",
    "no_court": "no court in the reference data to file in",
    "outside_region": "the village lies outside the region imported",
    "order": "an event of this row cannot be placed: dates out of order or a step the case cannot take",
}


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    rule: str
    value: str
    detail: str = ""

    @property
    def message(self) -> str:
        return self.detail or RULES.get(self.rule, self.rule)

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "rule": self.rule, "value": self.value, "message": self.message}


@dataclass
class LedgerImportReport:
    file_sha256: str = ""
    header_row: int = 0
    columns: dict[str, str] = field(default_factory=dict)
    rows: int = 0
    ok: int = 0
    written: int = 0
    events: int = 0
    already_imported: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    unmapped: dict[str, Counter[str]] = field(default_factory=dict)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    refused: bool = False
    dry_run: bool = True
    #: The original cells of bad rows, for the rejects file.
    rejected_cells: dict[int, list[str]] = field(default_factory=dict)
    header: list[str] = field(default_factory=list)

    @property
    def bad_rows(self) -> list[int]:
        return sorted({p.row for p in self.problems})

    def as_dict(self) -> dict[str, Any]:
        return {
            "file_sha256": self.file_sha256,
            "header_row": self.header_row,
            "columns": self.columns,
            "rows": self.rows,
            "ok": self.ok,
            "bad": len(self.bad_rows),
            "written": self.written,
            "events": self.events,
            "already_imported": self.already_imported,
            "refused": self.refused,
            "dry_run": self.dry_run,
            "problems": [p.as_dict() for p in self.problems],
            "unmapped": [
                {"column": column, "value": value, "rows": n}
                for column, values in self.unmapped.items()
                for value, n in values.most_common()
            ],
            "duplicates": self.duplicates,
        }


class LedgerImportRace(LedgerError):
    """Another import saved some of the same rows' cases while this one ran."""


@dataclass(frozen=True)
class Step:
    command: str
    at: datetime
    column: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Planned:
    """A good row: its case id (from its fingerprint), the steps of its history, and what finds
    it again among the cases already in the ledger."""

    case_id: UUID
    report: dict[str, Any]
    steps: list[Step]
    id_numbers: frozenset[str]
    reported_at: datetime

    @property
    def reported_day(self) -> date:
        return self.reported_at.date()


class RowReader:
    """Turns one row of cells into a planned case history, or the row's problems."""

    def __init__(self, ledger: Ledger, mapping: Mapping, columns: dict[int, str], within: list[str]):
        self.catalogue: RegionCatalogue = ledger.regions()
        self.directory: Directory = ledger.directory()
        self.codes = ValueCodes(mapping, self.catalogue, self.directory, within)
        self.columns = columns
        self.headers: dict[str, str] = {}
        self.within = within
        self.zone = county_tz()
        courts = sorted(o.code for o in self.directory.organisations.values() if o.kind == "court")
        self.court = courts[0] if courts else None
        self.unmapped: dict[str, Counter[str]] = {}

    def _unmapped(self, column: str, value: str) -> None:
        self.unmapped.setdefault(column, Counter())[value] += 1

    def read(self, number: int, cells: list[Any]) -> tuple[Planned | None, list[RowProblem]]:
        values: dict[str, Any] = {}
        for i, f in self.columns.items():
            cell = cells[i] if i < len(cells) else None
            if cell is not None and str(cell).strip() != "":
                values[f] = cell
        problems: list[RowProblem] = []

        def bad(f: str, rule: str, value: object = None, detail: str = "") -> None:
            shown = "" if value is None else str(value)
            problems.append(RowProblem(number, self.headers.get(f, f), rule, shown, detail))

        def text(f: str) -> str | None:
            v = read_text(values.get(f))
            return v.strip() if v is not None and v.strip() else None

        def when(f: str, raw: object = None) -> datetime | None:
            raw = values.get(f) if raw is None else raw
            if raw is None:
                return None
            found = read_date(raw)
            if isinstance(found, datetime):
                return found.replace(tzinfo=self.zone)
            if isinstance(found, date):
                return datetime.combine(found, time(), tzinfo=self.zone)
            bad(f, "date_format", raw)
            return None

        def code(kind: str, f: str) -> Any:
            raw = text(f)
            if raw is None:
                return None
            found = self.codes.lookup(kind, raw)
            if found is None:
                self._unmapped(self.headers.get(f, f), raw)
                bad(f, "unmapped", raw)
            return found

        reported_at = when("reported_on")
        if reported_at is None and "reported_on" not in values:
            bad("reported_on", "required")
        category = None
        if (raw_category := text("category")) is None:
            bad("category", "required")
        elif (category := self.codes.category(raw_category)) is None:
            self._unmapped(self.headers.get("category", "category"), raw_category)
            bad("category", "unmapped", raw_category)
        organisation = None
        if (raw_org := text("organisation")) is not None:
            organisation = self.codes.organisations.get(value_key(raw_org))
            if organisation is None:
                self._unmapped(self.headers.get("organisation", "organisation"), raw_org)
                bad("organisation", "unmapped", raw_org)
        region = self._region(text("village"), organisation, bad)
        parties = self._parties(text("parties"), text("id_numbers"), text("phones"), bad)
        people = len(parties) or 1
        if "people" in values:
            try:
                people = int(str(read_code(values["people"])))
            except ValueError:
                bad("people", "number", values["people"])
        amount = None
        if (raw_amount := text("amount")) is not None:
            try:
                amount = Decimal(raw_amount.replace(",", "").removesuffix("元"))
            except ArithmeticError:
                bad("amount", "amount", raw_amount)
        outcome = code("outcome", "outcome") or "open"
        satisfaction = code("follow_up", "follow_up")
        mode = code("session_mode", "session_mode")
        # A confirmation may be refused and the parties agree again: the 台账 lists each
        # decision (确认有效, 驳回, 重新调解成功) and its date, separated by "；".
        decisions: list[tuple[Any, datetime | None]] = []
        results = _parts(text("confirmation_result"))
        raw_on = values.get("confirmation_on")
        on = [when("confirmation_on", p) for p in _parts(raw_on)] if isinstance(raw_on, str) else [when("confirmation_on")]
        for i, result in enumerate(results):
            found = self.codes.lookup("confirmation_result", result)
            if found is None:
                self._unmapped(self.headers.get("confirmation_result", "confirmation_result"), result)
                bad("confirmation_result", "unmapped", result)
            decisions.append((found, on[i] if i < len(on) else None))
        court_outcome = code("court_outcome", "court_outcome")
        route = None
        if (raw_route := text("route")) is not None:
            route = next((r.value for r in Route if raw_route in (r.label, r.value)), None)
            if route is None:
                self._unmapped(self.headers.get("route", "route"), raw_route)
                bad("route", "unmapped", raw_route)
        dates = {f: when(f) for f in ("assigned_on", "outcome_on", "court_filed_on",
                                      "court_outcome_on", "closed_on", "follow_up_on")}  # fmt: skip
        confirmed = read_bool(values.get("confirmed"))
        if isinstance(confirmed, str):
            bad("confirmed", "unmapped", confirmed)
            self._unmapped(self.headers.get("confirmed", "confirmed"), confirmed)
        elif confirmed and not decisions:
            decisions.append((True, on[0] if on else None))
        relapse = read_bool(values.get("relapse"))
        if isinstance(relapse, str):
            bad("relapse", "unmapped", relapse)
        if problems or reported_at is None or category is None or region is None:
            return None, problems

        mediator = None
        if (raw_mediator := text("mediator")) is not None and organisation is not None:
            mediator = next(
                (m.id for m in self.directory.mediators.values()
                 if m.organisation_code == organisation and raw_mediator in (m.name, m.id)),
                None,
            )  # fmt: skip
            if mediator is None:
                # The name stays in the note; an unknown mediator does not make the row bad.
                self._unmapped(self.headers.get("mediator", "mediator"), raw_mediator)
        report: dict[str, Any] = {
            "source": Source.MIGRATION.value,
            "category": category,
            "region_path": self.catalogue.path(region),
            "summary": text("summary") or f"（台账第{number}行未写简要情况）",
            "parties": parties or [{"role": "applicant", "kind": "person", "name": "（台账未写当事人）"}],
            "people_involved": people,
            "amount_in_dispute": amount,
        }
        steps = self._steps(
            number, reported_at, organisation, route, mediator, outcome, mode, decisions, court_outcome, satisfaction, relapse is True, dates, text, bad,
        )  # fmt: skip
        if problems:
            return None, problems
        fingerprint = hashlib.sha256(
            json.dumps({f: str(v) for f, v in sorted(values.items()) if f != "serial"}, ensure_ascii=False).encode()
        ).hexdigest()
        id_numbers = frozenset(p["id_number"] for p in report["parties"] if p.get("id_number"))
        return Planned(uuid5(_NAMESPACE, fingerprint), report, steps, id_numbers, reported_at), []

    def _court(self, bad: Callable[..., None]) -> str | None:
        if self.court is None:
            bad("court_filed_on", "no_court")
        return self.court

    def _region(self, raw: str | None, organisation: str | None, bad: Callable[..., None]) -> str | None:
        if raw is not None:
            key = value_key(raw)
            if key in self.codes.villages:
                found = self.codes.villages[key]
                if found is None:
                    bad("village", "ambiguous", raw)
                return found
            region = self.catalogue.regions.get(raw)
            if region is not None:
                bad("village", "outside_region", raw)
                return None
            self._unmapped(self.headers.get("village", "village"), raw)
            bad("village", "unmapped", raw)
            return None
        if organisation is not None:
            org_region = self.directory.organisations[organisation].region_code
            level = self.catalogue.regions.get(org_region)
            if level is not None and level.level in ("village", "grid"):
                return org_region
        if self.within and self.catalogue.regions[self.within[-1]].level in ("village", "grid"):
            return self.within[-1]
        bad("village", "required", None, "the row names no village, nor does its organisation or --region")
        return None

    def _parties(self, names: str | None, ids: str | None, phones: str | None, bad: Callable[..., None]) -> list[dict[str, Any]]:
        def split(v: str | None) -> list[str]:
            if v is None:
                return []
            return [p.strip() for p in v.translate(_SPLIT).replace("与", "、").replace(" ", "、").split("、") if p.strip()]

        name_list, id_list, phone_list = split(names), split(ids), split(phones)
        parties = []
        for i, name in enumerate(name_list):
            kind = PartyKind.ORGANISATION if any(w in name for w in _ORGANISATION_WORDS) else PartyKind.PERSON
            party: dict[str, Any] = {"role": "applicant" if i == 0 else "respondent", "kind": kind.value, "name": name}
            if i < len(id_list) and id_list[i] not in _ABSENT:
                raw = id_list[i]
                try:
                    check = check_resident_id if kind is PartyKind.PERSON else check_credit_code
                    party["id_number"] = check("id_numbers", raw)
                except InvalidValue as e:
                    bad("id_numbers", "id_number", raw, e.rule)
            if i < len(phone_list) and phone_list[i] not in _ABSENT:
                party["phone"] = phone_list[i]
            parties.append(party)
        for raw in id_list[len(name_list):]:
            bad("id_numbers", "id_number", raw, "an id number without a party's name")
        return parties

    def _steps(
        self, number: int, reported_at: datetime, organisation: str | None, route: str | None,
        mediator: str | None, outcome: str, mode: str | None, decisions: list[tuple[Any, datetime | None]],
        court_outcome: str | None, satisfaction: str | None, relapse: bool, dates: dict[str, datetime | None],
        text: Callable[[str], str | None], bad: Callable[..., None],
    ) -> list[Step]:  # fmt: skip
        steps: list[Step] = []
        closed_at = dates["closed_on"]
        ended_at = dates["outcome_on"] or closed_at
        measures = text("measures")
        if outcome == "withdrawn":
            steps.append(Step("withdraw", ended_at or reported_at, "outcome_on", {"reason": measures or "当事人撤回"}))
            return steps
        if organisation is not None:
            kind = self.directory.organisations[organisation].kind
            assigned_at = dates["assigned_on"] or reported_at
            by_kind = ROUTE_OF_KIND.get(kind, Route.INDUSTRY_MEDIATION if kind.startswith("industry") else Route.PEOPLES_MEDIATION)
            # 分流方式 is how the case was first routed; the body named is the one that concluded
            # it (a case passed on from an industry body to the town committee): its own route.
            chosen = route if route is not None and kind in ROUTE_KINDS.get(Route(route), ()) else by_kind
            steps.append(Step("assign", assigned_at, "assigned_on", {"route": str(chosen), "organisation_code": organisation, "mediator_id": mediator}))
            steps.append(Step("accept", assigned_at, "assigned_on"))
        elif outcome in ("mediated", "failed"):
            bad("organisation", "required", None, "a mediation result needs the organisation that mediated")
            return steps
        if outcome in ("mediated", "failed", "transferred") and organisation is not None:
            if ended_at is None:
                bad("outcome_on", "required", None, "a result needs its date (化解日期 or 办结日期)")
                return steps
            if mode is not None:
                steps.append(Step("hold_session", ended_at, "outcome_on", {"mode": mode, "participants": [], "summary": measures or "组织调解"}))
            if outcome == "mediated":
                steps.append(Step("record_agreement", ended_at, "outcome_on", {"terms": measures or "调解成功"}))
            else:
                steps.append(Step("record_failure", ended_at, "outcome_on", {"reason": measures or "调解不成功"}))
        if outcome == "mediated" and decisions:
            court = self._court(bad)
            if court is None:
                return steps
            previous = ended_at or reported_at
            for result, at in decisions:
                at = at or previous
                if result == "again":
                    steps.extend([Step(s.command, at, "confirmation_on", s.args) for s in steps if s.command in ("assign", "accept")])
                    steps.append(Step("record_agreement", at, "confirmation_on", {"terms": measures or "重新调解成功"}))
                else:
                    steps.append(Step("request_confirmation", previous, "confirmation_on", {"court_code": court, "online": False}))
                    steps.append(Step("decide_confirmation", at, "confirmation_on", {"granted": result is True, "reason": None if result is True else "台账记载驳回"}))
                previous = at
        filed_at = dates["court_filed_on"] or (ended_at if outcome == "transferred" else None)
        if filed_at is not None:
            court = self._court(bad)
            if court is None:
                return steps
            steps.append(Step("file_in_court", filed_at, "court_filed_on", {
                "court_code": court, "court_case_number": text("court_case_number") or "（台账未记载案号）",
                "reason": "台账记载转入诉讼"}))  # fmt: skip
            if court_outcome is not None and dates["court_outcome_on"] is not None:
                steps.append(Step("record_court_outcome", dates["court_outcome_on"], "court_outcome_on", {"outcome": court_outcome, "summary": "台账记载"}))
            elif closed_at is not None:
                return steps  # a case in court closes only with the court's outcome
        if closed_at is not None and outcome != "open":
            steps.append(Step("close", closed_at, "closed_on", {"summary": measures or "台账记载办结"}))
            if satisfaction not in (None, "none"):
                steps.append(Step("follow_up", dates["follow_up_on"] or closed_at, "follow_up_on", {"satisfaction": satisfaction, "relapse": relapse}))
        return steps


def _parts(text: object) -> list[str]:
    """The entries of a cell that lists several, separated by ；, ; or a line break."""
    if text is None:
        return []
    return [p.strip() for p in str(text).replace("；", ";").replace("\n", ";").split(";") if p.strip()]


class _Refusal(Exception):
    def __init__(self, column: str, error: LedgerError):
        self.column, self.error = column, error


def _find_header(rows: Iterator[tuple[int, list[Any]]], mapping: Mapping) -> tuple[int, list[Any], dict[int, str]]:
    for number, cells in rows:
        if number > HEADER_SEARCH_ROWS:
            break
        columns = {i: f for i, h in enumerate(cells) if h is not None and (f := mapping.field_of(h)) is not None}
        if len(set(columns.values())) >= MIN_HEADERS:
            seen: dict[str, int] = {}
            for i, f in list(columns.items()):
                if f in seen:
                    raise InvalidValue("file", f"two columns give {f}: {cells[seen[f]]!r} and {cells[i]!r}")
                seen[f] = i
            return number, cells, columns
    raise InvalidValue(
        "file",
        f"no header row in the first {HEADER_SEARCH_ROWS} rows (a row naming at least {MIN_HEADERS} of: "
        "登记日期, 纠纷类型, 当事人, 调解组织, 化解结果, 办结日期 …); give a --mapping for other headers",
    )


def _is_footer(cells: list[Any]) -> bool:
    filled = [str(c).strip() for c in cells if c is not None and str(c).strip()]
    return bool(filled) and len(filled) <= 3 and filled[0].startswith(_FOOTERS)


@dataclass
class _Existing:
    ids: set[UUID]
    by_parties: dict[tuple[str, date], UUID]


def _existing(ledger: Ledger) -> _Existing:
    """Every case's id, and its parties' id numbers with its report date, from one pass over
    the store's Reported events."""
    zone = county_tz()
    topics = [get_topic(Case.Reported)]  # type: ignore[attr-defined]
    found = _Existing(set(), {})
    for n in ledger.scan(topics):
        e: Any = ledger.mapper.to_domain_event(n)
        found.ids.add(e.originator_id)
        day = e.occurred_at.astimezone(zone).date()
        for p in e.parties:
            if p.get("id_number"):
                found.by_parties.setdefault((p["id_number"], day), e.originator_id)
    return found


def import_ledger_file(
    ledger: Ledger,
    actor: Actor,
    data: bytes,
    name: str = "",
    *,
    sheet: str | None = None,
    mapping: Mapping | None = None,
    region: str | None = None,
    dry_run: bool = True,
    skip_bad: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
) -> LedgerImportReport:
    """Check the whole file; unless ``dry_run`` or refused, write its good rows' histories."""
    if actor.role != Role.ADMIN:
        raise AccessDenied(f"role {actor.role} may not import a ledger (admin)")
    mapping = mapping or default_mapping()
    within = ledger.region_path("region", region, levels=("county", "town", "village", "grid")) if region else []
    sha = hashlib.sha256(data).hexdigest()
    report = LedgerImportReport(file_sha256=sha, dry_run=dry_run)
    now = ledger.clock()
    rules = MigrationRules(
        **{f: getattr(ledger.rules, f) for f in ledger.rules.__dataclass_fields__}, entered_at=now
    )
    system = ledger.system_actor()

    def act_of(who: Actor, row: int) -> Callable[[datetime], Act]:
        note = f"历史台账导入：{name or '文件'} 第{row}行，文件 SHA-256 {sha}"
        return lambda at: Act(who.name, who.role, at, now, note=note, rules=rules)

    existing = _existing(ledger)
    # The good rows' events from the checking pass, kept for a file of up to KEEP_ROWS rows so
    # it is read and built once; a longer one is read again, so memory stays bounded.
    kept: list[list[Any]] | None = []
    seen: set[UUID] = set()
    good: dict[int, UUID] = {}

    def planned_rows(count_only: bool) -> Iterator[tuple[int, Planned | None, list[RowProblem], list[Any]]]:
        table = open_table(data, name, sheet=sheet)
        try:
            header_row, header, columns = _find_header(table.rows, mapping)
            if count_only:
                report.header_row = header_row
                report.header = ["" if h is None else str(h) for h in header]
            reader = RowReader(ledger, mapping, columns, within)
            reader.headers = {f: str(header[i]).strip() for i, f in columns.items()}
            report.columns = {f: reader.headers[f] for f in columns.values()}
            for number, cells in table.rows:
                if blank(cells) or _is_footer(cells) or all(
                    cells[i] is None or str(cells[i]).strip() == "" for i, f in columns.items() if f != "serial" and i < len(cells)
                ):
                    continue
                planned, problems = reader.read(number, cells)
                if progress is not None:
                    progress(number, table.total)
                yield number, planned, problems, cells
            if progress is not None and table.total:
                progress(table.total, table.total)
            if count_only:
                report.unmapped = reader.unmapped
        finally:
            table.close()

    directory = ledger.directory()
    for number, planned, problems, cells in planned_rows(True):
        report.rows += 1
        built = None
        if planned is not None:
            try:
                built = _build(planned, act_of(actor, number), act_of(system, number), directory)
            except _Refusal as r:
                problems = [RowProblem(number, r.column, "order", "", str(r.error))]
        if problems:
            report.problems.extend(problems)
            report.rejected_cells[number] = ["" if c is None else str(c) for c in cells]
            continue
        assert planned is not None
        if planned.case_id in existing.ids:
            report.already_imported += 1
            continue
        twin = planned.case_id in seen
        match = next((existing.by_parties[(n, planned.reported_day)] for n in planned.id_numbers
                      if (n, planned.reported_day) in existing.by_parties), None)  # fmt: skip
        if twin or match is not None:
            report.duplicates.append({
                "row": number,
                "rule": "same_row" if twin else "same_parties_and_date",
                "case_id": str(planned.case_id if twin else match),
            })  # fmt: skip
            continue
        seen.add(planned.case_id)
        good[number] = planned.case_id
        report.ok += 1
        if kept is not None and built is not None and not dry_run:
            kept.append(list(built.collect_events()))
            if len(kept) > KEEP_ROWS:
                kept = None  # a long file: its cases are built again on the second pass
    if report.problems and not skip_bad:
        report.refused = True
    if dry_run or report.refused or not good:
        return report

    def histories() -> Iterator[list[Any]]:
        if kept is not None:
            yield from kept
            return
        for number, planned, _, _ in planned_rows(False):
            if planned is not None and good.get(number) == planned.case_id:
                yield list(_build(planned, act_of(actor, number), act_of(system, number), directory).collect_events())

    pending: list[Any] = []
    for events in histories():
        pending.extend(events)
        report.written += 1
        report.events += len(events)
        if report.written % SAVE_CHUNK == 0:
            _save(ledger, pending)
            pending = []
    _save(ledger, pending)
    return report


def _build(
    planned: Planned, act: Callable[[datetime], Act], system_act: Callable[[datetime], Act], directory: Directory
) -> Case:
    try:
        case = Case.report(act(planned.reported_at), case_id=planned.case_id, **planned.report)
    except (InvalidValue, IllegalTransition, RuleViolation) as e:
        raise _Refusal(getattr(e, "field", "reported_on"), e) from None
    if warning_rules().is_mass(case.people_involved):
        case.flag_mass(system_act(case.reported_at))
    for step in planned.steps:
        args = step.args
        # What the Ledger adds from the directory to a live command, added here alike: the body's
        # kind (the route must fit it) and, for a confirmation, the parties the row names as its
        # joint applicants (a row naming one party only cannot record one: reported, not guessed).
        if step.command == "assign":
            org = directory.organisations.get(str(args.get("organisation_code")))
            args = {**args, "organisation_kind": org.kind if org is not None else None}
        elif step.command == "request_confirmation":
            args = {"applicants": [p.name for p in case.parties], **args}
        try:
            getattr(case, step.command)(act(step.at), **args)
        except (InvalidValue, IllegalTransition, RuleViolation) as e:
            raise _Refusal(step.column, e) from None
    return case


def _save(ledger: Ledger, events: list[Any]) -> None:
    if not events:
        return
    try:
        ledger.save(*events)
    except IntegrityError:
        raise LedgerImportRace(
            "another import saved some of these rows at the same time; run the import again "
            "(what is already written is not written twice)"
        ) from None

