"""Indicator tables (DESIGN.md §6), the evidence behind one cell, and red/yellow cards."""

from __future__ import annotations

import re
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from projections.indicators import INDICATORS, LEVELS, WARNING_INDICATORS
from web.context import ledger, now
from web.disputes.schemas import MIN_POSITION, Instant, plain_text

_PERIOD = {"description": "a year (2026), a quarter (2026-Q1) or a month (2026-03)", "example": "2026-Q1"}


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


class IndicatorQuery(Freshness):
    region = region_field(
        metadata={"description": "county, town or village code; default your own region, else the county"}
    )
    period = period_field(required=True)
    level = fields.String(
        validate=validate.OneOf(list(LEVELS)),
        metadata={
            "description": "one row per region of this level (default town, or the region's own level below)"
        },
    )
    as_of = Instant(metadata={"description": "the table as the ledger knew it at this recorded instant"})


class CellQuery(Freshness):
    region = region_field(metadata={"description": "default your own region, else the county"})
    period = period_field(required=True)
    indicator = fields.String(
        required=True,
        validate=validate.OneOf(list(INDICATORS + WARNING_INDICATORS)),
        metadata={"description": "an indicator of the table, or overdue_share of the warnings"},
    )
    as_of = Instant(
        metadata={"description": "as the ledger knew it at this recorded instant (not overdue_share)"}
    )


class WarningQuery(Freshness):
    period = period_field(required=True)
    county = region_field(metadata={"description": "default your county, else the only county"})


#: Each indicator's Chinese name, unit and meaning, for its field in every answer that carries it.
INDICATOR_DESCRIPTIONS = {
    "disputes_reported": "新发纠纷 (cases): cases reported in the period",
    "resolved_pre_litigation": "诉前化解 (cases): cases whose first agreement came in the period, never filed in court before it",
    "mediation_agreements": "调解成功 (cases): cases with their first mediation agreement in the period",
    "mediation_failures": "调解不成 (cases): cases whose mediation concluded without agreement in the period",
    "mediation_success_rate": "调解成功率 (fraction 0–1): agreements ÷ (agreements + failures); null when there were none",
    "confirmations_granted": "司法确认 (cases): cases with a granted judicial confirmation in the period",
    "court_filings": "纠纷成讼 (cases): ledger cases filed in court in the period",
    "litigation_per_10k": "万人成讼率 (cases per 10,000 residents): court_filings ÷ population × 10,000, not annualised; null without a population",
    "court_filings_yoy": "成讼同比 (fraction, +0.2 = 20% more): change of court_filings against the same span a year earlier; null when that was 0",
    "serious_incidents": "民转刑/极端事件 (cases): cases with a serious incident reported in the period",
    "follow_up_rate": "回访率 (fraction 0–1): closed cases followed up ÷ closed cases that can be followed up; null when there were none",
    "mean_days_to_resolution": "平均化解天数 (days): mean days from report to close, over cases closed in the period; null when none closed",
    "no_litigation_villages": "无讼村 (villages): villages with no ledger case filed in court in the whole year of the period",
}


def _indicator(field: type[fields.Field], name: str, **kwargs: Any) -> fields.Field:
    return field(metadata={"description": INDICATOR_DESCRIPTIONS[name]}, **kwargs)


class IndicatorRow(ma.Schema):
    region_code = fields.String(metadata={"description": "区划代码: the region of this row"})
    region_name = fields.String(metadata={"description": "区划名称"})
    population = fields.Integer(
        allow_none=True,
        metadata={"description": "常住人口 (people): the region's population; null when unknown"},
    )
    disputes_reported = _indicator(fields.Integer, "disputes_reported")
    resolved_pre_litigation = _indicator(fields.Integer, "resolved_pre_litigation")
    mediation_agreements = _indicator(fields.Integer, "mediation_agreements")
    mediation_failures = _indicator(fields.Integer, "mediation_failures")
    mediation_success_rate = _indicator(fields.Float, "mediation_success_rate", allow_none=True)
    confirmations_granted = _indicator(fields.Integer, "confirmations_granted")
    court_filings = _indicator(fields.Integer, "court_filings")
    litigation_per_10k = _indicator(fields.Float, "litigation_per_10k", allow_none=True)
    court_filings_yoy = _indicator(fields.Float, "court_filings_yoy", allow_none=True)
    serious_incidents = _indicator(fields.Integer, "serious_incidents")
    follow_up_rate = _indicator(fields.Float, "follow_up_rate", allow_none=True)
    mean_days_to_resolution = _indicator(fields.Float, "mean_days_to_resolution", allow_none=True)
    no_litigation_villages = _indicator(fields.Integer, "no_litigation_villages")


class IndicatorTable(ma.Schema):
    period = fields.String()
    level = fields.String()
    region = fields.String()
    as_of = fields.String(allow_none=True)
    rows = fields.List(fields.Nested(IndicatorRow))


class EvidenceEvent(ma.Schema):
    case_id = fields.String()
    position = fields.Integer(metadata={"description": "the counted event's store position"})
    occurred_at = fields.String(metadata={"description": "overdue_share: when the case was reported"})
    recorded_at = fields.String()
    value = fields.Float(
        allow_none=True,
        metadata={"description": "what this event adds to its component, in the component's unit"},
    )
    due_at = fields.String(metadata={"description": "overdue_cases: the earliest deadline past due"})
    kind = fields.String(metadata={"description": "incidents: the incident's kind"})
    kind_label = fields.String(metadata={"description": "incidents: the kind in Chinese (民转刑...)"})
    severity = fields.String(metadata={"description": "incidents: its severity"})
    severity_label = fields.String(metadata={"description": "incidents: the severity in Chinese (较大...)"})


class Component(ma.Schema):
    count = fields.Integer()
    unit = fields.String(
        metadata={"description": "count (each event adds 1) or days (days from report to close)"}
    )
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
    population = fields.Integer(allow_none=True, metadata={"description": "常住人口 (people)"})
    population_year = fields.Integer(metadata={"description": "the year the population figure is for"})
    judged_at = fields.String(
        metadata={"description": "overdue_share: the instant open and overdue cases are judged at"}
    )
    components = fields.Dict(keys=fields.String(), values=fields.Nested(Component))


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
