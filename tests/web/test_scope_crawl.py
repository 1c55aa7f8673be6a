"""An actor scoped to one town learns nothing of another town's cases, on any route.

For every role that has a region, an actor scoped to town 2 (东关街道) walks every route of the
app's url_map: each GET and each command that takes a case id is asked with the id of a town-1
case and with an id that names no case, and both answers must be the same (status, body and
headers, once the id itself is blanked): a 403 for the first would tell that the case exists.
Every other GET (lists, indicators, warnings, audit, reference) is asked with each query
parameter the API documents, and no answer may hold a town-1 case's id, summary, party names,
or (outside the public reference data) town 1's village and town codes. The admin walks the
same routes and must meet those values, so the walk reaches the data it guards. Both stores.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from application.review_markdown import to_markdown
from domain.codes import Role
from domain.permissions import may_issue
from projections.indicators import INDICATORS
from tests.support import COUNTY, OTHER_TOWN, OTHER_TOWN_VILLAGE, TOWN, VILLAGE, World
from tests.unit.drive import command_args
from tests.web.helpers import API, Http, both_stores, json_strings, response_text

#: Actors scoped to town 2, one per role that has a region (the admin has none by design).
TOWN2_ACTORS = {
    "other-recorder": ("recorder", None),
    "t2-mediator": ("mediator", "ORGT621199002"),
    "t2-judge": ("judge", None),
    "t2-supervisor": ("supervisor", None),
    "t2-auditor": ("auditor", None),
    "t2-reader": ("reader", None),
}
SHARED_ID_NUMBER = "620102198507151239"  # the same applicant has a case in each town
#: Town 1's case, every text of it distinctive so that any echo of it is found.
THEIR_SUMMARY = "城关镇卷宗：慕容秋实与东方明远因宅基地界址争执"
THEIR_RESPONDENT = {"role": "respondent", "kind": "person", "name": "慕容秋实", "phone": "13700007777"}
THEIR_SESSION = "城关镇调解记录：慕容秋实拒绝让步"
THEIR_INCIDENT = "城关镇事件：慕容秋实持械闯入"
APPLICANT = {
    "role": "applicant",
    "kind": "person",
    "name": "东方明远",
    "id_number": SHARED_ID_NUMBER,
    "phone": "13912345678",
}
#: Path and query parameters that name a case; every other one needs a value in _values().
CASE_ID_PARAMETERS = {"case_id", "dispute_id", "dispute"}
#: Public reference data: it names every region and organisation, town 1's included.
PUBLIC = ("/reference/",)


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Views caught up before every read on both stores (PostgreSQL's default is a follower)."""
    return {"INLINE_PROJECTION": True}


@dataclass
class Seeded:
    theirs: list[str]  # town 1
    ours: list[str]  # town 2
    secrets: set[str] = field(default_factory=set)  # text of town 1's cases
    codes: set[str] = field(default_factory=set)  # town 1's region codes


@pytest.fixture
def seeded(http: Http, world: World) -> Seeded:
    for name, (role, organisation) in TOWN2_ACTORS.items():
        world.actor(name, role, OTHER_TOWN, organisation)
    theirs = http.report(
        summary=THEIR_SUMMARY, parties=[APPLICANT, THEIR_RESPONDENT], people_involved=2, category="neighbour"
    ).json["id"]
    world.clock.advance(hours=1)
    http.ok(theirs, "assess-risk", "supervisor", {"level": "high", "flags": ["criminal_escalation"]})
    http.ok(theirs, "assign", "recorder")
    http.ok(theirs, "accept", "mediator")
    session = {"mode": "onsite", "participants": ["慕容秋实", "东方明远"], "summary": THEIR_SESSION}
    http.ok(theirs, "hold-session", "mediator", session)
    incident = {"kind": "criminal_escalation", "description": THEIR_INCIDENT, "severity": "serious"}
    http.ok(theirs, "report-incident", "supervisor", incident)
    withdrawn = http.report(summary="城关镇另案：撤回的申请").json["id"]
    http.ok(withdrawn, "withdraw", "recorder", {"reason": "城关镇申请人撤回"})
    # Town 2: the same applicant (a related case across the towns), and a neighbour in the
    # same village and category (a related case inside town 2).
    ours = [
        http.report("other-recorder", region_code=OTHER_TOWN_VILLAGE, parties=[APPLICANT], people_involved=1)
        for _ in range(2)
    ]
    world.clock.advance(days=1)
    return Seeded(
        theirs=[theirs, withdrawn],
        ours=[r.json["id"] for r in ours],
        secrets={theirs, withdrawn, THEIR_SUMMARY, "慕容秋实", "13700007777", THEIR_SESSION, THEIR_INCIDENT},
        codes={VILLAGE, TOWN},
    )


