"""Bodies and answers of the instruments' operations. Unknown fields are refused, as for cases;
the domain checks the rest (dates, regions, states) and names the field it refuses."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from domain.card import LEVELS, STATES, TARGET_KINDS
from domain.no_litigation import MAX_YEAR, MIN_YEAR
from domain.no_litigation import STATES as VILLAGE_STATES
from web.disputes.schemas import CommandSchema, Instant, UtcDateTime, text

_LEVEL = fields.String(validate=validate.OneOf(list(LEVELS)), metadata={"enum": list(LEVELS)})
_YEAR = validate.Range(min=MIN_YEAR, max=MAX_YEAR)
_DATE = {"description": "a date, YYYY-MM-DD", "format": "date"}


def _date(**kwargs: object) -> fields.String:
    return fields.String(validate=validate.Regexp(r"^\d{4}-\d{2}-\d{2}$"), metadata=_DATE, **kwargs)  # type: ignore[arg-type]


class AsOfQuery(ma.Schema):
    as_of = Instant(metadata={"description": "the instrument as the ledger knew it at this recorded instant"})


class PeriodQuery(ma.Schema):
    county = fields.String(validate=validate.Length(max=12))
    period = fields.String(validate=validate.Length(max=20))


class ProposalQuery(ma.Schema):
    county = fields.String(validate=validate.Length(max=12))
    period = fields.String(required=True, validate=validate.Length(max=20))


class CardListQuery(PeriodQuery):
    status = fields.String(validate=validate.OneOf(list(STATES)), metadata={"enum": list(STATES)})
    target = fields.String(validate=validate.Length(max=64))


class IssueCardBody(CommandSchema):
    target_kind = fields.String(
        required=True, validate=validate.OneOf(list(TARGET_KINDS)), metadata={"enum": list(TARGET_KINDS)}
    )
    target_code = text(64, required=True, metadata={"description": "a town's region code, or a department's code"})
    target_name = text(100, metadata={"description": "a department's name (a town's comes from the regions)"})
    period = fields.String(required=True, validate=validate.Length(min=4, max=20))
    level = fields.String(
        validate=validate.OneOf(list(LEVELS)),
        metadata={"enum": list(LEVELS), "description": "default: the proposal's; a milder one may be chosen"},
    )
    plan_due_on = _date(load_default=None)
    grounds = text(2000, metadata={"description": "why (required for a department)"})


class HoldTalkBody(CommandSchema):
    held_on = _date(required=True)
    minutes = text(20000, required=True)
    attendees = fields.List(text(100), required=True, validate=validate.Length(min=1, max=100))


class FilePlanBody(CommandSchema):
    plan = text(20000, required=True)
    filed_on = _date(required=True)


class CardReasonBody(CommandSchema):
    reason = text(2000, required=True)


class ProposalReason(ma.Schema):
    level = fields.String()
    indicator = fields.String()
    value = fields.Float(allow_none=True)
    threshold = fields.Float(allow_none=True)
    compare = fields.String()
    rule = fields.String()
    county_value = fields.Float()
    ratio = fields.Float()
    card_id = fields.String()
    issued_at = fields.String()


class TownProposal(ma.Schema):
    region_code = fields.String()
    region_name = fields.String()
    card = fields.String(allow_none=True)
    reasons = fields.List(fields.Nested(ProposalReason))
    unjudged = fields.List(fields.Dict())
    figures = fields.Dict()


class Proposals(ma.Schema):
    county = fields.String()
    period = fields.String()
    county_figures = fields.Dict()
    views_position = fields.Integer()
    towns = fields.List(fields.Nested(TownProposal))


class CardItem(ma.Schema):
    id = fields.String()
    target_kind = fields.String()
    target_code = fields.String()
    target_name = fields.String()
    county_code = fields.String()
    town_code = fields.String(allow_none=True)
    period = fields.String()
    level = _LEVEL
    issued_level = fields.String()
    status = fields.String(metadata={"enum": list(STATES)})
    issued_at = fields.String()
    issued_by = fields.String()
    plan_due_on = fields.String()
    plan_filed_on = fields.String(allow_none=True)
    talks = fields.Integer()
    lifted_at = fields.String(allow_none=True)
    escalated_at = fields.String(allow_none=True)
    open = fields.Boolean()
    rectification = fields.String(metadata={"enum": ["due", "overdue", "filed", "filed_late"]})
    version = fields.Integer()
    position = fields.Integer()


class CardList(ma.Schema):
    today = fields.String()
    items = fields.List(fields.Nested(CardItem))


class CardSummary(ma.Schema):
    county = fields.String()
    period = fields.String(allow_none=True)
    today = fields.String()
    cards = fields.Integer()
    red = fields.Integer()
    yellow = fields.Integer()
    towns_carded = fields.Integer()
    departments_carded = fields.Integer()
    open = fields.Integer()
    rectification_overdue = fields.Integer()
    rectification_filed_late = fields.Integer()
    towns = fields.List(fields.String())
    departments = fields.List(fields.String())


class CardTalk(ma.Schema):
    held_on = fields.String()
    attendees = fields.List(fields.String())


class CardPage(ma.Schema):
    id = fields.String()
    version = fields.Integer()
    position = fields.Integer()
    target_kind = fields.String()
    target_code = fields.String()
    target_name = fields.String()
    county_code = fields.String()
    period = fields.String()
    level = fields.String()
    issued_level = fields.String()
    status = fields.String()
    status_label = fields.String()
    issued_at = fields.String()
    issued_by = fields.String()
    plan_due_on = fields.String()
    plan_filed_on = fields.String(allow_none=True)
    rectification = fields.String()
    talks = fields.List(fields.Nested(CardTalk))
    allowed_commands = fields.List(fields.String())
    basis = fields.Dict(metadata={"description": "frozen at issue: proposal reasons, figures, views position"})
    today = fields.Dict(metadata={"description": "today's figures of the same town and period, recomputed now"})
    events = fields.List(fields.String())


class InstrumentEvent(ma.Schema):
    seq = fields.Integer()
    type = fields.String()
    command = fields.String()
    label = fields.String()
    occurred_at = UtcDateTime()
    recorded_at = UtcDateTime()
    actor_id = fields.String()
    actor_role = fields.String()
    note = fields.String(allow_none=True)
    payload = fields.Dict()
    prev_hash = fields.String(allow_none=True)
    hash = fields.String()


class InstrumentHistory(ma.Schema):
    id = fields.String()
    events = fields.List(fields.Nested(InstrumentEvent))


# ---------------------------------------------------------------------- 无讼村


class VillageQuery(ma.Schema):
    county = fields.String(validate=validate.Length(max=12))
    year = fields.Integer(validate=_YEAR)


class EnrolBody(CommandSchema):
    village_code = fields.String(required=True, validate=validate.Length(min=12, max=12))
    year = fields.Integer(required=True, strict=True, validate=_YEAR)
    sponsor_code = text(64, required=True)
    sponsor_name = text(100, required=True)


class YearBody(CommandSchema):
    year = fields.Integer(required=True, strict=True, validate=_YEAR)


class RevokeBody(YearBody):
    reason = text(2000, required=True)


class VillageAssessment(ma.Schema):
    year = fields.Integer()
    complete = fields.Boolean()
    passed = fields.Boolean()
    court_cases = fields.Integer()
    serious_incidents = fields.Integer()
    mass_incidents = fields.Integer()
    court_source = fields.String(metadata={"enum": ["court_feed", "ledger_filings"]})


class VillageItem(ma.Schema):
    id = fields.String()
    village_code = fields.String()
    village_name = fields.String()
    county_code = fields.String()
    town_code = fields.String()
    enrol_year = fields.Integer()
    sponsor_code = fields.String()
    sponsor_name = fields.String()
    status = fields.String(metadata={"enum": list(VILLAGE_STATES)})
    named_year = fields.Integer(allow_none=True)
    revoked_year = fields.Integer(allow_none=True)
    version = fields.Integer()
    position = fields.Integer()
    assessment = fields.Nested(VillageAssessment, allow_none=True)


class VillageCoverage(ma.Schema):
    villages = fields.Integer()
    enrolled = fields.Integer()
    named = fields.Integer()
    revoked = fields.Integer()
    named_share = fields.Float(allow_none=True)
    target_year = fields.Integer(allow_none=True)
    target_share = fields.Float()
    target_villages = fields.Integer(allow_none=True)


class VillageList(ma.Schema):
    county = fields.String()
    year = fields.Integer(allow_none=True)
    progress = fields.Nested(VillageCoverage)
    items = fields.List(fields.Nested(VillageItem))


class VillagePage(ma.Schema):
    id = fields.String()
    version = fields.Integer()
    position = fields.Integer()
    village_code = fields.String()
    village_name = fields.String()
    enrol_year = fields.Integer()
    sponsor_code = fields.String()
    sponsor_name = fields.String()
    status = fields.String()
    status_label = fields.String()
    named_year = fields.Integer(allow_none=True)
    revoked_year = fields.Integer(allow_none=True)
    allowed_commands = fields.List(fields.String())
    assessments = fields.List(fields.Dict(), metadata={"description": "each assessment with its frozen evidence"})
