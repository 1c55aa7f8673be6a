"""Red and yellow cards (红黄牌) as issued acts (DESIGN.md §10).

A card is issued by a supervisor to a town or a member department for a period, on the basis of
a proposal the server computed (domain/card_rules.py): the proposal's reasons and the figures
of the town's indicator row are frozen in the Issued event, with the views' position they were
read at, and never change afterwards. Talks (约谈), the rectification plan (整改方案) and the
end of the card (lifted after review, or a yellow escalated to red) follow as events.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.case import Act
from domain.codes import Role
from domain.errors import InvalidValue, RuleViolation
from domain.instrument import Instrument, check_date, check_time, local_day, standing
from domain.integrity import GENESIS
from domain.values import MAX_CODE_LENGTH, check_items, check_region_code, check_text

LEVELS = {"red": "红牌", "yellow": "黄牌"}
TARGET_KINDS = {"town": "乡镇（街道）", "department": "成员单位"}

#: TRANSITIONS[state][command]: the next state, None to stay. Escalation is yellow → red (the
#: level is a rule of its own: a red card cannot be escalated, RuleViolation, also 409).
TRANSITIONS: dict[str, dict[str, str | None]] = {
    "issued": {"hold_talk": "talked", "file_plan": "plan_filed", "escalate": "escalated"},
    "talked": {"hold_talk": None, "file_plan": "plan_filed", "escalate": "escalated"},
    "plan_filed": {"hold_talk": None, "lift": "lifted", "escalate": "escalated"},
    "escalated": {"hold_talk": None, "file_plan": None, "lift": "lifted"},
    "lifted": {},
}
STATES = {"issued": "已发牌", "talked": "已约谈", "plan_filed": "已报整改方案", "escalated": "已升级红牌", "lifted": "已摘牌"}
COMMANDS = ("hold_talk", "file_plan", "lift", "escalate")
OPEN_STATES = frozenset(s for s in TRANSITIONS if s != "lifted")

#: Who may issue each command (DESIGN.md §2: supervisors issue cards).
ROLE_COMMANDS: dict[str, frozenset[str]] = {
    Role.SUPERVISOR.value: frozenset({"issue", *COMMANDS}),
    Role.ADMIN.value: frozenset({"issue", *COMMANDS}),
}
#: Who may read cards and proposals.
READ_ROLES = frozenset({Role.SUPERVISOR.value, Role.AUDITOR.value, Role.ADMIN.value})

MAX_ATTENDEES = 100
#: A yellow card proposed again within this many days of an earlier yellow card to the same
#: target is proposed red (石泉: "黄牌……再次预警的升级为红牌").
REPEAT_WINDOW_DAYS = 365


def may_issue(role: str, command: str) -> bool:
    return command in ROLE_COMMANDS.get(role, frozenset())


#: The rectification plan's standing in words.
RECTIFICATION_LABELS = {"due": "未到期", "overdue": "已逾期", "filed": "按时报送", "filed_late": "逾期报送"}


def rectification(plan_due_on: str, plan_filed_on: str | None, today: date) -> str:
    """The rectification plan's standing: filed, filed_late, due or overdue (judged on ``today``,
    the county's date now, so overdue depends on the clock and not only on events)."""
    return standing(plan_due_on, plan_filed_on, today, done="filed")


def repeat_yellow(proposal: dict[str, Any], earlier: list[dict[str, Any]], at: datetime) -> dict[str, Any]:
    """The proposal, made red when it is yellow and the same target already had a yellow card
    issued within REPEAT_WINDOW_DAYS before ``at``; ``earlier`` lists issued cards (id, level,
    issued_at as an aware datetime or ISO text)."""
    if proposal.get("card") != "yellow":
        return proposal
    since = at - timedelta(days=REPEAT_WINDOW_DAYS)
    for card in earlier:
        issued_at = card["issued_at"]
        if isinstance(issued_at, str):
            issued_at = datetime.fromisoformat(issued_at)
        if card["level"] == "yellow" and since <= issued_at <= at:
            reason = {
                "level": "red",
                "indicator": "repeat_yellow",
                "value": 1,
                "threshold": 1,
                "compare": "value",
                "rule": "一年内再次被亮黄牌，升级为红牌",
                "card_id": str(card["id"]),
                "issued_at": issued_at.isoformat(),
            }
            return {**proposal, "card": "red", "reasons": [*proposal["reasons"], reason]}
    return proposal


