"""Supervision audit (DESIGN.md §7)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from web.disputes.schemas import MIN_POSITION, Instant, UtcDateTime
from web.paging import PageQuery, PageSchema


class ActionsQuery(PageQuery):
    from_ = Instant(data_key="from", metadata={"description": "recorded at or after (ISO 8601)"})
    to = Instant(metadata={"description": "recorded at or before (ISO 8601)"})
    min_position = fields.Integer(metadata=MIN_POSITION)


class Action(ma.Schema):
    position = fields.Integer()
    case_id = fields.String()
    seq = fields.Integer()
    type = fields.String()
    command = fields.String()
    label = fields.String()
    actor_id = fields.String()
    actor_role = fields.String()
    occurred_at = UtcDateTime()
    recorded_at = UtcDateTime()
    late = fields.Boolean()


class ActionPage(PageSchema):
    actor = fields.String()
    items = fields.List(fields.Nested(Action))


class AccessLogQuery(PageQuery):
    dispute = fields.UUID(required=True, metadata={"description": "the case whose access log to read"})


class AccessRead(ma.Schema):
    log = fields.String(
        metadata={"description": "the log (hash chain) holding the entry: the case's own, or the reader's listing log"}
    )
    sequence = fields.Integer(metadata={"description": "position in that log's hash chain"})
    cases = fields.Integer(metadata={"description": "how many cases the request disclosed (a list page: all it showed)"})
    read_at = UtcDateTime()
    actor_id = fields.String()
    actor_role = fields.String()
    endpoint = fields.String(metadata={"description": "the request (or CLI command) that read the data"})
    purpose = fields.String(allow_none=True, metadata={"description": "declared in X-Access-Purpose (查阅事由)"})
    handler = fields.Boolean(metadata={"description": "the reader was handling the case then"})
    hash = fields.String()


class AccessLogPage(PageSchema):
    dispute = fields.String()
    items = fields.List(fields.Nested(AccessRead))


class Freshness(ma.Schema):
    min_position = fields.Integer(metadata=MIN_POSITION)


class Cited(ma.Schema):
    sequence = fields.Integer()
    hash = fields.String()


class AsBuilt(ma.Schema):
    """A part of the review as application/review.py builds it. The schema describes it for the
    OpenAPI document; the dump hands the part on as built, so a key added there is never
    silently dropped here."""

    @ma.post_dump(pass_original=True)
    def _as_built(self, data: dict[str, Any], original: Any, **kwargs: Any) -> Any:
        return dict(original) if isinstance(original, Mapping) else data


class CitedEvent(AsBuilt):
    sequence = fields.Integer(metadata={"description": "the event's sequence number in the case"})
    hash = fields.String(metadata={"description": "the event's hash in the case's hash chain"})


class TimelineEntry(CitedEvent):
    event = fields.String(metadata={"description": "the event's type, e.g. MediationSessionHeld"})
    label = fields.String(metadata={"description": "its Chinese name"})
    occurred_at = fields.String(metadata={"description": "when it happened (ISO 8601)"})
    recorded_at = fields.String(metadata={"description": "when it was recorded (ISO 8601)"})
    actor_id = fields.String()
    actor_role = fields.String()
    late_entry = fields.Boolean(metadata={"description": "recorded later than LEDGER_LATE_ENTRY_HOURS after it happened"})
    recorded_after_hours = fields.Float(metadata={"description": "hours between happening and recording"})
    details = fields.Dict(keys=fields.String(), metadata={"description": "the event's own fields, parties left out"})


class ActedBy(CitedEvent):
    actor_id = fields.String()


class Met(ActedBy):
    at = fields.String(metadata={"description": "when the obligation was met (ISO 8601)"})


class HeldBy(AsBuilt):
    organisation_code = fields.String(allow_none=True, metadata={"description": "the handling body then"})
    mediator_id = fields.String(allow_none=True, metadata={"description": "the mediator then"})


class ReviewDeadline(AsBuilt):
    kind = fields.String()
    label = fields.String(metadata={"description": "the deadline's Chinese name"})
    opened_at = fields.String()
    in_force_from = fields.String()
    due_at = fields.String()
    outcome = fields.String(
        metadata={
            "enum": [
                "open", "met in time", "met late", "missed (still open)", "cancelled", "re-dated", "missed, then re-dated",
                "reminder", "reminder, acted on", "reminder, cancelled",
            ]
        }
    )
    reminder = fields.Boolean(metadata={"description": "the parties' window, not an obligation: never missed"})
    opened_by = fields.Nested(ActedBy, metadata={"description": "the event that opened it"})
    held_by = fields.Nested(HeldBy, metadata={"description": "who held the case when it fell due (or was met)"})
    met = fields.Nested(Met, metadata={"description": "the event that met it; absent while unmet"})
    late_by_hours = fields.Float(metadata={"description": "hours past due; absent when not late"})


class ReviewNote(CitedEvent):
    instruction = fields.String()
    by = fields.String(metadata={"description": "the supervisor's actor id"})
    due_at = fields.String()
    answered = fields.Boolean()
    answered_by = fields.Nested(CitedEvent, allow_none=True)
    answered_in_time = fields.Boolean()


class FollowedBy(CitedEvent):
    event = fields.String()


class ReviewRisk(CitedEvent):
    level = fields.String()
    flags = fields.List(fields.String())
    by = fields.String()
    followed_by = fields.Nested(
        FollowedBy, allow_none=True, metadata={"description": "high or critical: the first action after it"}
    )
    acted_within_deadline = fields.Boolean(metadata={"description": "high or critical: acted in time"})


class ReviewIncident(CitedEvent):
    kind = fields.String()
    severity = fields.String()
    description = fields.String()
    occurred_at = fields.String()


class RelatedCase(AsBuilt):
    id = fields.String()
    status = fields.String()
    resolution = fields.String(allow_none=True)
    reported_at = fields.String()
    category = fields.String()
    village_code = fields.String()
    reason = fields.String(metadata={"description": "why it is related"})


class ReviewRead(AsBuilt, AccessRead):
    read_at = fields.String(metadata={"description": "when it was read (ISO 8601)"})


class ReadsAround(AsBuilt):
    incident_at = fields.String(allow_none=True, metadata={"description": "the first incident, if any"})
    before = fields.List(fields.Nested(ReviewRead))
    after = fields.List(fields.Nested(ReviewRead))


class Review(ma.Schema):
    case_id = fields.String()
    status = fields.String()
    region_path = fields.List(fields.String())
    category = fields.String()
    reported_at = fields.String()
    reviewed_at = fields.String()
    incidents = fields.List(fields.Nested(ReviewIncident))
    timeline = fields.List(
        fields.Nested(TimelineEntry), metadata={"description": "every event, citing sequence and hash"}
    )
    deadlines = fields.List(
        fields.Nested(ReviewDeadline), metadata={"description": "met in time, met late, missed, open, cancelled"}
    )
    missed_deadlines = fields.List(fields.Nested(ReviewDeadline))
    supervision_notes = fields.List(fields.Nested(ReviewNote))
    late_entries = fields.List(fields.Nested(TimelineEntry))
    risk_assessments = fields.List(fields.Nested(ReviewRisk))
    related_cases = fields.List(
        fields.Nested(RelatedCase),
        metadata={"description": "same party id number, or same village and category; in your region"},
    )
    related_outside_scope = fields.Integer(
        metadata={"description": "how many more related cases lie outside your region (not described)"}
    )
    head = fields.Nested(Cited)
    access_log = fields.Nested(
        ReadsAround, metadata={"description": "reads of the case's personal data before and after the first incident"}
    )


class Legacy(ma.Schema):
    streams = fields.Integer(metadata={"description": "streams whose first events were written before chaining"})
    covered = fields.Boolean(metadata={"description": "the latest seal covers every one of them"})
    items = fields.List(fields.Dict(), metadata={"description": "the first 100: stream_id, kind, events"})


class Integrity(ma.Schema):
    intact = fields.Boolean()
    events = fields.Integer(metadata={"description": "every row of the store, whatever its position"})
    cases = fields.Integer()
    streams = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "chained streams by kind"}
    )
    seals = fields.Integer()
    legacy = fields.Nested(Legacy)
    witness = fields.Dict(allow_none=True, metadata={"description": "the witness file checked, if any"})
    last_seal = fields.Dict(allow_none=True)
    first_broken = fields.Dict(allow_none=True)
    broken = fields.List(fields.Dict())
    summary = fields.String()


class PreviousSeal(ma.Schema):
    id = fields.String()
    root = fields.String()
    position = fields.Integer()


class SealRecord(ma.Schema):
    """One seal as a witness keeps it: the same fields as a line of LEDGER_SEAL_WITNESS."""

    id = fields.String()
    position = fields.Integer(metadata={"description": "the store position the seal covers up to"})
    root = fields.String(metadata={"description": "Merkle root over every stream head at that position"})
    previous = fields.Nested(
        PreviousSeal, allow_none=True,
        metadata={"description": "the seal before it; null for the first seal and for seals made before seals were chained"},
    )
    sealed_at = fields.String()
    hash = fields.String(metadata={"description": "SHA-256 of the seal event's canonical form; the next seal names it"})


class SealPage(PageSchema):
    items = fields.List(fields.Nested(SealRecord))


class ReviewDocumentQuery(Freshness):
    format = fields.String(
        load_default="md", validate=validate.OneOf(["pdf", "md"]),
        metadata={"enum": ["pdf", "md"], "description": "pdf (A4, selectable Chinese text) or md (text/markdown)"},
    )  # fmt: skip
