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


class IndicatorRow(ma.Schema):
    region_code = fields.String()
    region_name = fields.String()
    population = fields.Integer(allow_none=True)
    disputes_reported = fields.Integer()
    resolved_pre_litigation = fields.Integer()
    mediation_agreements = fields.Integer()
    mediation_failures = fields.Integer()
    mediation_success_rate = fields.Float(allow_none=True)
    confirmations_granted = fields.Integer()
    court_filings = fields.Integer()
    litigation_per_10k = fields.Float(allow_none=True)
    court_filings_yoy = fields.Float(allow_none=True)
    serious_incidents = fields.Integer()
    follow_up_rate = fields.Float(allow_none=True)
    mean_days_to_resolution = fields.Float(allow_none=True)
    no_litigation_villages = fields.Integer()


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
    value = fields.Float(allow_none=True)
    population = fields.Integer(allow_none=True)
    population_year = fields.Integer()
    judged_at = fields.String(
        metadata={"description": "overdue_share: the instant open and overdue cases are judged at"}
    )
    components = fields.Dict(keys=fields.String(), values=fields.Nested(Component))


class CardReason(ma.Schema):
    level = fields.String()
    indicator = fields.String()
    value = fields.Float()
    county_value = fields.Float()
    open_cases = fields.Integer()
    overdue_cases = fields.Integer()
    as_of = fields.String()
    rule = fields.String()


class TownCard(ma.Schema):
    region_code = fields.String()
    region_name = fields.String()
    card = fields.String(allow_none=True, metadata={"enum": ["red", "yellow", None]})
    reasons = fields.List(fields.Nested(CardReason))


class Warnings(ma.Schema):
    period = fields.String()
    county = fields.String()
    county_litigation_per_10k = fields.Float(allow_none=True)
    towns = fields.List(fields.Nested(TownCard))
