"""Commands and reads of demonstration batches (示范诉讼/示范调解) on the ledger.

The instruments' discipline (application/instruments.py): role first, then region scope (a batch
outside it is "not found"), then the aggregate's state machine and values, one save. What the
batch standard is comes from the lead case as it stands in the store, never from the client.
Which batch a case last joined is a stream of its own (domain.batch.Membership) saved with the
batch that takes it: a case sits in one open batch at a time, by the store's own concurrency
control, whatever the views have projected yet.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from application.instruments import (
    CompanionTaken,
    InstrumentNotFound,
    _act,
    _command_allowed,
    _get,
    _history,
    _read_allowed,
    _save,
    checked,
    replay,
)
from application.ledger import Ledger
from application.receipts import RequestKey
from domain import batch as batches
from domain.batch import Batch, Membership, lead_decision
from domain.case import Case
from domain.codes import Category, PartyKind, PartyRole, Role
from domain.errors import AccessDenied, InvalidValue, RuleViolation
from domain.instrument import next_state
from domain.reference import Actor
from domain.warning_rules import normalised_name

#: Case events that decide a case (the lead's decision is dated by the last of them).
_DECIDING = ("AgreementRecorded", "CourtOutcomeRecorded")


def read_batch(ledger: Ledger, actor: Actor, batch_id: object) -> Batch:
    _read_allowed(actor, batches.READ_ROLES)
    found = _get(ledger, Batch, "batch", batch_id)
    if not actor.covers(found.region_path):
        raise InstrumentNotFound("batch", batch_id)
    return found


def batch_history(ledger: Ledger, actor: Actor, batch_id: object) -> list[Any]:
    return _history(ledger, read_batch(ledger, actor, batch_id))


def open_batch(
    ledger: Ledger,
    actor: Actor,
    *,
    title: str,
    subject_kind: str,
    subject_name: str,
    region_code: str,
    credit_code: str | None = None,
    category: str | None = None,
    occurred_at: datetime | None = None,
    note: str | None = None,
    key: RequestKey | None = None,
) -> tuple[Batch, int]:
    if (first := replay(ledger, key)) is not None:
        return first
    _command_allowed(actor, batches.may_issue(actor.role, "open"), "open a batch")
    path = ledger.region_path("region_code", region_code, levels=("county", "town", "village"))
    if not actor.covers(path):
        raise AccessDenied(f"region {region_code} lies outside {actor.name}'s region")
    if category is not None:
        category = Category.parse("category", category).value
    opened = Batch.open(
        _act(ledger, actor, occurred_at, note), title=title, subject_kind=subject_kind, subject_name=subject_name,
        region_path=path, credit_code=credit_code, category=category,
    )  # fmt: skip
    return _save(ledger, opened, None, key, "open")


def batch_command(
    ledger: Ledger,
    actor: Actor,
    batch_id: object,
    command: str,
    *,
    expected_version: int | None = None,
    occurred_at: datetime | None = None,
    note: str | None = None,
    key: RequestKey | None = None,
    **args: Any,
) -> tuple[Batch, int]:
    if (first := replay(ledger, key)) is not None:
        return first
    found: Batch = checked(actor, command, batches.COMMANDS, batches.may_issue,
                           lambda: read_batch(ledger, actor, batch_id), expected_version)  # fmt: skip
    started_at = found.version
    next_state(found.TRANSITIONS, found.status, command)  # the state machine before any lookup
    act = _act(ledger, actor, occurred_at, note)
    joined: tuple[Membership, ...] = ()
    if command == "add_cases":
        ids, memberships = _addable(ledger, actor, found, args.get("case_ids"))
        found.add_cases(act, case_ids=ids)
        joined = tuple(_join(act, case_id, found, memberships.get(case_id)) for case_id in ids)
    elif command == "choose_lead":
        found.choose_lead(act, case_id=_case_id(ledger, actor, "case_id", args.get("case_id")))
    elif command == "adopt_standard":
        _adopt(ledger, found, act)
    elif command == "offer":
        given = args.get("case_ids")
        ids = [c for c in found.parallel_ids if c not in found.offers] if not given else [
            _case_id(ledger, actor, "case_ids", c) for c in given
        ]  # fmt: skip
        found.offer(act, case_ids=ids)
    elif command in ("record_acceptance", "record_refusal"):
        case = ledger.get_case_or_invalid("case_id", args.get("case_id"), actor=actor)
        if actor.role == Role.MEDIATOR and case.organisation_code != actor.organisation_code:
            raise AccessDenied(f"case {case.id} is not handled by {actor.organisation_code}")
        extra = {"reason": args.get("reason")} if command == "record_refusal" else {}
        getattr(found, command)(act, case_id=str(case.id), **extra)
    else:
        found.close(act, reason=args.get("reason"))  # type: ignore[arg-type]
    try:
        return _save(ledger, found, started_at, key, command, companions=joined)
    except CompanionTaken:  # the batch did not move: a membership did
        raise RuleViolation("add_cases", "another batch took one of these cases at the same moment") from None


def _join(act: Any, case_id: str, found: Batch, membership: Membership | None) -> Membership:
    if membership is None:
        return Membership.first(act, case_id=case_id, batch_id=str(found.id))
    membership.join(act, batch_id=str(found.id))
    return membership


def _case_id(ledger: Ledger, actor: Actor, field: str, value: object) -> str:
    return str(ledger.get_case_or_invalid(field, value, actor=actor).id)


def _addable(ledger: Ledger, actor: Actor, found: Batch, given: object) -> tuple[list[str], dict[str, Membership]]:
    """The named cases, each known, inside the actor's scope and the batch's region, against the
    batch's respondent when it has one, and in no other open batch; with the membership stream
    of each case that has one."""
    if not isinstance(given, list | tuple) or not given:
        raise InvalidValue("case_ids", "name at least one case")
    if len(given) > batches.MAX_CASES:
        raise InvalidValue("case_ids", f"at most {batches.MAX_CASES} cases")
    cases = [ledger.get_case_or_invalid(f"case_ids[{i}]", c, actor=actor) for i, c in enumerate(given)]
    memberships: dict[str, Membership] = {}
    for i, case in enumerate(cases):
        if case.region_path[: len(found.region_path)] != found.region_path:
            raise InvalidValue(f"case_ids[{i}]", f"case {case.id} lies outside the batch's region")
        if found.subject_kind == "respondent" and not _against(case, found):
            raise InvalidValue(f"case_ids[{i}]", f"case {case.id} is not brought against {found.subject_name}")
        try:
            membership: Any = ledger.repository.get(Membership.create_id(str(case.id)))
        except AggregateNotFoundError:
            continue
        if membership.batch_id == str(found.id):
            raise RuleViolation("add_cases", f"case {case.id} is already in this batch")
        last: Any = ledger.repository.get(UUID(membership.batch_id))
        if last.status in batches.OPEN_STATES:
            raise RuleViolation("add_cases", f"case {case.id} is already in open batch {last.id}")
        memberships[str(case.id)] = membership
    return [str(c.id) for c in cases], memberships


def _against(case: Case, found: Batch) -> bool:
    """Whether one of the case's respondents is the batch's: by credit code when the party has
    one (the same name under another code is another organisation), else by name."""
    name = normalised_name(found.subject_name)
    for p in case.parties:
        if p.role != PartyRole.RESPONDENT or p.kind != PartyKind.ORGANISATION:
            continue
        if p.id_number == found.credit_code if p.id_number else normalised_name(p.name) == name:
            return True
    return False


def _adopt(ledger: Ledger, found: Batch, act: Any) -> None:
    if found.lead_id is None:
        raise RuleViolation("adopt_standard", "choose the lead case first")
    lead = ledger.get_case(found.lead_id)
    decision = lead_decision(lead)
    if decision is None:
        raise RuleViolation("adopt_standard", f"the lead case is not decided (status {lead.status})")
    kind, terms, amount = decision
    deciding = [e for e in ledger.history(lead.id) if type(e).__name__ in _DECIDING]
    found.adopt_standard(
        act, lead_id=str(lead.id), kind=kind, terms=terms, amount=amount,
        decided_at=deciding[-1].occurred_at if deciding else lead.last_occurred_at, lead_version=lead.version,
    )  # fmt: skip
