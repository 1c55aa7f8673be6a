"""/imports (a county's Excel dispute ledger in) and /exports (the 台账 and the indicator table out).

An export is a file (XLSX or CSV). Readers get the 台账 masked, as every answer; any other role
sees personal data only with a declared purpose (X-Access-Purpose), and that export is written
to the access log as one read naming its cases.
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from application.config import county_tz
from application.ledger_export import case_records
from application.ledger_import import LedgerImportRace, import_ledger_file
from application.ledger_mapping import Mapping, default_mapping
from domain.errors import AccessDenied
from domain.reference import Actor
from projections.indicators import region_level
from projections.periods import Period
from web.auth import current_actor, disclose, present, require_covers, require_read
from web.context import fresh_views, ledger, now
from web.errors import ApiError, ErrorSchema
from web.exports import schemas as s
from web.exports.files import MEDIA_TYPES, cases_file, indicators_file
from web.uploads import problem_errors, uploaded_file

imports = Blueprint("imports", __name__, description="A county's Excel dispute ledger (台账) in, as case histories.")
exports = Blueprint("exports", __name__, description="The 台账 of cases and the indicator table, as XLSX or CSV.")

_FILE = {"description": "the file (Content-Disposition names it)", "content": {m: {"schema": {"type": "string", "format": "binary"}} for m in MEDIA_TYPES.values()}}


def _file(data: bytes, fmt: str, name: str) -> Response:
    response = Response(data, mimetype=MEDIA_TYPES[fmt].split(";")[0])
    if fmt == "csv":
        response.headers["Content-Type"] = MEDIA_TYPES[fmt]
    # RFC 5987: the Chinese name for browsers that read it, an ASCII one for the rest.
    from urllib.parse import quote

    response.headers["Content-Disposition"] = f"attachment; filename=export.{fmt}; filename*=UTF-8''{quote(name)}.{fmt}"
    return response


def _scope(actor: Actor, region: str, levels: tuple[str, ...]) -> list[str]:
    path = ledger().region_path("region", region, levels=levels)
    require_covers(actor, path, f"region {region}")
    return path


@imports.route("")
class Imports(MethodView):
    @imports.doc(operationId="import_ledger")
    @imports.arguments(s.LedgerImportBody)
    @imports.response(200, s.LedgerImportReport)
    @imports.alt_response(400, schema=s.LedgerImportRefused, description="ledger_rows_refused: bad rows and no skip_bad; nothing written (each problem named)")
    @imports.alt_response(403, schema=ErrorSchema, description="only an admin imports a ledger")
    @imports.alt_response(409, schema=ErrorSchema, description="import_race: another import wrote some of the same rows; send it again")
    @imports.alt_response(422, schema=ErrorSchema, description="the body, the mapping or the file cannot be read (no header row, not CSV or XLSX)")
    def post(self, body: dict[str, Any]) -> Any:
        """Import a county's 矛盾纠纷排查化解台账: a dry run (the default) checks every row and
        reports; with dry_run false the good rows become case histories (source migration),
        nothing at all if a row is bad and skip_bad is false; rows imported before write nothing"""
        actor = current_actor()
        if actor.role != "admin":
            raise AccessDenied(f"role {actor.role} may not import a ledger (admin)")
        data, name = uploaded_file(body, body["name"])
        mapping = default_mapping()
        if body.get("mapping"):
            mapping = mapping.merged(Mapping.parse(body["mapping"], "mapping"))
        try:
            report = import_ledger_file(
                ledger(), actor, data, name, sheet=body.get("sheet"), mapping=mapping, region=body.get("region"),
                dry_run=body["dry_run"], skip_bad=body["skip_bad"],
            )  # fmt: skip
        except LedgerImportRace as e:
            raise ApiError(409, "import_race", str(e)) from None
        answer = report.as_dict()
        if report.refused and not report.dry_run:
            raise ApiError(
                400, "ledger_rows_refused", f"{len(report.bad_rows)} of {report.rows} rows are bad; nothing was imported",
                errors=problem_errors(report.problems), **answer,
            )  # fmt: skip
        return answer


@exports.route("/cases")
class CaseExport(MethodView):
    @exports.doc(operationId="export_cases", responses={"200": _FILE})
    @exports.arguments(s.CaseExportQuery, location="query")
    @exports.alt_response(403, schema=ErrorSchema, description="region outside your scope")
    @exports.alt_response(422, schema=ErrorSchema, description="an unknown region or a period that is not one")
    def get(self, query: dict[str, Any]) -> Any:
        """The cases of a region in the 台账 layout (Chinese headers, one row per case, county
        time), masked for readers and without a declared purpose"""
        actor = require_read("cases")
        _scope(actor, query["region"], ("county", "town", "village", "grid"))
        since, until = Period.parse(query["period"]).bounds(county_tz()) if query.get("period") else (None, None)
        records = case_records(ledger(), query["region"], since, until)
        disclosed = disclose(actor, [{"id": r["id"], "status": r["status"], "organisation_code": r["organisation_code"]} for r in records], listing=True)
        shown = present(actor, records, disclosed=disclosed)
        return _file(cases_file(shown, query["format"]), query["format"], f"台账-{query['region']}-{query.get('period') or '全部'}")


@exports.route("/indicators")
class IndicatorExport(MethodView):
    @exports.doc(operationId="export_indicators", responses={"200": _FILE})
    @exports.arguments(s.IndicatorExportQuery, location="query")
    @exports.alt_response(403, schema=ErrorSchema, description="region outside your scope")
    @exports.alt_response(422, schema=ErrorSchema, description="an unknown region or a period that is not one")
    def get(self, query: dict[str, Any]) -> Any:
        """The indicator table: one row per region of a level (CSV headers are the API's field
        names; the XLSX has number formats and a totals row)"""
        actor = require_read("indicators")
        _scope(actor, query["region"], ("county", "town", "village"))
        depth = ("county", "town", "village")
        level = query.get("level") or depth[max(1, depth.index(region_level(query["region"])))]
        with fresh_views() as cur:
            data = indicators_file(cur, query["format"], region=query["region"], period=query["period"], level=level, now=now(), tz=county_tz())
        return _file(data, query["format"], f"指标-{query['region']}-{query['period']}-{level}")
