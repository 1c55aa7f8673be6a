"""/cards (红黄牌) and /villages/no-litigation (无讼村创建): commands, lists, one instrument and
its history. An instrument outside the reader's region answers 404, as an unknown id does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from application import instruments as acts
from application.config import county_tz
from domain import card as card_domain
from domain import no_litigation as village_domain
from domain.errors import AccessDenied, InvalidValue
from domain.integrity import event_hash
from domain.reference import Actor
from projections import governance
from projections.instruments import card_summary, coverage, list_cards, list_villages
from web.auth import current_actor, require_covers
from web.context import POSITION_HEADER, fresh_views, ledger, now, runner
from web.disputes.routes import _expected_version
from web.errors import HEADERS_KEY, ErrorSchema, kebab
from web.idempotency import REPLAYED_HEADER, request_key
from web.instruments import schemas as s
from web.openapi_headers import IDEMPOTENCY_KEY, IF_MATCH, LEDGER_POSITION

cards = Blueprint("cards", __name__, description="Red and yellow cards (红黄牌) issued to towns and departments.")
villages = Blueprint("villages", __name__, description="无讼村创建: enrolment, assessment, naming, revocation.")

_409 = "illegal_transition (the state machine refuses the command) or rule_violation or version_conflict"
_HEADERS = {POSITION_HEADER: {"description": "store position of the write", "schema": {"type": "integer"}}}


def _today() -> date:
    return now().astimezone(county_tz()).date()


def _reader(roles: frozenset[str], what: str) -> Actor:
    actor = current_actor()
    if actor.role not in roles:
        raise AccessDenied(f"role {actor.role} may not read {what}")
    return actor


def _county(actor: Actor, asked: str | None) -> str:
    counties = sorted(r.code for r in ledger().regions().regions.values() if r.level == "county")
    county = (asked or (actor.region_path[0] if actor.region_path else (counties[0] if counties else ""))).strip()
    if county not in counties:
        raise InvalidValue("county", f"unknown county {county!r}; one of: {', '.join(counties) or 'none loaded'}")
    if actor.region_path and actor.region_path[0] != county:
        require_covers(actor, [county], f"county {county}")
    return county


def _keyed(actor: Actor) -> tuple[Any, bool]:
    """The request's Idempotency-Key, and whether a first request with it was already committed
    (then the command answers what that one wrote and writes nothing)."""
    key = request_key(actor)
    return key, key is not None and acts.replay(ledger(), key) is not None


def _replayed(answer: Any, replayed: bool) -> Any:
    if replayed:
        answer[2][REPLAYED_HEADER] = "true"
    return answer


def _split(body: dict[str, Any]) -> tuple[Any, Any, dict[str, Any]]:
    args = dict(body)
    return args.pop("occurred_at", None), args.pop("note", None), args


def command_answer(
    run: Callable[..., tuple[Any, int]], answer: Callable[[Actor, Any, int], Any], ident: object, command: str,
    body: dict[str, Any],
) -> Any:
    """One command on an instrument as every instrument's API takes it: ``run(ledger, actor, ident,
    command, ...)`` with the request's If-Match and Idempotency-Key and the body's occurred_at and
    note; answered by ``answer(actor, instrument, position)`` (a retry: marked replayed)."""
    actor = current_actor()
    key, replayed = _keyed(actor)
    occurred_at, note, args = _split(body)
    found, position = run(ledger(), actor, ident, command, expected_version=_expected_version(),
                          occurred_at=occurred_at, note=note, key=key, **args)  # fmt: skip
    return _replayed(answer(actor, found, position), replayed)


def _views_position(cur: Any) -> int:
    return runner().views.generation_and_position(cur)[1]


def _history(events: list[Any], labels: dict[str, tuple[str, str]], stream_id: Any) -> dict[str, Any]:
    entries = []
    for e in events:
        command, label = labels[type(e).__name__]
        entry = history_entry_plain(e)
        entry.update(command=kebab(command), label=label)
        entries.append(entry)
    return {"id": str(stream_id), "events": entries}


def history_entry_plain(e: Any) -> dict[str, Any]:
    from web.json import plain

    envelope = {"originator_id", "originator_version", "timestamp", "occurred_at", "actor_id", "actor_role",
                "note", "prev_hash"}  # fmt: skip
    return {
        "seq": e.originator_version,
        "type": type(e).__name__,
        "occurred_at": e.occurred_at,
        "recorded_at": e.timestamp,
        "actor_id": e.actor_id,
        "actor_role": e.actor_role,
        "note": e.note,
        "payload": plain({k: v for k, v in vars(e).items() if k not in envelope}),
        "prev_hash": getattr(e, "prev_hash", None),
        "hash": event_hash(e),
    }


# ---------------------------------------------------------------------- cards


def card_listing(actor: Actor, query: dict[str, Any]) -> dict[str, Any]:
    """The cards of the actor's county (a town's actor: its own town's), as GET /cards and the
    pages list them."""
    county = _county(actor, query.get("county"))
    town = actor.region_path[1] if len(actor.region_path) > 1 else None
    with fresh_views() as cur:
        items = list_cards(cur, today=_today(), county=county, town=town, period=query.get("period"),
                           status=query.get("status"), target=query.get("target"))  # fmt: skip
    return {"today": _today().isoformat(), "items": items}


def card_view(actor: Actor, card_id: object, as_of: Any = None) -> dict[str, Any]:
    """One card with its frozen basis beside today's figures (GET /cards/<id> and its page);
    ``as_of``: as the ledger knew it then."""
    with fresh_views() as cur:
        return governance.card_page(ledger(), cur, actor, card_id, today=_today(), position=_views_position(cur),
                                    as_of=as_of)  # fmt: skip


def _card_answer(actor: Actor, card_id: Any, position: int, status: int = 200) -> Any:
    page = {**card_view(actor, card_id), "position": position}
    return page, status, {"ETag": f'"{page["version"]}"', POSITION_HEADER: str(position)}


@cards.route("")
class Cards(MethodView):
    @cards.doc(operationId="list_cards", **{HEADERS_KEY: [LEDGER_POSITION]})
    @cards.arguments(s.CardListQuery, location="query")
    @cards.response(200, s.CardList)
    @cards.alt_response(403, schema=ErrorSchema, description="role may not read cards, or county outside your scope")
    def get(self, query: dict[str, Any]) -> Any:
        """Cards issued in a county, newest first, each with its rectification standing today"""
        return card_listing(_reader(card_domain.READ_ROLES, "cards"), query)

    @cards.doc(operationId="issue_card", **{HEADERS_KEY: [LEDGER_POSITION, IDEMPOTENCY_KEY]})
    @cards.arguments(s.IssueCardBody)
    @cards.response(201, s.CardPage, headers=_HEADERS)
    @cards.alt_response(403, schema=ErrorSchema, description="role may not issue cards, or target outside your scope")
    @cards.alt_response(422, schema=ErrorSchema, description="invalid value, or no card proposed for the town")
    def post(self, body: dict[str, Any]) -> Any:
        """Issue a card: to a town on the proposal computed now (its figures frozen), or to a department

        The client chooses the town and period (and may choose a milder level than proposed);
        the reasons and figures are read by the server from the views, with their position.
        """
        actor = current_actor()
        key, replayed = _keyed(actor)
        occurred_at, note, args = _split(body)
        with fresh_views() as cur:
            card, position = governance.issue_card(
                ledger(), cur, actor, position=_views_position(cur), now=now(), occurred_at=occurred_at,
                note=note, key=key, **args,
            )  # fmt: skip
        return _replayed(_card_answer(actor, card.id, position, 201), replayed)


@cards.route("/proposals")
class CardProposals(MethodView):
    @cards.doc(operationId="get_card_proposals", **{HEADERS_KEY: [LEDGER_POSITION]})
    @cards.arguments(s.ProposalQuery, location="query")
    @cards.response(200, s.Proposals)
    @cards.alt_response(403, schema=ErrorSchema, description="role may not read cards")
    def get(self, query: dict[str, Any]) -> Any:
        """The cards the §6 rules propose for each town of a county and period (a second yellow
        within a year is proposed red)"""
        actor = _reader(card_domain.READ_ROLES, "cards")
        county = _county(actor, query.get("county"))
        with fresh_views() as cur:
            table = governance.proposals(cur, county=county, period=query["period"], now=now())
            table["views_position"] = _views_position(cur)
        if len(actor.region_path) > 1:
            table["towns"] = [t for t in table["towns"] if t["region_code"] == actor.region_path[1]]
        return table


@cards.route("/summary")
class CardSummary(MethodView):
    @cards.doc(operationId="get_card_summary", **{HEADERS_KEY: [LEDGER_POSITION]})
    @cards.arguments(s.PeriodQuery, location="query")
    @cards.response(200, s.CardSummary)
    @cards.alt_response(403, schema=ErrorSchema, description="role may not read cards")
    def get(self, query: dict[str, Any]) -> Any:
        """Towns and departments carded, open cards and overdue rectifications, for a period"""
        actor = _reader(card_domain.READ_ROLES, "cards")
        county = _county(actor, query.get("county"))
        with fresh_views() as cur:
            town = actor.region_path[1] if len(actor.region_path) > 1 else None
            return card_summary(cur, county=county, period=query.get("period"), today=_today(), town=town)


@cards.route("/<card_id>")
class OneCard(MethodView):
    @cards.doc(operationId="get_card", **{HEADERS_KEY: [LEDGER_POSITION]})
    @cards.arguments(s.AsOfQuery, location="query")
    @cards.response(200, s.CardPage)
    @cards.alt_response(404, schema=ErrorSchema, description="no such card in your region (or not yet at as_of)")
    @cards.alt_response(403, schema=ErrorSchema, description="role may not read these instruments")
    def get(self, query: dict[str, Any], card_id: str) -> Any:
        """One card: its frozen basis beside today's figures of the same town and period

        `as_of`: the card as the ledger knew it at that recorded instant (from its events recorded
        by then, as a case's `as_of`), its rectification judged on that day, and the town's figures
        as the views held them then.
        """
        return {**card_view(current_actor(), card_id, query.get("as_of")), "position": 0}


@cards.route("/<card_id>/history")
class CardHistory(MethodView):
    @cards.doc(operationId="get_card_history")
    @cards.response(200, s.InstrumentHistory)
    @cards.alt_response(404, schema=ErrorSchema, description="no such card in your region")
    @cards.alt_response(403, schema=ErrorSchema, description="role may not read these instruments")
    def get(self, card_id: str) -> Any:
        """Every event of one card with its hash"""
        events = acts.card_history(ledger(), current_actor(), card_id)
        return _history(events, card_domain.EVENTS, events[0].originator_id)


def _card_command(card_id: str, command: str, body: dict[str, Any]) -> Any:
    return command_answer(acts.card_command, lambda a, card, at: _card_answer(a, card.id, at), card_id, command, body)


def command_doc(
    blp: Blueprint, operation: str, page: Any, missing: str, conflict: str = _409, *, invalid: str | None = None
) -> Any:
    """The OpenAPI of one instrument command: its answer, refusals (403, 404, 409, and 422 when
    the body can name something that does not exist), If-Match and Idempotency-Key."""

    def wrap(f: Any) -> Any:
        decorators = [
            blp.alt_response(409, schema=ErrorSchema, description=conflict),
            blp.alt_response(404, schema=ErrorSchema, description=missing),
            blp.alt_response(403, schema=ErrorSchema, description="role may not"),
            blp.response(200, page, headers=_HEADERS),
            blp.doc(operationId=operation, **{HEADERS_KEY: [IF_MATCH, IDEMPOTENCY_KEY]}),
        ]
        if invalid is not None:
            decorators.insert(0, blp.alt_response(422, schema=ErrorSchema, description=invalid))
        for decorate in decorators:
            f = decorate(f)
        return f

    return wrap


def _card_doc(operation: str) -> Any:
    return command_doc(cards, operation, s.CardPage, "no such card in your region")


@cards.route("/<card_id>/hold-talk")
class HoldTalk(MethodView):
    @cards.arguments(s.HoldTalkBody)
    @_card_doc("card_hold_talk")
    def post(self, body: dict[str, Any], card_id: str) -> Any:
        """Record a talk (约谈) with its date, minutes and attendees"""
        return _card_command(card_id, "hold_talk", body)


@cards.route("/<card_id>/file-plan")
class FilePlan(MethodView):
    @cards.arguments(s.FilePlanBody)
    @_card_doc("card_file_plan")
    def post(self, body: dict[str, Any], card_id: str) -> Any:
        """File the rectification plan (整改方案); filed after its due date it shows as filed_late"""
        return _card_command(card_id, "file_plan", body)


@cards.route("/<card_id>/lift")
class Lift(MethodView):
    @cards.arguments(s.CardReasonBody)
    @_card_doc("card_lift")
    def post(self, body: dict[str, Any], card_id: str) -> Any:
        """Lift the card after review of the rectification (摘牌)"""
        return _card_command(card_id, "lift", body)


@cards.route("/<card_id>/escalate")
class Escalate(MethodView):
    @cards.arguments(s.CardReasonBody)
    @_card_doc("card_escalate")
    def post(self, body: dict[str, Any], card_id: str) -> Any:
        """Escalate a yellow card to red"""
        return _card_command(card_id, "escalate", body)


# ---------------------------------------------------------------------- 无讼村


def _village_page(found: Any, position: int) -> dict[str, Any]:
    events: list[Any] = list(ledger().events.get(found.id, lte=found.version))
    return {
        "id": str(found.id),
        "version": found.version,
        "position": position,
        "village_code": found.village_code,
        "village_name": found.village_name,
        "enrol_year": found.year,
        "sponsor_code": found.sponsor_code,
        "sponsor_name": found.sponsor_name,
        "status": found.status,
        "status_label": village_domain.STATES[found.status],
        "named_year": found.named_year,
        "revoked_year": found.revoked_year,
        "allowed_commands": sorted(kebab(c) for c in found.allowed_commands()),
        "assessments": [
            {"year": e.year, "complete": e.complete, "passed": e.passed, "evidence": e.evidence,
             "assessed_at": e.occurred_at.isoformat(), "assessed_by": e.actor_id}
            for e in events if type(e).__name__ == "Assessed"
        ],  # fmt: skip
    }


def _village_answer(found: Any, position: int, status: int = 200) -> Any:
    return _village_page(found, position), status, {"ETag": f'"{found.version}"', POSITION_HEADER: str(position)}


def village_listing(actor: Actor, query: dict[str, Any]) -> dict[str, Any]:
    """Enrolled villages of the actor's county with coverage toward the target (GET
    /villages/no-litigation and its page); a town's actor sees its own villages only."""
    county = _county(actor, query.get("county"))
    year = query.get("year")
    target_year, share = acts.no_litigation_target()
    with fresh_views() as cur:
        items = list_villages(cur, county=county, year=year)
        progress = coverage(cur, county=county, target_year=target_year, target_share=share)
    if len(actor.region_path) > 1:
        items = [i for i in items if actor.covers([i["county_code"], i["town_code"], i["village_code"]])]
    return {"county": county, "year": year, "progress": progress, "items": items}


