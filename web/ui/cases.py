"""案件台账 (the case list, filtered, paged, exported as XLSX) and 案件时间线 (one case: its
state now or as of a date, open deadlines, its history with hashes, and its access log).

Reads go through the API's own functions: list_cases and the state builders, disclose() and
present() for masking and the access log, Ledger.read_case for the region scope."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from flask import render_template, request, send_file

from application.config import county_tz, late_entry_hours
from application.errors import CaseNotFound
from domain.batch import ANSWERS
from domain.batch import READ_ROLES as BATCH_READERS
from domain.batch import STATES as BATCH_STATES
from domain.case import Case
from domain.codes import Category, RiskLevel, Role, Status
from domain.errors import InvalidValue
from domain.integrity import event_hash
from domain.permissions import AUDIT_ROLES
from domain.reference import Actor
from projections.access import reads_of_case
from projections.batch_views import case_batches
from web.auth import present, require_read
from web.context import fresh_views, ledger, now
from web.disputes.routes import listed_cases
from web.disputes.state import from_case, history_entry
from web.ui import tables
from web.ui.blueprint import ui
from web.ui.labels import code_label, local, region_name
from web.ui.purpose import disclosure

PER_PAGE = 20
#: The most rows one export holds: beyond it the list must be narrowed by its filters.
EXPORT_LIMIT = 10_000


def _scope_regions(actor: Actor) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(towns, villages) inside the actor's region scope, as (code, name), by code."""
    regions = ledger().regions()
    towns: list[tuple[str, str]] = []
    villages: list[tuple[str, str]] = []
    for code, r in sorted(regions.regions.items()):
        if r.level not in ("town", "village") or not actor.covers(regions.path(code)):
            continue
        (towns if r.level == "town" else villages).append((code, r.name))
    return towns, villages


def _filters(actor: Actor) -> dict[str, Any]:
    """The list's filters from the query string, each checked as the API checks it."""
    args = request.args
    towns, villages = _scope_regions(actor)
    town, village = args.get("town", "").strip(), args.get("village", "").strip()
    if town and town not in dict(towns):
        raise InvalidValue("town", "不在您的管辖范围内的乡镇")
    if village and village not in dict(villages):
        raise InvalidValue("village", "不在您的管辖范围内的村(社区)")
    status, category, risk = (args.get(k, "").strip() or None for k in ("status", "category", "risk"))
    if status:
        Status.parse("status", status)
    if category:
        Category.parse("category", category)
    if risk:
        RiskLevel.parse("risk", risk)
    overdue = {"1": True, "0": False}.get(args.get("overdue", ""))
    return {
        "region": village or town or None,
        "status": status,
        "category": category,
        "risk": risk,
        "overdue": overdue,
        "_town": town,
        "_village": village,
        "_towns": towns,
        "_villages": [v for v in villages if not town or v[0].startswith(town)],
    }


def page_number() -> int:
    """The ?page of a paged list, a positive whole number (1 without one)."""
    raw = request.args.get("page", "1")
    if not (raw.isascii() and raw.isdigit() and 0 < len(raw) <= 6) or int(raw) < 1:
        raise InvalidValue("page", "页码须为正整数")
    return int(raw)


