"""Bodies of the commands (DESIGN.md §8 "Command bodies"), the case state every command and
GET /disputes/{id} answer, list and history documents.

The schemas check shapes and code lists, so a client gets every broken field at once; the
domain still checks the rest (id number check digits, known regions and bodies, times) and
names the field it refuses. Unknown fields are refused, not ignored.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from domain.codes import (
    Category,
    Coded,
    CorrectableField,
    CourtOutcome,
    IncidentKind,
    PartyKind,
    PartyRole,
    Performance,
    RiskFlag,
    RiskLevel,
    Route,
    Satisfaction,
    SessionMode,
    Severity,
    Source,
    Status,
)
from domain.errors import InvalidValue
from domain.values import (
    MAX_CODE_LENGTH,
    MAX_PARTICIPANTS,
    MAX_PARTIES,
    check_amount,
    forbidden_character,
)
from web.context import ledger, now
from web.paging import PageQuery, PageSchema

#: Longest text of each kind; the same bounds as the domain's checks (domain/case.py).
SHORT_TEXT = 2000
LONG_TEXT = 10000
NAME = 100


def one_of(codes: type[Coded]) -> validate.OneOf:
    return validate.OneOf([c.value for c in codes], error="must be one of: {choices}")


def code(codes: type[Coded], **kwargs: Any) -> fields.String:
    return fields.String(validate=one_of(codes), metadata={"enum": [c.value for c in codes]}, **kwargs)


def plain_text(value: str) -> None:
    """No character that no stored text may hold (domain.values.forbidden_character)."""
    reason = forbidden_character(value)
    if reason is not None:
        raise ma.ValidationError(reason)


def text(max_length: int = SHORT_TEXT, **kwargs: Any) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=max_length), plain_text], **kwargs)


def optional_text(max_length: int, **kwargs: Any) -> fields.String:
    return fields.String(allow_none=True, validate=[validate.Length(max=max_length), plain_text], **kwargs)


class Amount(fields.Field):
    """Yuan as a decimal string ("1200.50"); a JSON number is refused because floats round."""

    def __init__(self, **kwargs: Any):
        super().__init__(
            metadata={
                "type": "string",
                "format": "decimal",
                "example": "1200.50",
                **kwargs.pop("metadata", {}),
            },
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise ma.ValidationError('an amount is a decimal string such as "1200.50"')
        try:
            return str(check_amount(attr or "amount", value))
        except InvalidValue as e:
            raise ma.ValidationError(e.rule) from None

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else str(value)


class StrictBoolean(fields.Boolean):
    """Only JSON true or false: "yes", 1 or "false" are refused rather than guessed."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ma.ValidationError("must be true or false")
        return value


class Instant(fields.AwareDateTime):
    """ISO 8601 with an offset (a naive time is refused), inside the ledger's time window:
    not before LEDGER_EARLIEST, at most ten years ahead, and writable in UTC and in the
    county's zone (domain.values.TimeWindow, the same window the domain holds commands to)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        when = super()._deserialize(value, attr, data, **kwargs)
        try:
            return ledger().rules.window.check(attr or "instant", when, now())
        except InvalidValue as e:
            raise ma.ValidationError(e.rule) from None


#: The query twin of the X-Ledger-Position header; both are checked in web/context.py (400).
MIN_POSITION = {
    "description": "wait until the views reach this position (the X-Ledger-Position a command answered)",
    "minimum": 0,
}


class UtcDateTime(fields.DateTime):
    """Instants are answered in UTC, whatever offset they were given with."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | float | None:
        return None if value is None else super()._serialize(value.astimezone(UTC), attr, obj, **kwargs)


class CommandSchema(ma.Schema):
    """Every command body may carry when it happened (default: now) and a note."""

    occurred_at = Instant(
        metadata={
            "description": "when it happened in the world, ISO 8601 with offset; default now; never in the future"
        }
    )
    note = optional_text(SHORT_TEXT)


class PartyIn(ma.Schema):
    role = code(PartyRole, required=True)
    kind = code(PartyKind, required=True)
    name = text(NAME, required=True)
    id_number = optional_text(32, metadata={"description": "resident id (person) or credit code"})
    phone = optional_text(32)


#: The sources a report may name: migration (历史台账导入) is written only by POST /imports.
REPORTED_SOURCES = [s.value for s in Source if s is not Source.MIGRATION]


