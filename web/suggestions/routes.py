"""/suggestions: judicial suggestions and the 三书一函 — drafted, reviewed, issued under a
number, delivered, followed until the reply, revisited, archived; lists and indicators. A
suggestion outside the reader's region answers 404, as an unknown id does."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from application import suggestions as acts
from application.config import county_tz
from domain import suggestion as rules
from projections.governance import litigation_domicile, litigation_kinds
from projections.periods import Period
from projections.suggestions import list_suggestions, suggestion_indicators
from web.auth import current_actor
from web.context import POSITION_HEADER, fresh_views, ledger
from web.errors import HEADERS_KEY, ErrorSchema
from web.instruments.routes import _HEADERS, _keyed, _replayed, _split, _today, command_answer
from web.instruments.routes import _history as history_answer
from web.openapi_headers import IDEMPOTENCY_KEY, IF_MATCH, LEDGER_POSITION
from web.suggestions import schemas as s

suggestions = Blueprint(
    "suggestions", __name__, description="Judicial suggestions and the 三书一函 (监察建议书, 司法建议书, 检察建议书, 公安提示函)."
)

_409 = (
    "illegal_transition (e.g. a reply before delivery), rule_violation (e.g. escalating a reply not yet late) "
    "or version_conflict"
)


def _answer(found: Any, position: int, status: int = 200) -> Any:
    page = acts.suggestion_page(ledger(), found, _today())
    page["position"] = position
    return page, status, {"ETag": f'"{found.version}"', POSITION_HEADER: str(position)}


@suggestions.route("")
class Suggestions(MethodView):
    @suggestions.doc(operationId="list_suggestions", **{HEADERS_KEY: [LEDGER_POSITION]})
    @suggestions.arguments(s.SuggestionListQuery, location="query")
    @suggestions.response(200, s.SuggestionList)
    @suggestions.alt_response(403, schema=ErrorSchema, description="role may not read suggestions, or region outside your scope")
    @suggestions.alt_response(422, schema=ErrorSchema, description="unknown region")
    def get(self, query: dict[str, Any]) -> Any:
        """Suggestions about a region and the regions under it, newest draft first, each with its reply's standing today"""
        actor = current_actor()
        acts.may_read(actor)
        path = acts.scoped_region(ledger(), actor, query.get("region"))
        with fresh_views() as cur:
            items = list_suggestions(cur, today=_today(), region_path=path, status=query.get("status"),
                                     kind=query.get("kind"), category=query.get("category"),
                                     overdue=query.get("overdue"))  # fmt: skip
        return {"today": _today().isoformat(), "items": items}

    @suggestions.doc(operationId="draft_suggestion", **{HEADERS_KEY: [IDEMPOTENCY_KEY]})
    @suggestions.arguments(s.SuggestionDraftBody)
    @suggestions.response(201, s.SuggestionPage, headers=_HEADERS)
    @suggestions.alt_response(403, schema=ErrorSchema, description="role may not draft, or region outside your scope")
    @suggestions.alt_response(422, schema=ErrorSchema, description="invalid value, an unknown case or issuer")
    def post(self, body: dict[str, Any]) -> Any:
        """Draft a suggestion from a class of cases (category, region, the linked cases)"""
        actor = current_actor()
        key, replayed = _keyed(actor)
        occurred_at, note, args = _split(body)
        found, position = acts.draft_suggestion(ledger(), actor, occurred_at=occurred_at, note=note, key=key, **args)
        return _replayed(_answer(found, position, 201), replayed)


@suggestions.route("/indicators")
class SuggestionIndicators(MethodView):
    @suggestions.doc(operationId="get_suggestion_indicators", **{HEADERS_KEY: [LEDGER_POSITION]})
    @suggestions.arguments(s.SuggestionIndicatorQuery, location="query")
    @suggestions.response(200, s.SuggestionIndicators)
    @suggestions.alt_response(403, schema=ErrorSchema, description="role may not read suggestions, or region outside your scope")
    @suggestions.alt_response(422, schema=ErrorSchema, description="unknown region or period")
    def get(self, query: dict[str, Any]) -> Any:
        """Issued, replied, 反馈率, adoption rate, overdue replies, and the class's court filings before and after delivery"""
        actor = current_actor()
        acts.may_read(actor)
        path = acts.scoped_region(ledger(), actor, query.get("region"))
        period = Period.parse(query["period"])
        with fresh_views() as cur:
            return suggestion_indicators(cur, region_path=path, period=period, today=_today(), tz=county_tz(),
                                         domicile=litigation_domicile(), kinds=litigation_kinds())  # fmt: skip


