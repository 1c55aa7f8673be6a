"""What the pages print for codes, instants, regions and figures: Chinese labels, the county's
time zone, rates as percentages. Shared by the templates (as filters) and the exports, so a
downloaded table says exactly what the page says."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import g

from application.config import county_tz
from application.readable import INDICATOR_LABELS, duration, local_time, zone_name
from application.readable import (
    figure as figure,  # re-exported: the pages and their exports print figures alike
)
from application.readable import is_fraction as is_fraction
from domain.case import EVENTS
from domain.codes import (
    Category,
    Coded,
    CourtOutcome,
    IncidentKind,
    PartyKind,
    PartyRole,
    Performance,
    Resolution,
    RiskFlag,
    RiskLevel,
    Role,
    Route,
    Satisfaction,
    SessionMode,
    Severity,
    Source,
    Status,
)
from domain.deadlines import KINDS
from web.context import ledger
from web.ui.blueprint import ui

#: Which code list labels a value, by the field that holds it (case state and event payloads).
CODE_LISTS: dict[str, type[Coded]] = {
    "source": Source, "category": Category, "route": Route, "risk_level": RiskLevel, "status": Status,
    "resolution": Resolution, "role": PartyRole, "kind": PartyKind, "actor_role": Role, "mode": SessionMode,
    "outcome": CourtOutcome, "performed": Performance, "satisfaction": Satisfaction, "severity": Severity,
    "incident_kind": IncidentKind, "risk_flags": RiskFlag,
}  # fmt: skip


def code_label(codes: type[Coded], value: Any) -> str:
    if value is None or value == "":
        return ""
    try:
        return codes(str(value)).label
    except ValueError:  # a code a later version retired: shown as it is, never guessed
        return str(value)


@ui.app_template_filter("label")
def label(value: Any, field: str) -> str:
    codes = CODE_LISTS.get(field)
    if codes is None:
        return "" if value is None else str(value)
    if isinstance(value, list | tuple):
        return "、".join(code_label(codes, v) for v in value)
    return code_label(codes, value)


@ui.app_template_filter("role")
def role_label(value: Any) -> str:
    return code_label(Role, value)


@ui.app_template_filter("deadline")
def deadline_label(kind: str) -> str:
    return KINDS[kind].label if kind in KINDS else kind


@ui.app_template_filter("event")
def event_label(name: str) -> str:
    return EVENTS[name][1] if name in EVENTS else name


@ui.app_template_filter("local")
def local(value: datetime | str | None, seconds: bool = False) -> str:
    if not value:  # None, empty, or a field the answer does not carry (a template's Undefined)
        return ""
    return local_time(value, county_tz(), seconds=seconds)


@ui.app_template_filter("duration")
def duration_words(hours: float | None) -> str:
    """Lateness for people: 3天4小时, never decimal hours."""
    return duration(hours)


def zone() -> str:
    return zone_name(county_tz())


@ui.app_template_filter("short_hash")
def short_hash(value: str | None) -> str:
    return (value or "")[:12]


def _regions() -> Any:
    """The region catalogue, read once per request (a page names many regions)."""
    if "ui_regions" not in g:
        g.ui_regions = ledger().regions()
    return g.ui_regions


def region_names() -> dict[str, str]:
    return {code: r.name for code, r in _regions().regions.items()}


@ui.app_template_filter("region")
def region_name(code: str | None) -> str:
    if not code:
        return ""
    region = _regions().regions.get(code)
    return region.name if region is not None else code


def _directory() -> Any:
    """The directory of organisations and mediators, read once per request."""
    if "ui_directory" not in g:
        g.ui_directory = ledger().directory()
    return g.ui_directory


@ui.app_template_filter("organisation")
def organisation_name(code: str | None) -> str:
    """An organisation (or court) by its name from the directory, its code when unknown."""
    if not code:
        return ""
    found = _directory().organisations.get(code)
    return found.name if found is not None else code


def mediator_name(mediator_id: str | None) -> str:
    if not mediator_id:
        return ""
    found = _directory().mediators.get(mediator_id)
    return found.name if found is not None else mediator_id


@ui.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"zone_name": zone}


#: How a comparison beside an indicator reads after the indicator's own name.
COMPARISON_WORDS = {"_yoy": "同比", "_last_year": "上年同期", "_prev": "上期"}


def indicator_label(name: str) -> str:
    if name in INDICATOR_LABELS:
        return INDICATOR_LABELS[name]
    for suffix, words in COMPARISON_WORDS.items():
        if name.endswith(suffix) and name[: -len(suffix)] in INDICATOR_LABELS:
            return INDICATOR_LABELS[name[: -len(suffix)]] + words
    try:
        from web.indicators.schemas import INDICATOR_DESCRIPTIONS
    except ImportError:  # pragma: no cover - the API module moved
        return name
    described = INDICATOR_DESCRIPTIONS.get(name, "")
    head = described.split(" (", 1)[0].split(":", 1)[0].strip()
    return head or name


#: Suffixes of the comparison fields beside an indicator (§6 v2); not columns of their own.
COMPARISONS = ("_last_year", "_yoy", "_prev", "_pop")
#: Fields of a row that are not indicators.
ROW_META = frozenset({
    "region_code", "region_name", "category", "category_label", "population", "population_year",
    "population_note", "days", "complete", "through", "litigation_source",
})  # fmt: skip


def indicator_columns(rows: list[dict[str, Any]]) -> list[str]:
    """The indicators a table carries, in the order the answer gives them: every numeric field
    that is neither a row's identity nor a comparison of another field."""
    names: list[str] = []
    for row in rows:
        for key, value in row.items():
            if key in ROW_META or key in names or (value is not None and not isinstance(value, int | float)):
                continue
            if isinstance(value, bool):
                continue
            if any(key.endswith(s) and key[: -len(s)] in row for s in COMPARISONS):
                continue
            names.append(key)
    return names


