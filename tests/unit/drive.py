"""Drive a fresh case into any state through real commands, for the matrix tests.

``PATHS`` names, for every Status, the commands that lead there from ``report``;
``command_args`` gives valid arguments for every command a case knows.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.codes import Status
from tests.support import COURT, VILLAGE_COMMITTEE, World

S = Status

_TO_AGREED = ["assign", "accept", "hold_session", "record_agreement"]
_TO_CLOSED = [*_TO_AGREED, "close"]

#: From a freshly reported case, the commands that lead into each state.
PATHS: dict[Status, list[str]] = {
    S.REPORTED: [],
    S.ASSIGNED: ["assign"],
    S.ACCEPTED: ["assign", "accept"],
    S.MEDIATING: ["assign", "accept", "hold_session"],
    S.AGREED: _TO_AGREED,
    S.CONFIRMATION_PENDING: [*_TO_AGREED, "request_confirmation"],
    S.CONFIRMED: [*_TO_AGREED, "request_confirmation", "decide_confirmation"],
    S.FAILED: ["assign", "accept", "hold_session", "record_failure"],
    S.LITIGATING: ["file_in_court"],
    S.ADJUDICATED: ["file_in_court", "record_court_outcome"],
    S.CLOSED: _TO_CLOSED,
    S.ARCHIVED: [*_TO_CLOSED, "archive"],
}


def command_args(world: World, command: str, *, granted: bool = True) -> dict[str, Any]:
    """Valid arguments for ``command``. May write (link_to_lead_case reports a lead case),
    so call it before taking an event count."""
    if command == "link_to_lead_case":
        return {"lead_id": world.report(actor="admin", summary="示范案件").id}
    if command == "add_supervision_note":
        return {"instruction": "三日内上门走访并报告", "due_at": world.clock.now + timedelta(days=5)}
    if command == "decide_confirmation":
        return {"granted": granted, "reason": "协议内容合法" if granted else "协议内容违反法律强制性规定"}
    return dict(_STATIC_ARGS[command])


_STATIC_ARGS: dict[str, dict[str, Any]] = {
    "assign": {"route": "peoples_mediation", "organisation_code": VILLAGE_COMMITTEE, "mediator_id": "M0020"},
    "accept": {},
    "decline": {"reason": "不属于本委员会受理范围"},
    "hold_session": {"mode": "onsite", "participants": ["张建国", "李秀英"], "summary": "双方到场陈述"},
    "extend_deadline": {"days": 15, "reason": "双方同意延长调解期限"},
    "record_agreement": {"terms": "李秀英于三月底前疏通排水沟", "amount": "800.00"},
    "record_failure": {"reason": "双方分歧过大"},
    "request_confirmation": {"court_code": COURT, "online": True, "applicants": ["张建国", "李秀英"]},
    "extend_confirmation": {"reason": "案情复杂，经院长批准延长审查期限"},
    "add_joint_body": {"organisation_code": "ORGT621199001"},
    "entrust_mediation": {"organisation_code": VILLAGE_COMMITTEE},
    "apply_for_enforcement": {"court_code": COURT, "reason": "对方未履行经确认的调解协议"},
    "file_in_court": {"court_code": COURT, "court_case_number": "(2026)甘1199民初123号", "reason": "调解不成"},
    "record_court_outcome": {"outcome": "judgment", "summary": "判决被告疏通排水沟"},
    "record_performance": {"performed": "full"},
    "close": {"summary": "纠纷已化解"},
    "follow_up": {"satisfaction": "satisfied", "relapse": False},
    "archive": {"archive_number": "DA-2026-0001"},
    "reopen": {"reason": "纠纷复发"},
    "withdraw": {"reason": "申请人撤回"},
    "assess_risk": {"level": "high", "flags": ["mass"]},
    "report_incident": {"kind": "criminal_escalation", "description": "双方发生肢体冲突", "severity": "serious"},
    "correct_details": {"field": "summary", "value": "更正后的简要情况", "reason": "登记时笔误"},
}


def drive_to(world: World, state: Status, *, actor: str = "admin") -> Any:
    """Report a case and move it into ``state`` with real commands; returns the case."""
    case = world.report(actor=actor)
    for command in PATHS[state]:
        world.clock.advance(minutes=10)
        case = world.do(case.id, command, actor, **command_args(world, command))
    world.clock.advance(minutes=10)
    assert case.status == state, f"driving to {state} ended in {case.status}"
    return case
