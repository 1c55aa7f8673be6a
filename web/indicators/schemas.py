"""Indicator tables (DESIGN.md §6), the evidence behind one cell, and red/yellow cards."""

from __future__ import annotations

import re
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from domain.codes import Category, Source
from projections.indicators import COMPARED, GROUPS, INDICATORS, LEVELS, RETIRED
from web.context import ledger, now
from web.disputes.schemas import MIN_POSITION, Instant, plain_text

_PERIOD = {
    "description": "a year (2026), a half (2026-H1), a quarter (2026-Q1), a month (2026-03) or a month range "
    "within one year (2026-01..2026-08); a period under way counts its elapsed whole days",
    "example": "2026-Q1",
}


_YEAR = re.compile(r"(?<![0-9])[0-9]{4,}(?![0-9])")


def period_in_window(value: str) -> None:
    """Every year a period names lies inside the ledger's time window: a period's bounds and its
    comparisons (the year before) must be instants every view can compute. Its shape is the
    period parser's business (projections/periods.py)."""
    plain_text(value)
    if len(value) > 40:
        raise ma.ValidationError("at most 40 characters, e.g. 2026-Q1")
    window = ledger().rules.window
    first, last = window.earliest.year, window.latest(now()).year
    for year in _YEAR.findall(value):
        if not first <= int(year) <= last:
            raise ma.ValidationError(
                f"a period between {first} and {last} (LEDGER_EARLIEST to ten years ahead)"
            )


def period_field(**kwargs: Any) -> fields.String:
    return fields.String(validate=period_in_window, metadata=_PERIOD, **kwargs)


def region_field(**kwargs: Any) -> fields.String:
    return fields.String(validate=[validate.Length(max=32), plain_text], **kwargs)


class Freshness(ma.Schema):
    min_position = fields.Integer(metadata=MIN_POSITION)


_CATEGORY = {"description": "only cases of this category (纠纷类型, see /reference/categories)"}
_SOURCE = {
    "description": "only cases of this source (来源, see /reference/sources); court records carry no "
    "ledger source, so with it court_cases and litigation_per_10k are null (litigation_source none)"
}
_AS_OF = (
    "the table as the ledger knew it at this recorded instant: each case counted with the category "
    "and region it had then, court records in their latest version recorded by then, and a period "
    "still running then counting its days before that instant's own day. Overdue figures are null "
    "(deadlines are judged as known now, see /indicators/cell?indicator=overdue_share)"
)


class IndicatorQuery(Freshness):
    region = region_field(
        metadata={"description": "county, town or village code; default your own region, else the county"}
    )
    period = period_field(required=True)
    level = fields.String(
        validate=validate.OneOf(list(LEVELS)),
        metadata={
            "description": "one row per region of this level (default town, or the region's own level below); "
            "ignored with group=category"
        },
    )
    category = fields.String(validate=validate.OneOf([c.value for c in Category]), metadata=_CATEGORY)
    source = fields.String(validate=validate.OneOf([c.value for c in Source]), metadata=_SOURCE)
    group = fields.String(
        validate=validate.OneOf(list(GROUPS)),
        metadata={
            "description": "region (default): a row per region of `level`; category: a row per 纠纷类型 "
            "for the region asked (e.g. a family-cases bulletin)"
        },
    )
    as_of = Instant(metadata={"description": _AS_OF})


class CellQuery(Freshness):
    region = region_field(metadata={"description": "default your own region, else the county"})
    period = period_field(required=True)
    indicator = fields.String(
        required=True,
        validate=validate.OneOf(list(INDICATORS)),
        metadata={"description": "an indicator of the table (overdue_share as the warnings judge it)"},
    )
    category = fields.String(validate=validate.OneOf([c.value for c in Category]), metadata=_CATEGORY)
    source = fields.String(validate=validate.OneOf([c.value for c in Source]), metadata=_SOURCE)
    as_of = Instant(
        metadata={"description": "as the ledger knew it at this recorded instant (not overdue_open/overdue_share)"}
    )


