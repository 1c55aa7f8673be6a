"""Which role may issue which command (DESIGN.md §2)."""

from __future__ import annotations

from domain.codes import Role
from domain.lifecycle import COMMANDS

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
            "record_performance",
            "close",
            "follow_up",
        }
    ),
    Role.JUDGE: frozenset(
        {"decide_confirmation", "file_in_court", "record_court_outcome", "record_performance", "close"}
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