def yoy_arrow(value: float | None) -> tuple[str, str]:
    """(arrow and text, css class) of a change against last year."""
    if value is None:
        return ("", "")
    if value > 0:
        return (f"↑ 同比+{value * 100:.1f}%", "up")
    if value < 0:
        return (f"↓ 同比{value * 100:.1f}%", "down")
    return ("→ 同比持平", "flat")


#: Event payload fields in Chinese (the history shows each event's own data).
FIELD_LABELS = {
    "source": "来源", "category": "纠纷类别", "summary": "摘要", "region_code": "所在地", "route": "化解途径",
    "organisation_code": "承办单位", "mediator_id": "调解员", "risk_level": "风险等级", "risk_flags": "风险标记",
    "people_involved": "涉及人数", "amount_in_dispute": "争议金额", "parties": "当事人", "party": "当事人",
    "reason": "理由", "mode": "方式", "participants": "参加人", "terms": "协议内容", "amount": "金额",
    "court_code": "法院", "online": "线上", "granted": "准予确认", "performed": "履行情况",
    "satisfaction": "满意度", "relapse": "是否反复", "archive_number": "档号", "resolution": "结案方式",
    "outcome": "结果", "court_case_number": "法院案号", "kind": "类型", "severity": "严重程度",
    "description": "描述", "changes": "更正内容", "due_at": "期限", "lead_id": "主案",
    "village_code": "村(社区)", "town_code": "乡镇", "county_code": "县(区)", "case_number": "案号",
    "due": "新的期限", "escalation": "提级处理", "status": "状态", "mediator_name": "调解员",
}  # fmt: skip
#: Payload fields the history leaves out: repeated elsewhere on the page, or internal.
HIDDEN_FIELDS = frozenset({"region_path", "village_code", "town_code", "county_code", "prev_hash"})


def _text(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key.endswith("_code") and isinstance(value, str) and value.isdigit():
        return region_name(value)
    if key in ("organisation_code", "court_code") and isinstance(value, str):
        return organisation_name(value)
    if key == "mediator_id" and isinstance(value, str):
        return mediator_name(value)
    if key in CODE_LISTS:
        return label(value, key)
    if key.endswith("_at") and isinstance(value, str | datetime):
        try:
            return local(value)
        except ValueError:
            return str(value)
    if key == "due" and isinstance(value, dict):
        return "；".join(f"{deadline_label(k)} {_text('due_at', v)}" for k, v in value.items())
    if isinstance(value, dict):
        name = value.get("name")
        role = code_label(PartyRole, value.get("role"))
        if name is not None:
            return f"{name}（{role}）" if role else str(name)
        return "；".join(f"{FIELD_LABELS.get(k, k)}：{_text(k, v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "、".join(_text(key, v) for v in value) or "—"
    return str(value)


@ui.app_template_filter("payload")
def payload_items(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """An event's own data as (Chinese field name, text): codes by their labels, instants in the
    county's time, places by name."""
    if payload.get("kind") in {k.value for k in IncidentKind}:  # an incident's kind, not a party's
        payload = {**payload, "kind": code_label(IncidentKind, payload["kind"])}
    return [
        (FIELD_LABELS.get(k, k), _text(k, v))
        for k, v in payload.items()
        if k not in HIDDEN_FIELDS and v not in (None, "", [], {})
    ]