class WarningQuery(Freshness):
    period = period_field(required=True)
    county = region_field(metadata={"description": "default your county, else the only county"})


_COVERAGE = (
    "The court feed covers a span for a county when its records of that county (either party's "
    "domicile, any kind) reach from the span's first month to the month of its last day counted "
    "(court_feed_from/court_feed_through)."
)
#: Each indicator's Chinese name, unit and meaning, for its field in every answer that carries it.
INDICATOR_DESCRIPTIONS = {
    "disputes_reported": "新发纠纷 (cases): cases reported in the span",
    "disputes_assigned": "交办调解 (cases): cases first handed to a mediation route in the span (escalations not again)",
    "resolved_pre_litigation": "诉前化解 (cases): cases whose first agreement (in their current life) came in the span, never filed in court before it",
    "resolution_rate": "化解率 (fraction 0–1): resolved_pre_litigation ÷ disputes_assigned of the same span; null when none assigned",
    "mediation_agreements": "调解成功 (cases): cases with their first mediation agreement in the span (a reopened case again only in a later span)",
    "mediation_concluded_failures": "调解终结未成 (cases): cases mediated at least once (accepted, a session or a failure recorded) without agreement that left mediation for good in the span: filed in court, closed unresolvable or withdrawn. A failure followed by reassignment is not concluded",
    "mediation_success_rate": "调解成功率 (fraction 0–1): mediation_agreements ÷ (mediation_agreements + mediation_concluded_failures); null when both are 0",
    "court_referral_success_rate": "诉前调解成功率 (fraction 0–1): mediation_success_rate over cases of source court_diversion; null when none",
    "confirmations_granted": "司法确认 (cases): cases with a granted judicial confirmation in the span",
    "confirmations_rejected": "司法确认驳回 (cases): cases with a rejected judicial confirmation in the span",
    "confirmation_rate": "司法确认率 (fraction 0–1): confirmations_granted ÷ mediation_agreements of the same span; null when no agreement",
    "online_mediations": "在线调解 (cases): cases with a session held online in the span",
    "online_confirmations": "在线司法确认 (cases): cases whose confirmation was requested online in the span",
    "court_cases": "一审民事行政新收 (cases): first-instance cases filed in court in the span (court case feed), of the kinds LEDGER_LITIGATION_KINDS (default 民初,行初), attributed to the region of the LEDGER_LITIGATION_DOMICILE party's domicile (default defendant), without suits of financial institutions when LEDGER_LITIGATION_EXCLUDE_FINANCIAL=1; null when the feed does not cover the span. " + _COVERAGE,
    "litigation_per_10k": "万人成讼率 (cases per 10,000 people): court_cases ÷ population × 10,000, not annualised; null (litigation_source none) when no court feed covers the span, null when the population is unknown. Version 1 computed it from ledger filings (disputes that passed through mediation), wrongly: that figure is now ledger_court_filings",
    "litigation_per_10k_annualised": "万人成讼率（年化）(cases per 10,000 people per year): litigation_per_10k × 365 ÷ days",
    "ledger_court_filings": "纠纷成讼 (cases): ledger cases filed in court (file_in_court) in the span — not the 万人成讼率 numerator. Version 1 answered this as court_filings",
    "serious_incidents": "民转刑/极端事件 (cases): cases with an incident of severity LEDGER_MAJOR_SEVERITY (default major, 重大) or above in the span",
    "criminal_escalations": "民转刑 (cases): cases with a criminal escalation of that severity or above in the span",
    "extreme_acts": "个人极端事件 (cases): cases with an extreme act of that severity or above in the span",
    "mass_incidents": "群体性事件 (cases): cases with a mass incident of that severity or above in the span",
    "follow_up_rate": "回访率 (fraction 0–1): of cases resolved by mediation in the span (first agreement), those followed up after a mediated or confirmed close; null when none",
    "satisfaction_rate": "满意率 (fraction 0–1): of those followed up, the share satisfied at the first visit; null when none followed up",
    "relapse_rate": "反复率 (fraction 0–1): of those followed up, the share with a relapse at the first visit; null when none followed up",
    "mean_days_to_mediated_resolution": "平均调解化解天数 (days): mean days from report (or reopening) to first agreement, over the cases of mediation_agreements; null when none",
    "mean_days_in_court": "平均审理天数 (days): mean days from filing to court outcome, over ledger cases with an outcome in the span; null when none",
    "overdue_open": "超期未办 (cases): open cases with at least one obligation past due (DESIGN.md §5) at the end of the period, or now while it runs; null in a table as of an instant",
    "overdue_share": "超期率 (fraction 0–1): overdue_open ÷ cases open then; 0 when none open; null in a table as of an instant",
    "no_litigation_villages": "无讼村 (villages): villages with no court case, no serious incident and no mass incident of any severity over the year so far (provisional while the year runs: complete false); null for halves, quarters, months and ranges, in rows by category, and when the court feed does not cover the year",
}
_COMPARISONS = {
    "last_year": "去年同期 ({unit}): {name} over the same elapsed span one year earlier (last_year_from–last_year_through)",
    "yoy": "同比 (fraction, +0.2 = 20% more): change of {name} against {name}_last_year; null when that is 0 or unknown",
    "prev": "上期 ({unit}): {name} over the preceding quarter or month clipped to the same number of days (prev_from–prev_through); null for years, halves and ranges",
    "pop": "环比 (fraction, +0.2 = 20% more): change of {name} against {name}_prev; null when that is 0 or unknown",
}
_UNITS = {"litigation_per_10k": "cases per 10,000 people"}
#: Version 1 fields no longer answered (DESIGN.md §8: retired, never reused with another meaning).
RETIREMENTS = "; ".join(f"`{name}` {why}" for name, why in RETIRED.items())


