"""The dispute case (纠纷案件): an event-sourced aggregate with one event per command.

Public methods are the commands: they check the state machine, the values and the times,
then trigger exactly one event. The ``@event`` methods below them only change state, so
replaying history never re-runs a check that might since have changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.codes import (
    Category,
    CorrectableField,
    CourtOutcome,
    IncidentKind,
    Performance,
    Resolution,
    RiskFlag,
    RiskLevel,
    Role,
    Route,
    Satisfaction,
    SessionMode,
    Severity,
    Source,
    Status,
)
from domain.deadlines import Deadline, DeadlineRules, settle
from domain.errors import InvalidValue, RuleViolation
from domain.integrity import GENESIS, Chained, keep_stored
from domain.lifecycle import allowed_commands, next_status
from domain.permissions import handling_bodies
from domain.routing import HAND_OFF_ROUTES, check_joint_body, check_route
from domain.values import (
    MAX_CODE_LENGTH,
    MAX_PARTICIPANTS,
    Party,
    TimeWindow,
    check_amount,
    check_count,
    check_items,
    check_optional_text,
    check_region_code,
    check_text,
    parse_parties,
)

#: Commands by which a mediator handles a case: the first of them names the case's mediator when
#: the assignment named none (the views follow the same rule, projections/case_views.py).
#: Spelled out rather than derived from the role table, so replaying old events never changes
#: with a later change of permissions.
MEDIATOR_ACTS = frozenset(
    {
        "accept",
        "hold_session",
        "extend_deadline",
        "record_agreement",
        "record_failure",
        "request_confirmation",
        "record_performance",
        "close",
        "follow_up",
    }
)


def acting_mediator(current: str | None, command: str, actor_id: str, actor_role: str) -> str | None:
    """The case's mediator after ``command``: the one already named, else a mediator who acts."""
    if current is None and actor_role == Role.MEDIATOR.value and command in MEDIATOR_ACTS:
        return actor_id
    return current


CLOSE_RESOLUTION = {
    Status.AGREED: Resolution.MEDIATED,
    Status.CONFIRMED: Resolution.CONFIRMED,
    Status.ADJUDICATED: Resolution.ADJUDICATED,
    Status.FAILED: Resolution.UNRESOLVABLE,
}
FOLLOWED_UP_RESOLUTIONS = frozenset({Resolution.MEDIATED, Resolution.CONFIRMED})


@dataclass(frozen=True)
class Act:
    """Who acts, when it happened in the world, when it is recorded, and the rules in force."""

    actor_id: str
    actor_role: str
    occurred_at: datetime
    recorded_at: datetime
    note: str | None = None
    rules: DeadlineRules = field(default_factory=DeadlineRules)

    @property
    def window(self) -> TimeWindow:
        return self.rules.window

    def stamp(self) -> dict[str, Any]:
        return {
            "actor_id": self.actor_id,
            "actor_role": self.actor_role,
            "occurred_at": self.occurred_at,
            "note": self.note,
            "timestamp": self.recorded_at,
        }


