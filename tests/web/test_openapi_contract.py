"""The API against its own OpenAPI document (/api/v1/openapi.json), with schemathesis.

The document must be valid OpenAPI 3.0. Then every operation in it is called with generated
requests (valid and invalid ones, a bounded number per operation and generation phase, the same
on every run) as an admin, on a store that already holds cases in several states, and every
answer must be as documented: no 5xx, a status the operation lists itself (``default`` is for
the unforeseen, not for the 400/401/403/404/409/422 a client must handle), the documented
content type, a body that matches the documented schema (which refuses undocumented fields),
and the documented headers. Generated ids and codes are mostly swapped for ones that exist, so
answers carry real data.

Beside the generated requests: every operation once for each standard actor (refusals by role,
region or purpose), and one request for each kind of refusal, whatever the generator reaches.

The document is read at collection (schemathesis' ``from_fixture`` loader does not run under
pytest 9: it sets ``Node._nodeid``, which pytest 9 no longer has); each test then calls the app
of its own world.
"""

from __future__ import annotations

import random
import tempfile
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from eventsourcing.persistence import OperationalError
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from application.config import StoreSettings
from tests.support import (
    COUNTY,
    COURT,
    OTHER_TOWN_VILLAGE,
    TOWN,
    TOWN_COMMITTEE,
    VILLAGE,
    VILLAGE_COMMITTEE,
    World,
)
from tests.web.helpers import API, BODIES, Http, report_body
from web import close_app, create_app

#: Generated requests per operation and generation phase; the module runs in about 25 s.
MAX_EXAMPLES = 20
#: An admin reading one case's personal data declares why (DESIGN.md §2, X-Access-Purpose).
PURPOSE = "contract test"
#: Values that exist in the standard world for fields that must name one (path, query, body).
KNOWN: dict[str, list[str]] = {
    "region_code": [VILLAGE, OTHER_TOWN_VILLAGE],
    "region": [COUNTY, TOWN, VILLAGE],
    "county": [COUNTY],
    "parent": [COUNTY, TOWN],
    "organisation_code": [VILLAGE_COMMITTEE, TOWN_COMMITTEE],
    "organisation": [VILLAGE_COMMITTEE],
    "court_code": [COURT],
    "period": ["2026", "2026-Q1", "2026-03"],
    "indicator": ["ledger_court_filings", "disputes_reported"],
    "town": [TOWN],
}
CASE_ID_FIELDS = ("case_id", "dispute_id", "dispute", "lead_id")


def _document() -> dict[str, Any]:
    """The app's own OpenAPI document. It depends on the code, not on the store, so it is read
    once at collection from an app on a throwaway store; the tests call the app of their own
    world, which holds the seeded cases."""
    with tempfile.TemporaryDirectory() as tmp:
        store = StoreSettings(sqlite_path=str(Path(tmp) / "ledger.sqlite3"), url=None, schema="public")
        app = create_app({"TESTING": True, "STORE_SETTINGS": store})
        try:
            response = app.test_client().get(f"{API}/openapi.json")
            assert response.status_code == 200, response.get_data(as_text=True)
            return response.json  # type: ignore[no-any-return]
        finally:
            close_app(app)


DOCUMENT = _document()
#: A fixed seed (with derandomize below): every run sends the same requests, so a failure reproduces.
schema = schemathesis.openapi.from_dict(
    DOCUMENT, config=schemathesis.Config.from_dict({"seed": 20260302, "cache": {"enabled": False}})
)


@pytest.fixture
def app_config() -> dict[str, Any]:
    # A min_position the views have not reached would otherwise hold each such request for 5 s.
    return {"READ_WAIT_SECONDS": 0.01}


@dataclass
class Seeded:
    """Ids that exist in the store, for path, query and body fields."""

    cases: dict[str, str]  # by what the seeding did to them
    actor_ids: list[str]

    @property
    def case_ids(self) -> list[str]:
        return list(self.cases.values())


