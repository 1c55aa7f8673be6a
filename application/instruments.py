"""Commands and reads of the governance instruments (cards, 无讼村) on the ledger.

The same discipline as the case commands (application/ledger.py): the actor's role first, then
its region scope (an instrument outside it is "not found", as an unknown id), then the
aggregate's own state machine and values; one save with optimistic concurrency. What a card
freezes (the proposal and figures) and what an assessment freezes (the evidence) are computed by
the caller from the views, never taken from a client.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from application import receipts
from application.errors import CaseNotFound, VersionConflict
from application.ledger import Ledger
from application.receipts import CommandReceipt, RequestKey
from domain import card as cards
from domain import no_litigation as villages
from domain.card import Card
from domain.card_rules import DEFAULT_RULES, CardRule, load_rules
from domain.case import Act
from domain.errors import AccessDenied, InvalidValue
from domain.instrument import Instrument
from domain.no_litigation import NoLitigationVillage
from domain.reference import Actor

InstrumentT = TypeVar("InstrumentT", bound=Instrument)


class InstrumentNotFound(CaseNotFound):
    """An unknown id, or one outside the actor's region (HTTP 404 either way)."""

    def __init__(self, what: str, instrument_id: object):
        super().__init__(str(instrument_id))
        self.args = (f"no {what} {instrument_id}",)


# ---------------------------------------------------------------------- settings


def rectification_days() -> int:
    """LEDGER_RECTIFICATION_DAYS: days from a card's issue to its rectification plan's due date."""
    raw = os.environ.get("LEDGER_RECTIFICATION_DAYS", "").strip() or "30"
    days = int(raw)
    if not 1 <= days <= 366:
        raise ValueError("LEDGER_RECTIFICATION_DAYS must be between 1 and 366")
    return days


def card_rules() -> tuple[CardRule, ...]:
    """LEDGER_CARD_RULES (a TOML file of [[rule]] tables), else DESIGN.md §6's defaults."""
    path = os.environ.get("LEDGER_CARD_RULES", "").strip()
    return load_rules(path) if path else DEFAULT_RULES


def no_litigation_target() -> tuple[int | None, float]:
    """LEDGER_NO_LITIGATION_TARGET_YEAR and _SHARE (default 1.0: every village named)."""
    year = os.environ.get("LEDGER_NO_LITIGATION_TARGET_YEAR", "").strip()
    share = float(os.environ.get("LEDGER_NO_LITIGATION_TARGET_SHARE", "").strip() or "1.0")
    if not 0 < share <= 1:
        raise ValueError("LEDGER_NO_LITIGATION_TARGET_SHARE must be in (0, 1]")
    return (int(year) if year else None), share


# ---------------------------------------------------------------------- shared


def _act(ledger: Ledger, actor: Actor, occurred_at: datetime | None, note: str | None) -> Act:
    return ledger._act(actor, occurred_at, note)  # noqa: SLF001 (one definition of an act)


def _uuid(what: str, value: object) -> UUID:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise InstrumentNotFound(what, value) from None


def _get(ledger: Ledger, cls: type[InstrumentT], what: str, instrument_id: object) -> InstrumentT:
    try:
        found: Any = ledger.repository.get(_uuid(what, instrument_id))
    except AggregateNotFoundError:
        raise InstrumentNotFound(what, instrument_id) from None
    if not isinstance(found, cls):
        raise InstrumentNotFound(what, instrument_id)
    return found


def as_of(ledger: Ledger, aggregate: InstrumentT, what: str, recorded_at: datetime | None) -> InstrumentT:
    """The instrument as the ledger knew it at ``recorded_at`` (from its events recorded by
    then, as a case's as_of); itself when ``recorded_at`` is None; not found before it existed."""
    if recorded_at is None:
        return aggregate
    state: Any = None
    e: Any
    for e in ledger.events.get(aggregate.id, lte=aggregate.version):
        if e.timestamp > recorded_at:
            break
        state = e.mutate(state)
    if state is None:
        raise InstrumentNotFound(what, f"{aggregate.id} as of {recorded_at.isoformat()}")
    return state  # type: ignore[no-any-return]


def replay(ledger: Ledger, key: RequestKey | None) -> tuple[Any, int] | None:
    """What the first request with this Idempotency-Key wrote (the instrument at the version it
    left and the store position), None if there was none; KeyReused for another request."""
    if key is None:
        return None
    receipt = receipts.find(ledger, key)
    if receipt is None:
        return None
    found: Any = ledger.repository.get(receipt.case_id, version=receipt.case_version)
    return found, receipts.position_of(ledger, receipt.case_id, receipt.case_version)


