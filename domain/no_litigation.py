"""无讼村创建 (DESIGN.md §10): a village enrolled in the programme for a year with a sponsoring
unit, assessed year by year against the §6 criteria, named, and revoked when a later year fails.

The assessment's evidence (the court cases, serious and mass incidents found, with their case
numbers or ids, and which source the court cases came from) is computed by the server and frozen
in the Assessed event; whether it passed is derived here from those counts, never taken from a
client.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.case import Act
from domain.codes import Role
from domain.errors import InvalidValue, RuleViolation
from domain.instrument import Instrument, check_time
from domain.integrity import GENESIS
from domain.reference import stable_id
from domain.values import MAX_CODE_LENGTH, check_region_code, check_text

#: TRANSITIONS[state][command]: the next state, None to stay. Whether a naming or revocation is
#: earned is a rule over the assessments (RuleViolation, also 409).
TRANSITIONS: dict[str, dict[str, str | None]] = {
    "enrolled": {"assess": None, "name": "named"},
    "named": {"assess": None, "revoke": "revoked"},
    "revoked": {},
}
STATES = {"enrolled": "创建中", "named": "已命名", "revoked": "已撤销"}
COMMANDS = ("assess", "name", "revoke")
#: The §6 criteria: each count must be zero over the whole year.
CRITERIA = ("court_cases", "serious_incidents", "mass_incidents")
COURT_SOURCES = ("court_feed", "ledger_filings")

ROLE_COMMANDS: dict[str, frozenset[str]] = {
    Role.SUPERVISOR.value: frozenset({"enrol", *COMMANDS}),
    Role.ADMIN.value: frozenset({"enrol", *COMMANDS}),
}
READ_ROLES = frozenset({Role.SUPERVISOR.value, Role.AUDITOR.value, Role.ADMIN.value, Role.RECORDER.value})
MIN_YEAR, MAX_YEAR = 2000, 2100


def may_issue(role: str, command: str) -> bool:
    return command in ROLE_COMMANDS.get(role, frozenset())


def check_year(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_YEAR <= value <= MAX_YEAR:
        raise InvalidValue(field, f"a year between {MIN_YEAR} and {MAX_YEAR}")
    return value


def check_evidence(evidence: dict[str, Any]) -> dict[str, Any]:
    """The server-computed evidence: a count and the items behind it for every criterion."""
    if evidence.get("court_source") not in COURT_SOURCES:
        raise InvalidValue("evidence", f"court_source one of {', '.join(COURT_SOURCES)}")
    for name in CRITERIA:
        found = evidence.get(name)
        if not isinstance(found, dict) or found.get("count") != len(found.get("items", [])):
            raise InvalidValue("evidence", f"{name}: a count and its items")
    return evidence


class NoLitigationVillage(Instrument):
    TRANSITIONS = TRANSITIONS

    @staticmethod
    def create_id(village_code: str) -> UUID:  # type: ignore[override]
        """One programme record per village: enrolling it twice collides in the store."""
        return stable_id("no_litigation_village", village_code)

    @classmethod
    def enrol(
        cls,
        act: Act,
        *,
        region_path: list[str],
        village_name: str,
        year: int,
        sponsor_code: str,
        sponsor_name: str,
    ) -> NoLitigationVillage:
        check_time(act, None)
        if len(region_path) < 3:
            raise InvalidValue("village", "a village code")
        path = [check_region_code("village", c) for c in region_path[:3]]
        return cls._create(
            cls.Enrolled,  # type: ignore[attr-defined]
            id=cls.create_id(path[2]),
            prev_hash=GENESIS,
            region_path=path,
            village_name=check_text("village_name", village_name, max_length=100),
            year=check_year("year", year),
            sponsor_code=check_text("sponsor_code", sponsor_code, max_length=MAX_CODE_LENGTH),
            sponsor_name=check_text("sponsor_name", sponsor_name, max_length=100),
            **act.stamp(),
        )

    @event("Enrolled")
    def __init__(
        self,
        region_path: list[str],
        village_name: str,
        year: int,
        sponsor_code: str,
        sponsor_name: str,
        actor_id: str,
        actor_role: str,
        occurred_at: datetime,
        note: str | None,
        timestamp: datetime,
    ) -> None:
        self.region_path = list(region_path)
        self.village_name = village_name
        self.year = year
        self.sponsor_code = sponsor_code
        self.sponsor_name = sponsor_name
        self.assessments: dict[int, dict[str, Any]] = {}
        self.named_year: int | None = None
        self.revoked_year: int | None = None
        self._moved("enrolled", occurred_at)

    @property
    def village_code(self) -> str:
        return self.region_path[2]

    # ------------------------------------------------------------------ commands

    def assess(self, act: Act, *, year: int, complete: bool, evidence: dict[str, Any]) -> None:
        status = self._check("assess", act)
        year = check_year("year", year)
        if year < self.year:
            raise InvalidValue("year", f"the village was enrolled for {self.year}")
        evidence = check_evidence(evidence)
        passed = all(evidence[name]["count"] == 0 for name in CRITERIA)
        self._assessed(year=year, complete=bool(complete), passed=passed, evidence=evidence, status=status, **act.stamp())

    def name(self, act: Act, *, year: int) -> None:
        status = self._check("name", act)
        year = check_year("year", year)
        found = self.assessments.get(year)
        if found is None or not found["complete"] or not found["passed"]:
            raise RuleViolation("name", f"no passing assessment of the complete year {year}")
        self._named(year=year, status=status, **act.stamp())

    def revoke(self, act: Act, *, year: int, reason: str) -> None:
        status = self._check("revoke", act)
        year = check_year("year", year)
        found = self.assessments.get(year)
        if self.named_year is None or year <= self.named_year or found is None or found["passed"]:
            raise RuleViolation("revoke", f"no failed assessment of {year}, a year after the naming")
        self._revoked(year=year, reason=check_text("reason", reason), status=status, **act.stamp())

    # ------------------------------------------------------------------ state changes

    @event("Assessed")
    def _assessed(self, year, complete, passed, evidence, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.assessments[year] = {"complete": complete, "passed": passed}
        self._moved(status, occurred_at)

    @event("Named")
    def _named(self, year, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.named_year = year
        self._moved(status, occurred_at)

    @event("Revoked")
    def _revoked(self, year, reason, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.revoked_year = year
        self._moved(status, occurred_at)


EVENTS: dict[str, tuple[str, str]] = {
    "Enrolled": ("enrol", "纳入创建"),
    "Assessed": ("assess", "年度评估"),
    "Named": ("name", "命名"),
    "Revoked": ("revoke", "撤销命名"),
}