@pytest.fixture
def seeded(http: Http, world: World) -> Seeded:
    """Cases in several states: reported, assigned, mediating, closed after a confirmed
    agreement, litigating with a risk, a supervision note and an incident, one in another town."""
    reported = http.report().json["id"]

    assigned = http.report(category="labour").json["id"]
    http.ok(assigned, "assign", "recorder")

    mediating = http.report(source="hotline").json["id"]
    for command, who in (("assign", "recorder"), ("accept", "mediator"), ("hold-session", "mediator")):
        http.ok(mediating, command, who)

    closed = http.report(category="family").json["id"]
    for command, who in (
        ("assign", "recorder"),
        ("accept", "mediator"),
        ("hold-session", "mediator"),
        ("record-agreement", "mediator"),
        ("request-confirmation", "mediator"),
        ("decide-confirmation", "judge"),
        ("close", "mediator"),
        ("follow-up", "mediator"),
    ):
        world.clock.advance(hours=2)
        http.ok(closed, command, who)

    litigating = http.report(category="private_lending").json["id"]
    http.ok(litigating, "assess-risk", "supervisor", {"level": "high", "flags": ["criminal_escalation"]})
    http.ok(
        litigating,
        "file-in-court",
        "judge",
        {"court_code": COURT, "court_case_number": "(2026)甘1199民初1号", "reason": "当事人起诉"},
    )
    http.ok(
        litigating,
        "add-supervision-note",
        "supervisor",
        {"instruction": "限期化解", "due_at": (world.clock.now + timedelta(days=3)).isoformat()},
    )
    http.ok(
        litigating,
        "report-incident",
        "supervisor",
        {"kind": "criminal_escalation", "description": "双方发生肢体冲突", "severity": "serious"},
    )

    elsewhere = http.report("other-recorder", region_code=OTHER_TOWN_VILLAGE).json["id"]
    world.clock.advance(days=5)  # some deadlines are overdue now
    cases = {
        "reported": reported,
        "assigned": assigned,
        "mediating": mediating,
        "closed": closed,
        "litigating": litigating,
        "elsewhere": elsewhere,
    }
    return Seeded(cases=cases, actor_ids=sorted(world.tokens))


def test_the_document_is_valid_openapi_3() -> None:
    assert DOCUMENT["openapi"].startswith("3.0."), DOCUMENT["openapi"]
    schema.validate()  # against the OpenAPI 3.0 meta-schema; raises on the first violation
    assert DOCUMENT["paths"], "the document lists no operations"
    for path, item in DOCUMENT["paths"].items():
        assert path.startswith(f"{API}/"), path
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"
            assert "default" in operation["responses"], f"{method.upper()} {path}: no default error"


def explicitly_documented(ctx: Any, response: Any, case: Any) -> bool | None:
    """The status is listed by the operation itself: ``default`` covers unforeseen failures
    (500), not the refusals a client is expected to handle."""
    status = str(response.status_code)
    if case.method.upper() != case.operation.method.upper():
        # A method the operation's path does not serve (the coverage phase tries them): 405,
        # except OPTIONS, which Flask answers for every route with the methods it allows.
        expected = "200" if case.method.upper() == "OPTIONS" else "405"
        allow = response.headers.get("allow")  # schemathesis: lower-case names, lists of values
        if status != expected or not allow:
            raise AssertionError(
                f"{case.method} {case.operation.path} answered {status} (Allow: {allow}), "
                f"not {expected} with an Allow header: {response.text[:300]}"
            )
        return None
    documented = set(case.operation.definition.raw["responses"])
    if status not in documented and f"{status[0]}XX" not in documented:
        raise AssertionError(
            f"{case.operation.label} answered {status}, which it does not document "
            f"(documents {', '.join(sorted(documented))}): {response.text[:500]}"
        )
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    explicitly_documented,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def _use_known_values(case: Any, seeded: Seeded, choose: random.Random) -> None:
    """Swap most generated ids and codes for ones that exist; the rest stay as generated."""
    known = {**KNOWN, **dict.fromkeys(CASE_ID_FIELDS, seeded.case_ids), "actor_id": seeded.actor_ids}
    for part in (case.path_parameters, case.query, case.body):
        if not isinstance(part, dict):
            continue
        for name in part.keys() & known.keys():
            if choose.random() < 0.75:
                part[name] = choose.choice(known[name])
    if isinstance(case.body, dict) and "occurred_at" in case.body and choose.random() < 0.5:
        del case.body["occurred_at"]  # now, which is never before the case's last event


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case: Any, app: Any, seeded: Seeded, world: World) -> None:
    # The swaps follow from the generated case, so a failure reproduces.
    choose = random.Random(repr((case.operation.label, case.path_parameters, case.query, case.body)))
    _use_known_values(case, seeded, choose)
    headers = {"Authorization": f"Bearer {world.tokens['admin']}"}
    if choose.random() < 0.75:  # mostly with a declared purpose; without, a case's details are 403
        headers["X-Access-Purpose"] = PURPOSE
    case.call_and_validate(app=app, headers=headers, checks=CHECKS)


