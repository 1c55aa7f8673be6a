"""/court-cases: importing the court's own case records, and listing them.

The import takes a JSON body (every body this API reads is JSON, web/request_checks.py): the
CSV file's text, an XLSX workbook in base64, or the records as objects; files beyond the body
limit (1 MiB) go through `ledger court import`. The answer is the import's report; a refused
import answers 400 with the same report and every problem, and has written nothing.
"""

from __future__ import annotations

import os
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from application.config import county_tz
from application.court_feed import IMPORT_ROLES, ImportRace
from application.court_files import import_court_file, read_court_file, records_from_dicts
from domain.errors import AccessDenied, InvalidValue
from projections.periods import Period
from web.auth import current_actor, require_covers, require_read
from web.context import POSITION_HEADER, fresh_views, ledger
from web.court import schemas as s
from web.errors import HEADERS_KEY, ApiError, ErrorSchema
from web.openapi_headers import LEDGER_POSITION
from web.paging import page_of
from web.uploads import problem_errors, uploaded_file

blp = Blueprint(
    "court", __name__, description="The court's own case records (一审新收案件): import and list."
)

_LEVEL = {6: "county", 9: "town", 12: "village"}
_COLUMNS = (
    "case_number", "court_case_id", "kind", "court_code", "cause", "category", "filed_on", "plaintiff_region",
    "defendant_region", "plaintiff_is_financial", "concluded_on", "outcome", "pre_litigation_number",
    "dispute_id", "position",
)  # fmt: skip


IMPORT_HEADERS = {
    POSITION_HEADER: {
        "description": "the store's position after the import; send it back on GET /court-cases to read it",
        "schema": {"type": "integer"},
    }
}


def _domicile(asked: str | None) -> str:
    side = asked or os.environ.get("LEDGER_LITIGATION_DOMICILE", "").strip() or "defendant"
    return side if side in ("defendant", "plaintiff") else "defendant"


@blp.route("/imports")
class Imports(MethodView):
    @blp.doc(operationId="import_court_cases")
    @blp.arguments(s.ImportBody)
    @blp.response(200, s.ImportReport, headers=IMPORT_HEADERS)
    @blp.alt_response(
        400,
        schema=s.ImportRefused,
        description="court_records_refused: bad records, nothing written (each problem named); or a malformed request",
    )
    @blp.alt_response(
        403,
        schema=ErrorSchema,
        description="only an admin or a judge imports court records; a judge only those of courts in their region",
    )
    @blp.alt_response(
        409,
        schema=ErrorSchema,
        description="import_race: another import saved some of the same cases at once; send it again",
    )
    @blp.alt_response(
        422,
        schema=ErrorSchema,
        description="the body or the file cannot be read (missing columns, not CSV or XLSX)",
    )
    def post(self, body: dict[str, Any]) -> Any:
        """Import court case records: every record checked first; nothing written if one is bad
        (unless skip_bad); records already imported write nothing; changed ones one correction"""
        actor = current_actor()
        if actor.role not in IMPORT_ROLES:
            raise AccessDenied(f"role {actor.role} may not import court cases (admin or judge)")
        if "records" in body:
            court_file = records_from_dicts(body["records"])
        else:
            court_file = read_court_file(*uploaded_file(body))
        try:
            report = import_court_file(
                ledger(), actor, court_file, skip_bad=body["skip_bad"], dry_run=body["dry_run"]
            )
        except ImportRace as e:
            raise ApiError(409, "import_race", str(e)) from None
        answer = report.as_dict()
        if report.refused:
            errors = problem_errors(report.problems)
            raise ApiError(
                400,
                "court_records_refused",
                f"{report.rejected} of {report.records} records are bad; nothing was imported",
                errors=errors,
                **answer,
            )
        return answer, 200, {POSITION_HEADER: str(ledger().recorder.max_notification_id() or 0)}


@blp.route("")
class CourtCases(MethodView):
    @blp.doc(operationId="list_court_cases", **{HEADERS_KEY: [LEDGER_POSITION]})
    @blp.arguments(s.CourtCaseQuery, location="query")
    @blp.response(200, s.CourtCasePage)
    @blp.alt_response(403, schema=ErrorSchema, description="region outside your scope")
    @blp.alt_response(422, schema=ErrorSchema, description="an unknown region or a period that is not one")
    def get(self, query: dict[str, Any]) -> Any:
        """Court case records by filing date, in a region (by the defendant's or the plaintiff's
        domicile) and period"""
        actor = require_read("indicators")
        side = _domicile(query.get("domicile"))
        own = [c for c in actor.region_path if len(c) <= 12]
        region = (query.get("region") or "").strip() or (own[-1] if own else None)
        where, params = [], []
        if region:
            level = _LEVEL.get(len(region))
            path = ledger().regions().path(region) if level else []
            if not path:
                raise InvalidValue("region", f"unknown county, town or village {region!r}")
            require_covers(actor, path, f"region {region}")
            where.append(f"{side}_{level} = %s")
            params.append(region)
        if query.get("period"):
            start, end = Period.parse(query["period"]).bounds(county_tz())
            where.append("filed_on >= %s AND filed_on < %s")
            params += [start.date().isoformat(), end.date().isoformat()]
        if query.get("kind"):
            where.append("kind = %s")
            params.append(query["kind"])
        sql = f"FROM v_court_cases {'WHERE ' + ' AND '.join(where) if where else ''}"
        page, per_page = query["page"], query["per_page"]
        with fresh_views() as cur:
            total = int(cur.scalar(f"SELECT COUNT(*) AS n {sql}", params) or 0)
            rows = cur.all(
                f"SELECT {', '.join(_COLUMNS)} {sql} ORDER BY filed_on, case_number LIMIT %s OFFSET %s",
                [*params, per_page, (page - 1) * per_page],
            )
        items = [{**r, "plaintiff_is_financial": bool(r["plaintiff_is_financial"])} for r in rows]
        return page_of(items, page=page, per_page=per_page, total=total)
