"""Judicial suggestions and the 三书一函 (DESIGN.md §10; 酒泉: "起草、审核、送达、反馈、回访").

A suggestion is drafted from a class of cases (a category, a region, the cases behind it),
reviewed, issued under a number as courts number their documents (``(2026)甘1199司建1号``),
delivered with proof of service, followed until the recipient replies (reminders, and an
escalation to the recipient's superior once the reply is late), its reply recorded (adopted,
partly, not adopted, with the measures taken), revisited and archived.

The number is claimed by a ``SuggestionNumber`` saved with the Issued event: its id derives
from the number, so two issues racing for one number collide in the store and the loser takes
the next one (application/suggestions.py). A number is given at issue, not at draft, so a draft
that is never issued leaves no gap.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.case import Act
from domain.codes import Category, ReplyOutcome, Role, SuggestionKind
from domain.court_case import PROVINCES
from domain.errors import InvalidValue, RuleViolation
from domain.instrument import Instrument, check_date, check_time, local_day, standing
from domain.integrity import GENESIS
from domain.reference import stable_id
from domain.values import MAX_CODE_LENGTH, check_items, check_optional_text, check_region_code, check_text

#: TRANSITIONS[state][command]: the next state, None to stay. An escalation needs a late reply
#: and happens once (RuleViolation, also 409); a reply before delivery is refused by the table.
TRANSITIONS: dict[str, dict[str, str | None]] = {
    "drafted": {"review": "reviewed"},
    "reviewed": {"issue": "issued"},
    "issued": {"deliver": "delivered"},
    "delivered": {"remind": None, "escalate": None, "record_reply": "replied"},
    "replied": {"revisit": "revisited", "archive": "archived"},
    "revisited": {"revisit": None, "archive": "archived"},
    "archived": {},
}
STATES = {
    "drafted": "起草", "reviewed": "已审核", "issued": "已签发", "delivered": "已送达", "replied": "已反馈",
    "revisited": "已回访", "archived": "已归档",
}  # fmt: skip
COMMANDS = ("review", "issue", "deliver", "remind", "escalate", "record_reply", "revisit", "archive")
#: The mark of each kind in a document number, as courts write 司建 in (2026)甘1199司建1号.
NUMBER_MARKS = {
    SuggestionKind.SUPERVISION.value: "监建",
    SuggestionKind.JUDICIAL.value: "司建",
    SuggestionKind.PROCURATORIAL.value: "检建",
    SuggestionKind.POLICE.value: "公提",
}

#: Judges draft and issue; supervisors follow the replies (remind, escalate, record, revisit).
ROLE_COMMANDS: dict[str, frozenset[str]] = {
    Role.JUDGE.value: frozenset({"draft", "review", "issue", "deliver", "record_reply", "revisit", "archive"}),
    Role.SUPERVISOR.value: frozenset({"remind", "escalate", "record_reply", "revisit"}),
    Role.ADMIN.value: frozenset({"draft", *COMMANDS}),
}
READ_ROLES = frozenset({Role.JUDGE.value, Role.SUPERVISOR.value, Role.AUDITOR.value, Role.ADMIN.value})
MAX_CASES = 500
DEFAULT_REPLY_DAYS = 60
MAX_SERIAL = 99999


def may_issue(role: str, command: str) -> bool:
    return command in ROLE_COMMANDS.get(role, frozenset())


def court_mark(county_code: str) -> str:
    """The county's mark in court numbers: 621199 → 甘1199 (the first abbreviation listed for
    the province, as courts write it)."""
    for abbreviation, digits in PROVINCES.items():
        if county_code.startswith(digits):
            return abbreviation + county_code[2:6]
    raise InvalidValue("region_code", f"no province abbreviation for {county_code[:2]}")


def document_number(county_code: str, kind: str, year: int, serial: int) -> str:
    return f"({year}){court_mark(county_code)}{NUMBER_MARKS[kind]}{serial}号"


def number_prefix(county_code: str, kind: str, year: int) -> str:
    """What every number of one issuing county, kind and year shares (the sequence's key)."""
    return f"({year}){court_mark(county_code)}{NUMBER_MARKS[kind]}"


def reply_standing(reply_due_on: str | None, replied_on: str | None, today: date) -> str | None:
    """replied, replied_late, due or overdue; None before delivery (nothing is due yet)."""
    if reply_due_on is None:
        return None
    return standing(reply_due_on, replied_on, today, done="replied")


class SuggestionNumber(Instrument):
    """One issued number, claimed once: the stream's id derives from the number."""

    TRANSITIONS = {"claimed": {}}

    @staticmethod
    def create_id(number: str) -> UUID:  # type: ignore[override]
        return stable_id("suggestion_number", number)

    @classmethod
    def claim(cls, act: Act, *, number: str, suggestion_id: UUID) -> SuggestionNumber:
        return cls._create(
            cls.Claimed,  # type: ignore[attr-defined]
            id=cls.create_id(number),
            prev_hash=GENESIS,
            number=number,
            suggestion_id=str(suggestion_id),
            **act.stamp(),
        )

    @event("Claimed")
    def __init__(self, number: str, suggestion_id: str, actor_id: str, actor_role: str, occurred_at: datetime,
                 note: str | None, timestamp: datetime) -> None:  # fmt: skip
        self.number = number
        self.suggestion_id = suggestion_id
        self._moved("claimed", occurred_at)


class Suggestion(Instrument):
    TRANSITIONS = TRANSITIONS

    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    @classmethod
    def draft(
        cls,
        act: Act,
        *,
        kind: str,
        issuer_code: str,
        issuer_name: str,
        recipient: str,
        recipient_superior: str | None,
        title: str,
        problem: str,
        proposals: str,
        category: str,
        region_path: list[str],
        case_ids: list[str],
    ) -> Suggestion:
        check_time(act, None)
        if not region_path:
            raise InvalidValue("region_code", "the class of cases names its region")
        ids = check_items("case_ids", case_ids, maximum=MAX_CASES, what="case")
        if len(set(ids)) != len(ids):
            raise InvalidValue("case_ids", "each case once")
        return cls._create(
            cls.Drafted,  # type: ignore[attr-defined]
            id=cls.create_id(),
            prev_hash=GENESIS,
            kind=SuggestionKind.parse("kind", kind).value,
            issuer_code=check_text("issuer_code", issuer_code, max_length=MAX_CODE_LENGTH),
            issuer_name=check_text("issuer_name", issuer_name, max_length=100),
            recipient=check_text("recipient", recipient, max_length=200),
            recipient_superior=check_optional_text("recipient_superior", recipient_superior, max_length=200),
            title=check_text("title", title, max_length=200),
            problem=check_text("problem", problem, max_length=20000),
            proposals=check_text("proposals", proposals, max_length=20000),
            category=Category.parse("category", category).value,
            region_path=[check_region_code("region_code", c) for c in region_path],
            case_ids=[check_text(f"case_ids[{i}]", c, max_length=64) for i, c in enumerate(ids)],
            **act.stamp(),
        )

    @event("Drafted")
    def __init__(
        self,
        kind: str,
        issuer_code: str,
        issuer_name: str,
        recipient: str,
        recipient_superior: str | None,
        title: str,
        problem: str,
        proposals: str,
        category: str,
        region_path: list[str],
        case_ids: list[str],
        actor_id: str,
        actor_role: str,
        occurred_at: datetime,
        note: str | None,
        timestamp: datetime,
    ) -> None:
        self.kind = kind
        self.issuer_code = issuer_code
        self.issuer_name = issuer_name
        self.recipient = recipient
        self.recipient_superior = recipient_superior
        self.title = title
        self.problem = problem
        self.proposals = proposals
        self.category = category
        self.region_path = list(region_path)
        self.case_ids = list(case_ids)
        self.drafted_at = occurred_at
        self.drafted_by = actor_id
        self.reviewed_by: str | None = None
        self.number: str | None = None
        self.issued_at: datetime | None = None
        self.issued_by: str | None = None
        self.delivered_on: str | None = None
        self.reply_due_on: str | None = None
        self.reminders = 0
        self.escalated_to: str | None = None
        self.escalated_on: str | None = None
        self.replied_on: str | None = None
        self.outcome: str | None = None
        self.revisits = 0
        self.archived_at: datetime | None = None
        self._moved("drafted", occurred_at)

    @property
    def county_code(self) -> str:
        return self.region_path[0]

    def issue_year(self, act: Act) -> int:
        """The year its number carries: the county's year on the day it is issued."""
        return act.occurred_at.astimezone(act.window.zone).year

    # ------------------------------------------------------------------ commands

    def review(self, act: Act, *, opinion: str) -> None:
        status = self._check("review", act)
        if act.actor_id == self.drafted_by and act.actor_role != Role.ADMIN.value:
            raise RuleViolation("review", "a draft is reviewed by someone other than its drafter")
        self._reviewed(opinion=check_text("opinion", opinion), status=status, **act.stamp())

    def issue(self, act: Act, *, serial: int) -> None:
        """Issue under the ``serial``-th number of its county, kind and year (the application
        finds the first free one and claims it in the same save)."""
        status = self._check("issue", act)
        if isinstance(serial, bool) or not isinstance(serial, int) or not 1 <= serial <= MAX_SERIAL:
            raise InvalidValue("serial", f"between 1 and {MAX_SERIAL}")
        number = document_number(self.county_code, self.kind, self.issue_year(act), serial)
        self._issued(number=number, status=status, **act.stamp())

    def deliver(
        self, act: Act, *, delivered_on: str, proof_of_service: str, reply_due_on: str | None = None,
        reply_days: int = DEFAULT_REPLY_DAYS,
    ) -> None:  # fmt: skip
        """送达 with proof of service; the reply falls due ``reply_days`` after delivery unless
        the issuer sets the day."""
        status = self._check("deliver", act)
        assert self.issued_at is not None
        delivered = check_date("delivered_on", delivered_on)
        if delivered > local_day(act, act.occurred_at) or delivered < local_day(act, self.issued_at):
            raise InvalidValue("delivered_on", "between the suggestion's issue and today")
        if reply_due_on in (None, ""):
            reply_due_on = (date.fromisoformat(delivered) + timedelta(days=reply_days)).isoformat()
        due = check_date("reply_due_on", reply_due_on)
        if due <= delivered:
            raise InvalidValue("reply_due_on", "after the day of delivery")
        self._delivered(
            delivered_on=delivered,
            proof_of_service=check_text("proof_of_service", proof_of_service, max_length=2000),
            reply_due_on=due,
            status=status,
            **act.stamp(),
        )

    def remind(self, act: Act, *, content: str) -> None:
        status = self._check("remind", act)
        self._reminded(content=check_text("content", content), status=status, **act.stamp())

    def escalate(self, act: Act, *, reason: str, superior: str | None = None) -> None:
        """Tell the recipient's superior that the reply is late (once, and only when it is)."""
        status = self._check("escalate", act)
        assert self.reply_due_on is not None
        today = local_day(act, act.occurred_at)
        if today <= self.reply_due_on:
            raise RuleViolation("escalate", f"the reply is due by {self.reply_due_on}; escalate once it is late")
        if self.escalated_to is not None:
            raise RuleViolation("escalate", f"already escalated to {self.escalated_to}")
        to = check_optional_text("superior", superior, max_length=200) or self.recipient_superior
        if not to:
            raise InvalidValue("superior", "name the recipient's superior (none was given at draft)")
        self._escalated(superior=to, reason=check_text("reason", reason), escalated_on=today, status=status,
                        **act.stamp())  # fmt: skip

    def record_reply(self, act: Act, *, outcome: str, measures: str, replied_on: str) -> None:
        status = self._check("record_reply", act)
        assert self.delivered_on is not None and self.reply_due_on is not None
        replied = check_date("replied_on", replied_on)
        if replied > local_day(act, act.occurred_at) or replied < self.delivered_on:
            raise InvalidValue("replied_on", "between the delivery and today")
        self._reply_recorded(
            outcome=ReplyOutcome.parse("outcome", outcome).value,
            measures=check_text("measures", measures, max_length=20000),
            replied_on=replied,
            late=replied > self.reply_due_on,
            status=status,
            **act.stamp(),
        )

    def revisit(self, act: Act, *, visited_on: str, findings: str) -> None:
        status = self._check("revisit", act)
        assert self.replied_on is not None
        visited = check_date("visited_on", visited_on)
        if visited > local_day(act, act.occurred_at) or visited < self.replied_on:
            raise InvalidValue("visited_on", "between the reply and today")
        self._revisited(visited_on=visited, findings=check_text("findings", findings, max_length=20000),
                        status=status, **act.stamp())  # fmt: skip

    def archive(self, act: Act, *, archive_number: str) -> None:
        status = self._check("archive", act)
        self._archived(archive_number=check_text("archive_number", archive_number, max_length=MAX_CODE_LENGTH),
                       status=status, **act.stamp())  # fmt: skip

    # ------------------------------------------------------------------ state changes

    @event("Reviewed")
    def _reviewed(self, opinion, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.reviewed_by = actor_id
        self._moved(status, occurred_at)

    @event("Issued")
    def _issued(self, number, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.number = number
        self.issued_at = occurred_at
        self.issued_by = actor_id
        self._moved(status, occurred_at)

    @event("Delivered")
    def _delivered(self, delivered_on, proof_of_service, reply_due_on, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.delivered_on = delivered_on
        self.reply_due_on = reply_due_on
        self._moved(status, occurred_at)

    @event("Reminded")
    def _reminded(self, content, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.reminders += 1
        self._moved(status, occurred_at)

    @event("Escalated")
    def _escalated(self, superior, reason, escalated_on, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.escalated_to = superior
        self.escalated_on = escalated_on
        self._moved(status, occurred_at)

    @event("ReplyRecorded")
    def _reply_recorded(self, outcome, measures, replied_on, late, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.outcome = outcome
        self.replied_on = replied_on
        self._moved(status, occurred_at)

    @event("Revisited")
    def _revisited(self, visited_on, findings, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.revisits += 1
        self._moved(status, occurred_at)

    @event("Archived")
    def _archived(self, archive_number, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.archived_at = occurred_at
        self._moved(status, occurred_at)


#: The command behind each stored event, and its Chinese label for histories.
EVENTS: dict[str, tuple[str, str]] = {
    "Drafted": ("draft", "起草"),
    "Reviewed": ("review", "审核"),
    "Issued": ("issue", "签发"),
    "Delivered": ("deliver", "送达"),
    "Reminded": ("remind", "催复"),
    "Escalated": ("escalate", "报告上级"),
    "ReplyRecorded": ("record_reply", "记录反馈"),
    "Revisited": ("revisit", "回访"),
    "Archived": ("archive", "归档"),
}
