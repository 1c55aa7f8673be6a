"""The state machine of DESIGN.md §4, as data in one place.

``TRANSITIONS[state][command]`` is the next state, or ``None`` when the command keeps the state.
Commands whose outcome depends on their arguments (decide_confirmation; assign, which hands a
case off to arbitration or notarisation) name a function of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from domain.codes import Status
from domain.errors import IllegalTransition
from domain.routing import is_hand_off

S = Status
Next = Status | None | Callable[[Mapping[str, Any]], Status]


def _decision(args: Mapping[str, Any]) -> Status:
    return S.CONFIRMED if args["granted"] else S.FAILED


def _assignment(args: Mapping[str, Any]) -> Status:
    """Assigning to arbitration or notarisation hands the case off: its mediation ends."""
    return S.CLOSED if is_hand_off(dict(args)) else S.ASSIGNED


TRANSITIONS: dict[Status, dict[str, Next]] = {
    S.REPORTED: {"assign": _assignment, "file_in_court": S.LITIGATING, "withdraw": S.CLOSED},
    S.ASSIGNED: {"accept": S.ACCEPTED, "decline": S.REPORTED, "assign": _assignment, "add_joint_body": None},
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
    S.CONFIRMATION_PENDING: {"decide_confirmation": _decision, "extend_confirmation": None},
    S.CONFIRMED: {"record_performance": None, "apply_for_enforcement": None, "close": S.CLOSED},
    S.FAILED: {"assign": _assignment, "file_in_court": S.LITIGATING, "close": S.CLOSED},
    # 委托调解: the court entrusts a body with mediating a filed case; its agreement ends the suit
    # as court mediation (accept, hold_session and record_agreement need the entrustment).
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

#: Commands allowed in every state; they never move the case.
ANY_STATE = frozenset(
    {"assess_risk", "add_supervision_note", "report_incident", "correct_details", "link_to_lead_case"}
)

#: Commands that move a case along its life (everything in the table above).
PROGRESS = frozenset(c for moves in TRANSITIONS.values() for c in moves)

#: Every command a case knows, including the opening one.
COMMANDS = frozenset({"report"}) | PROGRESS | ANY_STATE

OPEN_STATES = frozenset(set(Status) - {S.CLOSED, S.ARCHIVED})


def allowed_commands(status: Status) -> frozenset[str]:
    return frozenset(TRANSITIONS[status]) | ANY_STATE


def next_status(status: Status, command: str, args: Mapping[str, Any] | None = None) -> Status:
    """The state after ``command``, or IllegalTransition naming what is allowed instead."""
    if command in ANY_STATE:
        return status
    moves = TRANSITIONS[status]
    if command not in moves:
        raise IllegalTransition(status.value, command, allowed_commands(status))
    target = moves[command]
    if target is None:
        return status
    if isinstance(target, Status):
        return target
    return target(args or {})
