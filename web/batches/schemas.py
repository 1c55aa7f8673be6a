"""Bodies and answers of the demonstration batches' operations (示范诉讼/示范调解). Unknown fields
are refused, as for cases; the domain checks the rest and names the field it refuses."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from domain.batch import ANSWERS, MAX_CASES, STANDARD_KINDS, STATES, SUBJECT_KINDS
from domain.codes import Category
from web.disputes.schemas import CommandSchema, UtcDateTime, code, text
from web.instruments.schemas import InstrumentHistory

__all__ = ["CommandSchema", "InstrumentHistory"]


class BatchListQuery(ma.Schema):
    status = fields.String(validate=validate.OneOf(list(STATES)), metadata={"enum": list(STATES)})
    case = fields.UUID(metadata={"description": "only the batches this case is in"})
    region = fields.String(validate=validate.Length(max=15), metadata={"description": "a county, town or village code"})


class OpenBatchBody(CommandSchema):
    title = text(200, required=True, metadata={"description": "e.g. 青山建筑有限公司拖欠农民工工资系列纠纷"})
    subject_kind = fields.String(
        required=True, validate=validate.OneOf(list(SUBJECT_KINDS)),
        metadata={"enum": list(SUBJECT_KINDS), "description": "one respondent, or one project: " + "、".join(SUBJECT_KINDS.values())},
    )  # fmt: skip
    subject_name = text(100, required=True, metadata={"description": "the respondent's, employer's, estate's or site's name"})
    credit_code = fields.String(
        allow_none=True, validate=validate.Length(max=18),
        metadata={"description": "unified social credit code (GB 32100, check character verified); required for a respondent"},
    )  # fmt: skip
    region_code = fields.String(required=True, validate=validate.Length(min=6, max=15), metadata={"description": "county, town or village"})
    category = code(Category)


class CasesBody(CommandSchema):
    case_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=MAX_CASES))


class OfferBody(CommandSchema):
    case_ids = fields.List(
        fields.UUID(), validate=validate.Length(min=1, max=MAX_CASES),
        metadata={"description": "default: every parallel case not offered yet"},
    )  # fmt: skip


class CaseBody(CommandSchema):
    case_id = fields.UUID(required=True)


class RefusalBody(CaseBody):
    reason = text(2000, required=True)


class BatchReasonBody(CommandSchema):
    reason = text(2000, required=True)


class Standard(ma.Schema):
    lead_id = fields.String()
    kind = fields.String(metadata={"enum": list(STANDARD_KINDS)})
    kind_label = fields.String()
    terms = fields.String()
    amount = fields.String(allow_none=True)
    decided_at = UtcDateTime()
    lead_version = fields.Integer(metadata={"description": "the lead case's version the decision was read at"})


class BatchIndicators(ma.Schema):
    cases = fields.Integer(metadata={"description": "cases in the batch, the lead included (cases)"})
    parallel_cases = fields.Integer(metadata={"description": "cases other than the lead (cases)"})
    offered = fields.Integer(metadata={"description": "parallel cases offered the standard (cases)"})
    settled_on_lead_terms = fields.Integer(metadata={"description": "parallel cases that accepted the lead's terms (cases)"})
    refused = fields.Integer(metadata={"description": "parallel cases that refused them (cases)"})
    awaiting_answer = fields.Integer(metadata={"description": "offered, not answered yet (cases)"})
    went_to_court = fields.Integer(metadata={"description": "not settled on the lead's terms and filed in court (cases)"})
    still_open = fields.Integer(
        metadata={"description": "not settled, not in court, the case itself not closed (cases)"}
    )
    settlement_rate = fields.Float(allow_none=True, metadata={"description": "settled ÷ offered (fraction)"})


class BatchCase(ma.Schema):
    case_id = fields.String()
    lead = fields.Boolean()
    added_at = fields.String()
    offered_at = fields.String(allow_none=True)
    offered_by = fields.String(allow_none=True)
    answer = fields.String(allow_none=True, metadata={"enum": list(ANSWERS)})
    answer_label = fields.String(allow_none=True)
    answered_at = fields.String(allow_none=True)
    answered_by = fields.String(allow_none=True)
    case_status = fields.String(allow_none=True, metadata={"description": "the case's current status"})


class BatchItem(ma.Schema):
    id = fields.String()
    title = fields.String()
    subject_kind = fields.String()
    subject_name = fields.String()
    credit_code = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    county_code = fields.String()
    town_code = fields.String(allow_none=True)
    region_code = fields.String()
    status = fields.String(metadata={"enum": list(STATES)})
    lead_id = fields.String(allow_none=True)
    standard_kind = fields.String(allow_none=True)
    opened_at = fields.String()
    opened_by = fields.String()
    closed_at = fields.String(allow_none=True)
    version = fields.Integer()
    position = fields.Integer()
    indicators = fields.Nested(BatchIndicators)


class BatchList(ma.Schema):
    items = fields.List(fields.Nested(BatchItem))


class BatchPage(BatchItem):
    status_label = fields.String()
    subject_kind_label = fields.String()
    standard = fields.Nested(Standard, allow_none=True)
    cases = fields.List(fields.Nested(BatchCase))
    allowed_commands = fields.List(fields.String())
    views_position = fields.Integer(metadata={"description": "the views' position the case states were read at"})