class ReportBody(CommandSchema):
    source = fields.String(
        required=True,
        validate=validate.OneOf(REPORTED_SOURCES, error="must be one of: {choices}"),
        metadata={"enum": REPORTED_SOURCES},
    )
    category = code(Category, required=True)
    region_code = text(32, required=True, metadata={"description": "a village or grid code"})
    summary = text(required=True)
    parties = fields.List(
        fields.Nested(PartyIn), required=True, validate=validate.Length(min=1, max=MAX_PARTIES)
    )
    people_involved = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100000))
    amount_in_dispute = Amount(allow_none=True)
    intake_point = optional_text(
        MAX_CODE_LENGTH, metadata={"description": "the governance centre (综治中心) window that took the case"}
    )
    pre_litigation_number = optional_text(
        MAX_CODE_LENGTH,
        metadata={"description": "委派: the court's 诉前调 number, for a case it referred before filing (source court_diversion)"},
    )


class AssignBody(CommandSchema):
    route = code(Route, required=True)
    organisation_code = text(MAX_CODE_LENGTH, required=True)
    mediator_id = optional_text(MAX_CODE_LENGTH)


class AcceptBody(CommandSchema):
    pass


class ReasonBody(CommandSchema):
    reason = text(required=True)


class HoldSessionBody(CommandSchema):
    mode = code(SessionMode, required=True)
    participants = fields.List(
        text(NAME), required=True, validate=validate.Length(min=1, max=MAX_PARTICIPANTS)
    )
    summary = text(required=True)


class ExtendDeadlineBody(CommandSchema):
    days = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1), metadata={"maximum": 30}
    )
    reason = text(required=True)


class RecordAgreementBody(CommandSchema):
    terms = text(LONG_TEXT, required=True)
    amount = Amount(allow_none=True)


class RequestConfirmationBody(CommandSchema):
    court_code = text(
        MAX_CODE_LENGTH,
        required=True,
        metadata={"description": "the court or tribunal of the mediating body's area (checked)"},
    )
    online = StrictBoolean(required=True)
    applicants = fields.List(
        text(NAME),
        required=True,
        validate=validate.Length(min=2, max=MAX_PARTICIPANTS),
        metadata={
            "description": "the parties applying jointly (人民调解法第三十三条), by name as the case records them: "
            "at least one applicant and one respondent"
        },
    )


class ExtendConfirmationBody(CommandSchema):
    reason = text(required=True, metadata={"description": "why the court needs longer (approved by the president)"})


class JointBodyBody(CommandSchema):
    organisation_code = text(
        MAX_CODE_LENGTH, required=True, metadata={"description": "a body joining the mediation (联合调解); the assigned body leads"}
    )


class EntrustMediationBody(CommandSchema):
    organisation_code = text(
        MAX_CODE_LENGTH, required=True, metadata={"description": "the body the court entrusts with mediating the filed case (委托调解)"}
    )
    mediator_id = optional_text(MAX_CODE_LENGTH)


class EnforcementBody(CommandSchema):
    court_code = text(MAX_CODE_LENGTH, required=True, metadata={"description": "the court asked to enforce (申请强制执行)"})
    reason = text(required=True)


class WithdrawBody(ReasonBody):
    settled = StrictBoolean(
        load_default=False, metadata={"description": "the parties settled it between themselves (和解)"}
    )


class DecideConfirmationBody(CommandSchema):
    granted = StrictBoolean(required=True)
    reason = text(required=True)


class FileInCourtBody(CommandSchema):
    court_code = text(MAX_CODE_LENGTH, required=True)
    court_case_number = text(MAX_CODE_LENGTH, required=True)
    reason = text(required=True)


class RecordCourtOutcomeBody(CommandSchema):
    outcome = code(CourtOutcome, required=True)
    summary = text(required=True)


class RecordPerformanceBody(CommandSchema):
    performed = code(Performance, required=True)


class CloseBody(CommandSchema):
    summary = text(required=True)


class FollowUpBody(CommandSchema):
    satisfaction = code(Satisfaction, required=True)
    relapse = StrictBoolean(required=True)


class ArchiveBody(CommandSchema):
    archive_number = text(MAX_CODE_LENGTH, required=True)


class AssessRiskBody(CommandSchema):
    level = code(RiskLevel, required=True)
    flags = fields.List(code(RiskFlag), load_default=list, validate=validate.Length(max=len(RiskFlag)))


class AddSupervisionNoteBody(CommandSchema):
    instruction = text(required=True)
    due_at = Instant(required=True)