def _indicator(field: type[fields.Field], name: str, **kwargs: Any) -> fields.Field:
    return field(metadata={"description": INDICATOR_DESCRIPTIONS[name]}, **kwargs)


_INTEGER_INDICATORS = {
    "disputes_reported", "disputes_assigned", "resolved_pre_litigation", "mediation_agreements",
    "mediation_concluded_failures", "confirmations_granted", "confirmations_rejected", "online_mediations",
    "online_confirmations", "court_cases", "ledger_court_filings", "serious_incidents", "criminal_escalations",
    "extreme_acts", "mass_incidents", "overdue_open", "no_litigation_villages",
}


def _row_fields() -> dict[str, fields.Field]:
    found: dict[str, fields.Field] = {
        "region_code": fields.String(metadata={"description": "区划代码: the region of this row (group=category: the region asked)"}),
        "region_name": fields.String(metadata={"description": "区划名称"}),
        "category": fields.String(metadata={"description": "纠纷类型 code of this row (group=category only)"}),
        "category_label": fields.String(metadata={"description": "纠纷类型 in Chinese (group=category only)"}),
        "population": fields.Integer(
            allow_none=True,
            metadata={
                "description": "人口 (people): resident (常住人口) plus registered floating population (流动人口) "
                "summed over the region's villages, of the period's year or the latest earlier year with a "
                "figure; null when a village has no figure at all (population_note names it)"
            },
        ),
        "population_year": fields.Integer(
            allow_none=True, metadata={"description": "人口年份 (year): the earliest year whose figure is used"}
        ),
        "population_note": fields.String(
            allow_none=True,
            metadata={"description": "人口说明 (text): why the population fell back to an earlier year or is null"},
        ),
        "litigation_source": fields.String(
            metadata={
                "enum": ["court_feed", "none"],
                "description": "成讼数据来源 (text): court_feed, or none when no court feed covers the span "
                "(court_cases and litigation_per_10k are then null, never taken from ledger filings)",
            }
        ),
    }
    for name in INDICATORS:
        kind = fields.Integer if name in _INTEGER_INDICATORS else fields.Float
        found[name] = _indicator(kind, name, allow_none=True)
    for name in COMPARED:
        chinese = INDICATOR_DESCRIPTIONS[name].split(" ", 1)[0]
        unit = _UNITS.get(name, "cases")
        for suffix, text in _COMPARISONS.items():
            kind = fields.Integer if suffix in ("last_year", "prev") and name in _INTEGER_INDICATORS else fields.Float
            found[f"{name}_{suffix}"] = kind(
                allow_none=True, metadata={"description": f"{chinese} " + text.format(name=name, unit=unit)}
            )
    return found


