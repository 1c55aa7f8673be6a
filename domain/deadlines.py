"""Deadlines of DESIGN.md §5: how long each step may take, and which commands open, meet,
re-date or cancel it. Due instants are computed when a deadline opens and stored in the event,
so a later change of configuration never rewrites what a case was told at the time.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from pathlib import Path

from domain.codes import RiskLevel
from domain.errors import InvalidValue
from domain.lifecycle import PROGRESS
from domain.values import TimeWindow

#: The longest duration a rule may set: a longer one is a typing slip, and its due dates
#: would leave the ledger's time window.
MAX_RULE_DAYS = 3650


@dataclass(frozen=True)
class DeadlineRules:
    """Durations in days. Defaults are DESIGN.md §5. ``window`` bounds every instant a command
    carries; it comes from LEDGER_EARLIEST and LEDGER_TZ, not from the rules file."""

    triage_days: float = 3
    triage_high_risk_days: float = 1
    acceptance_days: float = 2
    mediation_days: float = 30
    extension_max_days: int = 30
    confirmation_request_days: float = 30
    confirmation_decision_days: float = 15
    #: 人民调解法 / 司法确认规定: the decision may be extended once, by 10 days, with the president's approval.
    confirmation_extension_days: float = 10
    follow_up_days: float = 30
    window: TimeWindow = field(default_factory=TimeWindow)

    @classmethod
    def load(cls, path: str | Path) -> DeadlineRules:
        """Read overrides from a .toml or .json file; unknown keys are an error, not ignored."""
        path = Path(path)
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
        if "deadlines" in data:
            stray = set(data) - {"deadlines"}
            if stray:
                raise ValueError(f"unknown settings beside [deadlines]: {', '.join(sorted(stray))}")
            data = data["deadlines"]
        known = {f.name for f in fields(cls)} - {"window"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown deadline settings: {', '.join(sorted(unknown))}")
        for key, value in data.items():
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not 0 < value <= MAX_RULE_DAYS
            ):
                raise ValueError(
                    f"{key} must be a positive number of days up to {MAX_RULE_DAYS}, not {value!r}"
                )
        return replace(cls(), **data)

    def triage(self, opened_at: datetime, risk_level: str) -> datetime:
        high = risk_level in (RiskLevel.HIGH, RiskLevel.CRITICAL)
        return self._due("triage", opened_at, self.triage_high_risk_days if high else self.triage_days)

    def after(self, kind: str, opened_at: datetime) -> datetime:
        return self._due(kind, opened_at, getattr(self, f"{kind}_days"))

    def extended(self, kind: str, due_at: datetime, days: float) -> datetime:
        return self._due(kind, due_at, days)

    def _due(self, kind: str, start: datetime, days: float) -> datetime:
        """A due instant every view can still write (see TimeWindow); refused otherwise, so
        the event that would open it is never stored."""
        rule = f"the {kind} deadline it opens would fall outside the dates the ledger can write"
        try:
            due = start + timedelta(days=days)
        except OverflowError:
            raise InvalidValue("occurred_at", rule) from None
        try:
            return self.window.check_representable("occurred_at", due)
        except InvalidValue:
            raise InvalidValue("occurred_at", rule) from None


@dataclass(frozen=True)
class MigrationRules(DeadlineRules):
    """The rules for history entered from a county's old ledger: a deadline opened by an event
    that happened before ``entered_at`` (when the ledger learned of it) counts from
    ``entered_at``. The old ledger cannot tell whether each step was on time, so imported steps
    are not reported as missed, and a case still open in it gets the usual time from its import,
    not an overdue flag the day it arrives."""

    entered_at: datetime | None = None

    def _due(self, kind: str, start: datetime, days: float) -> datetime:
        if self.entered_at is not None and start < self.entered_at:
            start = self.entered_at
        return super()._due(kind, start, days)


@dataclass(frozen=True)
class DeadlineKind:
    name: str
    label: str
    opened_by: frozenset[str]
    met_by: frozenset[str]
    cancelled_by: frozenset[str] = frozenset()
    redated_by: frozenset[str] = frozenset()
    #: A reminder is shown with its due date but is nobody's obligation: passing it never makes
    #: a case overdue, a deadline missed, or a card proposed.
    reminder: bool = False


KINDS: dict[str, DeadlineKind] = {
    k.name: k
    for k in (
        DeadlineKind(
            "triage",
            "分流交办",
            opened_by=frozenset({"report", "decline", "reopen"}),
            met_by=frozenset({"assign", "file_in_court", "withdraw"}),
            redated_by=frozenset({"assess_risk"}),
        ),
        DeadlineKind(
            "acceptance",
            "签收",
            opened_by=frozenset({"assign"}),
            met_by=frozenset({"accept", "decline"}),
            # A reassignment replaces the pending acceptance with a new one.
            cancelled_by=frozenset({"assign"}),
        ),
        DeadlineKind(
            "mediation",
            "调解期限",
            opened_by=frozenset({"accept"}),
            met_by=frozenset({"record_agreement", "record_failure"}),
            redated_by=frozenset({"extend_deadline"}),
        ),
        DeadlineKind(
            "confirmation_request",
            "申请司法确认",
            opened_by=frozenset({"record_agreement"}),
            met_by=frozenset({"request_confirmation"}),
            # The parties' own window to apply (人民调解法 art. 33), not the mediating body's duty.
            cancelled_by=frozenset({"close"}),
            reminder=True,
        ),
        DeadlineKind(
            "confirmation_decision",
            "司法确认裁定",
            opened_by=frozenset({"request_confirmation"}),
            met_by=frozenset({"decide_confirmation"}),
            redated_by=frozenset({"extend_confirmation"}),
        ),
        DeadlineKind(
            "follow_up",
            "回访",
            opened_by=frozenset({"close"}),
            met_by=frozenset({"follow_up"}),
            cancelled_by=frozenset({"reopen"}),
        ),
        DeadlineKind(
            "supervision",
            "督办",
            opened_by=frozenset({"add_supervision_note"}),
            # A supervision note is answered by the next step taken on the case.
            met_by=PROGRESS,
        ),
    )
}


#: Deadline kinds that only remind (DESIGN.md §5); every other kind is an obligation.
REMINDER_KINDS = frozenset(k.name for k in KINDS.values() if k.reminder)


def is_reminder(kind: str) -> bool:
    return kind in REMINDER_KINDS


@dataclass(frozen=True)
class Deadline:
    """One deadline in a case's life. ``seq`` is the case version of the event that set its due date.

    A re-dated deadline (extension, risk re-assessment) is not changed in place: the old one is
    superseded at the re-dating instant and a new one takes effect then, counted from the same
    ``opened_at``. So whether a deadline was overdue at T stays what it was at T.
    """

    kind: str
    seq: int
    opened_at: datetime
    due_at: datetime
    met_at: datetime | None = None
    met_by: str | None = None
    met_seq: int | None = None
    cancelled_at: datetime | None = None
    effective_at: datetime | None = None
    superseded: bool = False

    @property
    def in_force_from(self) -> datetime:
        return self.effective_at or self.opened_at

    @property
    def is_open(self) -> bool:
        return self.met_at is None and self.cancelled_at is None

    def open_at(self, when: datetime) -> bool:
        """Whether the deadline was pending at ``when`` (world time)."""
        if self.in_force_from > when:
            return False
        if self.met_at is not None and self.met_at <= when:
            return False
        return not (self.cancelled_at is not None and self.cancelled_at <= when)

    def overdue_at(self, when: datetime) -> bool:
        """An obligation pending at ``when`` and past due; exactly at the due instant is still in time."""
        return self.open_at(when) and past_due(self.kind, self.due_at, None, when)

    @property
    def missed(self) -> bool | None:
        """Met late → True, met in time → False, still open or cancelled → None. For a reminder it
        says only whether the parties acted within their window, never a miss of the body's."""
        if self.met_at is None:
            return None
        return self.met_at > self.due_at