class ReportIncidentBody(CommandSchema):
    kind = code(IncidentKind, required=True)
    description = text(LONG_TEXT, required=True)
    severity = code(Severity, required=True)


class CorrectDetailsBody(CommandSchema):
    field = code(CorrectableField, required=True)
    value = fields.Raw(
        required=True,
        allow_none=True,
        metadata={"description": "the new value: a code, region code, text, whole number or decimal string"},
    )
    reason = text(required=True)

    @ma.validates_schema
    def _amount_is_a_string(self, data: dict[str, Any], **kwargs: Any) -> None:
        value = data.get("value")
        if data.get("field") == "amount_in_dispute" and isinstance(value, float | int):
            raise ma.ValidationError('an amount is a decimal string such as "1200.50"', "value")
        if isinstance(value, dict | list):
            raise ma.ValidationError(
                "a code, region code, text, whole number or decimal string; not an object or list", "value"
            )
        if isinstance(value, str):
            reason = forbidden_character(value)
            if reason is not None:
                raise ma.ValidationError(reason, "value")
            if len(value) > SHORT_TEXT:
                raise ma.ValidationError(f"at most {SHORT_TEXT} characters", "value")


class LinkToLeadCaseBody(CommandSchema):
    lead_id = fields.UUID(required=True)


#: Every command of DESIGN.md §8 as it appears in the URL, with its body.
COMMAND_BODIES: dict[str, type[CommandSchema]] = {
    "assign": AssignBody,
    "accept": AcceptBody,
    "decline": ReasonBody,
    "hold-session": HoldSessionBody,
    "extend-deadline": ExtendDeadlineBody,
    "record-agreement": RecordAgreementBody,
    "record-failure": ReasonBody,
    "request-confirmation": RequestConfirmationBody,
    "extend-confirmation": ExtendConfirmationBody,
    "decide-confirmation": DecideConfirmationBody,
    "file-in-court": FileInCourtBody,
    "record-court-outcome": RecordCourtOutcomeBody,
    "record-performance": RecordPerformanceBody,
    "close": CloseBody,
    "follow-up": FollowUpBody,
    "archive": ArchiveBody,
    "reopen": ReasonBody,
    "withdraw": WithdrawBody,
    "assess-risk": AssessRiskBody,
    "add-supervision-note": AddSupervisionNoteBody,
    "report-incident": ReportIncidentBody,
    "correct-details": CorrectDetailsBody,
    "link-to-lead-case": LinkToLeadCaseBody,
    "add-joint-body": JointBodyBody,
    "entrust-mediation": EntrustMediationBody,
    "apply-for-enforcement": EnforcementBody,
}


# ---------------------------------------------------------------------------- answers


class PartyOut(ma.Schema):
    role = fields.String()
    role_label = fields.String(allow_none=True, metadata={"description": "申请人 / 被申请人 / 第三人"})
    kind = fields.String()
    kind_label = fields.String(allow_none=True, metadata={"description": "自然人 / 组织"})
    name = fields.String()
    id_number = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)


class DeadlineOut(ma.Schema):
    kind = fields.String()
    label = fields.String(metadata={"description": "the deadline's Chinese name (分流交办, 签收, 调解期限 …)"})
    reminder = fields.Boolean(
        metadata={"description": "a reminder (the parties' 30-day window to apply for judicial confirmation), nobody's "
                  "obligation: it is never overdue and never makes the case overdue"}
    )
    due_at = UtcDateTime()
    met_at = UtcDateTime(allow_none=True)
    open = fields.Boolean(metadata={"description": "not met yet (still to be done)"})
    overdue = fields.Boolean(metadata={"description": "an obligation pending and past due at the time of the answer (always false for a reminder)"})


class AgreementOut(ma.Schema):
    terms = fields.String(metadata={"description": "the agreed terms (free text, masked like a summary)"})
    amount = Amount(allow_none=True, metadata={"description": "agreed amount in yuan"})
    agreed_at = UtcDateTime(metadata={"description": "when the agreement was reached"})


class CourtOutcomeOut(ma.Schema):
    outcome = fields.String(metadata={"enum": [o.value for o in CourtOutcome]})
    outcome_label = fields.String()
    summary = fields.String()
    court_case_number = fields.String(allow_none=True)


