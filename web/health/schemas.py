"""The health document: 200 when the views can be trusted, 503 (the error shape plus the same
fields) when the store is unreachable or the views are degraded or stalled."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from web.errors import ErrorSchema


class Projection(ma.Schema):
    position = fields.Integer(metadata={"description": "last store position the views have processed"})
    head = fields.Integer(metadata={"description": "last position in the store"})
    behind = fields.Integer(metadata={"description": "events the views still have to process"})


class Progress(ma.Schema):
    last_progress_at = fields.DateTime(
        allow_none=True,
        metadata={
            "description": "when the views last moved or were last found caught up with the store "
            "(null: not known yet)"
        },
    )
    stall_seconds = fields.Float(
        metadata={"description": "LEDGER_STALL_SECONDS: how long the views may stay behind without moving"}
    )
    stalled_for = fields.Float(
        allow_none=True,
        metadata={"description": "stalled: seconds since last_progress_at; null otherwise"},
    )


class Failure(ma.Schema):
    position = fields.Integer(metadata={"description": "store position of the event that fails to project"})
    case_id = fields.String(allow_none=True, metadata={"description": "the event's case (originator id)"})
    version = fields.Integer(allow_none=True, metadata={"description": "the event's version in its case"})
    topic = fields.String(metadata={"description": "the event's stored type"})
    error = fields.String(
        metadata={"description": "the error's class; `ledger project --status` shows its message"}
    )
    first_seen = fields.DateTime(metadata={"description": "when the event first failed"})
    last_seen = fields.DateTime(
        metadata={"description": "when it last failed (it is retried with a back-off)"}
    )
    attempts = fields.Integer(metadata={"description": "how many times it failed"})


class Health(ma.Schema):
    status = fields.String(
        metadata={"example": "ok", "description": "ok (200); 503: degraded, stalled or error"}
    )
    store = fields.String(metadata={"example": "reachable"})
    mode = fields.String(metadata={"description": "inline (queries catch the views up) or follower"})
    projection = fields.Nested(Projection)
    progress = fields.Nested(Progress)


class Unhealthy(ErrorSchema):
    """503: the error shape, with the health document's own fields. code store_unreachable
    (status error), projection_failed (status degraded: an event fails to project; ``failure``
    names it) or projection_stalled (status stalled: behind the store and not moving)."""

    status = fields.String(metadata={"example": "degraded", "description": "degraded, stalled or error"})
    store = fields.String(metadata={"example": "unreachable: OperationalError"})
    mode = fields.String(metadata={"description": "inline or follower"})
    projection = fields.Nested(Projection, allow_none=True, metadata={"description": "null: not known"})
    progress = fields.Nested(Progress, allow_none=True, metadata={"description": "null: not known"})
    failure = fields.Nested(Failure, allow_none=True, metadata={"description": "degraded: the failing event"})