class CompanionTaken(Exception):
    """An aggregate saved with the instrument (a claimed number) already exists in the store,
    while the instrument itself did not move: the caller may claim another and save again."""


def _save(
    ledger: Ledger,
    aggregate: Instrument,
    started_at: int | None,
    key: RequestKey | None = None,
    command: str = "",
    companions: tuple[Any, ...] = (),
) -> tuple[Any, int]:
    """Save the instrument's new events (and its ``companions``, in the same transaction), with
    the receipt of ``key``."""
    receipt = None
    if key is not None:
        receipt = CommandReceipt.issue(
            key, case_id=aggregate.id, case_version=aggregate.version, command=command, at=aggregate.modified_on
        )
    try:
        recordings = ledger.save(aggregate, *companions, receipt)
    except IntegrityError:
        first = replay(ledger, key)
        if first is not None:
            return first  # the same request, sent twice at once: the first one's answer
        if started_at is None:
            raise InvalidValue("id", "already recorded") from None
        current: int = ledger.repository.get(aggregate.id).version
        if companions and current == started_at:
            raise CompanionTaken from None
        raise VersionConflict(started_at, current) from None
    return aggregate, max(r.notification.id for r in recordings if r.domain_event.originator_id == aggregate.id)


def run_command(
    ledger: Ledger,
    actor: Actor,
    found: InstrumentT,
    command: str,
    *,
    expected_version: int | None,
    occurred_at: datetime | None,
    note: str | None,
    key: RequestKey | None,
    **args: Any,
) -> tuple[InstrumentT, int]:
    """Apply one command to an instrument the actor may act on, and save it (If-Match first)."""
    if expected_version is not None and expected_version != found.version:
        raise VersionConflict(expected_version, found.version)
    started_at = found.version
    getattr(found, command)(_act(ledger, actor, occurred_at, note), **args)
    return _save(ledger, found, started_at, key, command)


def _read_allowed(actor: Actor, roles: frozenset[str]) -> None:
    if actor.role not in roles:
        raise AccessDenied(f"role {actor.role} may not read these instruments")


def _command_allowed(actor: Actor, allowed: bool, command: str) -> None:
    if not allowed:
        raise AccessDenied(f"role {actor.role} may not {command}")


def checked(
    actor: Actor,
    command: str,
    commands: tuple[str, ...],
    may_issue: Any,
    read: Any,
    expected_version: int | None,
) -> Any:
    """The instrument a command acts on, after the checks every instrument command makes in this
    order: a known command, the actor's role, the instrument in the actor's region (``read``
    raises InstrumentNotFound otherwise), the version the client expects (If-Match)."""
    if command not in commands:
        raise InvalidValue("command", f"unknown command {command!r}")
    _command_allowed(actor, may_issue(actor.role, command), command)
    found = read()
    if expected_version is not None and expected_version != found.version:
        raise VersionConflict(expected_version, found.version)
    return found


def _history(ledger: Ledger, aggregate: Instrument) -> list[Any]:
    return list(ledger.events.get(aggregate.id, lte=aggregate.version))


# ---------------------------------------------------------------------- cards


def read_card(ledger: Ledger, actor: Actor, card_id: object, recorded_at: datetime | None = None) -> Card:
    """The card now, or as the ledger knew it at ``recorded_at``; in scope as it stands now."""
    _read_allowed(actor, cards.READ_ROLES)
    card = _get(ledger, Card, "card", card_id)
    if not actor.covers(card.region_path):
        raise InstrumentNotFound("card", card_id)
    return as_of(ledger, card, "card", recorded_at)


def card_history(ledger: Ledger, actor: Actor, card_id: object, recorded_at: datetime | None = None) -> list[Any]:
    return _history(ledger, read_card(ledger, actor, card_id, recorded_at))


def default_plan_due_on(ledger: Ledger, occurred_at: datetime) -> str:
    local = occurred_at.astimezone(ledger.rules.window.zone).date()
    return (local + timedelta(days=rectification_days())).isoformat()


