"""Bodies and answers of /suggestions. Unknown fields are refused; the domain checks the rest
(dates, regions, states) and names the field it refuses."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from domain.codes import Category, ReplyOutcome, SuggestionKind
from domain.suggestion import MAX_CASES, STATES
from web.disputes.schemas import CommandSchema, text
from web.instruments.schemas import InstrumentHistory, _date

__all__ = ["InstrumentHistory"]  # the instruments' history answer, served here too

_KINDS = [k.value for k in SuggestionKind]
_OUTCOMES = [o.value for o in ReplyOutcome]
_STANDING = ["due", "overdue", "replied", "replied_late"]


def _one_of(values: list[str], description: str | None = None, **kwargs: object) -> fields.String:
    metadata: dict[str, object] = {"enum": values}
    if description:
        metadata["description"] = description
    return fields.String(validate=validate.OneOf(values), metadata=metadata, **kwargs)  # type: ignore[arg-type]


class SuggestionListQuery(ma.Schema):
    region = fields.String(validate=validate.Length(max=12), metadata={"description": "default: your county"})
    status = _one_of(list(STATES))
    kind = _one_of(_KINDS)
    category = _one_of([c.value for c in Category])
    overdue = fields.Boolean(metadata={"description": "only those whose reply is (true) or is not (false) overdue today"})


class SuggestionIndicatorQuery(ma.Schema):
    region = fields.String(validate=validate.Length(max=12), metadata={"description": "default: your county"})
    period = fields.String(required=True, validate=validate.Length(max=20), metadata={"description": "2026, 2026-Q1, 2026-H1, 2026-03"})


class SuggestionDraftBody(CommandSchema):
    kind = _one_of(_KINDS, "supervision 监察建议书, judicial 司法建议书, procuratorial 检察建议书, police 公安提示函", required=True)
    issuer_code = text(64, required=True, metadata={"description": "the issuing body; a 司法建议书 comes from a court of the directory"})
    issuer_name = text(100, metadata={"description": "needed only for a body that is not in the directory"})
    recipient = text(200, required=True)
    recipient_superior = text(200, metadata={"description": "who is told when the reply is late"})
    title = text(200, required=True)
    problem = text(20000, required=True, metadata={"description": "what the class of cases shows"})
    proposals = text(20000, required=True)
    category = _one_of([c.value for c in Category], required=True)
    region_code = fields.String(required=True, validate=validate.Length(min=6, max=12))
    case_ids = fields.List(fields.String(validate=validate.Length(max=64)), required=True,
                           validate=validate.Length(max=MAX_CASES), metadata={"description": "the linked cases; each must exist"})  # fmt: skip


class SuggestionReviewBody(CommandSchema):
    opinion = text(2000, required=True)


class SuggestionIssueBody(CommandSchema):
    pass


class SuggestionDeliverBody(CommandSchema):
    delivered_on = _date(required=True)
    proof_of_service = text(2000, required=True, metadata={"description": "送达回证, or how service is proved"})
    reply_due_on = _date(load_default=None)  # default: LEDGER_SUGGESTION_REPLY_DAYS (60) after delivery


class SuggestionRemindBody(CommandSchema):
    content = text(2000, required=True)


class SuggestionEscalateBody(CommandSchema):
    reason = text(2000, required=True)
    superior = text(200, metadata={"description": "default: the superior named at draft"})


class SuggestionReplyBody(CommandSchema):
    outcome = _one_of(_OUTCOMES, required=True)
    measures = text(20000, required=True)
    replied_on = _date(required=True)


class SuggestionRevisitBody(CommandSchema):
    visited_on = _date(required=True)
    findings = text(20000, required=True)


class SuggestionArchiveBody(CommandSchema):
    archive_number = text(64, required=True)


class SuggestionItem(ma.Schema):
    id = fields.String()
    kind = _one_of(_KINDS)
    number = fields.String(allow_none=True, metadata={"description": "(2026)甘1199司建1号, given at issue"})
    issuer_code = fields.String()
    issuer_name = fields.String()
    recipient = fields.String()
    category = fields.String()
    region_code = fields.String()
    region_path = fields.List(fields.String())
    county_code = fields.String()
    status = _one_of(list(STATES))
    drafted_at = fields.String()
    issued_at = fields.String(allow_none=True)
    delivered_on = fields.String(allow_none=True)
    reply_due_on = fields.String(allow_none=True)
    reply = fields.String(allow_none=True, metadata={"enum": _STANDING, "description": "judged today; null before delivery"})
    reminders = fields.Integer()
    escalated_to = fields.String(allow_none=True)
    escalated_on = fields.String(allow_none=True)
    replied_on = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True, metadata={"enum": _OUTCOMES})
    revisits = fields.Integer()
    cases = fields.Integer()
    version = fields.Integer()


class SuggestionList(ma.Schema):
    today = fields.String()
    items = fields.List(fields.Nested(SuggestionItem))


class SuggestionPage(SuggestionItem):
    position = fields.Integer()
    kind_label = fields.String()
    status_label = fields.String()
    outcome_label = fields.String(allow_none=True)
    recipient_superior = fields.String(allow_none=True)
    title = fields.String()
    problem = fields.String()
    proposals = fields.String()
    case_ids = fields.List(fields.String())
    drafted_by = fields.String()
    reviewed_by = fields.String(allow_none=True)
    issued_by = fields.String(allow_none=True)
    allowed_commands = fields.List(fields.String())
    events = fields.List(fields.String(), metadata={"description": "the Chinese label of each event, in order"})


class SuggestionIndicatorItem(ma.Schema):
    id = fields.String()
    number = fields.String()
    kind = fields.String()
    category = fields.String()
    region_code = fields.String()
    delivered_on = fields.String()
    reply_due_on = fields.String()
    reply = fields.String(metadata={"enum": _STANDING})
    outcome = fields.String(allow_none=True)
    filings_before = fields.Integer(metadata={"description": "court filings of the class in the 12 months before delivery"})
    filings_after = fields.Integer(metadata={"description": "… in the 12 months from delivery"})
    after_complete = fields.Boolean(metadata={"description": "the 12 months after delivery have passed"})


class SuggestionFilings(ma.Schema):
    domicile = fields.String()
    kinds = fields.List(fields.String())
    before = fields.Integer()
    after = fields.Integer()
    complete = fields.Boolean()


class SuggestionIndicators(ma.Schema):
    region = fields.String()
    period = fields.String()
    today = fields.String()
    issued = fields.Integer(metadata={"description": "issued (numbered) in the period"})
    delivered = fields.Integer()
    replied = fields.Integer(metadata={"description": "of those issued, replies recorded by now"})
    reply_rate = fields.Float(allow_none=True, metadata={"description": "反馈率 = replied / issued"})
    adopted = fields.Integer()
    partly = fields.Integer()
    not_adopted = fields.Integer()
    adoption_rate = fields.Float(allow_none=True, metadata={"description": "(adopted + partly) / replied"})
    overdue = fields.Integer(metadata={"description": "delivered, unanswered, past the reply's due date today"})
    replied_late = fields.Integer()
    escalated = fields.Integer()
    filings = fields.Nested(SuggestionFilings)
    items = fields.List(fields.Nested(SuggestionIndicatorItem))
