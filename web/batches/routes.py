"""/batches: demonstration batches 示范诉讼/示范调解 — open, add parallel cases, choose the lead,
adopt its decision as the standard, offer it to each parallel case, record each answer, close;
lists with each batch's figures, one batch and its history. A batch outside the reader's region
answers 404, as an unknown id does."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from application import batches as acts
from domain import batch as batch_domain
from domain.errors import AccessDenied
from domain.reference import Actor
from projections.batch_pages import batch_page
from projections.batch_views import list_batches
from projections.runner import ProjectionFailed
from web.auth import current_actor, mask_personal, require_covers
from web.batches import schemas as s
from web.context import POSITION_HEADER, fresh_views, ledger, projection_failed, runner
from web.errors import HEADERS_KEY, ErrorSchema
from web.instruments.routes import (
    _HEADERS,
    _history,
    _keyed,
    _replayed,
    _split,
    _views_position,
    command_answer,
    command_doc,
)
from web.openapi_headers import IDEMPOTENCY_KEY, LEDGER_POSITION

batches = Blueprint(
    "batches", __name__,
    description="Demonstration batches (示范诉讼/示范调解): parallel disputes against one respondent or project "
    "follow a lead case's decision.",
)  # fmt: skip
_NOT_FOUND = "no such batch in your region"


def _reader() -> Actor:
    actor = current_actor()
    if actor.role not in batch_domain.READ_ROLES:
        raise AccessDenied(f"role {actor.role} may not read demonstration batches")
    return actor


def _page(actor: Actor, batch_id: Any) -> dict[str, Any]:
    # The standard's terms are the lead case's words: numbers shaped like phones or id numbers
    # in them are masked for every role (the lead case itself serves them to its handlers).
    with fresh_views() as cur:
        return mask_personal(batch_page(ledger(), cur, actor, batch_id, views_position=_views_position(cur)))  # type: ignore[no-any-return]


def _answer(actor: Actor, batch_id: Any, position: int, status: int = 200) -> Any:
    # The figures come from the views: the answer waits for its own write there, as a follower
    # may not have projected it yet (a worker catches up itself, exactly once either way).
    try:
        runner().catch_up(until=position)
    except ProjectionFailed as e:
        raise projection_failed(e) from None
    page = _page(actor, batch_id)
    page["position"] = position
    return page, status, {"ETag": f'"{page["version"]}"', POSITION_HEADER: str(position)}


@batches.route("")
class Batches(MethodView):
    @batches.doc(operationId="list_batches", **{HEADERS_KEY: [LEDGER_POSITION]})
    @batches.arguments(s.BatchListQuery, location="query")
    @batches.response(200, s.BatchList)
    @batches.alt_response(403, schema=ErrorSchema, description="role may not read batches, or region outside your scope")
    @batches.alt_response(422, schema=ErrorSchema, description="unknown region")
    def get(self, query: dict[str, Any]) -> Any:
        """Batches inside your region, newest first, each with its figures"""
        actor = _reader()
        case, region = query.get("case"), query.get("region")
        if region:
            path = ledger().region_path("region", region, levels=("county", "town", "village"))
            require_covers(actor, path, f"region {region}")
        with fresh_views() as cur:
            items = list_batches(cur, scope=actor.region_path, status=query.get("status"),
                                 case=None if case is None else str(case), region=query.get("region"))  # fmt: skip
        return {"items": items}

    @batches.doc(operationId="open_batch", **{HEADERS_KEY: [IDEMPOTENCY_KEY]})
    @batches.arguments(s.OpenBatchBody)
    @batches.response(201, s.BatchPage, headers=_HEADERS)
    @batches.alt_response(403, schema=ErrorSchema, description="role may not open batches, or region outside your scope")
    @batches.alt_response(422, schema=ErrorSchema, description="invalid value (e.g. a credit code whose check character fails)")
    def post(self, body: dict[str, Any]) -> Any:
        """Open a batch of parallel disputes against one respondent (name and credit code) or one project"""
        actor = current_actor()
        key, replayed = _keyed(actor)
        occurred_at, note, args = _split(body)
        found, position = acts.open_batch(ledger(), actor, occurred_at=occurred_at, note=note, key=key, **args)
        return _replayed(_answer(actor, found.id, position, 201), replayed)


@batches.route("/<batch_id>")
class OneBatch(MethodView):
    @batches.doc(operationId="get_batch", **{HEADERS_KEY: [LEDGER_POSITION]})
    @batches.response(200, s.BatchPage)
    @batches.alt_response(404, schema=ErrorSchema, description=_NOT_FOUND)
    @batches.alt_response(403, schema=ErrorSchema, description="role may not read batches")
    def get(self, batch_id: str) -> Any:
        """One batch: its standard, each case's offer and answer, and its figures"""
        actor = _reader()
        found = acts.read_batch(ledger(), actor, batch_id)
        return _page(actor, found.id)


