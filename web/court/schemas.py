"""Court case records (一审新收案件, DESIGN.md §9): the import body and its report, the list."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from web.disputes.schemas import MIN_POSITION, plain_text
from web.errors import ErrorSchema
from web.indicators.schemas import period_field
from web.paging import PageQuery, PageSchema

#: A JSON body is at most 1 MiB (the server's limit); larger files go through `ledger court import`.


def _code(**kwargs: Any) -> fields.String:
    return fields.String(validate=[validate.Length(max=64), plain_text], **kwargs)


class CourtRecordBody(ma.Schema):
    """One record with the English names of DESIGN.md §9. Values are checked by the import, which
    names each bad one with its row (its place in ``records``, from 1), column and rule."""

    case_number = _code(required=True, metadata={"example": "(2026)甘1199民初123号"})
    court_code = _code(required=True, metadata={"description": "the court's organisation code"})
    cause = fields.String(
        required=True, validate=[validate.Length(max=100), plain_text], metadata={"example": "民间借贷纠纷"}
    )
    filed_on = fields.String(
        required=True,
        validate=[validate.Length(max=40), plain_text],
        metadata={"description": "YYYY-MM-DD, the county's date"},
    )
    plaintiff_region = _code(allow_none=True)
    defendant_region = _code(allow_none=True)
    plaintiff_is_financial = fields.Boolean(load_default=False)
    concluded_on = fields.String(allow_none=True, validate=[validate.Length(max=40), plain_text])
    outcome = fields.String(allow_none=True, validate=[validate.Length(max=50), plain_text])
    pre_litigation_number = _code(allow_none=True)


class ImportBody(ma.Schema):
    """Exactly one of ``csv`` (the file's text, as `ledger court import` reads it), ``xlsx_base64``
    (an XLSX workbook, base64) or ``records``."""

    csv = fields.String(
        validate=validate.Length(min=1),
        metadata={"description": "a CSV file's text, Chinese or English headers"},
    )
    xlsx_base64 = fields.String(
        validate=validate.Length(min=1), metadata={"description": "an XLSX workbook, base64-encoded"}
    )
    records = fields.List(fields.Nested(CourtRecordBody), validate=validate.Length(min=1, max=5000))
    skip_bad = fields.Boolean(
        load_default=False, metadata={"description": "import the good records, report the bad"}
    )
    dry_run = fields.Boolean(load_default=False, metadata={"description": "check and count, write nothing"})

    @ma.validates_schema
    def _one_source(self, data: dict[str, Any], **kwargs: Any) -> None:
        given = [k for k in ("csv", "xlsx_base64", "records") if k in data]
        if len(given) != 1:
            raise ma.ValidationError("give exactly one of csv, xlsx_base64 or records", "_schema")


class ImportProblem(ma.Schema):
    row = fields.Integer(
        metadata={"description": "the row as the file counts it (header = 1), or the record's place from 1"}
    )
    column = fields.String(metadata={"description": "the field (English name)"})
    rule = fields.String(
        metadata={"description": "the rule broken, e.g. case_number_year, unknown_region, date_format"}
    )
    value = fields.String(metadata={"description": "the value as given"})
    message = fields.String(metadata={"description": "the rule in words (Chinese / English)"})


class _ReportFields(ma.Schema):
    records = fields.Integer()
    filed = fields.Integer(metadata={"description": "new court cases"})
    corrected = fields.Integer(metadata={"description": "cases whose facts changed (one correction each)"})
    concluded = fields.Integer(metadata={"description": "cases whose conclusion was first given"})
    unchanged = fields.Integer(metadata={"description": "records already imported with the same facts"})
    rejected = fields.Integer(metadata={"description": "bad rows"})
    refused = fields.Boolean(metadata={"description": "nothing was written"})
    dry_run = fields.Boolean()
    problems = fields.List(fields.Nested(ImportProblem))


class ImportReport(_ReportFields):
    pass


class ImportRefused(ErrorSchema, _ReportFields):
    """400: the error body, with the import's report (code ``court_records_refused``)."""


class CourtCaseQuery(PageQuery):
    region = fields.String(
        validate=[validate.Length(max=12), plain_text],
        metadata={"description": "county, town or village code; default: your own region (or all)"},
    )
    period = period_field()
    domicile = fields.String(
        validate=validate.OneOf(["defendant", "plaintiff"]),
        metadata={
            "description": "whose domicile the region filters (default LEDGER_LITIGATION_DOMICILE or defendant)"
        },
    )
    kind = fields.String(validate=validate.OneOf(["民初", "行初", "民特", "诉前调", "执"]))
    min_position = fields.Integer(metadata=MIN_POSITION)


class CourtCase(ma.Schema):
    case_number = fields.String()
    court_case_id = fields.String()
    kind = fields.String()
    court_code = fields.String()
    cause = fields.String()
    category = fields.String()
    filed_on = fields.String(metadata={"description": "YYYY-MM-DD, the county's date"})
    plaintiff_region = fields.String(allow_none=True)
    defendant_region = fields.String(allow_none=True)
    plaintiff_is_financial = fields.Boolean()
    concluded_on = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    pre_litigation_number = fields.String(allow_none=True)
    dispute_id = fields.String(allow_none=True, metadata={"description": "the linked ledger case, if any"})
    position = fields.Integer(metadata={"description": "store position of the record's latest event"})


class CourtCasePage(PageSchema):
    items = fields.List(fields.Nested(CourtCase))