def test_every_role_gets_only_documented_answers(app: Any, seeded: Seeded, world: World) -> None:
    """Each operation once for each standard actor (the generated requests above are an
    admin's), on a case inside and one outside most actors' region: refusals by role, region,
    handling organisation or undeclared purpose must be documented too."""
    inside, outside = seeded.cases["mediating"], seeded.cases["elsewhere"]
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for case_id in (inside, outside):
            for who in sorted(world.tokens):
                for purpose in ({}, {"X-Access-Purpose": PURPOSE}):
                    case = operation.Case(
                        path_parameters={
                            name: case_id if name in CASE_ID_FIELDS else who
                            for name in _names(operation.path_parameters)
                        },
                        query={
                            name: case_id if name in CASE_ID_FIELDS else KNOWN[name][0]
                            for name in _names(operation.query, required=True)
                        },
                        body=_valid_body(operation),
                    )
                    headers = {"Authorization": f"Bearer {world.tokens[who]}", **purpose}
                    try:
                        case.call_and_validate(app=app, headers=headers, checks=CHECKS)
                    except FailureGroup as e:
                        asked = f"{who}, {'with' if purpose else 'without'} a purpose"
                        failures += [f"{asked}: {f.title}: {f.message}" for f in e.exceptions]
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)


def _names(parameters: Any, *, required: bool = False) -> list[str]:
    return [p.name for p in parameters if p.is_required or not required]


def _valid_body(operation: Any) -> Any:
    if "requestBody" not in operation.definition.raw:
        return NOT_SET
    path = operation.path.removeprefix(API)
    command = path.rsplit("/", 1)[-1]
    return VALID_BODY.get(path, BODIES.get(command, {}))