class Card(Instrument):
    TRANSITIONS = TRANSITIONS

    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    @classmethod
    def issue(
        cls,
        act: Act,
        *,
        target_kind: str,
        target_code: str,
        target_name: str,
        region_path: list[str],
        period: str,
        level: str,
        basis: dict[str, Any],
        plan_due_on: str,
        grounds: str | None = None,
    ) -> Card:
        check_time(act, None)
        if target_kind not in TARGET_KINDS:
            raise InvalidValue("target_kind", f"one of {', '.join(TARGET_KINDS)}")
        if level not in LEVELS:
            raise InvalidValue("level", f"one of {', '.join(LEVELS)}")
        if not region_path:
            raise InvalidValue("target", "a card names the county it is issued in")
        due = check_date("plan_due_on", plan_due_on)
        if due < local_day(act, act.occurred_at):
            raise InvalidValue("plan_due_on", "must not be before the card is issued")
        return cls._create(
            cls.Issued,  # type: ignore[attr-defined]
            id=cls.create_id(),
            prev_hash=GENESIS,
            target_kind=target_kind,
            target_code=check_text("target_code", target_code, max_length=MAX_CODE_LENGTH),
            target_name=check_text("target_name", target_name, max_length=100),
            region_path=[check_region_code("region_path", c) for c in region_path],
            period=check_text("period", period, max_length=40),
            level=level,
            basis=basis,
            plan_due_on=due,
            grounds=None if grounds in (None, "") else check_text("grounds", grounds),
            **act.stamp(),
        )

    @event("Issued")
    def __init__(
        self,
        target_kind: str,
        target_code: str,
        target_name: str,
        region_path: list[str],
        period: str,
        level: str,
        basis: dict[str, Any],
        plan_due_on: str,
        grounds: str | None,
        actor_id: str,
        actor_role: str,
        occurred_at: datetime,
        note: str | None,
        timestamp: datetime,
    ) -> None:
        self.target_kind = target_kind
        self.target_code = target_code
        self.target_name = target_name
        self.region_path = list(region_path)
        self.period = period
        self.level = level
        self.issued_level = level
        self.basis = basis
        self.plan_due_on = plan_due_on
        self.plan_filed_on: str | None = None
        self.issued_at = occurred_at
        self.issued_by = actor_id
        self.talks: list[dict[str, Any]] = []
        self.lifted_at: datetime | None = None
        self.escalated_at: datetime | None = None
        self._moved("issued", occurred_at)

    @property
    def county_code(self) -> str:
        return self.region_path[0]

    # ------------------------------------------------------------------ commands

    def hold_talk(self, act: Act, *, held_on: str, minutes: str, attendees: list[str]) -> None:
        status = self._check("hold_talk", act)
        held = check_date("held_on", held_on)
        if held > local_day(act, act.occurred_at) or held < local_day(act, self.issued_at):
            raise InvalidValue("held_on", "between the card's issue and today")
        attendees = check_items("attendees", attendees, maximum=MAX_ATTENDEES, what="attendee")
        if not attendees:
            raise InvalidValue("attendees", "name at least one attendee")
        self._talk_held(
            held_on=held,
            minutes=check_text("minutes", minutes, max_length=20000),
            attendees=[check_text(f"attendees[{i}]", a, max_length=100) for i, a in enumerate(attendees)],
            status=status,
            **act.stamp(),
        )

    def file_plan(self, act: Act, *, plan: str, filed_on: str) -> None:
        status = self._check("file_plan", act)
        if self.plan_filed_on is not None:
            raise RuleViolation("file_plan", "the rectification plan is already filed")
        filed = check_date("filed_on", filed_on)
        if filed > local_day(act, act.occurred_at) or filed < local_day(act, self.issued_at):
            raise InvalidValue("filed_on", "between the card's issue and today")
        self._plan_filed(
            plan=check_text("plan", plan, max_length=20000),
            filed_on=filed,
            late=filed > self.plan_due_on,
            status=status,
            **act.stamp(),
        )

    def lift(self, act: Act, *, reason: str) -> None:
        status = self._check("lift", act)
        if self.plan_filed_on is None:
            raise RuleViolation("lift", "a card is lifted after its rectification plan is filed and reviewed")
        self._lifted(reason=check_text("reason", reason), status=status, **act.stamp())

    def escalate(self, act: Act, *, reason: str) -> None:
        status = self._check("escalate", act)
        if self.level != "yellow":
            raise RuleViolation("escalate", "only a yellow card is escalated (to red)")
        self._escalated(reason=check_text("reason", reason), level="red", status=status, **act.stamp())

    # ------------------------------------------------------------------ state changes

    @event("TalkHeld")
    def _talk_held(self, held_on, minutes, attendees, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.talks.append({"held_on": held_on, "attendees": list(attendees)})
        self._moved(status, occurred_at)

    @event("PlanFiled")
    def _plan_filed(self, plan, filed_on, late, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.plan_filed_on = filed_on
        self._moved(status, occurred_at)

    @event("Lifted")
    def _lifted(self, reason, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.lifted_at = occurred_at
        self._moved(status, occurred_at)

    @event("Escalated")
    def _escalated(self, reason, level, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.level = level
        self.escalated_at = occurred_at
        self._moved(status, occurred_at)


#: The command behind each stored event, and its Chinese label for histories.
EVENTS: dict[str, tuple[str, str]] = {
    "Issued": ("issue", "发牌"),
    "TalkHeld": ("hold_talk", "约谈"),
    "PlanFiled": ("file_plan", "报送整改方案"),
    "Lifted": ("lift", "摘牌"),
    "Escalated": ("escalate", "黄牌升级红牌"),
}