def _village_reply(actor: Actor, found: Any, position: int) -> Any:
    return _village_answer(found, position)


def village_view(actor: Actor, village: object, as_of: Any = None) -> dict[str, Any]:
    """One enrolled village with every assessment's evidence (``as_of``: as the ledger knew it then)."""
    return _village_page(acts.read_village(ledger(), actor, village, as_of), 0)


@villages.route("")
class Villages(MethodView):
    @villages.doc(operationId="list_no_litigation_villages", **{HEADERS_KEY: [LEDGER_POSITION]})
    @villages.arguments(s.VillageQuery, location="query")
    @villages.response(200, s.VillageList)
    @villages.alt_response(403, schema=ErrorSchema, description="role may not read, or county outside your scope")
    def get(self, query: dict[str, Any]) -> Any:
        """Enrolled, named and revoked villages of a county, with coverage progress toward the target"""
        return village_listing(_reader(village_domain.READ_ROLES, "无讼村"), query)

    @villages.doc(operationId="enrol_no_litigation_village", **{HEADERS_KEY: [IDEMPOTENCY_KEY]})
    @villages.arguments(s.EnrolBody)
    @villages.response(201, s.VillagePage, headers=_HEADERS)
    @villages.alt_response(403, schema=ErrorSchema, description="role may not enrol, or village outside your scope")
    @villages.alt_response(422, schema=ErrorSchema, description="invalid value, or the village is already enrolled")
    def post(self, body: dict[str, Any]) -> Any:
        """Enrol a village in the programme for a year with its sponsoring unit"""
        actor = current_actor()
        key, replayed = _keyed(actor)
        occurred_at, note, args = _split(body)
        found, position = acts.enrol_village(ledger(), actor, occurred_at=occurred_at, note=note, key=key, **args)
        return _replayed(_village_answer(found, position, 201), replayed)


