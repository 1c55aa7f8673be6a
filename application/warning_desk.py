"""Commands on warnings and the lead-unit table: the ledger's checks (role, region scope,
state machine, values) applied to MassWarning and MissedDeadline, saved with optimistic
concurrency. A warning outside the actor's region is "not found", as a case is."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from application.errors import CaseNotFound, VersionConflict
from application.ledger import Ledger
from domain.case import Act
from domain.codes import Role
from domain.errors import AccessDenied, InvalidValue, LedgerError
from domain.lead_units import LeadUnits
from domain.mass_warning import MassWarning, MissedDeadline
from domain.reference import Actor
from domain.warning_lifecycle import READ_ROLES, may_issue

Warning = MassWarning | MissedDeadline


class WarningNotFound(CaseNotFound):
    """404 as for a case: an unknown id and one outside the reader's region read alike."""

    def __init__(self, warning_id: object):
        LedgerError.__init__(self, f"no warning {warning_id}")
        self.case_id = self.warning_id = str(warning_id)


def lead_units(ledger: Ledger) -> LeadUnits:
    return ledger._reference(LeadUnits) or LeadUnits()


def load_lead_units(ledger: Ledger, actor: Actor, rows: list[dict[str, Any]]) -> int:
    ledger._require_admin(actor)
    table = ledger._loaded(LeadUnits)
    count = table.load(rows, actor_id=actor.name)
    ledger.save(table)
    return count


def _uuid(value: object) -> UUID:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        raise WarningNotFound(value) from None


def get_warning(ledger: Ledger, warning_id: object) -> Warning:
    try:
        found: Any = ledger.repository.get(_uuid(warning_id))
    except AggregateNotFoundError:
        raise WarningNotFound(warning_id) from None
    if not isinstance(found, MassWarning | MissedDeadline):
        raise WarningNotFound(warning_id)
    return found


def require_reader(actor: Actor) -> None:
    if Role(actor.role) not in READ_ROLES:
        raise AccessDenied(f"role {actor.role} may not read warnings")


def read_warning(ledger: Ledger, actor: Actor, warning_id: object) -> Warning:
    require_reader(actor)
    warning = get_warning(ledger, warning_id)
    if not actor.covers(warning.region_path):
        raise WarningNotFound(warning_id)
    return warning


def history(ledger: Ledger, actor: Actor, warning_id: object) -> list[Any]:
    warning = read_warning(ledger, actor, warning_id)
    return list(ledger.events.get(warning.id))


def act_of(ledger: Ledger, actor: Actor, occurred_at: datetime | None, note: str | None) -> Act:
    return ledger._act(actor, occurred_at, note)


def execute(
    ledger: Ledger,
    actor: Actor,
    warning_id: object,
    command: str,
    *,
    expected_version: int | None = None,
    occurred_at: datetime | None = None,
    note: str | None = None,
    **args: Any,
) -> tuple[Warning, int]:
    """Run one command on a warning; the warning after it and the store position of its event."""
    if command not in ("acknowledge", "dismiss", "order_joint_handling", "report_handling", "close", "answer"):
        raise InvalidValue("command", f"unknown command {command!r}")
    if not may_issue(actor.role, command):
        raise AccessDenied(f"role {actor.role} may not {command} a warning")
    warning = read_warning(ledger, actor, warning_id)
    # A fresh copy to change: the repository's cached one is shared with readers.
    warning = ledger.repository.get(warning.id)
    if expected_version is not None and expected_version != warning.version:
        raise VersionConflict(expected_version, warning.version)
    act = act_of(ledger, actor, occurred_at, note)
    changed: list[Any] = [warning]
    if command == "order_joint_handling":
        assert isinstance(warning, MassWarning)
        args = _lead_of(ledger, warning, args)
    if command == "answer":
        if not isinstance(warning, MissedDeadline):
            raise InvalidValue("command", "only a missed deadline is answered with a supervision note")
        # The note goes on the case too, where it opens the supervision deadline (DESIGN.md §5).
        case = ledger.get_case(warning.case_id)
        due_at = args.get("due_at")
        if not isinstance(due_at, datetime):
            raise InvalidValue("due_at", "is required")
        case.add_supervision_note(act, instruction=str(args.get("instruction") or ""), due_at=due_at)
        changed.append(case)
    getattr(warning, command)(act, **args)
    try:
        recordings = ledger.save(*changed)
    except IntegrityError:
        raise VersionConflict(warning.version - 1, get_warning(ledger, warning.id).version) from None
    return warning, max(r.notification.id for r in recordings)


def _lead_of(ledger: Ledger, warning: MassWarning, args: dict[str, Any]) -> dict[str, Any]:
    """The lead unit of the warning's category from the lead-unit table, unless one is named."""
    table = lead_units(ledger)
    code = args.get("lead_code")
    lead = table.lead_for(warning.category)
    if code:
        department = table.departments.get(str(code))
        if department is None:
            raise InvalidValue("lead_code", f"unknown department {code!r}")
        partner = lead.partner if lead is not None and lead.lead.code == department.code else None
    elif lead is not None:
        department, partner = lead.lead, lead.partner
    else:
        raise InvalidValue("lead_code", "no lead-unit table is loaded: name the lead unit")
    if "due_at" not in args or not isinstance(args["due_at"], datetime):
        raise InvalidValue("due_at", "is required")
    return {
        "lead_code": department.code,
        "lead_name": department.name,
        "partner_code": partner.code if partner else None,
        "partner_name": partner.name if partner else None,
        "due_at": args["due_at"],
    }
