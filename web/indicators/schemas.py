"""Indicator tables (DESIGN.md §6), the evidence behind one cell, and red/yellow cards."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from projections.indicators import INDICATORS, LEVELS
from web.disputes.schemas import MIN_POSITION

_PERIOD = {"description": "a year (2026), a quarter (2026-Q1) or a month (2026-03)", "example": "2026-Q1"}


class Freshness(ma.Schema):
    min_position = fields.Integer(metadata=MIN_POSITION)


class IndicatorQuery(Freshness):
    region = fields.String(
        metadata={"description": "county, town or village code; default your own region, else the county"}
    )
    period = fields.String(required=True, metadata=_PERIOD)
    level = fields.String(
        validate=validate.OneOf(list(LEVELS)),
        metadata={
            "description": "one row per region of this level (default town, or the region's own level below)"
        },
    )
    as_of = fields.AwareDateTime(
        metadata={"description": "the table as the ledger knew it at this recorded instant"}
    )


class CellQuery(Freshness):
    region = fields.String(metadata={"description": "default your own region, else the county"})
    period = fields.String(required=True, metadata=_PERIOD)
    indicator = fields.String(required=True, validate=validate.OneOf(list(INDICATORS)))
    as_of = fields.AwareDateTime()


class WarningQuery(Freshness):
    period = fields.String(required=True, metadata=_PERIOD)
    county = fields.String(metadata={"description": "default your county, else the only county"})


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
    position = fields.Integer()
    occurred_at = fields.String()
    recorded_at = fields.String()
    value = fields.Float(allow_none=True)


class Component(ma.Schema):
    count = fields.Integer()
    events = fields.List(fields.Nested(EvidenceEvent))


class Cell(ma.Schema):
    region_code = fields.String()
    period = fields.String()
    indicator = fields.String()
    value = fields.Float(allow_none=True)
    population = fields.Integer(allow_none=True)
    population_year = fields.Integer()
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
