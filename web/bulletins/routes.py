"""/bulletins (涉诉情况通报): compile a town's bulletin for a period, recompile it after
corrections (a new version; the ones before stay as they were), issue it to recipients, read
it at any version, as JSON or as a Markdown, XLSX or PDF document."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from application import bulletin_render as render
from application import bulletins as acts
from application.config import county_tz
from application.pdf_document import NoCjkFont
from domain import bulletin as bulletin_domain
from projections import governance
from projections.bulletins import list_bulletins
from web.auth import current_actor
from web.bulletins import schemas as s
from web.context import POSITION_HEADER, fresh_views, ledger, now
from web.disputes.routes import _expected_version
from web.errors import HEADERS_KEY, ApiError, ErrorSchema
from web.indicators.routes import NOT_BEGUN, _begun
from web.instruments.routes import (
    _HEADERS,
    _county,
    _history,
    _keyed,
    _reader,
    _replayed,
    _split,
    _views_position,
    command_answer,
    command_doc,
)
from web.instruments.schemas import InstrumentHistory
from web.openapi_headers import IDEMPOTENCY_KEY, LEDGER_POSITION

blp = Blueprint("bulletins", __name__, description="Periodic bulletins (涉诉情况通报) of towns, frozen and versioned.")

_409 = "illegal_transition (the state machine refuses it), rule_violation (nothing changed), or version_conflict"


def _answer(actor: Any, bulletin_id: Any, position: int, status: int = 200) -> Any:
    shown = acts.page(ledger(), actor, bulletin_id)
    shown["position"] = position
    return shown, status, {"ETag": f'"{shown["version"]}"', POSITION_HEADER: str(position)}


@blp.route("")
class Bulletins(MethodView):
    @blp.doc(operationId="list_bulletins", **{HEADERS_KEY: [LEDGER_POSITION]})
    @blp.arguments(s.BulletinQuery, location="query")
    @blp.response(200, s.BulletinList)
    @blp.alt_response(403, schema=ErrorSchema, description="role may not read bulletins, or county outside your scope")
    def get(self, query: dict[str, Any]) -> Any:
        """Bulletins of a county, newest compilation first"""
        actor = _reader(bulletin_domain.READ_ROLES, "bulletins")
        county = _county(actor, query.get("county"))
        town = query.get("town") or (actor.region_path[1] if len(actor.region_path) > 1 else None)
        if len(actor.region_path) > 1 and town != actor.region_path[1]:
            return {"items": []}
        with fresh_views() as cur:
            items = list_bulletins(cur, county=county, town=town, period=query.get("period"),
                                   edition=query.get("edition"), status=query.get("status"))  # fmt: skip
        return {"items": items}

    @blp.doc(operationId="compile_bulletin", **{HEADERS_KEY: [LEDGER_POSITION, IDEMPOTENCY_KEY]})
    @blp.arguments(s.CompileBody)
    @blp.response(201, s.BulletinPage, headers=_HEADERS)
    @blp.alt_response(400, schema=ErrorSchema, description=NOT_BEGUN)
    @blp.alt_response(403, schema=ErrorSchema, description="role may not compile bulletins, or town outside your scope")
    @blp.alt_response(422, schema=ErrorSchema, description="unknown town, or the bulletin exists (recompile it)")
    def post(self, body: dict[str, Any]) -> Any:
        """Compile a town's bulletin for a period from the views now (version 1, figures frozen)

        The figures are the indicator rows GET /indicators answers for the town and period (the
        family edition: its family categories, as `group=category` answers them), the town's rank
        among the county's towns, top categories, overdue cases, incidents, cards and warnings of
        the period; frozen in the event with a SHA-256 over their canonical JSON.
        """
        actor = current_actor()
        key, replayed = _keyed(actor)
        occurred_at, note, args = _split(body)
        if not replayed and bulletin_domain.may_issue(actor.role, "compile"):
            _begun(args["period"])
        with fresh_views() as cur:
            found, position = governance.compile_bulletin(
                ledger(), cur, actor, position=_views_position(cur), now=now(), occurred_at=occurred_at,
                note=note, key=key, **args,
            )  # fmt: skip
        return _replayed(_answer(actor, found.id, position, 201), replayed)


@blp.route("/<bulletin_id>")
class OneBulletin(MethodView):
    @blp.doc(operationId="get_bulletin", **{HEADERS_KEY: [LEDGER_POSITION]})
    @blp.arguments(s.VersionQuery, location="query")
    @blp.response(200, s.BulletinPage)
    @blp.alt_response(404, schema=ErrorSchema, description="no such bulletin in your region (or not yet at as_of)")
    @blp.alt_response(403, schema=ErrorSchema, description="role may not read bulletins")
    def get(self, query: dict[str, Any], bulletin_id: str) -> Any:
        """One bulletin at a version (default the latest): its frozen figures, hash, changes, issues

        `as_of`: the bulletin as the ledger knew it at that recorded instant (the versions compiled
        and issued by then), as a case's `as_of`.
        """
        shown = acts.page(ledger(), current_actor(), bulletin_id, query.get("version"), query.get("as_of"))
        shown["position"] = 0
        return shown


_DOCUMENT = {
    "200": {
        "description": "the bulletin as a document",
        "content": {mime.split(";")[0]: {"schema": {"type": "string", "format": "binary"}} for mime in s.FORMATS.values()},
    }
}


@blp.route("/<bulletin_id>/document")
class BulletinDocument(MethodView):
    @blp.doc(operationId="get_bulletin_document", responses=_DOCUMENT)
    @blp.arguments(s.DocumentQuery, location="query")
    @blp.alt_response(404, schema=ErrorSchema, description="no such bulletin in your region")
    @blp.alt_response(403, schema=ErrorSchema, description="role may not read bulletins")
    @blp.alt_response(503, schema=ErrorSchema, description="pdf_unavailable: no CJK font on the server")
    def get(self, query: dict[str, Any], bulletin_id: str) -> Any:
        """One bulletin version as Markdown, XLSX or PDF (`format`; the PDF's Chinese text is selectable)"""
        shown = acts.page(ledger(), current_actor(), bulletin_id, query.get("version"), query.get("as_of"))
        fmt = query["format"]
        try:
            data = (render.to_markdown(shown, county_tz()).encode() if fmt == "md"
                    else render.to_xlsx(shown) if fmt == "xlsx" else render.to_pdf(shown, county_tz()))  # fmt: skip
        except NoCjkFont as e:
            raise ApiError(503, "pdf_unavailable", str(e)) from None
        name = f"bulletin-{shown['town_code']}-{shown['period']}-{shown['edition']}-v{shown['number']}.{fmt}"
        return Response(data, mimetype=s.FORMATS[fmt].split(";")[0], content_type=s.FORMATS[fmt],
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@blp.route("/<bulletin_id>/versions")
class BulletinVersions(MethodView):
    @blp.doc(operationId="get_bulletin_versions")
    @blp.response(200, s.BulletinVersions)
    @blp.alt_response(404, schema=ErrorSchema, description="no such bulletin in your region")
    @blp.alt_response(403, schema=ErrorSchema, description="role may not read bulletins")
    def get(self, bulletin_id: str) -> Any:
        """Every version with its figures, hash (verified now), changes from the one before, issues"""
        actor = current_actor()
        found = acts.read_bulletin(ledger(), actor, bulletin_id)
        return {"id": str(found.id), "versions": acts.versions(ledger(), actor, found.id)}


@blp.route("/<bulletin_id>/history")
class BulletinHistory(MethodView):
    @blp.doc(operationId="get_bulletin_history")
    @blp.response(200, InstrumentHistory)
    @blp.alt_response(404, schema=ErrorSchema, description="no such bulletin in your region")
    @blp.alt_response(403, schema=ErrorSchema, description="role may not read bulletins")
    def get(self, bulletin_id: str) -> Any:
        """Every event of one bulletin with its hash"""
        events = acts.bulletin_history(ledger(), current_actor(), bulletin_id)
        return _history(events, bulletin_domain.EVENTS, events[0].originator_id)


def _command_doc(operation: str) -> Any:
    return command_doc(blp, operation, s.BulletinPage, "no such bulletin in your region", _409)


@blp.route("/<bulletin_id>/recompile")
class Recompile(MethodView):
    @blp.arguments(s.RecompileBody)
    @_command_doc("recompile_bulletin")
    def post(self, body: dict[str, Any], bulletin_id: str) -> Any:
        """A new version on the figures the views hold now, listing what changed (409 if nothing did)"""
        actor = current_actor()
        key, replayed = _keyed(actor)
        occurred_at, note, _ = _split(body)
        with fresh_views() as cur:
            found, position = governance.recompile_bulletin(
                ledger(), cur, actor, bulletin_id, position=_views_position(cur), now=now(),
                expected_version=_expected_version(), occurred_at=occurred_at, note=note, key=key,
            )  # fmt: skip
        return _replayed(_answer(actor, found.id, position), replayed)


@blp.route("/<bulletin_id>/issue")
class IssueBulletin(MethodView):
    @blp.arguments(s.IssueBody)
    @_command_doc("issue_bulletin")
    def post(self, body: dict[str, Any], bulletin_id: str) -> Any:
        """Issue the latest version to recipients (印发); issuing it twice is refused (409)"""
        return command_answer(acts.bulletin_command, lambda a, found, at: _answer(a, found.id, at), bulletin_id,
                              "issue", body)  # fmt: skip
