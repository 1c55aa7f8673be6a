"""The ledger import's body and report, and the export queries."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from web.disputes.schemas import plain_text
from web.errors import ErrorSchema
from web.indicators.schemas import period_field, region_field

_FORMAT = fields.String(
    load_default="xlsx", validate=validate.OneOf(["xlsx", "csv"]), metadata={"description": "xlsx (default) or csv"}
)


class LedgerImportBody(ma.Schema):
    """Exactly one of ``csv`` (the file's text) or ``xlsx_base64``; larger files (the body is at
    most 1 MiB) go through `ledger import ledger`."""

    csv = fields.String(validate=validate.Length(min=1), metadata={"description": "a CSV file's text"})
    xlsx_base64 = fields.String(validate=validate.Length(min=1), metadata={"description": "an XLSX workbook, base64"})
    name = fields.String(
        load_default="", validate=[validate.Length(max=200), plain_text],
        metadata={"description": "the file's name, written in each event's note"},
    )  # fmt: skip
    sheet = fields.String(validate=[validate.Length(max=100), plain_text], metadata={"description": "default: the first"})
    region = region_field(metadata={"description": "the county, town or village the ledger belongs to"})
    mapping = fields.String(
        validate=validate.Length(max=100_000),
        metadata={"description": "a mapping file's TOML text, added to the default mapping"},
    )
    dry_run = fields.Boolean(load_default=True, metadata={"description": "check and report, write nothing (default)"})
    skip_bad = fields.Boolean(load_default=False, metadata={"description": "write the good rows, report the bad"})

    @ma.validates_schema
    def _one_file(self, data: dict[str, Any], **kwargs: Any) -> None:
        if sum(k in data for k in ("csv", "xlsx_base64")) != 1:
            raise ma.ValidationError("give exactly one of csv or xlsx_base64", "_schema")


class RowProblem(ma.Schema):
    row = fields.Integer(metadata={"description": "the row as the sheet numbers it"})
    column = fields.String(metadata={"description": "the column's header as written"})
    rule = fields.String(metadata={"description": "required, date_format, unmapped, ambiguous, id_number, order, …"})
    value = fields.String()
    message = fields.String()


class Unmapped(ma.Schema):
    column = fields.String()
    value = fields.String()
    rows = fields.Integer()


class Duplicate(ma.Schema):
    row = fields.Integer()
    rule = fields.String(metadata={"description": "same_parties_and_date (a case already in the ledger) or same_row"})
    case_id = fields.String()


class _ReportFields(ma.Schema):
    file_sha256 = fields.String()
    header_row = fields.Integer()
    columns = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"description": "field → header read"})
    rows = fields.Integer()
    ok = fields.Integer(metadata={"description": "good rows not imported before"})
    bad = fields.Integer()
    written = fields.Integer(metadata={"description": "cases written (0 on a dry run)"})
    events = fields.Integer()
    already_imported = fields.Integer(metadata={"description": "rows whose case an earlier import wrote"})
    refused = fields.Boolean(metadata={"description": "bad rows and no skip_bad: nothing would be, or was, written"})
    dry_run = fields.Boolean()
    problems = fields.List(fields.Nested(RowProblem))
    unmapped = fields.List(fields.Nested(Unmapped))
    duplicates = fields.List(fields.Nested(Duplicate))


class LedgerImportReport(_ReportFields):
    pass


class LedgerImportRefused(ErrorSchema, _ReportFields):
    """400: the error body, with the import's report (code ``ledger_rows_refused``)."""


class CaseExportQuery(ma.Schema):
    region = region_field(required=True, metadata={"description": "county, town or village code"})
    period = period_field()
    format = _FORMAT


class IndicatorExportQuery(ma.Schema):
    region = region_field(required=True, metadata={"description": "county or town code"})
    period = period_field(required=True)
    level = fields.String(
        validate=validate.OneOf(["county", "town", "village"]),
        metadata={"description": "default: town, or the region's own level below a county"},
    )
    format = _FORMAT