def _values(world: World, seeded: Seeded) -> dict[str, list[str]]:
    """Values for every query parameter a GET documents: the actor's own town and the other."""
    now = world.clock.now
    return {
        "page": ["1"],
        "per_page": ["100"],
        "region": [OTHER_TOWN, OTHER_TOWN_VILLAGE, TOWN, VILLAGE, COUNTY],
        "status": ["mediating", "withdrawn", "reported"],
        "category": ["neighbour"],
        "risk": ["high"],
        "overdue": ["false", "true"],
        "min_position": ["0"],
        "as_of": [now.isoformat()],
        "as_of_occurred": [now.isoformat()],
        "period": ["2026", "2026-03"],
        "level": ["town", "village"],
        # An export file (the XLSX form of the same rows is read by the reader walk), a document.
        "format": ["csv", "md"],
        "indicator": sorted(INDICATORS),
        "source": ["grid_patrol"],
        "group": ["region", "category"],
        "domicile": ["defendant"],
        "kind": ["民初"],
        "county": [COUNTY],
        "from": [(now - timedelta(days=30)).isoformat()],
        "to": [now.isoformat()],
        "parent": [COUNTY, TOWN, OTHER_TOWN],
        "organisation": ["ORG621199001001", "ORGT621199002"],
        "actor_id": ["recorder", "other-recorder"],
        # The instruments (web/instruments): path ids are filled with the actor's name (unknown ids).
        "target": [TOWN, OTHER_TOWN],
        "year": ["2026"],
        "card_id": ["-"],
        "village": ["-"],
        "warning_id": ["-"],
        "bulletin_id": ["-"],
        "town": [TOWN, OTHER_TOWN],
        "edition": ["general"],
        "version": ["1"],
        "suggestion_id": ["-"],
        # Demonstration batches: the case list's filters name another town's case or a batch.
        "batch_id": ["-"],
        "lead_id": [seeded.theirs[0], seeded.ours[0]],
        "batch": ["00000000-0000-4000-8000-000000000000"],
        "case": [seeded.theirs[0], seeded.ours[0]],
    }


@dataclass(frozen=True)
class Route:
    rule: str  # as the url_map has it
    method: str
    case_param: str | None  # the path or query parameter naming a case, if any
    queries: tuple[tuple[tuple[str, str], ...], ...]  # each query string to ask with

    @property
    def path(self) -> str:
        """As the OpenAPI document names it, without the /api/v1 prefix."""
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.rule).removeprefix(API)


def _routes(app: Any, document: dict[str, Any], values: dict[str, list[str]]) -> list[Route]:
    """Every GET and every POST that takes a case id, from the url_map, with its query variants
    from the document (the required parameters, then each optional one with each value)."""
    routes = []
    for rule in app.url_map.iter_rules():
        methods = [m for m in ("GET", "POST") if m in (rule.methods or ())]
        documentation = rule.rule == f"{API}/openapi.json" or rule.rule.startswith(f"{API}/docs")  # no data
        if not rule.rule.startswith(API) or documentation or not methods:
            continue
        arguments = set(rule.arguments)
        for method in methods:
            if method == "POST" and not arguments & CASE_ID_PARAMETERS:
                continue  # report: it takes no case id, and names its region (403 stays)
            parameters = _documented(document, rule.rule, method)
            query = [p for p in parameters if p["in"] == "query"]
            case_param = next(iter(arguments & CASE_ID_PARAMETERS), None) or next(
                (p["name"] for p in query if p["name"] in CASE_ID_PARAMETERS), None
            )
            unknown = {
                p["name"] for p in query if p["name"] not in values and p["name"] not in CASE_ID_PARAMETERS
            }
            unknown |= arguments - CASE_ID_PARAMETERS - set(values) - {"command"}
            assert not unknown, f"{method} {rule.rule}: give the crawl values for {sorted(unknown)}"
            required = {
                p["name"]: values[p["name"]][0] for p in query if p.get("required") and p["name"] in values
            }
            variants = [tuple(required.items())]
            for p in query:
                for value in values.get(p["name"], []):
                    if required.get(p["name"]) != value:
                        variants.append(tuple({**required, p["name"]: value}.items()))
            routes.append(Route(rule.rule, method, case_param, tuple(variants)))
    return routes


def _documented(document: dict[str, Any], rule: str, method: str) -> list[dict[str, Any]]:
    item = document["paths"].get(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule), {})
    return [*item.get("parameters", []), *item.get(method.lower(), {}).get("parameters", [])]