@villages.route("/<village>")
class OneVillage(MethodView):
    @villages.doc(operationId="get_no_litigation_village")
    @villages.arguments(s.AsOfQuery, location="query")
    @villages.response(200, s.VillagePage)
    @villages.alt_response(404, schema=ErrorSchema, description="no such enrolled village in your region (or not yet at as_of)")
    @villages.alt_response(403, schema=ErrorSchema, description="role may not read these instruments")
    def get(self, query: dict[str, Any], village: str) -> Any:
        """One enrolled village (by record id or village code) with every assessment's evidence

        `as_of`: as the ledger knew it at that recorded instant (its events recorded by then).
        """
        return village_view(current_actor(), village, query.get("as_of"))


@villages.route("/<village>/history")
class VillageHistory(MethodView):
    @villages.doc(operationId="get_no_litigation_village_history")
    @villages.response(200, s.InstrumentHistory)
    @villages.alt_response(404, schema=ErrorSchema, description="no such enrolled village in your region")
    @villages.alt_response(403, schema=ErrorSchema, description="role may not read these instruments")
    def get(self, village: str) -> Any:
        """Every event of one enrolled village with its hash"""
        events = acts.village_history(ledger(), current_actor(), village)
        return _history(events, village_domain.EVENTS, events[0].originator_id)


