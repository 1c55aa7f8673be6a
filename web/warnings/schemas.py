"""Warnings (预警): the list, one warning, its history and the command bodies."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from domain.warning_lifecycle import STATE_LABELS
from web.disputes.schemas import MIN_POSITION, CommandSchema, Instant, UtcDateTime, text
from web.paging import PageQuery, PageSchema


class WarningQuery(PageQuery):
    kind = fields.String(validate=validate.OneOf(["mass", "deadline"]))
    region = fields.String(validate=validate.Length(max=32), metadata={"description": "only warnings within this region code"})
    status = fields.String(
        validate=validate.Length(max=32), metadata={"description": "one of " + ", ".join(sorted(STATE_LABELS))}
    )
    min_position = fields.Integer(metadata=MIN_POSITION)


class WarningRow(ma.Schema):
    id = fields.String()
    kind = fields.String(metadata={"enum": ["mass", "deadline"]})
    status = fields.String()
    rule = fields.String(allow_none=True)
    subject = fields.String(metadata={"description": "the respondent or village and category; or the deadline's kind"})
    category = fields.String(allow_none=True)
    region_code = fields.String()
    case_id = fields.String(allow_none=True, metadata={"description": "a missed deadline's case"})
    deadline_kind = fields.String(allow_none=True)
    due_at = fields.String(allow_none=True)
    organisation_code = fields.String(allow_none=True)
    mediator_id = fields.String(allow_none=True)
    evidence = fields.Integer(metadata={"description": "how many cases a mass warning holds"})
    lead_code = fields.String(allow_none=True)
    lead_name = fields.String(allow_none=True)
    handling_due_at = fields.String(allow_none=True)
    raised_at = fields.String()
    version = fields.Integer()


class WarningPage(PageSchema):
    items = fields.List(fields.Nested(WarningRow))


class WarningEvidence(ma.Schema):
    case_id = fields.String()
    region_code = fields.String()
    reported_at = UtcDateTime()


class WarningLeadUnit(ma.Schema):
    code = fields.String()
    name = fields.String()
    partner_code = fields.String(allow_none=True)
    partner_name = fields.String(allow_none=True)


class WarningState(ma.Schema):
    id = fields.String()
    version = fields.Integer()
    kind = fields.String(metadata={"enum": ["mass", "deadline"]})
    status = fields.String()
    status_label = fields.String()
    region_code = fields.String(allow_none=True)
    region_path = fields.List(fields.String())
    category = fields.String(allow_none=True)
    raised_at = UtcDateTime()
    allowed_commands = fields.List(fields.String())
    rule = fields.String()
    subject = fields.String()
    threshold = fields.Integer()
    window_days = fields.Float()
    case_ids = fields.List(fields.String())
    evidence = fields.List(fields.Nested(WarningEvidence))
    lead_unit = fields.Nested(WarningLeadUnit, allow_none=True)
    handling_due_at = UtcDateTime(allow_none=True)
    dismissal_reason = fields.String(allow_none=True)
    case_id = fields.String()
    deadline_kind = fields.String()
    deadline_seq = fields.Integer()
    due_at = UtcDateTime()
    organisation_code = fields.String(allow_none=True)
    mediator_id = fields.String(allow_none=True)
    instruction = fields.String(allow_none=True)
    position = fields.Integer(metadata={"description": "store position of the command's write"})


class WarningEvent(ma.Schema):
    seq = fields.Integer()
    event = fields.String()
    command = fields.String()
    label = fields.String()
    actor_id = fields.String()
    actor_role = fields.String()
    occurred_at = UtcDateTime()
    recorded_at = UtcDateTime()
    note = fields.String(allow_none=True)
    data = fields.Dict()
    hash = fields.String()


class WarningHistory(ma.Schema):
    id = fields.String()
    events = fields.List(fields.Nested(WarningEvent))


class AcknowledgeBody(CommandSchema):
    pass


class DismissBody(CommandSchema):
    reason = text(required=True)


class OrderJointHandlingBody(CommandSchema):
    due_at = Instant(required=True, metadata={"description": "when the joint handling is due"})
    lead_code = fields.String(
        validate=validate.Length(min=1, max=64),
        metadata={"description": "a department of the lead-unit table; default: the lead unit of the warning's category"},
    )


class SummaryBody(CommandSchema):
    summary = text(required=True)


class AnswerBody(CommandSchema):
    instruction = text(required=True, metadata={"description": "the supervision note (督办意见), added to the case too"})
    due_at = Instant(required=True)
