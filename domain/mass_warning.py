"""A mass-dispute warning (群体性纠纷预警) and a missed-deadline warning (超期预警).

Both are raised by the warning process (application/warning_process.py) as the system actor
and then handled by people: the state machines are in domain/warning_lifecycle.py. Ids derive
from what the warning is about, so a process that replays after a crash finds the warning it
raised before instead of raising a second one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.case import Act
from domain.errors import InvalidValue
from domain.integrity import GENESIS, Upgraded
from domain.reference import stable_id
from domain.values import check_optional_text, check_text
from domain.warning_lifecycle import DEADLINE, MASS, next_state


def common_prefix(paths: list[list[str]]) -> list[str]:
    prefix = list(paths[0])
    for path in paths[1:]:
        n = 0
        while n < min(len(prefix), len(path)) and prefix[n] == path[n]:
            n += 1
        prefix = prefix[:n]
    return prefix


def _check_act(act: Act, previous: datetime | None) -> datetime:
    occurred_at = act.window.check("occurred_at", act.occurred_at, act.recorded_at, not_after_now=True)
    check_optional_text("note", act.note)
    if previous is not None and occurred_at < previous:
        raise InvalidValue("occurred_at", f"must not be before the warning's previous event ({previous.isoformat()})")
    return occurred_at


class _Warning(Upgraded):
    KIND = ""

    class Event(Upgraded.Event):
        actor_id: str
        actor_role: str
        occurred_at: datetime
        note: str | None

    class Created(Event, Upgraded.Created):
        pass

    status: str
    last_occurred_at: datetime

    def _check(self, command: str, act: Act) -> str:
        target = next_state(self.KIND, self.status, command)
        _check_act(act, self.last_occurred_at)
        return target

    def _moved(self, status: str, occurred_at: datetime) -> None:
        self.status = status
        self.last_occurred_at = occurred_at

    @property
    def region_code(self) -> str | None:
        path: list[str] = self.region_path  # type: ignore[attr-defined]
        return path[-1] if path else None


class MassWarning(_Warning):
    KIND = MASS

    @staticmethod
    def create_id(rule: str, key: str, generation: int) -> UUID:  # type: ignore[override]
        return stable_id("mass_warning", f"{rule}:{key}:{generation}")

    @classmethod
    def raise_(
        cls,
        act: Act,
        *,
        rule: str,
        key: str,
        generation: int,
        subject: str,
        category: str,
        threshold: int,
        window_days: float,
        evidence: list[dict[str, Any]],
    ) -> MassWarning:
        _check_act(act, None)
        if not evidence:
            raise InvalidValue("evidence", "a warning holds at least one case")
        created: MassWarning = cls._create(
            cls.Raised,  # type: ignore[attr-defined]
            id=cls.create_id(rule, key, generation),
            prev_hash=GENESIS,
            rule=rule,
            key=key,
            generation=generation,
            subject=check_text("subject", subject, max_length=200),
            category=category,
            threshold=threshold,
            window_days=window_days,
            evidence=evidence,
            **act.stamp(),
        )
        return created

    @event("Raised")
    def __init__(
        self, rule: str, key: str, generation: int, subject: str, category: str, threshold: int,
        window_days: float, evidence: list[dict[str, Any]], actor_id: str, actor_role: str,
        occurred_at: datetime, note: str | None, timestamp: datetime,
    ) -> None:
        self.rule, self.key, self.generation, self.subject = rule, key, generation, subject
        self.category, self.threshold, self.window_days = category, threshold, window_days
        self.evidence: list[dict[str, Any]] = []
        self.raised_at = occurred_at
        self.lead: dict[str, Any] | None = None
        self.handling_due_at: datetime | None = None
        self.dismissal_reason: str | None = None
        self.handling_reports = 0
        self._moved("raised", occurred_at)
        for item in evidence:
            self._add(item)

    def _add(self, item: dict[str, Any]) -> None:
        self.evidence.append(dict(item))
        self.region_path = common_prefix([e["region_path"] for e in self.evidence])

    @staticmethod
    def create_id_from(text: str) -> UUID:
        return UUID(text)

    @property
    def case_ids(self) -> list[str]:
        return [e["case_id"] for e in self.evidence]

    def holds(self, case_id: str) -> bool:
        return case_id in self.case_ids

    # ------------------------------------------------------------------ commands

    def add_evidence(self, act: Act, *, case_id: str, region_path: list[str], reported_at: datetime) -> bool:
        """Add a later matching case; False (nothing written) when it is already evidence."""
        if self.holds(case_id):
            return False
        target = next_state(self.KIND, self.status, "add_evidence")
        # The process records cases as it reads them: its clock, not the case's time, orders them.
        _check_act(act, None)
        self._evidence_added(
            case_id=case_id, region_path=list(region_path), reported_at=reported_at, status=target, **act.stamp()
        )
        return True

    def acknowledge(self, act: Act) -> None:
        self._acknowledged(status=self._check("acknowledge", act), **act.stamp())

    def dismiss(self, act: Act, *, reason: str) -> None:
        status = self._check("dismiss", act)
        self._dismissed(reason=check_text("reason", reason), status=status, **act.stamp())

    def order_joint_handling(
        self, act: Act, *, lead_code: str, lead_name: str, partner_code: str | None, partner_name: str | None,
        due_at: datetime,
    ) -> None:
        status = self._check("order_joint_handling", act)
        act.window.check("due_at", due_at, act.recorded_at)
        if due_at <= act.occurred_at:
            raise InvalidValue("due_at", "must be after the order itself")
        self._joint_handling_ordered(
            lead_code=lead_code, lead_name=lead_name, partner_code=partner_code, partner_name=partner_name,
            due_at=due_at, status=status, **act.stamp(),
        )

    def report_handling(self, act: Act, *, summary: str) -> None:
        status = self._check("report_handling", act)
        self._handling_reported(summary=check_text("summary", summary), status=status, **act.stamp())

    def close(self, act: Act, *, summary: str) -> None:
        status = self._check("close", act)
        self._closed(summary=check_text("summary", summary), status=status, **act.stamp())

    # ------------------------------------------------------------------ state changes

    @event("EvidenceAdded")
    def _evidence_added(self, case_id, region_path, reported_at, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self._add({"case_id": case_id, "region_path": region_path, "reported_at": reported_at})

    @event("Acknowledged")
    def _acknowledged(self, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self._moved(status, occurred_at)

    @event("Dismissed")
    def _dismissed(self, reason, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.dismissal_reason = reason
        self._moved(status, occurred_at)

    @event("JointHandlingOrdered")
    def _joint_handling_ordered(self, lead_code, lead_name, partner_code, partner_name, due_at, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.lead = {"code": lead_code, "name": lead_name, "partner_code": partner_code, "partner_name": partner_name}
        self.handling_due_at = due_at
        self._moved(status, occurred_at)

    @event("HandlingReported")
    def _handling_reported(self, summary, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.handling_reports += 1
        self._moved(status, occurred_at)

    @event("Closed")
    def _closed(self, summary, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self._moved(status, occurred_at)


class MissedDeadline(_Warning):
    """超期预警: an obligation of DESIGN.md §5 that passed unmet, one per case deadline."""

    KIND = DEADLINE

    @staticmethod
    def create_id(case_id: str, seq: int, kind: str) -> UUID:  # type: ignore[override]
        return stable_id("deadline_missed", f"{case_id}:{seq}:{kind}")

    @classmethod
    def raise_(
        cls, act: Act, *, case_id: str, deadline_kind: str, deadline_seq: int, due_at: datetime,
        organisation_code: str | None, mediator_id: str | None, region_path: list[str], category: str,
    ) -> MissedDeadline:
        _check_act(act, None)
        created: MissedDeadline = cls._create(
            cls.Raised,  # type: ignore[attr-defined]
            id=cls.create_id(case_id, deadline_seq, deadline_kind),
            prev_hash=GENESIS,
            case_id=case_id,
            deadline_kind=deadline_kind,
            deadline_seq=deadline_seq,
            due_at=due_at,
            organisation_code=organisation_code,
            mediator_id=mediator_id,
            region_path=list(region_path),
            category=category,
            **act.stamp(),
        )
        return created

    @event("Raised")
    def __init__(
        self, case_id: str, deadline_kind: str, deadline_seq: int, due_at: datetime, organisation_code: str | None,
        mediator_id: str | None, region_path: list[str], category: str, actor_id: str, actor_role: str,
        occurred_at: datetime, note: str | None, timestamp: datetime,
    ) -> None:
        self.case_id, self.deadline_kind, self.deadline_seq, self.due_at = case_id, deadline_kind, deadline_seq, due_at
        self.organisation_code, self.mediator_id = organisation_code, mediator_id
        self.region_path, self.category = list(region_path), category
        self.raised_at = occurred_at
        self.instruction: str | None = None
        self._moved("raised", occurred_at)

    def acknowledge(self, act: Act) -> None:
        self._acknowledged(status=self._check("acknowledge", act), **act.stamp())

    def answer(self, act: Act, *, instruction: str, due_at: datetime) -> None:
        """Answered with a supervision note; the caller adds the same note to the case."""
        status = self._check("answer", act)
        self._answered(instruction=check_text("instruction", instruction), due_at=due_at, status=status, **act.stamp())

    @event("Acknowledged")
    def _acknowledged(self, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self._moved(status, occurred_at)

    @event("Answered")
    def _answered(self, instruction, due_at, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.instruction = instruction
        self._moved(status, occurred_at)


#: Each stored event's command and Chinese label, for histories.
EVENTS: dict[str, tuple[str, str]] = {
    "Raised": ("raise", "预警"),
    "EvidenceAdded": ("add_evidence", "追加案件"),
    "Acknowledged": ("acknowledge", "签收"),
    "Dismissed": ("dismiss", "排除"),
    "JointHandlingOrdered": ("order_joint_handling", "交办联合处置"),
    "HandlingReported": ("report_handling", "报告处置情况"),
    "Closed": ("close", "办结"),
    "Answered": ("answer", "督办"),
}