def _listed(actor: Actor, query: dict[str, Any], page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
    """One page of cases exactly as GET /disputes lists them (masked unless disclosed, the read
    logged, kept per views position)."""
    return listed_cases(actor, query, page, per_page)


#: The columns of the list, on the page and in the export alike.
LIST_COLUMNS = ("登记时间", "纠纷类别", "所在地", "摘要", "当事人", "状态", "风险等级", "期限", "涉及人数", "争议金额(元)")


def list_line(item: dict[str, Any]) -> list[Any]:
    """One case as the list shows it: text for the page, typed values for the spreadsheet
    (tables.py formats them); the same values either way."""
    overdue = [d for d in item["deadlines"] if d["open"] and d["overdue"]]
    open_ = [d for d in item["deadlines"] if d["open"] and not d.get("reminder")]
    deadline = "已超期" if overdue else ("办理中" if open_ else "—")
    parties = "、".join(p.get("name") or "" for p in item["parties"])
    amount = item.get("amount_in_dispute")
    return [
        item["reported_at"],
        code_label(Category, item["category"]),
        region_name(item["region_code"]),
        item["summary"] or "",
        parties,
        item["status_label"],
        code_label(RiskLevel, item["risk_level"]),
        deadline,
        item.get("people_involved"),
        None if amount in (None, "") else float(amount),
    ]


@ui.route("/cases")
def case_list() -> Any:
    actor = require_read("cases")
    filters = _filters(actor)
    query = {k: v for k, v in filters.items() if not k.startswith("_")}
    page = page_number()
    items, total = _listed(actor, query, page, PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "ui/cases.html",
        items=[(item, list_line(item)) for item in items],
        columns=LIST_COLUMNS,
        total=total,
        page=page,
        pages=pages,
        args=args,
        filters=filters,
        statuses=Status,
        categories=Category,
        risks=RiskLevel,
    )


@ui.route("/cases.xlsx")
def case_list_xlsx() -> Any:
    actor = require_read("cases")
    query = {k: v for k, v in _filters(actor).items() if not k.startswith("_")}
    items, total = _listed(actor, query, 1, EXPORT_LIMIT)
    lines = [list_line(i) for i in items]
    note = None if total <= EXPORT_LIMIT else f"仅导出前 {EXPORT_LIMIT} 条（共 {total} 条），请缩小筛选范围"
    data = tables.xlsx("案件台账", LIST_COLUMNS, lines, note=note)
    return send_file(
        io.BytesIO(data),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name="案件台账.xlsx",
    )


def case_id_of(raw: str) -> str:
    """A case id from a page's path; anything but a UUID is a case not found."""
    try:
        return str(UUID(raw))
    except ValueError:
        raise CaseNotFound(raw) from None


def _as_of() -> tuple[str, datetime | None]:
    """The as-of date of the picker: the end of that day in the county's zone (not beyond now)."""
    raw = request.values.get("as_of", "").strip()
    if not raw:
        return "", None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidValue("as_of", "日期格式应为 YYYY-MM-DD") from None
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=county_tz()) - timedelta(microseconds=1)
    return raw, min(end, now())


def _state_and_history(actor: Actor, case: Case, when: datetime | None) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    at = now()
    shown: Case | None = case if when is None else ledger().case_as_of(case.id, recorded_at=when)
    state = None
    if shown is not None:
        state = from_case(shown, actor=actor, now=at, position=None, as_of=when)
    hours = late_entry_hours()
    stored: list[Any] = list(ledger().events.get(case.id))
    events = [
        history_entry(e, late_after_hours=hours, hash_of=event_hash, source=case.source)
        for e in stored
        if when is None or e.timestamp <= when
    ]
    return state, events


@ui.route("/cases/<case_id>", methods=["GET", "POST"])
def case_page(case_id: str) -> Any:
    """GET: the case, masked for anyone but its handlers (and a form asking why the personal
    data is wanted). POST with that purpose: the same page unmasked, the read logged."""
    actor = require_read("cases")
    case = ledger().read_case(actor, case_id_of(case_id))  # 404 outside the scope, as the API
    as_of_text, when = _as_of()
    state, events = _state_and_history(actor, case, when)
    seen = disclosure(actor, case)
    shown = present(actor, {"state": state, "events": events}, disclosed=seen.disclosed)
    batches = None
    if actor.role in BATCH_READERS:
        with fresh_views() as cur:
            batches = case_batches(cur, str(case.id))
    access = None
    if Role(actor.role) in AUDIT_ROLES:
        with fresh_views() as cur:
            total, reads = reads_of_case(cur, str(case.id), limit=200)
        access = {"total": total, "reads": reads}
    return render_template(
        "ui/case.html",
        case_id=str(case.id),
        state=shown["state"],
        events=shown["events"],
        as_of=as_of_text,
        when=when,
        disclosed=seen.disclosed,
        need_purpose=seen.ask,
        purpose_error=seen.error,
        access=access,
        batches=batches,
        batch_states=BATCH_STATES,
        answers=ANSWERS,
        late_hours=late_entry_hours(),
        today=local(now())[:10],
    )