def test_an_unreachable_store_is_answered_as_documented(
    app: Any, http: Http, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("connection refused")

    views = app.extensions["ledger_views"]
    monkeypatch.setattr(views, "lag", unreachable)
    monkeypatch.setattr(views, "catch_up", unreachable)
    for path, who in (("/healthz", None), ("/disputes", "admin")):
        response = http.get(path, who)
        assert response.status_code == 503 and response.headers["Retry-After"], response.json
        operation = schema[API + path]["GET"]
        assert "503" in operation.definition.raw["responses"], path
        operation.validate_response(response)


# ------------------------------------------------------------------ one of each refusal


#: Request bodies that pass validation, for refusals decided after it.
VALID_BODY: dict[str, dict[str, Any]] = {
    "/disputes": report_body(),
    "/disputes/{case_id}/assign": {"route": "peoples_mediation", "organisation_code": VILLAGE_COMMITTEE},
    "/disputes/{case_id}/accept": {},
    "/disputes/{case_id}/extend-deadline": {"days": 10, "reason": "双方同意延长"},
}


def refusal(expected: str, request: str, who: str | None, **how: Any) -> Any:
    """A refusal to provoke: its status and code, the document's method and path, who asks
    (None: no token), and how: path parameters naming a case of the test (or used as given),
    query, headers, a JSON body (default: a valid one) or raw data."""
    method, path = request.split(" ", 1)
    return pytest.param(expected, method, path, who, how, id=f"{expected} {request} {who}")


REFUSALS = [
    refusal("400 bad_request", "POST /disputes", "recorder", data=b"{not json"),
    refusal("400 bad_request", "POST /disputes", "recorder", headers={"Idempotency-Key": ""}),
    refusal(
        "400 bad_request",
        "POST /disputes/{case_id}/assign",
        "recorder",
        case_id="reported",
        headers={"If-Match": "7th"},
    ),
    refusal("400 bad_request", "GET /disputes", "admin", headers={"X-Ledger-Position": "abc"}),
    refusal(
        "400 bad_request",
        "GET /disputes/{case_id}",
        "mediator",
        case_id="mediating",
        query={"min_position": "-1"},
    ),
    refusal("401 unauthorized", "GET /disputes", None),
    refusal("401 unauthorized", "POST /disputes/{case_id}/accept", None, case_id="reported"),
    refusal("401 unauthorized", "GET /reference/regions", "no such token"),
    refusal("403 forbidden", "POST /disputes", "reader"),
    refusal("403 forbidden", "POST /disputes/{case_id}/assign", "reader", case_id="reported"),
    refusal("403 purpose_required", "GET /disputes/{case_id}", "auditor", case_id="reported"),
    refusal("403 forbidden", "GET /indicators/warnings", "reader", query={"period": "2026"}),
    refusal("403 forbidden", "GET /audit/integrity", "supervisor"),
    refusal("404 not_found", "GET /disputes/{case_id}", "admin", case_id="unknown"),
    refusal("404 not_found", "GET /disputes/{case_id}", "admin", case_id="not-a-case"),
    refusal("404 not_found", "GET /disputes/{case_id}/history", "admin", case_id="unknown"),
    # a case outside the actor's region is not found, as an unknown id
    refusal("404 not_found", "GET /disputes/{case_id}", "recorder", case_id="elsewhere"),
    refusal("404 not_found", "POST /disputes/{case_id}/assign", "recorder", case_id="elsewhere"),
    refusal("404 not_found", "POST /disputes/{case_id}/accept", "admin", case_id="unknown"),
    refusal("404 not_found", "GET /audit/actors/{actor_id}/actions", "admin", actor_id="nobody"),
    refusal("404 not_found", "GET /audit/reviews/{dispute_id}", "admin", dispute_id="unknown"),
    refusal("404 not_found", "GET /audit/access-log", "admin", query={"dispute": "unknown"}),
    refusal("409 illegal_transition", "POST /disputes/{case_id}/accept", "admin", case_id="reported"),
    refusal(
        "409 version_conflict",
        "POST /disputes/{case_id}/assign",
        "recorder",
        case_id="reported",
        headers={"If-Match": '"9"'},
    ),
    refusal("409 rule_violation", "POST /disputes/{case_id}/extend-deadline", "mediator", case_id="extended"),
    refusal("422 validation_error", "POST /disputes", "recorder", json={}),
    refusal("422 invalid_value", "POST /disputes", "recorder", json=report_body(region_code="999999")),
    refusal(
        "422 validation_error",
        "POST /disputes/{case_id}/assign",
        "recorder",
        case_id="reported",
        json={"route": "x"},
    ),
    refusal("422 validation_error", "GET /disputes", "admin", query={"status": "lost"}),
    refusal(
        "422 validation_error",
        "GET /disputes/{case_id}",
        "admin",
        case_id="reported",
        query={"as_of": "noon"},
    ),
    refusal("422 validation_error", "GET /indicators", "admin"),
    refusal("422 invalid_value", "GET /indicators", "admin", query={"period": "2026-Q5"}),
    refusal("422 validation_error", "GET /audit/access-log", "admin"),
]


@pytest.mark.parametrize(("expected", "method", "path", "who", "how"), REFUSALS)
def test_each_kind_of_refusal_is_documented_and_conforms(
    http: Http, world: World, expected: str, method: str, path: str, who: str | None, how: dict[str, Any]
) -> None:
    cases = {"unknown": str(uuid.uuid4()), "reported": http.report().json["id"]}
    cases["elsewhere"] = http.report("other-recorder", region_code=OTHER_TOWN_VILLAGE).json["id"]
    for name in ("mediating", "extended"):
        cases[name] = http.report().json["id"]
        for command, actor in (("assign", "recorder"), ("accept", "mediator"), ("hold-session", "mediator")):
            http.ok(cases[name], command, actor)
    http.ok(
        cases["extended"], "extend-deadline", "mediator", VALID_BODY["/disputes/{case_id}/extend-deadline"]
    )
    url = API + path.format(**{k: cases.get(v, v) for k, v in how.items() if isinstance(v, str)})
    query = {k: cases.get(v, v) for k, v in how.get("query", {}).items()}
    headers = dict(how.get("headers", {}))
    if who is not None:
        headers["Authorization"] = f"Bearer {world.tokens.get(who, who)}"
    if method == "GET":
        response = http.client.get(url, query_string=query, headers=headers)
    elif "data" in how:
        response = http.client.post(url, data=how["data"], content_type="application/json", headers=headers)
    else:
        response = http.client.post(url, json=how.get("json", VALID_BODY.get(path, {})), headers=headers)

    status, code = expected.split()
    assert (response.status_code, response.json.get("code")) == (int(status), code), response.json
    operation = schema[API + path][method]
    documented = set(operation.definition.raw["responses"])
    assert status in documented, f"{method} {path}: {status} is not documented ({sorted(documented)})"
    assert response.mimetype == "application/json"
    assert {"code", "message", "errors"} <= response.json.keys(), response.json
    operation.validate_response(response)  # raises, naming every violation of the document