IndicatorRow = ma.Schema.from_dict(_row_fields(), name="IndicatorRow")


class IndicatorTable(ma.Schema):
    period = fields.String(metadata={"description": "期间 (text): the period asked, e.g. 2026-Q1 or 2026-01..2026-08"})
    period_kind = fields.String(
        metadata={"enum": ["year", "half", "quarter", "month", "range"], "description": "期间类型 (text)"}
    )
    level = fields.String(metadata={"description": "层级 (text): the level of the rows' regions"})
    group = fields.String(metadata={"description": "分组 (text): region or category"})
    region = fields.String(metadata={"description": "区划代码: the region asked"})
    category = fields.String(allow_none=True, metadata={"description": "纠纷类型 filter, if any"})
    source = fields.String(allow_none=True, metadata={"description": "来源 filter, if any"})
    as_of = fields.String(allow_none=True, metadata={"description": "记录时点: the instant the table is as of, if any"})
    complete = fields.Boolean(
        metadata={"description": "期间已结束 (bool): false while the period runs; its figures then cover only its elapsed days"}
    )
    through = fields.String(metadata={"description": "统计截止日 (date): the last day counted (county's local date)"})
    days = fields.Integer(metadata={"description": "统计天数 (days): days counted"})
    last_year_from = fields.String(metadata={"description": "去年同期起 (date): first day of the *_last_year span"})
    last_year_through = fields.String(metadata={"description": "去年同期止 (date): last day of the *_last_year span"})
    prev_from = fields.String(allow_none=True, metadata={"description": "上期起 (date): first day of the *_prev span, quarters and months only"})
    prev_through = fields.String(allow_none=True, metadata={"description": "上期止 (date): last day of the *_prev span"})
    court_feed_from = fields.String(
        allow_none=True, metadata={"description": "法院数据起 (date): the earliest filing date of the county's court records"}
    )
    court_feed_through = fields.String(
        allow_none=True,
        metadata={"description": "法院数据止 (date): the latest filing date of the county's court records. " + _COVERAGE},
    )
    overdue_judged_at = fields.String(
        allow_none=True, metadata={"description": "超期判定时点 (instant): when overdue_open was judged"}
    )
    rows = fields.List(fields.Nested(IndicatorRow), metadata={"description": "one row per region (or category). Retired version 1 fields: " + RETIREMENTS})


class EvidenceEvent(ma.Schema):
    case_id = fields.String(metadata={"description": "the ledger case counted"})
    position = fields.Integer(metadata={"description": "the counted event's store position"})
    fact = fields.String(metadata={"description": "what the event earned the case (reported, agreed, mediation_failed...)"})
    day = fields.String(metadata={"description": "the county's local day it is counted on"})
    occurred_at = fields.String(metadata={"description": "when the counted event happened (overdue: when the case was reported)"})
    recorded_at = fields.String()
    value = fields.Float(
        allow_none=True,
        metadata={"description": "what this entry adds to its component, in the component's unit"},
    )
    due_at = fields.String(metadata={"description": "overdue_cases: the earliest deadline past due"})
    kind = fields.String(metadata={"description": "incidents: the incident's kind"})
    kind_label = fields.String(metadata={"description": "incidents: the kind in Chinese (民转刑...)"})
    severity = fields.String(metadata={"description": "incidents: its severity"})
    severity_label = fields.String(metadata={"description": "incidents: the severity in Chinese (较大...)"})
    case_number = fields.String(metadata={"description": "court cases: 案号"})
    court_kind = fields.String(metadata={"description": "court cases: 民初, 行初..."})
    filed_on = fields.String(metadata={"description": "court cases: 立案日期"})
    plaintiff_region = fields.String(allow_none=True, metadata={"description": "court cases: the plaintiff's domicile"})
    defendant_region = fields.String(allow_none=True, metadata={"description": "court cases: the defendant's domicile"})
    region_code = fields.String(metadata={"description": "无讼村: the village"})
    region_name = fields.String(metadata={"description": "无讼村: the village's name"})
    court_cases = fields.Integer(metadata={"description": "无讼村: the village's court cases in the span"})
    serious_incidents = fields.Integer(metadata={"description": "无讼村: its serious incidents"})
    mass_incidents = fields.Integer(metadata={"description": "无讼村: its mass incidents of any severity"})


