"""The state machines and role permissions of the two warnings (DESIGN.md §10), as data.

``TRANSITIONS[kind][state][command]`` is the next state, or None when the command keeps it.
"""

from __future__ import annotations

from domain.codes import Role
from domain.errors import IllegalTransition

MASS, DEADLINE = "mass", "deadline"

TRANSITIONS: dict[str, dict[str, dict[str, str | None]]] = {
    MASS: {
        "raised": {"acknowledge": "acknowledged", "add_evidence": None},
        "acknowledged": {"dismiss": "dismissed", "order_joint_handling": "joint_handling", "add_evidence": None},
        "joint_handling": {"report_handling": None, "close": "closed", "add_evidence": None},
        "dismissed": {},
        "closed": {},
    },
    DEADLINE: {
        "raised": {"acknowledge": "acknowledged", "answer": "answered"},
        "acknowledged": {"answer": "answered"},
        "answered": {},
    },
}
STATE_LABELS = {
    "raised": "已预警",
    "acknowledged": "已签收",
    "dismissed": "已排除",
    "joint_handling": "联合处置中",
    "closed": "已办结",
    "answered": "已督办",
}
COMMANDS = {kind: frozenset(c for moves in table.values() for c in moves) for kind, table in TRANSITIONS.items()}
#: Open: later matching cases join the warning as evidence instead of raising another.
OPEN_MASS_STATES = frozenset(s for s, moves in TRANSITIONS[MASS].items() if "add_evidence" in moves)

#: Who may issue each command. Recorders acknowledge the warnings of their region; supervisors
#: dismiss, order joint handling and answer missed deadlines; evidence is the process's own.
ROLE_COMMANDS: dict[Role, frozenset[str]] = {
    Role.RECORDER: frozenset({"acknowledge", "report_handling"}),
    Role.SUPERVISOR: frozenset({"acknowledge", "dismiss", "order_joint_handling", "report_handling", "close", "answer"}),
    Role.ADMIN: frozenset({"acknowledge", "dismiss", "order_joint_handling", "report_handling", "close", "answer", "add_evidence"}),
}
#: Who may read warnings (within their region scope; an auditor without a region reads all).
READ_ROLES = frozenset({Role.RECORDER, Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN})


def may_issue(role: str, command: str) -> bool:
    return command in ROLE_COMMANDS.get(Role(role), frozenset())


def allowed(kind: str, state: str) -> frozenset[str]:
    return frozenset(TRANSITIONS[kind][state])


def next_state(kind: str, state: str, command: str) -> str:
    moves = TRANSITIONS[kind][state]
    if command not in moves:
        raise IllegalTransition(state, command, moves)
    target = moves[command]
    return state if target is None else target
