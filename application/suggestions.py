"""Commands and reads of judicial suggestions and the 三书一函 (domain/suggestion.py).

The discipline of the other instruments (application/instruments.py): role, then region scope
(a suggestion outside it is "not found"), then the state machine and values, one save. What the
server decides is never taken from a client: the issuer's name (from the directory), the cases
behind the class (each must exist in the actor's region), the document number, and the reply's
due date (LEDGER_SUGGESTION_REPLY_DAYS after delivery unless the court sets one).
"""

from __future__ import annotations

import os
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from application import instruments as acts
from application.errors import VersionConflict
from application.ledger import Ledger
from application.receipts import RequestKey
from domain import suggestion as rules
from domain.case import Case
from domain.codes import ReplyOutcome, SuggestionKind
from domain.errors import AccessDenied, InvalidValue
from domain.reference import COURT_KINDS, Actor
from domain.suggestion import Suggestion, SuggestionNumber, document_number

#: Issues racing for numbers retry this many times before answering 409.
MAX_ATTEMPTS = 20


def reply_days() -> int:
    """LEDGER_SUGGESTION_REPLY_DAYS: days from delivery to the reply's due date (default 60)."""
    raw = os.environ.get("LEDGER_SUGGESTION_REPLY_DAYS", "").strip() or "60"
    days = int(raw)
    if not 1 <= days <= 366:
        raise ValueError("LEDGER_SUGGESTION_REPLY_DAYS must be between 1 and 366")
    return days


def may_read(actor: Actor) -> None:
    """Judges, supervisors, auditors and the administrator read suggestions (AccessDenied else)."""
    acts._read_allowed(actor, rules.READ_ROLES)  # noqa: SLF001 (one rule for reading instruments)


def scoped_region(ledger: Ledger, actor: Actor, code: str | None) -> list[str]:
    """The region path asked for (default: the actor's county, else the first county) as far
    as the actor's scope reaches: a town's actor asking for its county gets its town."""
    regions = ledger.regions()
    code = (code or "").strip()
    if not code:
        counties = sorted(r.code for r in regions.regions.values() if r.level == "county")
        code = actor.region_path[0] if actor.region_path else (counties[0] if counties else "")
    path = regions.path(code)
    if not path:
        raise InvalidValue("region", f"unknown region {code!r}")
    if actor.covers(path):
        return path
    if actor.region_path[: len(path)] == path:
        return list(actor.region_path)
    raise AccessDenied(f"region {code} lies outside {actor.name}'s region")


def read_suggestion(ledger: Ledger, actor: Actor, suggestion_id: object) -> Suggestion:
    may_read(actor)
    found = acts._get(ledger, Suggestion, "suggestion", suggestion_id)  # noqa: SLF001
    if not actor.covers(found.region_path):
        raise acts.InstrumentNotFound("suggestion", suggestion_id)
    return found


def suggestion_history(ledger: Ledger, actor: Actor, suggestion_id: object) -> list[Any]:
    return acts._history(ledger, read_suggestion(ledger, actor, suggestion_id))  # noqa: SLF001


def _issuer(ledger: Ledger, kind: str, code: str, name: str | None) -> tuple[str, str]:
    """A court's suggestion comes from a court of the directory (its name is the directory's);
    the other bodies (监委, 检察院, 公安局) need not be in the mediation directory and are named."""
    organisation = ledger.directory().organisations.get((code or "").strip())
    if kind == SuggestionKind.JUDICIAL.value and (organisation is None or organisation.kind not in COURT_KINDS):
        raise InvalidValue("issuer_code", f"a 司法建议书 is issued by a court of the directory, not {code!r}")
    if organisation is not None:
        return organisation.code, organisation.name
    if not name:
        raise InvalidValue("issuer_name", f"{code!r} is not in the directory: name the issuing body")
    return code, name


def _cases(ledger: Ledger, actor: Actor, case_ids: list[Any]) -> list[str]:
    """The cases behind the class, each an existing case in the actor's region (else unknown)."""
    if not isinstance(case_ids, list):
        raise InvalidValue("case_ids", "a list of case ids")
    found = []
    for i, value in enumerate(case_ids):
        try:
            case: Any = ledger.repository.get(UUID(str(value)))
        except (ValueError, AggregateNotFoundError):
            case = None
        if not isinstance(case, Case) or not actor.covers(case.region_path):
            raise InvalidValue(f"case_ids[{i}]", f"unknown case {value!r}")
        found.append(str(case.id))
    return found


def draft_suggestion(
    ledger: Ledger,
    actor: Actor,
    *,
    kind: str,
    issuer_code: str,
    recipient: str,
    title: str,
    problem: str,
    proposals: str,
    category: str,
    region_code: str,
    case_ids: list[Any],
    issuer_name: str | None = None,
    recipient_superior: str | None = None,
    occurred_at: datetime | None = None,
    note: str | None = None,
    key: RequestKey | None = None,
) -> tuple[Suggestion, int]:
    if (first := acts.replay(ledger, key)) is not None:
        return first  # type: ignore[no-any-return]
    acts._command_allowed(actor, rules.may_issue(actor.role, "draft"), "draft a suggestion")  # noqa: SLF001
    kind = SuggestionKind.parse("kind", kind).value
    path = ledger.regions().path(str(region_code).strip())
    if not path:
        raise InvalidValue("region_code", f"unknown region {region_code!r}")
    if not actor.covers(path):
        raise AccessDenied(f"{region_code} lies outside {actor.name}'s region")
    code, name = _issuer(ledger, kind, issuer_code, issuer_name)
    drafted = Suggestion.draft(
        acts._act(ledger, actor, occurred_at, note),  # noqa: SLF001
        kind=kind,
        issuer_code=code,
        issuer_name=name,
        recipient=recipient,
        recipient_superior=recipient_superior,
        title=title,
        problem=problem,
        proposals=proposals,
        category=category,
        region_path=path,
        case_ids=_cases(ledger, actor, case_ids),
    )
    return acts._save(ledger, drafted, None, key, "draft")  # noqa: SLF001