@batches.route("/<batch_id>/history")
class BatchHistory(MethodView):
    @batches.doc(operationId="get_batch_history")
    @batches.response(200, s.InstrumentHistory)
    @batches.alt_response(404, schema=ErrorSchema, description=_NOT_FOUND)
    @batches.alt_response(403, schema=ErrorSchema, description="role may not read batches")
    def get(self, batch_id: str) -> Any:
        """Every event of one batch with its hash: per case, who offered the standard and who recorded each answer"""
        events = acts.batch_history(ledger(), _reader(), batch_id)
        return mask_personal(_history(events, batch_domain.EVENTS, events[0].originator_id))


def _command(batch_id: str, command: str, body: dict[str, Any]) -> Any:
    body = dict(body)
    if body.get("case_ids") is not None:
        body["case_ids"] = [str(c) for c in body["case_ids"]]
    if body.get("case_id") is not None:
        body["case_id"] = str(body["case_id"])
    return command_answer(acts.batch_command, lambda a, found, at: _answer(a, found.id, at), batch_id, command, body)


def _doc(operation: str) -> Any:
    return command_doc(batches, operation, s.BatchPage, _NOT_FOUND, invalid="invalid value, e.g. an unknown case")


@batches.route("/<batch_id>/add-cases")
class AddCases(MethodView):
    @batches.arguments(s.CasesBody)
    @_doc("batch_add_cases")
    def post(self, body: dict[str, Any], batch_id: str) -> Any:
        """Add parallel cases (each in your region and the batch's, against its respondent, in no other open batch)"""
        return _command(batch_id, "add_cases", body)


@batches.route("/<batch_id>/choose-lead")
class ChooseLead(MethodView):
    @batches.arguments(s.CaseBody)
    @_doc("batch_choose_lead")
    def post(self, body: dict[str, Any], batch_id: str) -> Any:
        """Choose the lead case (示范案件) among the batch's cases"""
        return _command(batch_id, "choose_lead", body)


@batches.route("/<batch_id>/adopt-standard")
class AdoptStandard(MethodView):
    @batches.arguments(s.CommandSchema)
    @_doc("batch_adopt_standard")
    def post(self, body: dict[str, Any], batch_id: str) -> Any:
        """Make the lead's decision the batch standard, read from the lead case (agreement, judgment or court mediation)

        Nothing of the decision is sent: a lead case not decided yet is refused with 409.
        """
        return _command(batch_id, "adopt_standard", body)


@batches.route("/<batch_id>/offer")
class Offer(MethodView):
    @batches.arguments(s.OfferBody)
    @_doc("batch_offer")
    def post(self, body: dict[str, Any], batch_id: str) -> Any:
        """Offer the standard to parallel cases: one attributed event per case"""
        return _command(batch_id, "offer", body)


@batches.route("/<batch_id>/record-acceptance")
class RecordAcceptance(MethodView):
    @batches.arguments(s.CaseBody)
    @_doc("batch_record_acceptance")
    def post(self, body: dict[str, Any], batch_id: str) -> Any:
        """Record that a parallel case accepted the lead's terms"""
        return _command(batch_id, "record_acceptance", body)


@batches.route("/<batch_id>/record-refusal")
class RecordRefusal(MethodView):
    @batches.arguments(s.RefusalBody)
    @_doc("batch_record_refusal")
    def post(self, body: dict[str, Any], batch_id: str) -> Any:
        """Record that a parallel case refused the lead's terms, with the reason"""
        return _command(batch_id, "record_refusal", body)


@batches.route("/<batch_id>/close")
class Close(MethodView):
    @batches.arguments(s.BatchReasonBody)
    @_doc("batch_close")
    def post(self, body: dict[str, Any], batch_id: str) -> Any:
        """Close the batch; its cases may then join another"""
        return _command(batch_id, "close", body)