class CaseState(ma.Schema):
    id = fields.String()
    version = fields.Integer()
    status = fields.String(metadata={"enum": [s.value for s in Status]})
    status_label = fields.String()
    source = fields.String()
    source_label = fields.String(allow_none=True, metadata={"description": "来源: the Chinese label of source"})
    category = fields.String()
    category_label = fields.String(allow_none=True, metadata={"description": "纠纷类型: the Chinese label of category"})
    summary = fields.String()
    region_code = fields.String()
    village_code = fields.String(allow_none=True)
    town_code = fields.String(allow_none=True)
    county_code = fields.String()
    route = fields.String(allow_none=True)
    route_label = fields.String(allow_none=True, metadata={"description": "分流方式: the Chinese label of route"})
    organisation_code = fields.String(allow_none=True)
    mediator_id = fields.String(
        allow_none=True,
        metadata={"description": "the mediator the assignment named, else the first mediator who acted on the case"},
    )
    mediator_name = fields.String(
        allow_none=True, metadata={"description": "the mediator's name in the directory of mediators (null if unknown)"}
    )
    risk_level = fields.String()
    risk_level_label = fields.String(allow_none=True, metadata={"description": "风险等级: the Chinese label of risk_level"})
    risk_flags = fields.List(fields.String())
    risk_flag_labels = fields.List(fields.String(), metadata={"description": "the Chinese labels of risk_flags, in order"})
    people_involved = fields.Integer()
    amount_in_dispute = Amount(allow_none=True)
    parties = fields.List(fields.Nested(PartyOut))
    reported_at = UtcDateTime()
    closed_at = UtcDateTime(allow_none=True)
    resolution = fields.String(allow_none=True)
    resolution_label = fields.String(allow_none=True, metadata={"description": "办结方式: the Chinese label of resolution"})
    lead_id = fields.String(allow_none=True)
    agreement = fields.Nested(
        AgreementOut, allow_none=True, metadata={"description": "the mediation agreement (null until one is recorded)"}
    )
    court_outcome = fields.Nested(
        CourtOutcomeOut, allow_none=True, metadata={"description": "the court's outcome (null until one is recorded)"}
    )
    deadlines = fields.List(
        fields.Nested(DeadlineOut),
        metadata={
            "description": "every deadline of the case in order, met ones too (cancelled ones left out), "
            "the same in lists and in the detail"
        },
    )
    allowed_commands = fields.List(
        fields.String(),
        metadata={
            "description": "commands you may issue on the case now: its state, your role and, for a mediator, "
            "the organisation handling it"
        },
    )
    position = fields.Integer(
        allow_none=True,
        metadata={"description": "store position of the case's last event (null in as-of states)"},
    )
    as_of = UtcDateTime(allow_none=True, metadata={"description": "the instant of an as-of state"})


class CasePage(PageSchema):
    items = fields.List(fields.Nested(CaseState))


class CaseListQuery(PageQuery):
    region = fields.String(
        validate=[validate.Length(max=32), plain_text],
        metadata={"description": "a county, town, village or grid code"},
    )
    status = code(Status)
    category = code(Category)
    risk = code(RiskLevel)
    overdue = fields.Boolean()
    lead_id = fields.UUID(
        metadata={"description": "cases parallel to this lead case: linked to it, or in a batch it leads (示范诉讼)"}
    )
    batch = fields.UUID(metadata={"description": "cases of this demonstration batch, its lead included"})
    min_position = fields.Integer(metadata=MIN_POSITION)


class CaseQuery(ma.Schema):
    as_of = Instant(metadata={"description": "the state as the ledger knew it at this recorded instant"})
    as_of_occurred = Instant(
        metadata={"description": "the state from the events that had happened by this instant"}
    )
    min_position = fields.Integer(metadata=MIN_POSITION)

    @ma.validates_schema
    def _one_instant(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("as_of") and data.get("as_of_occurred"):
            raise ma.ValidationError("give as_of or as_of_occurred, not both", "as_of_occurred")


class HistoryEvent(ma.Schema):
    seq = fields.Integer()
    type = fields.String(metadata={"description": "the stored event's name, e.g. Assigned"})
    command = fields.String()
    label = fields.String()
    occurred_at = UtcDateTime()
    recorded_at = UtcDateTime()
    late = fields.Boolean(
        metadata={"description": "recorded more than LEDGER_LATE_ENTRY_HOURS after it happened"}
    )
    actor_id = fields.String()
    actor_role = fields.String()
    note = fields.String(allow_none=True)
    payload = fields.Dict()
    prev_hash = fields.String()
    hash = fields.String()


class History(ma.Schema):
    case_id = fields.String()
    late_entry_hours = fields.Float()
    events = fields.List(fields.Nested(HistoryEvent))