def _url(route: Route, case_id: str | None, values: dict[str, list[str]], actor_id: str) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in CASE_ID_PARAMETERS:
            return str(case_id)
        return "no-such-command" if name == "command" else actor_id

    return re.sub(r"<(?:\w+:)?(\w+)>", fill, route.rule)


def _command_body(world: World, route: Route, lead_id: str) -> dict[str, Any]:
    """A body that passes validation, so the refusal comes from the case id, not the body."""
    command = route.rule.rsplit("/", 1)[-1].replace("-", "_")
    if command == "<command>":
        return {}
    if command == "link_to_lead_case":
        return {"lead_id": lead_id}
    args = command_args(world, command)
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in args.items()}


def _found(response: Any, wanted: set[str]) -> set[str]:
    """Which of ``wanted`` appear in the response: body (decoded, so escapes hide none), headers."""
    text = response_text(response)
    try:
        strings = [*json_strings(json.loads(text)), text]
    except ValueError:
        strings = [text]
    strings += [f"{k}: {v}" for k, v in response.headers.items()]
    return {w for w in wanted if any(w in s for s in strings)}


def _answer(response: Any, case_id: str) -> tuple[int, Any, dict[str, str]]:
    """What a client learns from a response, with ``case_id`` blanked to <id>."""
    text = response.get_data(as_text=True).replace(case_id, "<id>")
    try:
        body: Any = json.loads(text)
    except ValueError:
        body = text
    headers = {k: v.replace(case_id, "<id>") for k, v in response.headers.items() if k != "Date"}
    return response.status_code, body, headers


def _ask(
    http: Http, route: Route, who: str, url: str, query: dict[str, str], body: Any, purpose: bool
) -> Any:
    headers = http.auth(who, **({"X_Access_Purpose": "scope crawl"} if purpose else {}))
    if route.method == "GET":
        return http.client.get(url, query_string=query, headers=headers)
    return http.client.post(url, query_string=query, json=body, headers=headers)


@both_stores
def test_another_towns_case_is_answered_as_an_unknown_id_on_every_route(
    app: Any, http: Http, world: World, seeded: Seeded
) -> None:
    document = http.get("/openapi.json", None).json
    values = _values(world, seeded)
    routes = [r for r in _routes(app, document, values) if r.case_param]
    served = {(r.method, r.path) for r in routes}
    assert {("GET", "/disputes/{case_id}"), ("GET", "/disputes/{case_id}/history")} <= served
    assert {("GET", "/audit/reviews/{dispute_id}"), ("GET", "/audit/access-log")} <= served
    assert ("POST", "/disputes/{case_id}/link-to-lead-case") in served, "the crawl lost the commands"
    # The town-1 case exists and serves what is looked for; town 2 reads its own: the 404s
    # below are about scope.
    history = http.get(f"/disputes/{seeded.theirs[0]}/history", "admin", X_Access_Purpose="check")
    assert _found(history, seeded.secrets - {seeded.theirs[1]}) == seeded.secrets - {seeded.theirs[1]}
    assert http.get(f"/disputes/{seeded.ours[0]}", "other-recorder").status_code == 200

    before = world.event_count()
    differ, leaks, not_refused, asked = [], [], [], 0
    for route in routes:
        for who, (role, _) in TOWN2_ACTORS.items():
            if route.method == "POST":
                command = route.rule.rsplit("/", 1)[-1].replace("-", "_")
                issuable = command != "<command>" and may_issue(Role(role), command)
                variants: Any = [((), False)]
                body = _command_body(world, route, lead_id=seeded.ours[0])
            else:
                issuable = False
                variants = [(q, purpose) for q in route.queries for purpose in (False, True)]
                body = None
            for query, purpose in variants:
                answers = []
                for case_id in (seeded.theirs[0], str(uuid.uuid4())):
                    q = dict(query)
                    if route.case_param not in {"case_id", "dispute_id"}:
                        q[route.case_param] = case_id  # type: ignore[index]
                    url = _url(route, case_id, values, who)
                    response = _ask(http, route, who, url, q, body, purpose)
                    asked += 1
                    answers.append(_answer(response, case_id))
                    if leaked := _found(response, seeded.secrets - {seeded.theirs[0]}):
                        leaks.append(f"{route.method} {route.rule} {q} as {who}: {sorted(leaked)}")
                what = f"{route.method} {route.rule} {dict(query)} as {who}{' with a purpose' if purpose else ''}"
                if answers[0] != answers[1]:
                    differ.append(f"{what}:\n  other town: {answers[0][:2]}\n  unknown id: {answers[1][:2]}")
                elif issuable and answers[0][0] != 404:  # else the body never reached the case
                    not_refused.append(f"{what}: {answers[0][:2]}")
    assert not differ, "an answer tells an out-of-scope case from an unknown id:\n" + "\n".join(differ)
    assert not leaks, "another town's case data reaches a town-scoped actor:\n" + "\n".join(leaks)
    assert not not_refused, "commands the crawl meant as 404s:\n" + "\n".join(not_refused)
    assert world.event_count() == before, "a refused command or read wrote to the store"
    log = http.get("/audit/access-log", "admin", {"dispute": seeded.theirs[0], "per_page": 100})
    readers = {r["actor_id"] for r in log.json["items"]}
    assert not readers & set(TOWN2_ACTORS), "a town-2 actor was logged reading a town-1 case"
    assert asked > 200


