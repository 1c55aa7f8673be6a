"""Bodies and answers of the bulletins' operations (涉诉情况通报). Unknown fields are refused."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from domain.bulletin import EDITIONS, MAX_RECIPIENTS, STATES
from web.disputes.schemas import CommandSchema, UtcDateTime, text
from web.instruments.schemas import AsOfQuery

_EDITION = {"validate": validate.OneOf(list(EDITIONS)), "metadata": {"enum": list(EDITIONS)}}
FORMATS = {
    "md": "text/markdown; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


class BulletinQuery(ma.Schema):
    county = fields.String(validate=validate.Length(max=12))
    town = fields.String(validate=validate.Length(max=12))
    period = fields.String(validate=validate.Length(max=20))
    edition = fields.String(**_EDITION)  # type: ignore[arg-type]
    status = fields.String(validate=validate.OneOf(list(STATES)), metadata={"enum": list(STATES)})


class CompileBody(CommandSchema):
    town = fields.String(required=True, validate=validate.Length(min=9, max=9), metadata={"description": "a town's region code"})
    period = fields.String(required=True, validate=validate.Length(min=4, max=20), metadata={"description": "2026-Q3, 2026-H1, 2026, 2026-03"})
    edition = fields.String(load_default="general", **_EDITION)  # type: ignore[arg-type]


class RecompileBody(CommandSchema):
    pass


class IssueBody(CommandSchema):
    recipients = fields.List(text(100), required=True, validate=validate.Length(min=1, max=MAX_RECIPIENTS))


class VersionQuery(AsOfQuery):
    version = fields.Integer(validate=validate.Range(min=1, max=10000), metadata={"description": "default: the latest"})


class DocumentQuery(VersionQuery):
    format = fields.String(
        load_default="md", validate=validate.OneOf(list(FORMATS)),
        metadata={"enum": list(FORMATS), "description": "md (text/markdown), xlsx or pdf (selectable Chinese text)"},
    )  # fmt: skip


class BulletinItem(ma.Schema):
    id = fields.String()
    county_code = fields.String()
    town_code = fields.String()
    town_name = fields.String()
    period = fields.String()
    edition = fields.String()
    status = fields.String(metadata={"enum": list(STATES)})
    number = fields.Integer(metadata={"description": "the latest version's number"})
    figures_hash = fields.String()
    compiled_at = fields.String()
    issued_number = fields.Integer(allow_none=True)
    issued_at = fields.String(allow_none=True)
    version = fields.Integer()
    position = fields.Integer()


class BulletinList(ma.Schema):
    items = fields.List(fields.Nested(BulletinItem))


class Issue(ma.Schema):
    issued_at = UtcDateTime()
    issued_by = fields.String()
    recipients = fields.List(fields.String())


class Change(ma.Schema):
    figure = fields.String()
    old = fields.Raw(allow_none=True)
    new = fields.Raw(allow_none=True)


class VersionSummary(ma.Schema):
    number = fields.Integer()
    figures_hash = fields.String()
    compiled_at = UtcDateTime()
    issued = fields.Boolean()
    changes = fields.Integer()


class BulletinVersion(ma.Schema):
    number = fields.Integer()
    figures_hash = fields.String(metadata={"description": "SHA-256 over the figures' canonical JSON (sorted keys, no spaces)"})
    hash_verifies = fields.Boolean(metadata={"description": "the hash recomputed now from the stored figures equals it"})
    previous_hash = fields.String(allow_none=True)
    changes = fields.List(fields.Nested(Change), metadata={"description": "figures that differ from the version before"})
    compiled_at = UtcDateTime()
    compiled_by = fields.String()
    views_position = fields.Integer()
    figures = fields.Dict(metadata={"description": "the frozen figures: indicators (as GET /indicators), rank, top categories, overdue, incidents, cards, warnings"})
    issues = fields.List(fields.Nested(Issue))


class BulletinVersions(ma.Schema):
    id = fields.String()
    versions = fields.List(fields.Nested(BulletinVersion))


class BulletinPage(BulletinVersion):
    id = fields.String()
    version = fields.Integer()
    position = fields.Integer()
    town_code = fields.String()
    town_name = fields.String()
    county_code = fields.String()
    period = fields.String()
    edition = fields.String()
    edition_label = fields.String()
    status = fields.String()
    status_label = fields.String()
    allowed_commands = fields.List(fields.String())
    latest_number = fields.Integer()
    as_of = UtcDateTime(allow_none=True, metadata={"description": "the instant of an as-of read, else null"})
    versions = fields.List(fields.Nested(VersionSummary))
