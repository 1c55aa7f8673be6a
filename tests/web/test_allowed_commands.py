"""allowed_commands is what the caller may issue now (issue 12 item 3), checked against the API
itself for every role in every state: each listed command is accepted, each other command the
state machine allows is refused with 403 or 409. Generated from the tables, not written out."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from domain.codes import Status
from domain.lifecycle import TRANSITIONS, allowed_commands
from tests.support import COURT, TOWN_COMMITTEE, World
from tests.web.helpers import BODIES, Http, assert_error, both_stores
from web.errors import kebab


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Each read follows a write at once on both stores: what is checked here is the answer.
    return {"INLINE_PROJECTION": True}


#: The callers a standard world has inside the case's region (admin issues anything).
ROLES = ("recorder", "mediator", "town-mediator", "judge", "supervisor", "auditor", "reader", "admin")

#: How the admin brings a fresh case to each state (commands in URL spelling).
PATHS: dict[Status, list[str]] = {
    Status.REPORTED: [],
    Status.ASSIGNED: ["assign"],
    Status.ACCEPTED: ["assign", "accept"],
    Status.MEDIATING: ["assign", "accept", "hold-session"],
    Status.AGREED: ["assign", "accept", "record-agreement"],
    Status.CONFIRMATION_PENDING: ["assign", "accept", "record-agreement", "request-confirmation"],
    Status.CONFIRMED: ["assign", "accept", "record-agreement", "request-confirmation", "decide-confirmation"],
    Status.FAILED: ["assign", "accept", "record-failure"],
    Status.LITIGATING: ["file-in-court"],
    Status.ADJUDICATED: ["file-in-court", "record-court-outcome"],
    Status.CLOSED: ["assign", "accept", "record-agreement", "close"],
    Status.ARCHIVED: ["assign", "accept", "record-agreement", "close", "archive"],
}

#: A minimal valid body for every command the bodies of helpers.py leave out.
EXTRA_BODIES: dict[str, dict[str, Any]] = {
    "decline": {"reason": "人手不足"},
    "extend-deadline": {"days": 5, "reason": "当事人外出"},
    "extend-confirmation": {"reason": "经院长批准延长审查期限"},
    "add-joint-body": {"organisation_code": "ORGT621199001"},
    "entrust-mediation": {"organisation_code": "ORG621199001001"},
    "apply-for-enforcement": {"court_code": COURT, "reason": "对方未履行"},
    "record-failure": {"reason": "双方分歧较大"},
    "file-in-court": {"court_code": COURT, "court_case_number": "(2026)甘0111民初1号", "reason": "起诉"},
    "record-court-outcome": {"outcome": "judgment", "summary": "判决赔偿"},
    "withdraw": {"reason": "当事人撤回"},
    "reopen": {"reason": "纠纷反复"},
    "assess-risk": {"level": "medium", "flags": []},
    "add-supervision-note": {"instruction": "尽快处理", "due_at": "2027-06-01T00:00:00+00:00"},
    "report-incident": {"kind": "mass_incident", "description": "聚集", "severity": "serious"},
    "correct-details": {"field": "people_involved", "value": 3, "reason": "核实"},
}


#: Commands of litigating that need an entrusted body, which no role but the admin lists before.
ENTRUSTED_ONLY = {"accept", "hold-session", "record-agreement"}

_people = itertools.count(3)


def _body(command: str, lead_id: str) -> dict[str, Any]:
    if command == "link-to-lead-case":
        return {"lead_id": lead_id}
    if command == "correct-details":  # a correction must change the value
        return {**EXTRA_BODIES[command], "value": next(_people)}
    return {**BODIES.get(command, {}), **EXTRA_BODIES.get(command, {})}


def _case_in(http: Http, status: Status) -> str:
    state = http.report().json
    for command in PATHS[status]:
        state = http.ok(state["id"], command, "admin", _body(command, ""))
    assert state["status"] == status.value
    return str(state["id"])


def _listed(http: Http, case_id: str, who: str) -> set[str]:
    detail = http.get(f"/disputes/{case_id}", who, X_Access_Purpose="核查").json["allowed_commands"]
    return set(detail)


@both_stores
def test_each_role_may_issue_exactly_what_its_state_lists(http: Http, world: World) -> None:
    lead_id = http.report().json["id"]
    for status in PATHS:
        machine = {kebab(c) for c in allowed_commands(status)}
        case_id = _case_in(http, status)
        listed = {who: _listed(http, case_id, who) for who in ROLES}
        for who, commands in listed.items():
            assert commands <= machine, (status, who)
            # Refusals write nothing, so they are all tried on the same case.
            for command in sorted(machine - commands):
                refused = http.do(case_id, command, who, _body(command, lead_id))
                assert refused.status_code in (403, 409), (status, who, command, refused.json)
        assert listed["admin"] == machine
        # ... and every command of the state is some other role's, which proves it below.
        # Inside litigating, mediation waits for the court's entrustment (委托调解): until then
        # only the admin lists it (tests/web/test_case_model_v2.py and the features prove it).
        waiting = ENTRUSTED_ONLY if status == Status.LITIGATING else set()
        assert set().union(*(c for who, c in listed.items() if who != "admin")) == machine - waiting, status
        for who, commands in listed.items():
            for command in sorted(commands):
                # A command that moves the case is tried on a fresh case in the same state.
                moves = command.replace("-", "_") in TRANSITIONS[status]
                if moves and who == "admin":
                    # The admin lists the whole machine (asserted above); each move is proven
                    # by the role that owns it, which keeps this test to a few seconds a store.
                    continue
                target = _case_in(http, status) if moves else case_id
                answer = http.do(target, command, who, _body(command, lead_id))
                assert answer.status_code == 200, (status, who, command, answer.json)


def test_the_handling_organisation_decides_for_mediators(http: Http, world: World) -> None:
    case_id = _case_in(http, Status.ASSIGNED)
    assert _listed(http, case_id, "mediator") == {"accept", "decline"}
    assert _listed(http, case_id, "town-mediator") == set()
    assert_error(http.do(case_id, "accept", "town-mediator"), 403, "forbidden")
    # Handed to the town's committee instead, the answer follows.
    http.ok(case_id, "assign", "admin", {"route": "peoples_mediation", "organisation_code": TOWN_COMMITTEE})
    assert _listed(http, case_id, "town-mediator") == {"accept", "decline"}
    assert _listed(http, case_id, "mediator") == set()


def test_a_command_answer_and_the_list_name_the_callers_commands(http: Http, world: World) -> None:
    case_id = http.report().json["id"]
    answer = http.ok(case_id, "assign", "recorder", BODIES["assign"])
    assert answer["allowed_commands"] == [
        "add-joint-body",
        "assess-risk",
        "assign",
        "correct-details",
        "link-to-lead-case",
        "report-incident",
    ]
    item = http.get("/disputes", "supervisor").json["items"][0]
    assert item["allowed_commands"] == ["add-supervision-note", "assess-risk", "report-incident"]


def test_an_illegal_transition_spells_commands_as_the_urls_do(http: Http, world: World) -> None:
    case_id = http.report().json["id"]
    body = assert_error(http.do(case_id, "hold-session", "admin"), 409, "illegal_transition")
    assert body["command"] == "hold-session"
    assert "hold-session is not allowed in state reported" in body["message"]
    assert "_" not in body["message"].split("allowed:")[1]
    assert body["allowed"] == sorted(body["allowed"])
    assert "file-in-court" in body["allowed"] and "file-in-court" in body["message"]