def past_due(kind: str, due_at: datetime, met_at: datetime | None, when: datetime) -> bool:
    """Overdue as a case's current state shows it (cancelled deadlines left out): an obligation
    not met and past due at ``when``; exactly at the due instant is still in time."""
    return met_at is None and when > due_at and not is_reminder(kind)


def settle(
    deadlines: list[Deadline],
    command: str,
    seq: int,
    occurred_at: datetime,
    actor_id: str,
    due: dict[str, datetime] | None,
) -> list[Deadline]:
    """The deadlines after ``command``: met, cancelled, re-dated, then newly opened ones appended.

    The one place where a command's effect on deadlines is decided; the case aggregate and the
    deadline view both call it, so they cannot disagree.
    """
    due = due or {}
    settled = []
    for d in deadlines:
        if d.is_open:
            kind = KINDS[d.kind]
            if command in kind.met_by:
                d = replace(d, met_at=occurred_at, met_by=actor_id, met_seq=seq)
            elif command in kind.cancelled_by:
                d = replace(d, cancelled_at=occurred_at)
            elif command in kind.redated_by and d.kind in due:
                settled.append(replace(d, cancelled_at=occurred_at, superseded=True))
                d = Deadline(d.kind, seq, d.opened_at, due[d.kind], effective_at=occurred_at)
        settled.append(d)
    for kind_name, due_at in due.items():
        if command not in KINDS[kind_name].redated_by:
            settled.append(Deadline(kind_name, seq, occurred_at, due_at))
    return settled