@suggestions.route("/<suggestion_id>")
class OneSuggestion(MethodView):
    @suggestions.doc(operationId="get_suggestion")
    @suggestions.response(200, s.SuggestionPage)
    @suggestions.alt_response(404, schema=ErrorSchema, description="no such suggestion in your region")
    @suggestions.alt_response(403, schema=ErrorSchema, description="role may not read suggestions")
    def get(self, suggestion_id: str) -> Any:
        """One suggestion with its number, reply standing and the labels of its events"""
        return _answer(acts.read_suggestion(ledger(), current_actor(), suggestion_id), 0)[0]


@suggestions.route("/<suggestion_id>/history")
class SuggestionHistory(MethodView):
    @suggestions.doc(operationId="get_suggestion_history")
    @suggestions.response(200, s.InstrumentHistory)
    @suggestions.alt_response(404, schema=ErrorSchema, description="no such suggestion in your region")
    @suggestions.alt_response(403, schema=ErrorSchema, description="role may not read suggestions")
    def get(self, suggestion_id: str) -> Any:
        """Every event of one suggestion with its hash"""
        events = acts.suggestion_history(ledger(), current_actor(), suggestion_id)
        return history_answer(events, rules.EVENTS, events[0].originator_id)


def _command(suggestion_id: str, command: str, body: dict[str, Any]) -> Any:
    return command_answer(acts.suggestion_command, lambda _, found, at: _answer(found, at), suggestion_id, command, body)


def _route(command: str, body: type, summary: str) -> None:
    """One POST /<id>/<command> operation (its docstring is the OpenAPI summary)."""
    path = command.replace("_", "-")

    def post(self: Any, payload: dict[str, Any], suggestion_id: str) -> Any:
        return _command(suggestion_id, command, payload)

    post.__doc__ = summary
    for decorate in (
        suggestions.alt_response(409, schema=ErrorSchema, description=_409),
        suggestions.alt_response(404, schema=ErrorSchema, description="no such suggestion in your region"),
        suggestions.alt_response(403, schema=ErrorSchema, description="role may not"),
        suggestions.response(200, s.SuggestionPage, headers=_HEADERS),
        suggestions.doc(operationId=f"suggestion_{command}", **{HEADERS_KEY: [IF_MATCH, IDEMPOTENCY_KEY]}),
        suggestions.arguments(body),
    ):
        post = decorate(post)
    view = type(f"Suggestion_{command}", (MethodView,), {"post": post})
    suggestions.route(f"/<suggestion_id>/{path}")(view)


for _command_name, _body, _summary in (
    ("review", s.SuggestionReviewBody, "Review the draft (审核), by someone other than its drafter"),
    ("issue", s.SuggestionIssueBody, "Issue (签发) under the next number of its county, kind and year, e.g. (2026)甘1199司建1号"),
    ("deliver", s.SuggestionDeliverBody, "Record delivery (送达) with proof of service; the reply falls due 60 days later unless set"),
    ("remind", s.SuggestionRemindBody, "Remind the recipient (催复)"),
    ("escalate", s.SuggestionEscalateBody, "Tell the recipient's superior that the reply is late (once, only when it is late)"),
    ("record_reply", s.SuggestionReplyBody, "Record the recipient's reply: adopted, partly or not adopted, with its measures"),
    ("revisit", s.SuggestionRevisitBody, "Record a revisit (回访) of the measures taken"),
    ("archive", s.SuggestionArchiveBody, "Archive (归档)"),
):
    _route(_command_name, _body, _summary)