def _village_doc(operation: str) -> Any:
    return command_doc(villages, operation, s.VillagePage, "no such enrolled village in your region")


@villages.route("/<village>/assess")
class Assess(MethodView):
    @villages.arguments(s.YearBody)
    @_village_doc("assess_no_litigation_village")
    def post(self, body: dict[str, Any], village: str) -> Any:
        """Assess a year against the §6 criteria; the evidence found now is frozen in the event"""
        actor = current_actor()
        key, replayed = _keyed(actor)
        occurred_at, note, args = _split(body)
        with fresh_views() as cur:
            found, position = governance.assess_village(
                ledger(), cur, actor, village, year=args["year"], now=now(), tz=county_tz(),
                occurred_at=occurred_at, note=note, key=key,
            )  # fmt: skip
        return _replayed(_village_answer(found, position), replayed)


@villages.route("/<village>/name")
class Name(MethodView):
    @villages.arguments(s.YearBody)
    @_village_doc("name_no_litigation_village")
    def post(self, body: dict[str, Any], village: str) -> Any:
        """Name (命名) the village on a passing assessment of a complete year"""
        return command_answer(acts.village_command, _village_reply, village, "name", body)


@villages.route("/<village>/revoke")
class Revoke(MethodView):
    @villages.arguments(s.RevokeBody)
    @_village_doc("revoke_no_litigation_village")
    def post(self, body: dict[str, Any], village: str) -> Any:
        """Revoke the naming when a later year's assessment fails"""
        return command_answer(acts.village_command, _village_reply, village, "revoke", body)

