"""What every governance instrument (DESIGN.md §10) shares with the dispute case: attributed,
hash-chained events, a state machine held as data, and instants checked against the ledger's window.

An instrument's ``TRANSITIONS[state][command]`` is the next state, or None when the command keeps
the state; a command missing from a state's row is refused (IllegalTransition, HTTP 409) before
anything is triggered, so a refusal writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import ClassVar

from domain.case import Act
from domain.errors import IllegalTransition, InvalidValue
from domain.integrity import Upgraded
from domain.values import check_optional_text

Transitions = Mapping[str, Mapping[str, str | None]]


def next_state(table: Transitions, state: str, command: str) -> str:
    moves = table[state]
    if command not in moves:
        raise IllegalTransition(state, command, moves)
    target = moves[command]
    return state if target is None else target


def check_time(act: Act, previous: datetime | None) -> datetime:
    """The act's instant inside the ledger's window, not in the future, not before the
    instrument's previous event; its note is text like any other."""
    occurred_at = act.window.check("occurred_at", act.occurred_at, act.recorded_at, not_after_now=True)
    check_optional_text("note", act.note)
    if previous is not None and occurred_at < previous:
        raise InvalidValue("occurred_at", f"must not be before the previous event ({previous.isoformat()})")
    return occurred_at


def check_date(field: str, value: object) -> str:
    """A calendar date as YYYY-MM-DD text (how instruments keep dates of the world: served on,
    filed on, replied on)."""
    try:
        return date.fromisoformat(str(value)).isoformat() if not isinstance(value, date) else value.isoformat()
    except ValueError:
        raise InvalidValue(field, "a date, YYYY-MM-DD") from None


def local_day(act: Act, when: datetime) -> str:
    """The county's calendar date of an instant (the ledger's window carries the county's zone)."""
    return when.astimezone(act.window.zone).date().isoformat()


def standing(due_on: str, done_on: str | None, today: date, *, done: str) -> str:
    """An obligation with a due date: ``done``, ``done``_late, due or overdue (judged on
    ``today``, the county's date now, so overdue depends on the clock and not only on events)."""
    due = date.fromisoformat(due_on)
    if done_on is not None:
        return f"{done}_late" if date.fromisoformat(done_on) > due else done
    return "overdue" if today > due else "due"


class Instrument(Upgraded):
    """Base of the instruments' aggregates: every event names its actor, role, when it happened
    (occurred_at) and carries the library's timestamp as recorded_at."""

    class Event(Upgraded.Event):
        actor_id: str
        actor_role: str
        occurred_at: datetime
        note: str | None

    class Created(Event, Upgraded.Created):
        pass

    TRANSITIONS: ClassVar[Transitions] = {}
    status: str
    last_occurred_at: datetime

    def allowed_commands(self) -> frozenset[str]:
        return frozenset(self.TRANSITIONS[self.status])

    def _check(self, command: str, act: Act) -> str:
        """State machine first, then times. Returns the state the command leads to."""
        target = next_state(self.TRANSITIONS, self.status, command)
        check_time(act, self.last_occurred_at)
        return target

    def _moved(self, status: str, occurred_at: datetime) -> None:
        self.status = status
        self.last_occurred_at = occurred_at
