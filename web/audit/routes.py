"""/audit: what one actor did in a time window, who read a case's personal data, the
accountability review of a case, the integrity check of the whole store and its seals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from application.config import late_entry_hours
from application.errors import UnknownActor
from application.integrity import seal_records, verify
from application.review import build_review
from domain.case import EVENTS, is_late_entry
from projections.access import reads_of_case
from projections.cases import region_column, related_cases
from projections.periods import parse_utc_text, utc_text
from web.audit import schemas as s
from web.auth import disclose_case, present, require_read
from web.context import fresh_views, ledger, now
from web.errors import HEADERS_KEY, ApiError, ErrorSchema, kebab
from web.json import plain
from web.openapi_headers import ACCESS_PURPOSE, LEDGER_POSITION, PURPOSE_403
from web.paging import PageQuery, page_of

blp = Blueprint("audit", __name__, description="Supervision audit: for auditors and admins.")


@blp.route("/actors/<actor_id>/actions")
class ActorActions(MethodView):
    @blp.doc(operationId="list_actor_actions", **{HEADERS_KEY: [LEDGER_POSITION]})
    @blp.arguments(s.ActionsQuery, location="query")
    @blp.response(200, s.ActionPage)
    @blp.alt_response(403, schema=ErrorSchema, description="role may not read the audit")
    @blp.alt_response(404, schema=ErrorSchema, description="no such actor")
    def get(self, query: dict[str, Any], actor_id: str) -> Any:
        """Everything one actor recorded in a time window (by recorded time), in store order"""
        auditor = require_read("audit")
        try:
            ledger().actor(actor_id)
        except UnknownActor:
            raise ApiError(404, "not_found", f"no actor {actor_id!r}") from None
        page, per_page = query["page"], query["per_page"]
        where = ["e.actor_id = %s"]
        params: list[Any] = [actor_id]
        if query.get("from_"):
            where.append("e.recorded_at >= %s")
            params.append(utc_text(query["from_"]))
        if query.get("to"):
            where.append("e.recorded_at <= %s")
            params.append(utc_text(query["to"]))
        if auditor.region_path:
            where.append(f"c.{region_column(auditor.region_path[-1])} = %s")
            params.append(auditor.region_path[-1])
        sql = f"FROM v_events e JOIN v_cases c ON c.id = e.case_id WHERE {' AND '.join(where)}"
        with fresh_views() as cur:
            total = int(cur.scalar(f"SELECT COUNT(*) AS n {sql}", params) or 0)
            rows = cur.all(
                "SELECT e.position, e.case_id, e.seq, e.event_type, e.actor_id, e.actor_role, e.occurred_at, e.recorded_at, c.source "
                f"{sql} ORDER BY e.position LIMIT %s OFFSET %s",
                [*params, per_page, (page - 1) * per_page],
            )
        hours = late_entry_hours()
        items = [_action(r, hours) for r in rows]
        return {"actor": actor_id, **page_of(items, page=page, per_page=per_page, total=total)}


def _action(row: dict[str, Any], late_after_hours: float) -> dict[str, Any]:
    occurred: datetime = parse_utc_text(row["occurred_at"])
    recorded: datetime = parse_utc_text(row["recorded_at"])
    command, label = EVENTS[row["event_type"]]
    return {
        "position": row["position"],
        "case_id": row["case_id"],
        "seq": row["seq"],
        "type": row["event_type"],
        "command": kebab(command),
        "label": label,
        "actor_id": row["actor_id"],
        "actor_role": row["actor_role"],
        "occurred_at": occurred,
        "recorded_at": recorded,
        "late": is_late_entry(recorded, occurred, late_after_hours, source=row["source"]),
    }


@blp.route("/access-log")
class AccessLog(MethodView):
    @blp.doc(operationId="get_access_log")
    @blp.arguments(s.AccessLogQuery, location="query")
    @blp.response(200, s.AccessLogPage)
    @blp.alt_response(403, schema=ErrorSchema, description="role not allowed")
    @blp.alt_response(404, schema=ErrorSchema, description="no such case in your region")
    def get(self, query: dict[str, Any]) -> Any:
        """Who read a case's personal data (查阅记录), oldest first

        Every read of unmasked party data through the API or the command line: who, when,
        which request, the declared purpose, and its link in its log's own hash chain (the
        case's own log, or for a list page the reader's listing log, one entry naming every
        case the page showed: `cases` says how many).
        """
        auditor = require_read("audit")
        case = ledger().read_case(auditor, query["dispute"])
        page, per_page = query["page"], query["per_page"]
        with fresh_views() as cur:
            total, items = reads_of_case(cur, str(case.id), limit=per_page, offset=(page - 1) * per_page)
        return {"dispute": str(case.id), **page_of(items, page=page, per_page=per_page, total=total)}


@blp.route("/reviews/<dispute_id>")
class Review(MethodView):
    @blp.doc(operationId="get_case_review", **{HEADERS_KEY: [ACCESS_PURPOSE, LEDGER_POSITION]})
    @blp.arguments(s.Freshness, location="query")
    @blp.response(200, s.Review)
    @blp.alt_response(403, schema=ErrorSchema, description=PURPOSE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="no such case in your region")
    def get(self, query: dict[str, Any], dispute_id: str) -> Any:
        """Accountability review (责任倒查) of one case

        The timeline, each deadline met or missed and by whom (and who held the case then), late
        entries, supervision notes, risk handling and related cases (same party or village);
        every statement cites its event by sequence number and hash. Related cases outside your
        region are only counted (`related_outside_scope`), not described.
        """
        return _review(dispute_id)


def _review(dispute_id: str) -> Any:
    """The review as the caller may see it (masked, or read with a purpose and logged)."""
    actor = require_read("reviews")
    case = ledger().read_case(actor, dispute_id)
    with fresh_views() as cur:
        related = related_cases(cur, str(case.id))
        _, reads = reads_of_case(cur, str(case.id))
    review = build_review(ledger(), str(case.id), now=now(), related=related, reads=reads, reader=actor)
    return present(actor, plain(review), disclosed=disclose_case(actor, case))


_REVIEW_DOCUMENT = {
    "200": {
        "description": "the review as a document",
        "content": {m: {"schema": {"type": "string", "format": "binary"}} for m in ("application/pdf", "text/markdown")},
    }
}


@blp.route("/reviews/<dispute_id>/document")
class ReviewDocument(MethodView):
    @blp.doc(operationId="get_case_review_document", responses=_REVIEW_DOCUMENT,
             **{HEADERS_KEY: [ACCESS_PURPOSE, LEDGER_POSITION]})  # fmt: skip
    @blp.arguments(s.ReviewDocumentQuery, location="query")
    @blp.alt_response(403, schema=ErrorSchema, description=PURPOSE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="no such case in your region")
    @blp.alt_response(503, schema=ErrorSchema, description="pdf_unavailable: no CJK font on the server")
    def get(self, query: dict[str, Any], dispute_id: str) -> Any:
        """The accountability review as a PDF (selectable Chinese text) or Markdown, for people

        The same review as GET /audit/reviews/{dispute_id} (the same masking, purpose and access
        log), in the county's time zone with Chinese labels, as `ledger review` prints it.
        """
        from flask import Response

        from application.config import county_tz
        from application.pdf_document import NoCjkFont
        from application.review_markdown import review_pdf, to_markdown

        review = _review(dispute_id)
        try:
            if query["format"] == "md":
                data, mime = to_markdown(review, county_tz(), ledger().regions()).encode(), "text/markdown; charset=utf-8"
            else:
                data, mime = review_pdf(review, county_tz(), ledger().regions()), "application/pdf"
        except NoCjkFont as e:
            raise ApiError(503, "pdf_unavailable", str(e)) from None
        name = f"review-{review['case_id']}.{query['format']}"
        return Response(data, content_type=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blp.route("/integrity")
class Integrity(MethodView):
    @blp.doc(operationId="check_integrity")
    @blp.response(200, s.Integrity)
    @blp.alt_response(403, schema=ErrorSchema, description="role may not read the audit")
    def get(self) -> Any:
        """Verify every case's hash chain and the latest seal; names the first broken link

        Reads the whole store: as slow as `ledger verify`.
        """
        require_read("audit")
        return verify(ledger()).as_dict()


@blp.route("/seals")
class Seals(MethodView):
    @blp.doc(operationId="list_seals")
    @blp.arguments(PageQuery, location="query")
    @blp.response(200, s.SealPage)
    @blp.alt_response(403, schema=ErrorSchema, description="role may not read the audit")
    def get(self, query: dict[str, Any]) -> Any:
        """Every seal in the store, oldest first, for outside parties to keep

        Each item is what `ledger seal` appends to a witness file (LEDGER_SEAL_WITNESS): a copy
        kept outside the store lets `ledger verify --witness` name a deleted or changed seal.
        """
        require_read("audit")
        page, per_page = query["page"], query["per_page"]
        records = seal_records(ledger())
        items = [r.as_witness() for r in records[(page - 1) * per_page : page * per_page]]
        return page_of(items, page=page, per_page=per_page, total=len(records))
