"""/warnings: mass-dispute warnings and missed deadlines (DESIGN.md §10), their commands and
histories. Warnings outside the reader's region answer 404 like an unknown id."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from application.warning_desk import execute, history, read_warning, require_reader
from domain.reference import Actor
from projections.warning_views import list_warnings
from web.auth import current_actor
from web.context import POSITION_HEADER, fresh_views, ledger
from web.disputes.routes import _expected_version
from web.errors import HEADERS_KEY, ErrorSchema
from web.openapi_headers import IF_MATCH, LEDGER_POSITION
from web.paging import page_of
from web.warnings import schemas as s
from web.warnings.present import history_entry, warning_state

blp = Blueprint("alerts", __name__, description="Warnings (预警): mass disputes and missed deadlines.")


def warning_listing(actor: Actor, query: dict[str, Any]) -> dict[str, Any]:
    """One page of the warnings in the actor's region (GET /warnings and its page)."""
    require_reader(actor)
    page, per_page = query["page"], query["per_page"]
    with fresh_views() as cur:
        total, rows = list_warnings(
            cur, scope=actor.region_code, kind=query.get("kind"), region=query.get("region"),
            status=query.get("status"), limit=per_page, offset=(page - 1) * per_page,
        )
    return page_of(rows, page=page, per_page=per_page, total=total)


@blp.route("")
class Warnings(MethodView):
    @blp.doc(operationId="list_warnings", **{HEADERS_KEY: [LEDGER_POSITION]})
    @blp.arguments(s.WarningQuery, location="query")
    @blp.response(200, s.WarningPage)
    @blp.alt_response(403, schema=ErrorSchema, description="role may not read warnings")
    def get(self, query: dict[str, Any]) -> Any:
        """Warnings in your region, newest first (?kind=mass|deadline&region=&status=)"""
        return warning_listing(current_actor(), query)


@blp.route("/<warning_id>")
class Warning(MethodView):
    @blp.doc(operationId="get_warning")
    @blp.response(200, s.WarningState)
    @blp.alt_response(403, schema=ErrorSchema, description="role may not read warnings")
    @blp.alt_response(404, schema=ErrorSchema, description="no such warning in your region")
    def get(self, warning_id: str) -> Any:
        """One warning with its evidence and the commands allowed now"""
        return warning_state(read_warning(ledger(), current_actor(), warning_id))


@blp.route("/<warning_id>/history")
class WarningHistory(MethodView):
    @blp.doc(operationId="get_warning_history")
    @blp.response(200, s.WarningHistory)
    @blp.alt_response(403, schema=ErrorSchema, description="role may not read warnings")
    @blp.alt_response(404, schema=ErrorSchema, description="no such warning in your region")
    def get(self, warning_id: str) -> Any:
        """Every event of the warning, attributed, with its hash"""
        events = history(ledger(), current_actor(), warning_id)
        return {"id": warning_id, "events": [history_entry(e) for e in events]}


def _command(name: str, body: type, summary: str) -> None:
    path = name.replace("_", "-")

    class Command(MethodView):
        @blp.doc(operationId=f"warning_{name}", **{HEADERS_KEY: [IF_MATCH]})
        @blp.arguments(body)
        @blp.response(200, s.WarningState, headers={POSITION_HEADER: {"schema": {"type": "integer"}}})
        @blp.alt_response(403, schema=ErrorSchema, description="role may not issue this command")
        @blp.alt_response(404, schema=ErrorSchema, description="no such warning in your region")
        @blp.alt_response(409, schema=ErrorSchema, description="illegal transition or If-Match mismatch")
        @blp.alt_response(422, schema=ErrorSchema, description="a field broke a rule")
        def post(self, args: dict[str, Any], warning_id: str) -> Any:
            warning, position = execute(
                ledger(), current_actor(), warning_id, name, expected_version=_expected_version(), **args
            )
            headers = {"ETag": f'"{warning.version}"', POSITION_HEADER: str(position)}
            return {**warning_state(warning), "position": position}, 200, headers  # type: ignore[return-value]

    Command.post.__doc__ = summary
    Command.__name__ = f"Warning_{name}"
    blp.route(f"/<warning_id>/{path}")(Command)


_command("acknowledge", s.AcknowledgeBody, "Acknowledge a warning (签收)")
_command("dismiss", s.DismissBody, "Dismiss a mass warning with a reason (排除)")
_command("order_joint_handling", s.OrderJointHandlingBody, "Order joint handling to the lead unit of its category (交办联合处置)")
_command("report_handling", s.SummaryBody, "Report how the joint handling goes (报告处置情况)")
_command("close", s.SummaryBody, "Close a mass warning after joint handling (办结)")
_command("answer", s.AnswerBody, "Answer a missed deadline with a supervision note, also added to the case (督办)")