class Case(Chained):
    class Event(Chained.Event):
        actor_id: str
        actor_role: str
        occurred_at: datetime
        note: str | None

    class Created(Event, Chained.Created):
        pass

    class ConfirmationRequested(Event):
        """Version 2 records the parties who apply jointly (人民调解法 art. 33) and the mediator
        who hands their agreement over; version 1 (mediator applied alone) had neither."""

        class_version = 2
        court_code: str
        online: bool
        applicants: list[str]
        handed_over_by: str | None
        status: str
        due: dict[str, datetime]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            keep_stored(state)
            # Before version 2 the mediator made the request: the hand-over is theirs, and who
            # applied was not recorded (an empty list, never a guess at the parties).
            state["applicants"] = []
            state["handed_over_by"] = state["actor_id"] if state.get("actor_role") == Role.MEDIATOR.value else None

    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    # ------------------------------------------------------------------ opening

    @classmethod
    def report(
        cls,
        act: Act,
        *,
        source: str,
        category: str,
        region_path: list[str],
        summary: str,
        parties: list[dict[str, Any]] | tuple[Party, ...],
        people_involved: int,
        amount_in_dispute: object = None,
        intake_point: str | None = None,
        pre_litigation_number: str | None = None,
        case_id: UUID | None = None,
    ) -> Case:
        """Open a case. ``case_id`` is for imports and seeded demo data; otherwise a new UUID.
        ``intake_point``: the 综治中心 window that took the case (checked by the application).
        ``pre_litigation_number``: the court's 诉前调 number of a case it referred before filing
        (委派, source court_diversion); told apart from 委托 after filing (entrust_mediation)."""
        _check_time(act, None)
        source = Source.parse("source", source).value
        number = check_optional_text("pre_litigation_number", pre_litigation_number, max_length=MAX_CODE_LENGTH)
        if number is not None and source != Source.COURT_DIVERSION.value:
            raise InvalidValue("pre_litigation_number", "only a case the court referred before filing (court_diversion) has one")
        if number is not None and "诉前调" not in number:
            raise InvalidValue("pre_litigation_number", "a 诉前调 number such as (2026)甘1199民诉前调12号")
        if not region_path:
            raise InvalidValue("region_code", "is required")
        parsed = (
            parties
            if parties and all(isinstance(p, Party) for p in parties)
            else parse_parties(list(parties))
        )
        return cls._create(
            cls.Reported,  # type: ignore[attr-defined]
            id=case_id or cls.create_id(),
            prev_hash=GENESIS,
            source=source,
            category=Category.parse("category", category).value,
            region_path=[check_region_code("region_code", c) for c in region_path],
            summary=check_text("summary", summary),
            parties=[p.as_dict() for p in parsed],  # type: ignore[union-attr]
            people_involved=check_count("people_involved", people_involved),
            amount_in_dispute=(
                None if amount_in_dispute in (None, "") else check_amount("amount_in_dispute", amount_in_dispute)
            ),
            intake_point=check_optional_text("intake_point", intake_point, max_length=MAX_CODE_LENGTH),
            pre_litigation_number=number,
            due={"triage": act.rules.triage(act.occurred_at, RiskLevel.LOW)},
            **act.stamp(),
        )

    @event("Reported")
    def __init__(
        self,
        source: str,
        category: str,
        region_path: list[str],
        summary: str,
        parties: list[dict[str, Any]],
        people_involved: int,
        amount_in_dispute: Decimal | None,
        intake_point: str | None,
        pre_litigation_number: str | None,
        due: dict[str, datetime],
        actor_id: str,
        actor_role: str,
        occurred_at: datetime,
        note: str | None,
        timestamp: datetime,
    ) -> None:
        self.status: str = Status.REPORTED.value
        self.source = source
        self.category = category
        self.region_path = list(region_path)
        self.summary = summary
        self.parties = tuple(Party(**p) for p in parties)
        self.people_involved = people_involved
        self.amount_in_dispute = amount_in_dispute
        self.intake_point = intake_point
        self.pre_litigation_number = pre_litigation_number
        self.enforcement_court: str | None = None
        self.reported_at = occurred_at
        self.reported_by = actor_id
        self.route: str | None = None
        self.organisation_code: str | None = None
        self.mediator_id: str | None = None
        self.risk_level = RiskLevel.LOW.value
        self.risk_flags: tuple[str, ...] = ()
        self.resolution: str | None = None
        self.lead_id: str | None = None
        self.closed_at: datetime | None = None
        self.extended = False
        self.confirmation_extended = False
        self.confirmation_applicants: tuple[str, ...] = ()
        self.joint_bodies: tuple[str, ...] = ()
        self.entrusted_to: str | None = None
        self.entrustment_accepted = False
        self.sessions = 0
        self.performance: str | None = None
        self.follow_ups = 0
        self.incidents: list[dict[str, Any]] = []
        self.court_case_number: str | None = None
        self.court_outcome: str | None = None
        self.court_outcome_summary: str | None = None
        self.agreement_terms: str | None = None
        self.agreement_amount: Decimal | None = None
        self.agreed_at: datetime | None = None
        self.archive_number: str | None = None
        self.deadlines: list[Deadline] = []
        self.last_occurred_at = occurred_at
        self._apply_common("report", occurred_at, due, actor_id, opening=True)

    # ------------------------------------------------------------------ queries

    @property
    def region_code(self) -> str:
        return self.region_path[-1]

    @property
    def county_code(self) -> str:
        return self.region_path[0]

    @property
    def town_code(self) -> str | None:
        return self.region_path[1] if len(self.region_path) > 1 else None

    @property
    def village_code(self) -> str | None:
        return self.region_path[2] if len(self.region_path) > 2 else None

    @property
    def handling_bodies(self) -> tuple[str, ...]:
        """The bodies handling the case: the lead, the joint bodies of a 联合调解, and the body a
        court entrusted with mediating it after filing (委托调解)."""
        return handling_bodies(self.organisation_code, self.joint_bodies, self.entrusted_to)

    def allowed_commands(self) -> frozenset[str]:
        return allowed_commands(Status(self.status))

    def open_deadlines(self) -> list[Deadline]:
        return [d for d in self.deadlines if d.is_open]

    # ------------------------------------------------------------------ commands

    def assign(
        self,
        act: Act,
        *,
        route: str,
        organisation_code: str,
        mediator_id: str | None = None,
        organisation_kind: str | None = None,
    ) -> None:
        """Hand the case to an organisation. ``organisation_kind`` is the directory's, filled in
        by the application: the route must fit it. Arbitration and notarisation take the case out
        of mediation (HandedOff, resolution referred)."""
        route = Route.parse("route", route).value
        status = self._check("assign", act, {"route": route})
        organisation_code = check_text("organisation_code", organisation_code, max_length=MAX_CODE_LENGTH)
        check_route(route, organisation_code, organisation_kind)
        mediator_id = check_optional_text("mediator_id", mediator_id, max_length=MAX_CODE_LENGTH)
        if route in HAND_OFF_ROUTES:
            if mediator_id is not None:
                raise InvalidValue("mediator_id", f"a case handed to {route} has no mediator")
            self._handed_off(
                route=route,
                organisation_code=organisation_code,
                resolution=Resolution.REFERRED.value,
                status=status,
                **act.stamp(),
            )
            return
        self._assigned(
            route=route,
            organisation_code=organisation_code,
            mediator_id=mediator_id,
            escalation=self.status == Status.FAILED,
            status=status,
            due={"acceptance": act.rules.after("acceptance", act.occurred_at)},
            **act.stamp(),
        )

    def accept(self, act: Act) -> None:
        status = self._check("accept", act)
        if self.status == Status.LITIGATING and (self.entrusted_to is None or self.entrustment_accepted):
            raise RuleViolation("accept", "a filed case is accepted only by a body the court entrusted (委托调解), once")
        self._accepted(status=status, due={"mediation": act.rules.after("mediation", act.occurred_at)}, **act.stamp())

    def decline(self, act: Act, *, reason: str) -> None:
        status = self._check("decline", act)
        self._declined(
            reason=check_text("reason", reason),
            status=status,
            due={"triage": act.rules.triage(act.occurred_at, self.risk_level)},
            **act.stamp(),
        )

    def hold_session(self, act: Act, *, mode: str, participants: list[str], summary: str) -> None:
        status = self._check("hold_session", act)
        self._entrusted_mediation_under_way("hold_session")
        participants = check_items("participants", participants, maximum=MAX_PARTICIPANTS, what="participant")
        self._session_held(
            mode=SessionMode.parse("mode", mode).value,
            participants=[check_text(f"participants[{i}]", p, max_length=100) for i, p in enumerate(participants)],
            summary=check_text("summary", summary),
            status=status,
            **act.stamp(),
        )

    def extend_deadline(self, act: Act, *, days: int, reason: str) -> None:
        status = self._check("extend_deadline", act)
        if self.extended:
            raise RuleViolation("extend_deadline", "the mediation deadline may be extended only once")
        days = check_count("days", days, minimum=1, maximum=act.rules.extension_max_days)
        (mediation,) = [d for d in self.open_deadlines() if d.kind == "mediation"]
        self._deadline_extended(
            days=days,
            reason=check_text("reason", reason),
            status=status,
            due={"mediation": act.rules.extended("mediation", mediation.due_at, days)},
            **act.stamp(),
        )

    def record_agreement(self, act: Act, *, terms: str, amount: object = None) -> None:
        status = self._check("record_agreement", act)
        if self._entrusted_mediation_under_way("record_agreement"):
            # The entrusted agreement ends the suit as court mediation (法院调解结案).
            self._entrusted_agreement_recorded(
                terms=check_text("terms", terms, max_length=10000),
                amount=None if amount in (None, "") else check_amount("amount", amount),
                outcome=CourtOutcome.COURT_MEDIATION.value,
                status=status,
                **act.stamp(),
            )
            return
        self._agreement_recorded(
            terms=check_text("terms", terms, max_length=10000),
            amount=None if amount in (None, "") else check_amount("amount", amount),
            status=status,
            due={"confirmation_request": act.rules.after("confirmation_request", act.occurred_at)},
            **act.stamp(),
        )

    def _entrusted_mediation_under_way(self, command: str) -> bool:
        """Inside litigating, mediation happens only once an entrusted body has accepted."""
        if self.status != Status.LITIGATING:
            return False
        if not self.entrustment_accepted:
            raise RuleViolation(command, "a filed case is mediated only by a body the court entrusted, after it accepts")
        return True

    def add_joint_body(self, act: Act, *, organisation_code: str, organisation_kind: str | None = None) -> None:
        """Another body joins the mediation (联合调解: 司法所 + 派出所 + 村委会); the assigned body leads."""
        self._check("add_joint_body", act)
        organisation_code = check_text("organisation_code", organisation_code, max_length=MAX_CODE_LENGTH)
        check_joint_body(organisation_code, organisation_kind)
        if organisation_code in self.handling_bodies:
            raise InvalidValue("organisation_code", f"{organisation_code} already handles this case")
        self._joint_body_added(organisation_code=organisation_code, **act.stamp())

    def entrust_mediation(
        self, act: Act, *, organisation_code: str, mediator_id: str | None = None, organisation_kind: str | None = None
    ) -> None:
        """委托调解: after filing, the court entrusts a mediation body with the case."""
        self._check("entrust_mediation", act)
        organisation_code = check_text("organisation_code", organisation_code, max_length=MAX_CODE_LENGTH)
        check_joint_body(organisation_code, organisation_kind)
        if self.entrusted_to is not None:
            raise RuleViolation("entrust_mediation", f"already entrusted to {self.entrusted_to}")
        self._mediation_entrusted(
            organisation_code=organisation_code,
            mediator_id=check_optional_text("mediator_id", mediator_id, max_length=MAX_CODE_LENGTH),
            **act.stamp(),
        )

    def record_failure(self, act: Act, *, reason: str) -> None:
        status = self._check("record_failure", act)
        self._failure_recorded(reason=check_text("reason", reason), status=status, **act.stamp())

    def request_confirmation(
        self,
        act: Act,
        *,
        court_code: str,
        online: bool,
        applicants: list[str],
        competent_courts: frozenset[str] | None = None,
    ) -> None:
        """Record the parties' joint application for judicial confirmation, handed over to the
        court by the mediator. ``applicants`` names the applying parties as the case names them:
        at least one applicant and one respondent. ``competent_courts`` (filled in by the
        application) are the court and tribunals of the mediating body's area."""
        status = self._check("request_confirmation", act)
        court_code = check_text("court_code", court_code, max_length=MAX_CODE_LENGTH)
        names = self._joint_applicants(applicants)
        if competent_courts is not None and court_code not in competent_courts:
            raise InvalidValue(
                "court_code",
                f"{court_code} is not competent for {self.organisation_code or 'this case'}: the court or "
                f"tribunal of the mediating body's area confirms ({', '.join(sorted(competent_courts)) or 'none known'})",
            )
        handed_over_by = act.actor_id if act.actor_role == Role.MEDIATOR.value else self.mediator_id
        self._confirmation_requested(
            court_code=court_code,
            online=_bool("online", online),
            applicants=names,
            handed_over_by=handed_over_by,
            status=status,
            due={"confirmation_decision": act.rules.after("confirmation_decision", act.occurred_at)},
            **act.stamp(),
        )

    def _joint_applicants(self, applicants: object) -> list[str]:
        if not isinstance(applicants, list | tuple):
            raise InvalidValue("applicants", "a list of the applying parties' names")
        names = check_items("applicants", list(applicants), maximum=MAX_PARTICIPANTS, what="applicant")
        names = [check_text(f"applicants[{i}]", n, max_length=100) for i, n in enumerate(names)]
        roles: dict[str, set[str]] = {}
        for party in self.parties:
            roles.setdefault(party.name, set()).add(party.role)
        unknown = [n for n in names if n not in roles]
        if unknown:
            raise InvalidValue("applicants", f"not parties of this case: {', '.join(unknown)}")
        sides = set().union(*(roles[n] for n in names))
        if not {"applicant", "respondent"} <= sides:
            raise InvalidValue(
                "applicants",
                "judicial confirmation is applied for jointly by both parties (人民调解法第三十三条): "
                "name at least one applicant and one respondent",
            )
        return names

    def extend_confirmation(self, act: Act, *, reason: str) -> None:
        """Extend the court's decision period once (15 days → 25 by default)."""
        status = self._check("extend_confirmation", act)
        if self.confirmation_extended:
            raise RuleViolation("extend_confirmation", "the confirmation decision may be extended only once")
        (pending,) = [d for d in self.open_deadlines() if d.kind == "confirmation_decision"]
        days = act.rules.confirmation_extension_days
        self._confirmation_extended(
            days=days,
            reason=check_text("reason", reason),
            status=status,
            due={"confirmation_decision": act.rules.extended("confirmation_decision", pending.due_at, days)},
            **act.stamp(),
        )

    def decide_confirmation(self, act: Act, *, granted: bool, reason: str | None = None) -> None:
        granted = _bool("granted", granted)
        status = self._check("decide_confirmation", act, {"granted": granted})
        if not granted or reason:
            reason = check_text("reason", reason)
        self._confirmation_decided(granted=granted, reason=reason or None, status=status, **act.stamp())

    def file_in_court(self, act: Act, *, court_code: str, court_case_number: str, reason: str) -> None:
        status = self._check("file_in_court", act)
        if self.status == Status.AGREED:
            # 人民调解法第三十二条: a party may sue over an agreement that is not performed.
            self._unperformed("file_in_court")
        self._filed_in_court(
            court_code=check_text("court_code", court_code, max_length=MAX_CODE_LENGTH),
            court_case_number=check_text("court_case_number", court_case_number, max_length=MAX_CODE_LENGTH),
            reason=check_text("reason", reason),
            status=status,
            **act.stamp(),
        )

    def apply_for_enforcement(self, act: Act, *, court_code: str, reason: str) -> None:
        """申请强制执行: a confirmed agreement not performed in full goes to the court for enforcement."""
        status = self._check("apply_for_enforcement", act)
        self._unperformed("apply_for_enforcement")
        self._enforcement_applied(
            court_code=check_text("court_code", court_code, max_length=MAX_CODE_LENGTH),
            reason=check_text("reason", reason),
            status=status,
            **act.stamp(),
        )

    def _unperformed(self, command: str) -> None:
        if self.performance == Performance.FULL.value:
            raise RuleViolation(command, "the agreement was performed in full: nothing to enforce or sue over")

    def record_court_outcome(self, act: Act, *, outcome: str, summary: str) -> None:
        status = self._check("record_court_outcome", act)
        self._court_outcome_recorded(
            outcome=CourtOutcome.parse("outcome", outcome).value,
            summary=check_text("summary", summary),
            status=status,
            **act.stamp(),
        )

    def record_performance(self, act: Act, *, performed: str) -> None:
        status = self._check("record_performance", act)
        self._performance_recorded(
            performed=Performance.parse("performed", performed).value, status=status, **act.stamp()
        )

    def close(self, act: Act, *, summary: str) -> None:
        resolution = CLOSE_RESOLUTION.get(Status(self.status))
        status = self._check("close", act)
        assert resolution is not None  # the state table only allows close where it is defined
        due = {}
        if resolution in FOLLOWED_UP_RESOLUTIONS:
            due["follow_up"] = act.rules.after("follow_up", act.occurred_at)
        self._closed(
            summary=check_text("summary", summary),
            resolution=resolution.value,
            status=status,
            due=due,
            **act.stamp(),
        )

    def follow_up(self, act: Act, *, satisfaction: str, relapse: bool) -> None:
        status = self._check("follow_up", act)
        self._followed_up(
            satisfaction=Satisfaction.parse("satisfaction", satisfaction).value,
            relapse=_bool("relapse", relapse),
            status=status,
            **act.stamp(),
        )

    def archive(self, act: Act, *, archive_number: str) -> None:
        status = self._check("archive", act)
        self._archived(
            archive_number=check_text("archive_number", archive_number, max_length=MAX_CODE_LENGTH),
            status=status,
            **act.stamp(),
        )

    def reopen(self, act: Act, *, reason: str) -> None:
        status = self._check("reopen", act)
        self._reopened(
            reason=check_text("reason", reason),
            status=status,
            due={"triage": act.rules.triage(act.occurred_at, self.risk_level)},
            **act.stamp(),
        )

    def withdraw(self, act: Act, *, reason: str, settled: bool = False) -> None:
        """The applicant withdraws; ``settled`` when the parties settled it between themselves (和解)."""
        status = self._check("withdraw", act)
        resolution = Resolution.SETTLED if _bool("settled", settled) else Resolution.WITHDRAWN
        self._withdrawn(reason=check_text("reason", reason), resolution=resolution.value, status=status, **act.stamp())

    def assess_risk(self, act: Act, *, level: str, flags: list[str] | tuple[str, ...] = ()) -> None:
        self._check("assess_risk", act)
        level = RiskLevel.parse("level", level).value
        if not isinstance(flags, list | tuple):
            raise InvalidValue("flags", "a list of risk flags")
        if len(flags) > len(RiskFlag):
            raise InvalidValue("flags", f"at most {len(RiskFlag)} flags, each once")
        parsed = sorted({RiskFlag.parse("flags", f).value for f in flags})
        due = {}
        for d in self.open_deadlines():
            if d.kind == "triage":
                due["triage"] = act.rules.triage(d.opened_at, level)
        self._risk_assessed(level=level, flags=parsed, due=due, **act.stamp())

    def flag_mass(self, act: Act) -> None:
        """The mass flag set on report for a case with many people (DESIGN.md §10), by the
        system rather than by a manual assessment: a RiskAssessed event keeping the level and
        the deadlines, so stored Reported events read exactly as before."""
        if RiskFlag.MASS.value in self.risk_flags:
            return
        self._check("assess_risk", act)
        flags = sorted({*self.risk_flags, RiskFlag.MASS.value})
        self._risk_assessed(level=self.risk_level, flags=flags, due={}, **act.stamp())

    def add_supervision_note(self, act: Act, *, instruction: str, due_at: datetime) -> None:
        self._check("add_supervision_note", act)
        act.window.check("due_at", due_at, act.recorded_at)
        if due_at <= act.occurred_at:
            raise InvalidValue("due_at", "must be after the note itself")
        self._supervision_note_added(
            instruction=check_text("instruction", instruction), due={"supervision": due_at}, **act.stamp()
        )

    def report_incident(self, act: Act, *, kind: str, description: str, severity: str) -> None:
        self._check("report_incident", act)
        self._incident_reported(
            kind=IncidentKind.parse("kind", kind).value,
            description=check_text("description", description, max_length=10000),
            severity=Severity.parse("severity", severity).value,
            **act.stamp(),
        )

    def correct_details(
        self, act: Act, *, field: str, value: Any, reason: str, region_path: list[str] | None = None
    ) -> None:
        """Correct one detail. For ``region_code`` the caller resolves the new region's path."""
        self._check("correct_details", act)
        name = CorrectableField.parse("field", field).value
        new: Any
        if name == "category":
            new = Category.parse("value", value).value
        elif name == "region_code":
            if not region_path:
                raise InvalidValue("value", "unknown region")
            new = [check_region_code("value", c) for c in region_path]
        elif name == "summary":
            new = check_text("value", value)
        elif name == "people_involved":
            new = check_count("value", value)
        else:
            new = None if value in (None, "") else check_amount("value", value)
        if new == self._detail(name):
            raise InvalidValue("value", f"{name} already has this value; a correction must change it")
        self._details_corrected(field=name, value=new, reason=check_text("reason", reason), **act.stamp())

    def link_to_lead_case(self, act: Act, *, lead_id: UUID) -> None:
        self._check("link_to_lead_case", act)
        if lead_id == self.id:
            raise InvalidValue("lead_id", "a case cannot be its own lead case")
        self._linked_to_lead_case(lead_id=str(lead_id), **act.stamp())

    # ------------------------------------------------------------------ guards

    def _check(self, command: str, act: Act, args: dict[str, Any] | None = None) -> str:
        """State machine first, then times. Returns the state the command leads to."""
        target = next_status(Status(self.status), command, args)
        _check_time(act, self.last_occurred_at)
        return target.value

    def _detail(self, name: str) -> Any:
        return self.region_path if name == "region_code" else getattr(self, name)

    # ------------------------------------------------------------------ state changes

    def _apply_common(
        self,
        command: str,
        occurred_at: datetime,
        due: dict[str, datetime] | None,
        actor_id: str,
        status: str | None = None,
        *,
        opening: bool = False,
    ) -> None:
        # While an event applies, version is still the previous one (the created event excepted).
        seq = self.version if opening else self.version + 1
        self.deadlines = settle(self.deadlines, command, seq, occurred_at, actor_id, due)
        if status is not None:
            self.status = status
        self.last_occurred_at = occurred_at

    @event("Assigned")
    def _assigned(self, route, organisation_code, mediator_id, escalation, status, due, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.route, self.organisation_code, self.mediator_id = route, organisation_code, mediator_id
        self.joint_bodies = ()
        self._apply_common("assign", occurred_at, due, actor_id, status)

    @event("Accepted")
    def _accepted(self, status, due, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        # Each acceptance opens a fresh mediation period, which may again be extended once.
        self.extended = False
        if self.entrusted_to is not None and self.status == Status.LITIGATING:
            self.entrustment_accepted = True
        self.mediator_id = acting_mediator(self.mediator_id, "accept", actor_id, actor_role)
        self._apply_common("accept", occurred_at, due, actor_id, status)

    @event("Declined")
    def _declined(self, reason, status, due, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.organisation_code = self.mediator_id = self.route = None
        self.joint_bodies = ()
        self._apply_common("decline", occurred_at, due, actor_id, status)

    @event("SessionHeld")
    def _session_held(self, mode, participants, summary, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.sessions += 1
        self.mediator_id = acting_mediator(self.mediator_id, "hold_session", actor_id, actor_role)
        self._apply_common("hold_session", occurred_at, None, actor_id, status)

    @event("DeadlineExtended")
    def _deadline_extended(self, days, reason, status, due, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.extended = True
        self.mediator_id = acting_mediator(self.mediator_id, "extend_deadline", actor_id, actor_role)
        self._apply_common("extend_deadline", occurred_at, due, actor_id, status)

    @event("AgreementRecorded")
    def _agreement_recorded(self, terms, amount, status, due, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.agreement_terms, self.agreement_amount, self.agreed_at = terms, amount, occurred_at
        self.mediator_id = acting_mediator(self.mediator_id, "record_agreement", actor_id, actor_role)
        self._apply_common("record_agreement", occurred_at, due, actor_id, status)

    @event("FailureRecorded")
    def _failure_recorded(self, reason, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.mediator_id = acting_mediator(self.mediator_id, "record_failure", actor_id, actor_role)
        self._apply_common("record_failure", occurred_at, None, actor_id, status)

    @event(ConfirmationRequested)
    def _confirmation_requested(self, court_code, online, applicants, handed_over_by, status, due, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.confirmation_applicants = tuple(applicants)
        self.confirmation_extended = False
        self.mediator_id = acting_mediator(self.mediator_id, "request_confirmation", actor_id, actor_role)
        self._apply_common("request_confirmation", occurred_at, due, actor_id, status)

    @event("ConfirmationExtended")
    def _confirmation_extended(self, days, reason, status, due, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.confirmation_extended = True
        self._apply_common("extend_confirmation", occurred_at, due, actor_id, status)

    @event("JointBodyAdded")
    def _joint_body_added(self, organisation_code, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.joint_bodies = (*self.joint_bodies, organisation_code)
        self._apply_common("add_joint_body", occurred_at, None, actor_id)

    @event("MediationEntrusted")
    def _mediation_entrusted(self, organisation_code, mediator_id, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.entrusted_to = organisation_code
        self.entrustment_accepted = False
        self._apply_common("entrust_mediation", occurred_at, None, actor_id)

    @event("EntrustedAgreementRecorded")
    def _entrusted_agreement_recorded(self, terms, amount, outcome, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.agreement_terms, self.agreement_amount, self.agreed_at = terms, amount, occurred_at
        self.court_outcome = outcome
        self.court_outcome_summary = terms
        self._apply_common("record_agreement", occurred_at, None, actor_id, status)

    @event("EnforcementApplied")
    def _enforcement_applied(self, court_code, reason, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.enforcement_court = court_code
        self._apply_common("apply_for_enforcement", occurred_at, None, actor_id, status)

    @event("HandedOff")
    def _handed_off(self, route, organisation_code, resolution, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        # The receiving body (仲裁委/公证处) takes the case; the ledger's part ends here.
        self.route, self.organisation_code, self.mediator_id = route, organisation_code, None
        self.resolution = resolution
        self.closed_at = occurred_at
        self._apply_common("assign", occurred_at, None, actor_id, status)

    @event("ConfirmationDecided")
    def _confirmation_decided(self, granted, reason, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self._apply_common("decide_confirmation", occurred_at, None, actor_id, status)

    @event("FiledInCourt")
    def _filed_in_court(self, court_code, court_case_number, reason, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.route = Route.LITIGATION.value
        self.joint_bodies = ()
        self.entrusted_to, self.entrustment_accepted = None, False
        self.organisation_code = court_code
        self.mediator_id = None
        self.court_case_number = court_case_number
        self._apply_common("file_in_court", occurred_at, None, actor_id, status)

    @event("CourtOutcomeRecorded")
    def _court_outcome_recorded(self, outcome, summary, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.court_outcome = outcome
        self.court_outcome_summary = summary
        self._apply_common("record_court_outcome", occurred_at, None, actor_id, status)

    @event("PerformanceRecorded")
    def _performance_recorded(self, performed, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.performance = performed
        self.mediator_id = acting_mediator(self.mediator_id, "record_performance", actor_id, actor_role)
        self._apply_common("record_performance", occurred_at, None, actor_id, status)

    @event("Closed")
    def _closed(self, summary, resolution, status, due, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.resolution = resolution
        self.closed_at = occurred_at
        self.mediator_id = acting_mediator(self.mediator_id, "close", actor_id, actor_role)
        self._apply_common("close", occurred_at, due, actor_id, status)

    @event("FollowedUp")
    def _followed_up(self, satisfaction, relapse, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.follow_ups += 1
        self.mediator_id = acting_mediator(self.mediator_id, "follow_up", actor_id, actor_role)
        self._apply_common("follow_up", occurred_at, None, actor_id, status)

    @event("Archived")
    def _archived(self, archive_number, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.archive_number = archive_number
        self._apply_common("archive", occurred_at, None, actor_id, status)

    @event("Reopened")
    def _reopened(self, reason, status, due, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.resolution = None
        self.closed_at = None
        self.route = self.organisation_code = self.mediator_id = None
        self.joint_bodies = ()
        self.entrusted_to, self.entrustment_accepted = None, False
        # A reopened case is handled afresh; the earlier agreement and judgment stay in its history.
        self.agreement_terms = self.agreement_amount = self.agreed_at = None
        self.court_outcome = self.court_outcome_summary = None
        self.extended = False
        self._apply_common("reopen", occurred_at, due, actor_id, status)

    @event("Withdrawn")
    def _withdrawn(self, reason, resolution, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.resolution = resolution
        self.closed_at = occurred_at
        self._apply_common("withdraw", occurred_at, None, actor_id, status)

    @event("RiskAssessed")
    def _risk_assessed(self, level, flags, due, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.risk_level = level
        self.risk_flags = tuple(flags)
        self._apply_common("assess_risk", occurred_at, due, actor_id)

    @event("SupervisionNoteAdded")
    def _supervision_note_added(self, instruction, due, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self._apply_common("add_supervision_note", occurred_at, due, actor_id)

    @event("IncidentReported")
    def _incident_reported(self, kind, description, severity, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.incidents.append({"kind": kind, "severity": severity, "occurred_at": occurred_at})
        self._apply_common("report_incident", occurred_at, None, actor_id)

    @event("DetailsCorrected")
    def _details_corrected(self, field, value, reason, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        if field == "region_code":
            self.region_path = list(value)
        else:
            setattr(self, field, value)
        self._apply_common("correct_details", occurred_at, None, actor_id)

    @event("LinkedToLeadCase")
    def _linked_to_lead_case(self, lead_id, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.lead_id = lead_id
        self._apply_common("link_to_lead_case", occurred_at, None, actor_id)


def _reported_v1_v2(state: dict[str, Any]) -> None:
    """Version 1 of Reported recorded no intake point (综治中心 window) and no 诉前调 number."""
    keep_stored(state)
    state["intake_point"] = None
    state["pre_litigation_number"] = None


# The opening event is the library's own class (made by @event on __init__): its version and
# upcaster are set here, as class attributes the mapper reads, rather than by redefining it.
Case.Reported.class_version = 2  # type: ignore[attr-defined]
Case.Reported.upcast_v1_v2 = staticmethod(_reported_v1_v2)  # type: ignore[attr-defined]


def _check_time(act: Act, previous: datetime | None) -> None:
    """The act's instant inside the ledger's window and not before the case's last event; its
    note, stored with every event, is text like any other."""
    occurred_at = act.window.check("occurred_at", act.occurred_at, act.recorded_at, not_after_now=True)
    check_optional_text("note", act.note)
    if previous is not None and occurred_at < previous:
        raise InvalidValue(
            "occurred_at", f"must not be before the case's previous event ({previous.isoformat()})"
        )


def is_late_entry(recorded_at: datetime, occurred_at: datetime, hours: float, *, source: str | None = None) -> bool:
    """Recorded more than ``hours`` after it happened. A case entered from an old ledger (source
    migration) records its past on purpose, every event noting the file and row it came from:
    its events are history, not late entries, or each import would flood the audit with them."""
    return source != Source.MIGRATION.value and (recorded_at - occurred_at).total_seconds() > hours * 3600


def _bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidValue(name, "must be true or false")
    return value


#: The command behind each stored event, and its Chinese label for histories and reviews.
EVENTS: dict[str, tuple[str, str]] = {
    "Reported": ("report", "登记"),
    "Assigned": ("assign", "分流交办"),
    "Accepted": ("accept", "签收"),
    "Declined": ("decline", "退回"),
    "SessionHeld": ("hold_session", "组织调解"),
    "DeadlineExtended": ("extend_deadline", "延长调解期限"),
    "AgreementRecorded": ("record_agreement", "调解成功"),
    "FailureRecorded": ("record_failure", "调解不成"),
    "ConfirmationRequested": ("request_confirmation", "当事人共同申请司法确认"),
    "ConfirmationExtended": ("extend_confirmation", "延长司法确认审查期限"),
    "ConfirmationDecided": ("decide_confirmation", "司法确认裁定"),
    "HandedOff": ("assign", "移交仲裁/公证"),
    "EnforcementApplied": ("apply_for_enforcement", "申请强制执行"),
    "JointBodyAdded": ("add_joint_body", "联合调解"),
    "MediationEntrusted": ("entrust_mediation", "委托调解"),
    "EntrustedAgreementRecorded": ("record_agreement", "委托调解达成协议（法院调解结案）"),
    "FiledInCourt": ("file_in_court", "立案"),
    "CourtOutcomeRecorded": ("record_court_outcome", "审结"),
    "PerformanceRecorded": ("record_performance", "履行情况"),
    "Closed": ("close", "办结"),
    "FollowedUp": ("follow_up", "回访"),
    "Archived": ("archive", "归档"),
    "Reopened": ("reopen", "重新启动"),
    "Withdrawn": ("withdraw", "撤回"),
    "RiskAssessed": ("assess_risk", "风险评估"),
    "SupervisionNoteAdded": ("add_supervision_note", "督办"),
    "IncidentReported": ("report_incident", "报告民转刑/极端事件"),
    "DetailsCorrected": ("correct_details", "更正"),
    "LinkedToLeadCase": ("link_to_lead_case", "关联示范案件"),
}
