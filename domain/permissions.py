"""Which role may issue which command (DESIGN.md §2)."""

from __future__ import annotations

from collections.abc import Collection

from domain.codes import Role
from domain.lifecycle import COMMANDS, PROGRESS

ROLE_COMMANDS: dict[Role, frozenset[str]] = {
    Role.RECORDER: frozenset(
        {
            "report",
            "assess_risk",
            "assign",
            "withdraw",
            "correct_details",
            "link_to_lead_case",
            "report_incident",
            "add_joint_body",
        }
    ),
    Role.MEDIATOR: frozenset(
        {
            "accept",
            "decline",
            "hold_session",
            "extend_deadline",
            "record_agreement",
            "record_failure",
            "request_confirmation",
            "apply_for_enforcement",
            "record_performance",
            "close",
            "follow_up",
        }
    ),
    Role.JUDGE: frozenset(
        {
            "decide_confirmation",
            "extend_confirmation",
            "entrust_mediation",
            "apply_for_enforcement",
            "file_in_court",
            "record_court_outcome",
            "record_performance",
            "close",
        }
    ),
    Role.SUPERVISOR: frozenset(
        {"add_supervision_note", "assess_risk", "report_incident", "reopen", "archive"}
    ),
    Role.AUDITOR: frozenset(),
    Role.READER: frozenset(),
    Role.ADMIN: COMMANDS,
}

#: Roles that may read /audit/* endpoints.
AUDIT_ROLES = frozenset({Role.AUDITOR, Role.ADMIN})
#: Roles that may read red/yellow card warnings and reviews.
WARNING_ROLES = frozenset({Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN})
#: Roles that see personal data masked.
MASKED_ROLES = frozenset({Role.READER})


def may_issue(role: Role, command: str) -> bool:
    return command in ROLE_COMMANDS[role]


#: Commands a mediator may take only on cases handed to the mediator's own organisation.
HANDLER_COMMANDS = frozenset(PROGRESS) - {"assign"}


Bodies = str | Collection[str] | None


def handling_bodies(lead: str | None, joint: Collection[str], entrusted: str | None) -> tuple[str, ...]:
    """The bodies handling a case, lead first: the assigned body, the joint bodies of a 联合调解,
    the body a court entrusted with mediating it after filing (委托调解)."""
    return tuple(dict.fromkeys(b for b in (lead, *joint, entrusted) if b))


def _bodies(case_organisation: Bodies) -> frozenset[str]:
    if case_organisation is None:
        return frozenset()
    if isinstance(case_organisation, str):
        return frozenset({case_organisation})
    return frozenset(case_organisation)


def mediator_may_act(role: Role, actor_organisation: str | None, command: str, case_organisation: Bodies) -> bool:
    """A mediator moves a case along only for an organisation handling it (the lead body, a joint
    body of a 联合调解, or the body a court entrusted); other roles act within their region scope
    (checked elsewhere). ``case_organisation`` is one code or the case's handling bodies."""
    return not (
        role == Role.MEDIATOR and command in HANDLER_COMMANDS and actor_organisation not in _bodies(case_organisation)
    )


#: Cases a recorder or judge is handling by their status (the clerk triages, the court decides).
_HANDLED_BY_STATUS: dict[Role, frozenset[str]] = {
    Role.RECORDER: frozenset({"reported", "failed"}),
    Role.JUDGE: frozenset({"confirmation_pending", "litigating", "adjudicated"}),
}


def handles(role: Role, actor_organisation: str | None, status: str, case_organisation: Bodies) -> bool:
    """Whether an actor (already within the case's region) is among the case's current handlers,
    who may read its personal data without declaring a purpose."""
    if role == Role.MEDIATOR:
        return actor_organisation is not None and actor_organisation in _bodies(case_organisation)
    return status in _HANDLED_BY_STATUS.get(role, frozenset())