def _taken(ledger: Ledger, number: str) -> bool:
    return bool(ledger.recorder.select_events(SuggestionNumber.create_id(number), limit=1))


def next_serial(ledger: Ledger, county_code: str, kind: str, year: int) -> int:
    """The first free serial of a county, kind and year. Numbers are only ever claimed as the
    first free one, so the claimed serials are always 1..n: a doubling probe then a bisection
    finds n + 1 in O(log n) reads of the store."""

    def taken(serial: int) -> bool:
        return _taken(ledger, document_number(county_code, kind, year, serial))

    high = 1
    while taken(high):
        high *= 2
    low = high // 2  # taken (or 0)
    while high - low > 1:
        middle = (low + high) // 2
        if taken(middle):
            low = middle
        else:
            high = middle
    return high


def issue_suggestion(
    ledger: Ledger,
    actor: Actor,
    suggestion_id: object,
    *,
    expected_version: int | None = None,
    occurred_at: datetime | None = None,
    note: str | None = None,
    key: RequestKey | None = None,
) -> tuple[Suggestion, int]:
    """签发: number the suggestion with the first free serial and claim the number in the same
    save. Two issues at once (of two suggestions, or two clicks on one) collide in the store:
    the loser reads again and takes the next number, or finds its suggestion already issued
    (409) — no number is given twice and none is skipped."""
    for _ in range(MAX_ATTEMPTS):
        if (first := acts.replay(ledger, key)) is not None:
            return first  # type: ignore[no-any-return]
        acts._command_allowed(actor, rules.may_issue(actor.role, "issue"), "issue")  # noqa: SLF001
        found = read_suggestion(ledger, actor, suggestion_id)
        if expected_version is not None and expected_version != found.version:
            raise VersionConflict(expected_version, found.version)
        started_at = found.version
        act = acts._act(ledger, actor, occurred_at, note)  # noqa: SLF001
        found.issue(act, serial=next_serial(ledger, found.county_code, found.kind, found.issue_year(act)))
        assert found.number is not None
        claim = SuggestionNumber.claim(act, number=found.number, suggestion_id=found.id)
        try:
            return acts._save(ledger, found, started_at, key, "issue", companions=(claim,))  # noqa: SLF001
        except acts.CompanionTaken:
            continue
    current = read_suggestion(ledger, actor, suggestion_id).version
    raise VersionConflict(current, current)


def suggestion_command(
    ledger: Ledger,
    actor: Actor,
    suggestion_id: object,
    command: str,
    *,
    expected_version: int | None = None,
    occurred_at: datetime | None = None,
    note: str | None = None,
    key: RequestKey | None = None,
    **args: Any,
) -> tuple[Suggestion, int]:
    if command == "issue":
        return issue_suggestion(ledger, actor, suggestion_id, expected_version=expected_version,
                                occurred_at=occurred_at, note=note, key=key)  # fmt: skip
    if (first := acts.replay(ledger, key)) is not None:
        return first  # type: ignore[no-any-return]
    if command not in rules.COMMANDS:
        raise InvalidValue("command", f"unknown command {command!r}")
    acts._command_allowed(actor, rules.may_issue(actor.role, command), command)  # noqa: SLF001
    found = read_suggestion(ledger, actor, suggestion_id)
    if command == "deliver":
        args["reply_days"] = reply_days()
    return acts.run_command(ledger, actor, found, command, expected_version=expected_version,
                            occurred_at=occurred_at, note=note, key=key, **args)  # fmt: skip


def suggestion_page(ledger: Ledger, found: Suggestion, today: date) -> dict[str, Any]:
    """What the API and the CLI show of one suggestion (its reply's standing judged ``today``)."""
    labels = [rules.EVENTS[type(e).__name__][1] for e in acts._history(ledger, found)]  # noqa: SLF001
    return {
        "id": str(found.id),
        "version": found.version,
        "kind": found.kind,
        "kind_label": SuggestionKind(found.kind).label,
        "number": found.number,
        "issuer_code": found.issuer_code,
        "issuer_name": found.issuer_name,
        "recipient": found.recipient,
        "recipient_superior": found.recipient_superior,
        "title": found.title,
        "problem": found.problem,
        "proposals": found.proposals,
        "category": found.category,
        "region_code": found.region_path[-1],
        "region_path": found.region_path,
        "county_code": found.county_code,
        "case_ids": found.case_ids,
        "cases": len(found.case_ids),
        "status": found.status,
        "status_label": rules.STATES[found.status],
        "drafted_at": found.drafted_at.isoformat(),
        "drafted_by": found.drafted_by,
        "reviewed_by": found.reviewed_by,
        "issued_at": None if found.issued_at is None else found.issued_at.isoformat(),
        "issued_by": found.issued_by,
        "delivered_on": found.delivered_on,
        "reply_due_on": found.reply_due_on,
        "reply": rules.reply_standing(found.reply_due_on, found.replied_on, today),
        "reminders": found.reminders,
        "escalated_to": found.escalated_to,
        "escalated_on": found.escalated_on,
        "replied_on": found.replied_on,
        "outcome": found.outcome,
        "outcome_label": None if found.outcome is None else ReplyOutcome(found.outcome).label,
        "revisits": found.revisits,
        "allowed_commands": sorted(c.replace("_", "-") for c in found.allowed_commands()),
        "events": labels,
    }