def issue_card(
    ledger: Ledger,
    actor: Actor,
    *,
    target_kind: str,
    target_code: str,
    target_name: str,
    region_path: list[str],
    period: str,
    level: str,
    basis: dict[str, Any],
    plan_due_on: str | None = None,
    grounds: str | None = None,
    occurred_at: datetime | None = None,
    note: str | None = None,
    key: RequestKey | None = None,
) -> tuple[Card, int]:
    """Issue a card. ``basis`` is what the server read (proposal, figures, views position)."""
    if (first := replay(ledger, key)) is not None:
        return first
    _command_allowed(actor, cards.may_issue(actor.role, "issue"), "issue a card")
    if not actor.covers(region_path):
        raise AccessDenied(f"{target_code} lies outside {actor.name}'s region")
    act = _act(ledger, actor, occurred_at, note)
    card = Card.issue(
        act,
        target_kind=target_kind,
        target_code=target_code,
        target_name=target_name,
        region_path=region_path,
        period=period,
        level=level,
        basis=basis,
        plan_due_on=plan_due_on or default_plan_due_on(ledger, act.occurred_at),
        grounds=grounds,
    )
    return _save(ledger, card, None, key, "issue")


def instrument_command(
    ledger: Ledger,
    actor: Actor,
    rules: Any,
    read: Any,
    instrument: object,
    command: str,
    *,
    expected_version: int | None = None,
    occurred_at: datetime | None = None,
    note: str | None = None,
    key: RequestKey | None = None,
    **args: Any,
) -> tuple[Any, int]:
    """One command on an instrument: ``rules`` is its domain module (COMMANDS, may_issue), ``read``
    finds it in the actor's scope. A replayed Idempotency-Key answers what the first request wrote."""
    if (first := replay(ledger, key)) is not None:
        return first
    found = checked(actor, command, rules.COMMANDS, rules.may_issue, lambda: read(ledger, actor, instrument),
                    expected_version)  # fmt: skip
    return run_command(ledger, actor, found, command, expected_version=expected_version, occurred_at=occurred_at,
                       note=note, key=key, **args)  # fmt: skip


def card_command(ledger: Ledger, actor: Actor, card_id: object, command: str, **kwargs: Any) -> tuple[Card, int]:
    return instrument_command(ledger, actor, cards, read_card, card_id, command, **kwargs)


# ---------------------------------------------------------------------- 无讼村


def read_village(
    ledger: Ledger, actor: Actor, village: object, recorded_at: datetime | None = None
) -> NoLitigationVillage:
    """An enrolled village by its record id or its village code (as known at ``recorded_at``)."""
    _read_allowed(actor, villages.READ_ROLES)
    text = str(village).strip()
    key: object = NoLitigationVillage.create_id(text) if text.isdigit() else text
    found = _get(ledger, NoLitigationVillage, "enrolled village", key)
    if not actor.covers(found.region_path):
        raise InstrumentNotFound("enrolled village", village)
    return as_of(ledger, found, "enrolled village", recorded_at)


def village_history(ledger: Ledger, actor: Actor, village: object) -> list[Any]:
    return _history(ledger, read_village(ledger, actor, village))


def enrol_village(
    ledger: Ledger,
    actor: Actor,
    *,
    village_code: str,
    year: int,
    sponsor_code: str,
    sponsor_name: str,
    occurred_at: datetime | None = None,
    note: str | None = None,
    key: RequestKey | None = None,
) -> tuple[NoLitigationVillage, int]:
    if (first := replay(ledger, key)) is not None:
        return first
    _command_allowed(actor, villages.may_issue(actor.role, "enrol"), "enrol a village")
    path = ledger.region_path("village_code", village_code, levels=("village",))
    if not actor.covers(path):
        raise AccessDenied(f"village {village_code} lies outside {actor.name}'s region")
    name = ledger.regions().regions[path[-1]].name
    enrolled = NoLitigationVillage.enrol(
        _act(ledger, actor, occurred_at, note),
        region_path=path,
        village_name=name,
        year=year,
        sponsor_code=sponsor_code,
        sponsor_name=sponsor_name,
    )
    try:
        return _save(ledger, enrolled, None, key, "enrol")
    except InvalidValue:
        raise InvalidValue("village_code", f"village {village_code} is already enrolled") from None


def village_command(
    ledger: Ledger, actor: Actor, village: object, command: str, **kwargs: Any
) -> tuple[NoLitigationVillage, int]:
    return instrument_command(ledger, actor, villages, read_village, village, command, **kwargs)


def incident_of(ledger: Ledger, position: int) -> tuple[str, str]:
    """(kind, severity) of the IncidentReported event stored at ``position``."""
    (stored,) = ledger.recorder.select_notifications(start=position, limit=1)
    e: Any = ledger.mapper.to_domain_event(stored)
    return e.kind, e.severity