@both_stores
def test_lists_indicators_and_audit_hold_nothing_of_another_town(
    app: Any, http: Http, world: World, seeded: Seeded
) -> None:
    document = http.get("/openapi.json", None).json
    values = _values(world, seeded)
    routes = [r for r in _routes(app, document, values) if not r.case_param and r.method == "GET"]
    paths = {r.path for r in routes}
    assert {"/disputes", "/indicators", "/indicators/cell", "/indicators/warnings"} <= paths
    assert {"/audit/actors/{actor_id}/actions", "/reference/regions"} <= paths
    wanted = seeded.secrets | seeded.codes
    leaks, admin_saw, town2_read = [], set(), set()
    for route in routes:
        # A list's scope does not depend on the role (the mediator and judge read as the recorder).
        for who in ["admin", "other-recorder", "t2-supervisor", "t2-auditor", "t2-reader"]:
            for actor_id in values["actor_id"]:
                url = _url(route, None, values, actor_id)
                for query in route.queries:
                    # A declared purpose unmasks the parties (and writes an access-log entry).
                    purpose = who in ("admin", "t2-supervisor")
                    response = _ask(http, route, who, url, dict(query), None, purpose=purpose)
                    # A code the request itself names may be echoed back (e.g. in a 403 for a
                    # region outside the scope); a code of the public reference data is public.
                    named = {code for code in seeded.codes if any(code in v for _, v in query)}
                    public = route.path.startswith(PUBLIC)
                    found = _found(response, wanted - named - (seeded.codes if public else set()))
                    if who == "admin":
                        admin_saw |= found
                    elif found:
                        leaks.append(
                            f"GET {url} {dict(query)} as {who}: {response.status_code} {sorted(found)}"
                        )
                    elif response.status_code == 200:
                        town2_read.add(route.path)
                if "{actor_id}" not in route.path:
                    break  # one pass is enough for a route without an actor in its path
    assert not leaks, "another town's case data reaches a town-scoped actor:\n" + "\n".join(leaks)
    # The walk meets everything it guards: the admin sees it all (but the session's and the
    # incident's words, served by a case's own history only), town 2 reads these routes.
    served = wanted - {THEIR_SESSION, THEIR_INCIDENT}
    assert admin_saw >= served, f"the walk never served {sorted(served - admin_saw)}"
    assert town2_read >= {"/disputes", "/indicators", "/indicators/cell", "/audit/actors/{actor_id}/actions"}


@both_stores
def test_a_review_counts_related_cases_outside_the_readers_region_without_describing_them(
    http: Http, world: World, seeded: Seeded
) -> None:
    ours, other_ours = seeded.ours
    town = http.get(f"/audit/reviews/{ours}", "t2-supervisor", X_Access_Purpose="复查").json
    assert [r["id"] for r in town["related_cases"]] == [other_ours]
    assert town["related_outside_scope"] == 1
    assert not _found_in(town, seeded.secrets), "the review describes the other town's case"
    markdown = to_markdown(town, ZoneInfo("Asia/Shanghai"))
    assert "另有 1 件在查阅人管辖范围外（只计数，不描述）" in markdown
    assert seeded.theirs[0] not in markdown
    # The county supervisor's region holds both towns: the same review describes both cases.
    county = http.get(f"/audit/reviews/{ours}", "supervisor", X_Access_Purpose="复查").json
    assert {r["id"] for r in county["related_cases"]} == {other_ours, seeded.theirs[0]}
    assert county["related_outside_scope"] == 0
    assert "管辖范围外" not in to_markdown(county, ZoneInfo("Asia/Shanghai"))


def _found_in(value: Any, wanted: set[str]) -> set[str]:
    text = json.dumps(value, ensure_ascii=False)
    return {w for w in wanted if w in text}
