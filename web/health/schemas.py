"""The health document."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from web.errors import ErrorSchema


class Projection(ma.Schema):
    position = fields.Integer(metadata={"description": "last store position the views have processed"})
    head = fields.Integer(metadata={"description": "last position in the store"})
    behind = fields.Integer(metadata={"description": "events the views still have to process"})


class Health(ma.Schema):
    status = fields.String(metadata={"example": "ok"})
    store = fields.String(metadata={"example": "reachable"})
    mode = fields.String(metadata={"description": "inline (queries catch the views up) or follower"})
    projection = fields.Nested(Projection)


class Unreachable(ErrorSchema):
    """503: the error shape, with the health document's own fields."""

    status = fields.String(metadata={"example": "error"})
    store = fields.String(metadata={"example": "unreachable: OperationalError"})
    projection = fields.Nested(Projection, allow_none=True, metadata={"description": "null: not known"})
