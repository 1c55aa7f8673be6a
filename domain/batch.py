"""Demonstration batches 示范诉讼/示范调解 (DESIGN.md §10).

A batch gathers parallel disputes against one respondent (its name and unified social credit
code) or one project (an employer, a housing estate, a construction site). One of its cases is
chosen as the lead; once the lead is decided (a mediation agreement, a judgment or a court
mediation, read by the application from the lead case itself, never typed in) its terms become
the batch standard and are offered to each parallel case, one attributed event per case; each
case's acceptance or refusal is an event of its own, so the batch's history is also each
parallel case's record of the offer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.case import Act
from domain.codes import Role
from domain.errors import InvalidValue, RuleViolation
from domain.instrument import Instrument, check_time
from domain.integrity import GENESIS
from domain.reference import stable_id
from domain.values import check_credit_code, check_optional_text, check_region_code, check_text

#: What the batch is about: one respondent, or one project.
SUBJECT_KINDS = {
    "respondent": "共同被申请人",
    "employer": "用工单位",
    "housing_estate": "住宅小区",
    "construction_site": "建设工地",
}
#: How the lead case was decided, read from its state.
STANDARD_KINDS = {"mediation_agreement": "调解协议", "judgment": "判决", "court_mediation": "法院调解"}

#: TRANSITIONS[state][command]: the next state, None to stay. Rules about single cases (offered
#: twice, answered twice, not in the batch) are RuleViolations, also 409.
TRANSITIONS: dict[str, dict[str, str | None]] = {
    "collecting": {"add_cases": None, "choose_lead": None, "adopt_standard": "standard_set", "close": "closed"},
    "standard_set": {
        "add_cases": None,
        "offer": None,
        "record_acceptance": None,
        "record_refusal": None,
        "close": "closed",
    },
    "closed": {},
}
STATES = {"collecting": "归集中", "standard_set": "示范标准已确定", "closed": "已结束"}
COMMANDS = ("add_cases", "choose_lead", "adopt_standard", "offer", "record_acceptance", "record_refusal", "close")
OPEN_STATES = frozenset(s for s in TRANSITIONS if s != "closed")
ANSWERS = {"accepted": "接受示范标准", "refused": "拒绝示范标准"}
MAX_CASES = 2000

_ALL = frozenset({"open", *COMMANDS})
#: Who may issue each command (DESIGN.md §2: recorders open batches; the judge whose judgment or
#: mediation leads may carry it; a mediator records the answers of the cases its body handles).
ROLE_COMMANDS: dict[str, frozenset[str]] = {
    Role.RECORDER.value: _ALL,
    Role.ADMIN.value: _ALL,
    Role.JUDGE.value: frozenset({"choose_lead", "adopt_standard", "offer", "record_acceptance", "record_refusal", "close"}),
    Role.MEDIATOR.value: frozenset({"record_acceptance", "record_refusal"}),
}
READ_ROLES = frozenset(
    {Role.RECORDER.value, Role.MEDIATOR.value, Role.JUDGE.value, Role.SUPERVISOR.value, Role.AUDITOR.value,
     Role.ADMIN.value}
)  # fmt: skip


def may_issue(role: str, command: str) -> bool:
    return command in ROLE_COMMANDS.get(role, frozenset())


class Batch(Instrument):
    TRANSITIONS = TRANSITIONS

    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    @classmethod
    def open(
        cls,
        act: Act,
        *,
        title: str,
        subject_kind: str,
        subject_name: str,
        region_path: list[str],
        credit_code: str | None = None,
        category: str | None = None,
    ) -> Batch:
        check_time(act, None)
        if subject_kind not in SUBJECT_KINDS:
            raise InvalidValue("subject_kind", f"one of {', '.join(SUBJECT_KINDS)}")
        code = None if credit_code in (None, "") else check_credit_code("credit_code", str(credit_code))
        if subject_kind == "respondent" and code is None:
            raise InvalidValue("credit_code", "a batch against one respondent names its unified social credit code")
        if not region_path:
            raise InvalidValue("region_code", "a region code")
        return cls._create(
            cls.Opened,  # type: ignore[attr-defined]
            id=cls.create_id(),
            prev_hash=GENESIS,
            title=check_text("title", title, max_length=200),
            subject_kind=subject_kind,
            subject_name=check_text("subject_name", subject_name, max_length=100),
            credit_code=code,
            category=check_optional_text("category", category, max_length=64),
            region_path=[check_region_code("region_code", c) for c in region_path],
            **act.stamp(),
        )

    @event("Opened")
    def __init__(
        self,
        title: str,
        subject_kind: str,
        subject_name: str,
        credit_code: str | None,
        category: str | None,
        region_path: list[str],
        actor_id: str,
        actor_role: str,
        occurred_at: datetime,
        note: str | None,
        timestamp: datetime,
    ) -> None:
        self.title = title
        self.subject_kind = subject_kind
        self.subject_name = subject_name
        self.credit_code = credit_code
        self.category = category
        self.region_path = list(region_path)
        self.opened_at = occurred_at
        self.opened_by = actor_id
        self.case_ids: list[str] = []
        self.lead_id: str | None = None
        self.standard: dict[str, Any] | None = None
        #: case id → {"offered_at", "answer"}; cases not offered yet are absent.
        self.offers: dict[str, dict[str, Any]] = {}
        self.closed_at: datetime | None = None
        self._moved("collecting", occurred_at)

    @property
    def parallel_ids(self) -> list[str]:
        return [c for c in self.case_ids if c != self.lead_id]

    # ------------------------------------------------------------------ commands

    def add_cases(self, act: Act, *, case_ids: list[str]) -> None:
        """Cases the application has found (in the store, in scope, in no other open batch)."""
        status = self._check("add_cases", act)
        if not case_ids:
            raise InvalidValue("case_ids", "name at least one case")
        ids = [str(c) for c in case_ids]
        if len(set(ids)) != len(ids):
            raise InvalidValue("case_ids", "a case is named twice")
        already = [c for c in ids if c in self.case_ids]
        if already:
            raise RuleViolation("add_cases", f"already in this batch: {', '.join(already)}")
        if len(self.case_ids) + len(ids) > MAX_CASES:
            raise InvalidValue("case_ids", f"a batch holds at most {MAX_CASES} cases")
        self._cases_added(case_ids=ids, status=status, **act.stamp())

    def choose_lead(self, act: Act, *, case_id: str) -> None:
        status = self._check("choose_lead", act)
        case_id = str(case_id)
        if case_id not in self.case_ids:
            raise RuleViolation("choose_lead", f"case {case_id} is not in this batch")
        if case_id == self.lead_id:
            raise RuleViolation("choose_lead", "this case is already the lead")
        self._lead_chosen(case_id=case_id, status=status, **act.stamp())

    def adopt_standard(
        self, act: Act, *, lead_id: str, kind: str, terms: str, amount: str | None, decided_at: datetime, lead_version: int
    ) -> None:
        """The lead's decision as the application read it from the lead case (version given)."""
        status = self._check("adopt_standard", act)
        if self.lead_id is None:
            raise RuleViolation("adopt_standard", "choose the lead case first")
        if str(lead_id) != self.lead_id:
            raise RuleViolation("adopt_standard", "the decision is not the lead case's")
        if kind not in STANDARD_KINDS:
            raise InvalidValue("kind", f"one of {', '.join(STANDARD_KINDS)}")
        self._standard_adopted(
            lead_id=self.lead_id,
            kind=kind,
            terms=check_text("terms", terms, max_length=10000),
            amount=amount,
            decided_at=decided_at,
            lead_version=lead_version,
            status=status,
            **act.stamp(),
        )

    def offer(self, act: Act, *, case_ids: list[str]) -> list[str]:
        """Offer the standard to each named parallel case: one event per case, all checked
        before any is triggered. Returns the cases offered."""
        status = self._check("offer", act)
        if not case_ids:
            raise RuleViolation("offer", "no parallel case is waiting for an offer")
        ids = [str(c) for c in case_ids]
        for c in ids:
            if c not in self.case_ids:
                raise RuleViolation("offer", f"case {c} is not in this batch")
            if c == self.lead_id:
                raise RuleViolation("offer", "the lead case sets the standard; it is not offered it")
            if c in self.offers:
                raise RuleViolation("offer", f"case {c} was already offered the standard")
        if len(set(ids)) != len(ids):
            raise InvalidValue("case_ids", "a case is named twice")
        assert self.standard is not None  # the state table offers only once a standard is set
        for c in ids:
            self._offered(case_id=c, standard_kind=self.standard["kind"], status=status, **act.stamp())
        return ids

    def record_acceptance(self, act: Act, *, case_id: str) -> None:
        status = self._check("record_acceptance", act)
        self._unanswered("record_acceptance", str(case_id))
        self._accepted(case_id=str(case_id), status=status, **act.stamp())

    def record_refusal(self, act: Act, *, case_id: str, reason: str) -> None:
        status = self._check("record_refusal", act)
        self._unanswered("record_refusal", str(case_id))
        self._refused(case_id=str(case_id), reason=check_text("reason", reason), status=status, **act.stamp())

    def close(self, act: Act, *, reason: str) -> None:
        status = self._check("close", act)
        self._closed(reason=check_text("reason", reason), status=status, **act.stamp())

    def _unanswered(self, command: str, case_id: str) -> None:
        offer = self.offers.get(case_id)
        if offer is None:
            raise RuleViolation(command, f"case {case_id} has not been offered the standard")
        if offer["answer"] is not None:
            raise RuleViolation(command, f"case {case_id} has already {offer['answer']} the standard")

    # ------------------------------------------------------------------ state changes

    @event("CasesAdded")
    def _cases_added(self, case_ids, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.case_ids.extend(case_ids)
        self._moved(status, occurred_at)

    @event("LeadChosen")
    def _lead_chosen(self, case_id, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.lead_id = case_id
        self._moved(status, occurred_at)

    @event("StandardAdopted")
    def _standard_adopted(self, lead_id, kind, terms, amount, decided_at, lead_version, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.standard = {"lead_id": lead_id, "kind": kind, "terms": terms, "amount": amount,
                         "decided_at": decided_at, "lead_version": lead_version}  # fmt: skip
        self._moved(status, occurred_at)

    @event("Offered")
    def _offered(self, case_id, standard_kind, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.offers[case_id] = {"offered_at": occurred_at, "offered_by": actor_id, "answer": None}
        self._moved(status, occurred_at)

    @event("Accepted")
    def _accepted(self, case_id, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.offers[case_id].update(answer="accepted", answered_at=occurred_at, answered_by=actor_id)
        self._moved(status, occurred_at)

    @event("Refused")
    def _refused(self, case_id, reason, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.offers[case_id].update(answer="refused", answered_at=occurred_at, answered_by=actor_id, reason=reason)
        self._moved(status, occurred_at)

    @event("Closed")
    def _closed(self, reason, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.closed_at = occurred_at
        self._moved(status, occurred_at)


class Membership(Instrument):
    """Which batch a case last joined: one stream per case, saved with the batch that takes the
    case, so two batches taking one case at the same moment conflict in the store itself and a
    case sits in one open batch at a time without asking the views."""

    TRANSITIONS = {"joined": {"join": None}}

    @staticmethod
    def create_id(case_id: str) -> UUID:  # type: ignore[override]
        return stable_id("batch_membership", str(case_id))

    @classmethod
    def first(cls, act: Act, *, case_id: str, batch_id: str) -> Membership:
        return cls._create(
            cls.Joined,  # type: ignore[attr-defined]
            id=cls.create_id(case_id),
            prev_hash=GENESIS,
            case_id=str(case_id),
            batch_id=str(batch_id),
            **act.stamp(),
        )

    @event("Joined")
    def __init__(self, case_id: str, batch_id: str, actor_id: str, actor_role: str, occurred_at: datetime,
                 note: str | None, timestamp: datetime) -> None:  # fmt: skip
        self.case_id = case_id
        self.batch_id = batch_id
        self._moved("joined", occurred_at)

    def join(self, act: Act, *, batch_id: str) -> None:
        """The case joins another batch (the application has found its last one closed)."""
        status = self._check("join", act)
        if str(batch_id) == self.batch_id:
            raise RuleViolation("add_cases", f"case {self.case_id} is already in this batch")
        self._rejoined(batch_id=str(batch_id), status=status, **act.stamp())

    @event("JoinedAnother")
    def _rejoined(self, batch_id, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.batch_id = batch_id
        self._moved(status, occurred_at)


#: The command behind each stored event, and its Chinese label for histories.
EVENTS: dict[str, tuple[str, str]] = {
    "Opened": ("open", "建立示范批次"),
    "CasesAdded": ("add_cases", "纳入平行案件"),
    "LeadChosen": ("choose_lead", "确定示范案件"),
    "StandardAdopted": ("adopt_standard", "示范案件结果确定为批次标准"),
    "Offered": ("offer", "向平行案件送达示范标准"),
    "Accepted": ("record_acceptance", "平行案件接受示范标准"),
    "Refused": ("record_refusal", "平行案件拒绝示范标准"),
    "Closed": ("close", "批次结束"),
}


_AGREED = frozenset({"agreed", "confirmation_pending", "confirmed"})
_ENDED = frozenset({"closed", "archived"})


def lead_decision(case: Any) -> tuple[str, str, str | None] | None:
    """(kind, terms, amount) of the decision the lead case stands on now, or None when it has
    none: a judgment or court mediation once the court has ruled, else a mediation agreement
    that stands (agreed, before or after confirmation, or closed on it). A withdrawn or
    dismissed suit, a rejected confirmation or a reopened case decides nothing."""
    if case.court_outcome in ("judgment", "court_mediation") and case.status in ("adjudicated", *_ENDED):
        return case.court_outcome, case.court_outcome_summary, None
    standing = case.status in _AGREED or (case.status in _ENDED and case.resolution in ("mediated", "confirmed"))
    if case.agreement_terms and standing:
        amount = None if case.agreement_amount is None else str(case.agreement_amount)
        return "mediation_agreement", case.agreement_terms, amount
    return None