class Component(ma.Schema):
    count = fields.Integer(metadata={"description": "entries listed"})
    unit = fields.String(
        metadata={"description": "count (each entry adds 1), days (days it adds to a mean) or villages"}
    )
    covered = fields.Boolean(metadata={"description": "court cases: whether the court feed covers the span"})
    from_ = fields.String(data_key="from", metadata={"description": "the span's first day"})
    through = fields.String(metadata={"description": "the span's last day"})
    events = fields.List(fields.Nested(EvidenceEvent))


class Cell(ma.Schema):
    region_code = fields.String()
    period = fields.String()
    indicator = fields.String()
    value = fields.Float(
        allow_none=True,
        metadata={
            "description": "the indicator's value, in its unit (see the indicator's field in IndicatorRow)"
        },
    )
    complete = fields.Boolean()
    through = fields.String()
    days = fields.Integer()
    category = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    population = fields.Integer(allow_none=True, metadata={"description": "人口 (people), as in the table"})
    population_year = fields.Integer(allow_none=True, metadata={"description": "the year the population figure is for"})
    population_note = fields.String(allow_none=True)
    judged_at = fields.String(
        metadata={"description": "overdue_open/overdue_share: the instant open and overdue cases are judged at"}
    )
    comparisons = fields.Dict(
        keys=fields.String(), values=fields.Float(allow_none=True),
        metadata={"description": "last_year, yoy, prev, pop of the indicator, as in the table"},
    )
    components = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(Component),
        metadata={
            "description": "the cases behind the cell: `cases` (or `incidents`, `court_cases`, `villages`); a "
            "rate's `numerator` and `denominator` apart; the comparisons' as `<name>_last_year`, `<name>_prev`"
        },
    )


class CardReason(ma.Schema):
    level = fields.String(metadata={"description": "red or yellow"})
    indicator = fields.String(metadata={"description": "the indicator that triggered the card"})
    value = fields.Float(metadata={"description": "the town's value, in the indicator's unit"})
    county_value = fields.Float(metadata={"description": "the county's value, in the indicator's unit"})
    open_cases = fields.Integer(metadata={"description": "在办案件 (cases) in the town"})
    overdue_cases = fields.Integer(metadata={"description": "超期未办 (cases) in the town"})
    as_of = fields.String()
    rule = fields.String()


class TownCard(ma.Schema):
    region_code = fields.String()
    region_name = fields.String()
    # nullable beside an enum of the non-null values: null inside the enum breaks generated clients
    card = fields.String(
        allow_none=True,
        metadata={
            "enum": ["red", "yellow"],
            "description": "红牌 red, 黄牌 yellow, or null for no card proposed",
        },
    )
    reasons = fields.List(fields.Nested(CardReason))


class Warnings(ma.Schema):
    period = fields.String()
    county = fields.String()
    county_litigation_per_10k = _indicator(fields.Float, "litigation_per_10k", allow_none=True)
    towns = fields.List(fields.Nested(TownCard))
