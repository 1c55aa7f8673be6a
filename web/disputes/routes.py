"""/disputes: report and every command of a case's life; lists, the state (now or as of any
instant) and the history of one case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from flask import Flask, Response, current_app, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.exceptions import MethodNotAllowed

from application.config import late_entry_hours
from application.errors import CaseNotFound
from application.ledger import CommandResult
from application.receipts import RequestKey
from domain.access import check_purpose
from domain.case import EVENTS, Case
from domain.codes import Role
from domain.errors import AccessDenied
from domain.integrity import event_hash
from domain.permissions import may_issue
from domain.reference import Actor
from projections.cases import case_row, judged, list_cases
from projections.store import Cursor
from web import idempotency
from web.auth import (
    current_actor,
    declared_purpose,
    disclose,
    disclose_case,
    present,
    require_case_in_scope,
    require_read,
)
from web.context import POSITION_HEADER, cached, fresh_views, ledger, now
from web.disputes import schemas as s
from web.disputes.queries import case_deadlines, parties_of
from web.disputes.state import from_case, from_row, history_entry
from web.errors import HEADERS_KEY, ApiError, ErrorSchema
from web.json import answer
from web.openapi_headers import ACCESS_PURPOSE, IDEMPOTENCY_KEY, IF_MATCH, LEDGER_POSITION, PURPOSE_403
from web.paging import page_of

blp = Blueprint(
    "disputes",
    __name__,
    description="Dispute cases (纠纷案件): the report, every command of a case's life, and queries.",
)

LABELS = {command: label for command, label in EVENTS.values()}
COMMAND_HEADERS = {
    "ETag": {"description": 'the case\'s new version, quoted: "7"', "schema": {"type": "string"}},
    POSITION_HEADER: {
        "description": "store position of the write; send it back on a query to read your own write",
        "schema": {"type": "integer"},
    },
    "Idempotent-Replayed": {
        "description": "true when the answer is the first answer to this Idempotency-Key (nothing was written)",
        "schema": {"type": "string", "enum": ["true"]},
    },
}


def _case_id(raw: str) -> str:
    try:
        return str(UUID(raw))
    except ValueError:
        raise CaseNotFound(raw) from None


def _expected_version() -> int | None:
    """If-Match: "7" (or 7) → the version the client expects the case to be at."""
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    value = raw.strip().removeprefix("W/").strip('"')
    # 18 digits: any version a case can reach, and never a number too long for int() to read.
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise ApiError(
            400,
            "bad_request",
            'If-Match must be the case version the client saw, e.g. "7"',
            errors={"If-Match": ['the case version from the ETag, e.g. "7"']},
        )
    return int(value)


def _prepare(actor: Actor, status: int) -> Callable[[Case], Prepared]:
    """Build the answer to a command from the case as it is about to be saved: everything in it
    that can fail (rendering, the schema's dump, masking, the URL) fails before the commit. Its
    instant is the command's own, so the answer replayed for a retry is the same answer."""

    def prepare(case: Case) -> Prepared:
        state = s.CaseState().dump(from_case(case, actor=actor, now=case.modified_on, position=None))
        headers = {"ETag": f'"{case.version}"'}
        if status == 201:
            headers["Location"] = url_for("disputes.Dispute", case_id=str(case.id))
        return Prepared(state, present(actor, state, disclosed=False), status, headers)

    return prepare


@dataclass(frozen=True)
class Prepared:
    state: dict[str, Any]
    masked: dict[str, Any]
    status: int
    headers: dict[str, str]

    def response(self, position: int, *, disclosed: bool) -> Response:
        """Nothing here can fail: plain JSON data written by orjson."""
        body = dict(self.state if disclosed else self.masked, position=position)
        response = Response(orjson.dumps(body), status=self.status, mimetype="application/json")
        response.headers.update(self.headers)
        response.headers[POSITION_HEADER] = str(position)
        return response


def _answer(actor: Actor, result: CommandResult, status: int) -> Response:
    """The answer to a command that is in the store (this request's, or the first request with
    its Idempotency-Key). The masked answer is made first and stands whatever fails after it;
    then the personal data is disclosed if it may be, and its reading logged."""
    prepared = result.prepared or _prepare(actor, status)(result.case)
    response = prepared.response(result.position, disclosed=False)
    if not result.replayed:
        idempotency.committed(response)
    try:
        disclosed = disclose_case(actor, result.case, acting=True)
    except Exception:
        # After the commit an error would tell the client that nothing was done. The answer
        # stays masked (the reader may ask for the case again); the failure is logged.
        current_app.logger.exception("disclosing the answer to a committed command failed; answered masked")
        disclosed = False
    if disclosed:
        response = prepared.response(result.position, disclosed=True)
        if not result.replayed:
            idempotency.committed(response)
    if result.replayed:
        response.headers[idempotency.REPLAYED_HEADER] = "true"
    return response


def _check_purpose() -> None:
    """A malformed X-Access-Purpose is refused before the command, not after its commit."""
    check_purpose(declared_purpose())


def _keyed(actor: Actor, key: RequestKey | None, status: int) -> None:
    """Should the request fail unexpectedly, its key tells whether the command got committed
    all the same; if so the 500 is replaced by the command's answer."""
    if key is None:
        return

    def answer_if_committed() -> Response | None:
        first = ledger().first_result(key)
        if first is None:
            return None
        return _answer(actor, replace(first, replayed=False), status)

    idempotency.on_unexpected_error(answer_if_committed)


def _split(body: dict[str, Any]) -> tuple[datetime | None, str | None, dict[str, Any]]:
    args = dict(body)
    return args.pop("occurred_at", None), args.pop("note", None), args


def listed_cases(actor: Actor, query: dict[str, Any], page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
    """One page of the cases inside the actor's region as GET /disputes and the case list page
    show them: kept per views position unless the clock decides which match (overdue), masked
    unless disclosed (the read access-logged as one listing entry)."""
    at = now()

    def page_rows(cur: Cursor) -> tuple[list[dict[str, Any]], int, dict[str, list[dict[str, Any]]]]:
        rows, total = list_cases(cur, scope=actor.region_path, now=at, page=page, per_page=per_page, **query)
        return rows, total, parties_of(cur, [r["id"] for r in rows])

    with fresh_views() as cur:
        if query.get("overdue") is None:  # with it, which cases match depends on the clock
            key = ("cases", tuple(actor.region_path), tuple(sorted(query.items())), page, per_page)
            rows, total, parties = cached(cur, key, page_rows)
        else:
            rows, total, parties = page_rows(cur)
    items = [from_row(r, actor=actor, parties=parties[r["id"]], deadlines=judged(r["deadlines"], at)) for r in rows]
    disclosed = disclose(actor, rows, listing=True)
    return present(actor, items, disclosed=disclosed), total


@blp.route("")
class Disputes(MethodView):
    @blp.doc(operationId="list_disputes", **{HEADERS_KEY: [ACCESS_PURPOSE, LEDGER_POSITION]})
    @blp.arguments(s.CaseListQuery, location="query")
    @blp.response(200, s.CasePage)
    def get(self, query: dict[str, Any]) -> Any:
        """List the cases inside your region, newest report first

        Filters combine; `overdue=true` keeps cases with a deadline pending and past due now.
        Each item's `deadlines` lists every deadline of the case as the detail does, met ones too,
        each with `open` (not met yet) and `overdue`. Parties are masked unless you handle every listed case or declare `X-Access-Purpose` (each listed case's access log
        then records the read).
        """
        actor = require_read("cases")
        query.pop("min_position", None)
        page, per_page = query.pop("page"), query.pop("per_page")
        items, total = listed_cases(actor, query, page, per_page)
        return answer(page_of(items, page=page, per_page=per_page, total=total))

    @blp.doc(operationId="report_dispute", **{HEADERS_KEY: [IDEMPOTENCY_KEY, ACCESS_PURPOSE]})
    @blp.arguments(s.ReportBody)
    @blp.response(201, s.CaseState, headers={**COMMAND_HEADERS, "Location": {"schema": {"type": "string"}}})
    @blp.alt_response(403, schema=ErrorSchema, description="role or region not allowed")
    def post(self, body: dict[str, Any]) -> Any:
        """Report a dispute (登记)

        Opens a case; answers 201 with its state and `Location`.
        An `Idempotency-Key` header makes a retry return the first answer and write nothing.
        """
        actor = current_actor()
        key = idempotency.request_key(actor)
        _check_purpose()
        _keyed(actor, key, 201)
        occurred_at, note, details = _split(body)
        result = ledger().report(
            actor, occurred_at=occurred_at, note=note, key=key, prepare=_prepare(actor, 201), **details
        )
        return _answer(actor, result, 201)


def _command_view(name: str, body: type[s.CommandSchema]) -> type[MethodView]:
    command = name.replace("-", "_")
    body_required = any(f.required for f in body().fields.values())

    class Command(MethodView):
        @blp.doc(operationId=f"dispute_{command}", **{HEADERS_KEY: [IF_MATCH, IDEMPOTENCY_KEY, ACCESS_PURPOSE]})
        @blp.arguments(body, required=body_required)
        @blp.response(200, s.CaseState, headers=COMMAND_HEADERS)
        @blp.alt_response(
            403, schema=ErrorSchema, description="role, region or handling organisation not allowed"
        )
        @blp.alt_response(404, schema=ErrorSchema, description="no such case")
        @blp.alt_response(
            409, schema=ErrorSchema, description="illegal transition, rule violation or If-Match mismatch"
        )
        def post(self, args: dict[str, Any], case_id: str) -> Any:
            actor = current_actor()
            key = idempotency.request_key(actor)
            expected_version = _expected_version()
            _check_purpose()
            _keyed(actor, key, 200)
            occurred_at, note, details = _split(args)
            result = ledger().execute(
                actor,
                _case_id(case_id),
                command,
                expected_version=expected_version,
                occurred_at=occurred_at,
                note=note,
                key=key,
                prepare=_prepare(actor, 200),
                **details,
            )
            return _answer(actor, result, 200)

    Command.post.__doc__ = (
        f'{name} ({LABELS[command]})\n\n`If-Match: "<version>"` refuses with 409 unless the case is at that '
        "version; `Idempotency-Key` makes a retry return the first answer and write nothing."
    )
    Command.__name__ = Command.__qualname__ = "".join(p.title() for p in name.split("-"))
    return Command


#: endpoint → command, for refusing a role before its body is even read
COMMAND_ENDPOINTS: dict[str, str] = {}
for _name, _body in s.COMMAND_BODIES.items():
    _view = _command_view(_name, _body)
    blp.route(f"/<case_id>/{_name}")(_view)
    COMMAND_ENDPOINTS[f"{blp.name}.{_view.__name__}"] = _name.replace("-", "_")
COMMAND_ENDPOINTS[f"{blp.name}.Disputes"] = "report"


@blp.before_request
def _role_may_issue() -> None:
    """A role that may never issue the command gets 403 rather than a list of body errors.
    (The Ledger checks it again, with the region and handling organisation.)"""
    command = COMMAND_ENDPOINTS.get(request.endpoint or "")
    if command and request.method == "POST":
        actor = current_actor()
        if not may_issue(Role(actor.role), command):
            raise AccessDenied(f"role {actor.role} may not {command}")


@blp.route("/<case_id>")
class Dispute(MethodView):
    @blp.doc(operationId="get_dispute", **{HEADERS_KEY: [ACCESS_PURPOSE, LEDGER_POSITION]})
    @blp.arguments(s.CaseQuery, location="query")
    @blp.response(200, s.CaseState, headers={"ETag": COMMAND_HEADERS["ETag"]})
    @blp.alt_response(403, schema=ErrorSchema, description=PURPOSE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="no such case in your region (or not yet at as_of)")
    def get(self, query: dict[str, Any], case_id: str) -> Any:
        """The state of one case, now or as of an instant

        Now: from the case views. `as_of`: rebuilt from the events recorded by then;
        `as_of_occurred`: from the events that had happened by then. Deadlines are judged overdue
        at that instant.
        """
        actor = require_read("cases")
        when = query.get("as_of") or query.get("as_of_occurred")
        if when is not None:
            state = _replayed(actor, _case_id(case_id), when, recorded=query.get("as_of") is not None)
        else:
            state = _current(actor, _case_id(case_id))
        return answer(present(actor, state, disclosed=state.pop("_disclosed")), 200, {"ETag": f'"{state["version"]}"'})


def _current(actor: Actor, case_id: str) -> dict[str, Any]:
    at = now()
    with fresh_views() as cur:
        row = case_row(cur, case_id)
        if row is None:
            raise CaseNotFound(case_id)
        require_case_in_scope(actor, row, case_id)
        deadlines = case_deadlines(cur, case_id, at)
    state = from_row(row, actor=actor, parties=row["parties"], deadlines=deadlines)
    state["_disclosed"] = disclose(actor, [row])
    return state


def _replayed(actor: Actor, case_id: str, when: datetime, *, recorded: bool) -> dict[str, Any]:
    current = ledger().read_case(actor, case_id)  # 404 unless the case is in scope now
    if recorded:
        state = ledger().case_as_of(case_id, recorded_at=when)
    else:
        state = ledger().case_as_of(case_id, occurred_at=when)
    if state is None:
        what = "recorded" if recorded else "reported as happened"
        raise ApiError(404, "not_found", f"case {case_id} had not been {what} by {when.isoformat()}")
    replayed = from_case(state, actor=actor, now=now(), position=None, as_of=min(when, now()))
    replayed["_disclosed"] = disclose_case(actor, current)
    return replayed


@blp.route("/<case_id>/history")
class DisputeHistory(MethodView):
    @blp.doc(operationId="get_dispute_history", **{HEADERS_KEY: [ACCESS_PURPOSE]})
    @blp.response(200, s.History)
    @blp.alt_response(403, schema=ErrorSchema, description=PURPOSE_403)
    @blp.alt_response(404, schema=ErrorSchema, description="no such case in your region")
    @blp.alt_response(422, schema=ErrorSchema, description="X-Access-Purpose is not valid text (invalid_value)")
    def get(self, case_id: str) -> Any:
        """Every event of one case, in order

        Each with when it happened and when it was recorded (`late` beyond LEDGER_LATE_ENTRY_HOURS),
        who did it, its payload and its link in the case's hash chain.
        """
        actor = require_read("cases")
        case = ledger().read_case(actor, _case_id(case_id))
        hours = late_entry_hours()
        events = [
            history_entry(e, late_after_hours=hours, hash_of=event_hash, source=case.source)
            for e in ledger().events.get(case.id)
        ]
        body = {"case_id": str(case.id), "late_entry_hours": hours, "events": events}
        return present(actor, body, disclosed=disclose_case(actor, case)), 200, {"ETag": f'"{case.version}"'}


def unknown_command(case_id: str, command: str) -> Response:
    if command == "history":
        raise MethodNotAllowed(valid_methods=["GET", "HEAD", "OPTIONS"])
    hint = ""
    if command.replace("_", "-") in s.COMMAND_BODIES:
        hint = f"; commands are written with hyphens: {command.replace('_', '-')}"
    raise ApiError(
        404,
        "unknown_command",
        f"no command {command!r}{hint}",
        errors={"command": [f"one of: {', '.join(s.COMMAND_BODIES)}"]},
    )


def register_fallbacks(app: Flask, prefix: str) -> None:
    """POST /disputes/{id}/{anything else}: a 404 that names the commands there are."""
    app.add_url_rule(
        f"{prefix}/<case_id>/<command>", "disputes_unknown_command", unknown_command, methods=["POST"]
    )
