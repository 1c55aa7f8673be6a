"""Every (state, command) pair of the state machine, generated from domain.lifecycle's table.

Allowed pairs must succeed and land on the table's target; every other pair must be refused
with IllegalTransition naming the state, the command and what is allowed, writing nothing.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from domain.codes import Status
from domain.errors import IllegalTransition, RuleViolation
from domain.lifecycle import ANY_STATE, PROGRESS, TRANSITIONS
from tests.support import TOWN_COMMITTEE
from tests.unit.drive import PATHS, command_args, drive_to

S = Status

#: Commands whose target depends on their arguments: the variants the matrix runs, each with its
#: arguments (over command_args) and the target DESIGN.md §4 gives it.
_VARIANTS: dict[str, dict[str, tuple[dict[str, Any], Status]]] = {
    "decide_confirmation": {
        "granted": ({"granted": True, "reason": "协议内容合法"}, S.CONFIRMED),
        "rejected": ({"granted": False, "reason": "协议内容违反法律强制性规定"}, S.FAILED),
    },
    "assign": {
        "mediation": ({}, S.ASSIGNED),
        "hand_off": ({"route": "arbitration", "organisation_code": "ORGC-ARB", "mediator_id": None}, S.CLOSED),
    },
}


def _variants() -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for command in sorted(PROGRESS | ANY_STATE):
        out += [(command, v) for v in _VARIANTS[command]] if command in _VARIANTS else [(command, None)]
    return out


def _matrix() -> list[object]:
    cases = []
    for state in Status:
        for command, variant in _variants():
            suffix = "" if variant is None else f"-{variant}"
            cases.append(pytest.param(state, command, variant, id=f"{state.value}-{command}{suffix}"))
    return cases


def _args(w: Any, command: str, variant: str | None) -> dict[str, Any]:
    args = command_args(w, command)
    if variant is not None:
        args.update(_VARIANTS[command][variant][0])
    return args


def _expected_target(state: Status, command: str, variant: str | None, args: dict[str, Any]) -> Status:
    if command in ANY_STATE:
        return state
    target = TRANSITIONS[state][command]
    if target is None:
        return state
    if isinstance(target, Status):
        return target
    assert variant is not None, f"unexpected computed target for {command}"
    # Generated from the table's own function, and held to the design's word for the variant.
    computed = target(args)
    assert computed == _VARIANTS[command][variant][1], (state, command, variant)
    return computed


#: Allowed by the table but refused by a rule on the matrix's plain path: inside litigating,
#: mediation needs an entrustment first (委托调解), accepted before sessions and agreement.
_RULES = {(S.LITIGATING, "accept"), (S.LITIGATING, "hold_session"), (S.LITIGATING, "record_agreement")}


def _allowed(state: Status) -> set[str]:
    return set(TRANSITIONS[state]) | set(ANY_STATE)


def test_the_matrix_covers_every_state_and_command() -> None:
    assert set(TRANSITIONS) == set(Status)
    assert set(PATHS) == set(Status)
    ids = {p.id for p in _matrix()}  # type: ignore[attr-defined]
    extra = sum(len(v) - 1 for v in _VARIANTS.values())
    assert len(ids) == len(Status) * (len(PROGRESS | ANY_STATE) + extra)
    assert "mediating-close" in ids
    assert "confirmation_pending-decide_confirmation-rejected" in ids
    assert "failed-assign-hand_off" in ids


# DESIGN.md §4, transcribed, so that a wrong table is caught and not just mirrored.
_DESIGN_TABLE: dict[Status, dict[str, Status | None]] = {
    S.REPORTED: {"assign": None, "file_in_court": S.LITIGATING, "withdraw": S.CLOSED},  # assign: see _VARIANTS
    S.ASSIGNED: {"accept": S.ACCEPTED, "decline": S.REPORTED, "assign": None, "add_joint_body": None},
    S.ACCEPTED: {
        "add_joint_body": None,
        "hold_session": S.MEDIATING,
        "record_agreement": S.AGREED,
        "record_failure": S.FAILED,
    },
    S.MEDIATING: {
        "add_joint_body": None,
        "hold_session": None,
        "extend_deadline": None,
        "record_agreement": S.AGREED,
        "record_failure": S.FAILED,
    },
    S.AGREED: {
        "request_confirmation": S.CONFIRMATION_PENDING,
        "record_performance": None,
        "file_in_court": S.LITIGATING,
        "close": S.CLOSED,
    },
    S.CONFIRMATION_PENDING: {"decide_confirmation": None, "extend_confirmation": None},  # decide: see _VARIANTS
    S.CONFIRMED: {"record_performance": None, "apply_for_enforcement": None, "close": S.CLOSED},
    S.FAILED: {"assign": None, "file_in_court": S.LITIGATING, "close": S.CLOSED},
    S.LITIGATING: {
        "record_court_outcome": S.ADJUDICATED,
        "entrust_mediation": None,
        "accept": None,
        "hold_session": None,
        "record_agreement": S.ADJUDICATED,
    },
    S.ADJUDICATED: {"close": S.CLOSED},
    S.CLOSED: {"follow_up": None, "archive": S.ARCHIVED, "reopen": S.REPORTED},
    S.ARCHIVED: {},
}


@pytest.mark.parametrize("state", list(Status), ids=lambda s: s.value)
def test_table_matches_design(state: Status) -> None:
    assert set(TRANSITIONS[state]) == set(_DESIGN_TABLE[state])
    for command, target in _DESIGN_TABLE[state].items():
        if command in _VARIANTS:
            assert callable(TRANSITIONS[state][command]), f"{state.value} --{command}--> depends on its arguments"
            continue
        assert TRANSITIONS[state][command] == target, f"{state.value} --{command}-->"
    assert {
        "assess_risk",
        "add_supervision_note",
        "report_incident",
        "correct_details",
        "link_to_lead_case",
    } == ANY_STATE


@pytest.mark.parametrize("state", list(Status), ids=lambda s: s.value)
def test_drive_reaches_every_state(memory_world, state: Status) -> None:
    case = drive_to(memory_world, state)
    assert memory_world.ledger.get_case(case.id).status == state
    assert case.version == len(PATHS[state]) + 1


@pytest.mark.parametrize(("state", "command", "variant"), _matrix())
def test_transition(memory_world, state: Status, command: str, variant: str | None) -> None:
    w = memory_world
    case = drive_to(w, state)
    args = _args(w, command, variant)
    before = w.event_count()

    if (state, command) in _RULES:
        # Allowed by the table, refused by its rule on the plain path: nothing written.
        with pytest.raises(RuleViolation):
            w.do(case.id, command, "admin", **args)
        assert w.event_count() == before
        return

    if command in _allowed(state):
        after = w.do(case.id, command, "admin", **args)
        expected = _expected_target(state, command, variant, args)
        assert after.status == expected
        assert after.version == case.version + 1
        assert w.event_count() == before + 1
        stored = w.ledger.get_case(case.id)
        assert stored.status == expected
        assert stored.version == case.version + 1
        return

    with pytest.raises(IllegalTransition) as refused:
        w.do(case.id, command, "admin", **args)
    err = refused.value
    message = str(err)
    assert err.status == state.value
    assert err.command == command
    assert set(err.allowed) == _allowed(state)
    assert f"state {state.value}" in message
    assert re.match(rf"^{command}\b", message), message
    listed = message.split("allowed: ", 1)[1]
    assert set(listed.split(", ")) == _allowed(state)
    assert w.event_count() == before
    stored = w.ledger.get_case(case.id)
    assert stored.status == state
    assert stored.version == case.version


def _to_mediating(w) -> object:
    return drive_to(w, S.MEDIATING)


def test_second_extension_in_one_mediation_is_refused(memory_world) -> None:
    w = memory_world
    case = _to_mediating(w)
    case = w.do(case.id, "extend_deadline", "admin", days=10, reason="双方同意")
    w.clock.advance(hours=1)
    before = w.event_count()
    with pytest.raises(RuleViolation) as refused:
        w.do(case.id, "extend_deadline", "admin", days=5, reason="再次延长")
    assert refused.value.command == "extend_deadline"
    assert "only once" in refused.value.rule
    assert w.event_count() == before
    assert w.ledger.get_case(case.id).version == case.version


def test_second_extension_refused_even_after_more_sessions(memory_world) -> None:
    w = memory_world
    case = _to_mediating(w)
    w.do(case.id, "extend_deadline", "admin", days=10, reason="双方同意")
    w.do(case.id, "hold_session", "admin", mode="phone", participants=["张建国"], summary="电话沟通")
    before = w.event_count()
    with pytest.raises(RuleViolation):
        w.do(case.id, "extend_deadline", "admin", days=1, reason="再次延长")
    assert w.event_count() == before


def test_reacceptance_after_escalation_allows_one_more_extension(memory_world) -> None:
    w = memory_world
    case = _to_mediating(w)
    w.do(case.id, "extend_deadline", "admin", days=10, reason="双方同意")
    w.do(case.id, "record_failure", "admin", reason="村级调解不成")
    w.clock.advance(days=1)
    w.do(case.id, "assign", "admin", route="peoples_mediation", organisation_code=TOWN_COMMITTEE)
    w.do(case.id, "accept", "admin")
    case = w.do(case.id, "hold_session", "admin", mode="onsite", participants=["张建国"], summary="镇级调解")
    assert case.status == S.MEDIATING

    case = w.do(case.id, "extend_deadline", "admin", days=20, reason="镇级调解延期")
    mediation = [d for d in case.open_deadlines() if d.kind == "mediation"]
    assert len(mediation) == 1

    before = w.event_count()
    with pytest.raises(RuleViolation):
        w.do(case.id, "extend_deadline", "admin", days=1, reason="第三次")
    assert w.event_count() == before


def test_reopened_case_may_be_extended_again(memory_world) -> None:
    w = memory_world
    case = _to_mediating(w)
    w.do(case.id, "extend_deadline", "admin", days=10, reason="双方同意")
    for command in ["record_agreement", "close", "reopen", "assign", "accept", "hold_session"]:
        case = w.do(case.id, command, "admin", **command_args(w, command))
    assert case.status == S.MEDIATING
    case = w.do(case.id, "extend_deadline", "admin", days=5, reason="复发后再次调解")
    assert case.extended is True
