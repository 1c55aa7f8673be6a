"""The ledger Application: every command of DESIGN.md §4 as a method taking the actor.

Each command: authenticate the actor's role and region, resolve reference codes, let the
case aggregate check the state machine and the values, save with optimistic concurrency.
"""

from __future__ import annotations

import inspect
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from application.config import StoreSettings, deadline_rules, store_settings
from application.errors import CaseNotFound, UnknownActor, VersionConflict
from application.setup_lock import exclusive_setup
from domain.case import Act, Case
from domain.codes import Role
from domain.deadlines import DeadlineRules
from domain.errors import AccessDenied, InvalidValue
from domain.lifecycle import ANY_STATE, PROGRESS
from domain.permissions import may_issue
from domain.reference import (
    COURT_KINDS,
    Actor,
    Directory,
    RegionCatalogue,
    TokenIndex,
    token_digest,
)

A = TypeVar("A", bound=Aggregate)
SYSTEM = "system"

#: Commands a mediator may take only on cases handed to the mediator's own organisation.
_HANDLER_COMMANDS = frozenset(PROGRESS) - {"assign"}


@dataclass(frozen=True)
class CommandResult:
    case: Case
    position: int


def utc_now() -> datetime:
    return datetime.now(UTC)


class Ledger(Application[UUID]):
    name = "ledger"
    env = {"AGGREGATE_CACHE_MAXSIZE": "20000", "IS_SNAPSHOTTING_ENABLED": "n"}

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        settings: StoreSettings | None = None,
        clock: Callable[[], datetime] = utc_now,
        rules: DeadlineRules | None = None,
    ):
        self.settings = settings or store_settings()
        with exclusive_setup(self.settings, "events"):
            super().__init__({**self.settings.eventsourcing_env(), **(env or {})})
        self.clock = clock
        self.rules = rules or deadline_rules()

    # ------------------------------------------------------------------ reference data

    def regions(self) -> RegionCatalogue:
        return self._reference(RegionCatalogue) or RegionCatalogue()

    def directory(self) -> Directory:
        return self._reference(Directory) or Directory()

    def _reference(self, cls: type[A]) -> A | None:
        try:
            # Reference aggregates are read-only here: skip the defensive deep copy.
            return self.repository.get(cls.ID, deepcopy_from_cache=False)  # type: ignore[attr-defined]
        except AggregateNotFoundError:
            return None

    def _loaded(self, cls: type[A]) -> A:
        found = self._reference(cls)
        if found is None:
            return cls()
        return self.repository.get(cls.ID)  # type: ignore[attr-defined]

    def load_regions(self, actor: Actor, rows: list[dict[str, Any]]) -> int:
        self._require_admin(actor)
        catalogue = self._loaded(RegionCatalogue)
        count = catalogue.load(rows, actor_id=actor.name)
        self.save(catalogue)
        return count

    def load_organisations(self, actor: Actor, rows: list[dict[str, Any]]) -> int:
        self._require_admin(actor)
        directory = self._loaded(Directory)
        count = directory.load_organisations(rows, self.regions(), actor_id=actor.name)
        self.save(directory)
        return count

    def load_mediators(self, actor: Actor, rows: list[dict[str, Any]]) -> int:
        self._require_admin(actor)
        directory = self._loaded(Directory)
        count = directory.load_mediators(rows, actor_id=actor.name)
        self.save(directory)
        return count

    def region_path(self, field: str, code: object, *, levels: tuple[str, ...] = ("village", "grid")) -> list[str]:
        catalogue = self.regions()
        region = catalogue.regions.get(str(code).strip())
        if region is None:
            raise InvalidValue(field, f"unknown region {code!r}")
        if region.level not in levels:
            raise InvalidValue(field, f"must be a {' or '.join(levels)} code, not a {region.level}")
        return catalogue.path(region.code)

    # ------------------------------------------------------------------ actors

    def system_actor(self) -> Actor:
        """The administrator that CLI imports act as; created on first use, never given a token."""
        try:
            return self.actor(SYSTEM)
        except UnknownActor:
            actor = Actor.register(
                name=SYSTEM,
                role=Role.ADMIN.value,
                region_path=[],
                organisation_code=None,
                token_hash="",
                created_by=SYSTEM,
            )
            self.save(actor)
            return actor

    def add_actor(
        self,
        name: str,
        role: str,
        *,
        region_code: str | None = None,
        organisation_code: str | None = None,
        created_by: str = SYSTEM,
    ) -> tuple[Actor, str]:
        """Register an actor and return it with its bearer token; only the token's hash is kept."""
        region_path = []
        if region_code:
            region_path = self.region_path("region", region_code, levels=("county", "town", "village", "grid"))
        if organisation_code and organisation_code not in self.directory().organisations:
            raise InvalidValue("organisation", f"unknown organisation {organisation_code!r}")
        token = secrets.token_urlsafe(32)
        digest = token_digest(token)
        actor = Actor.register(
            name=name,
            role=role,
            region_path=region_path,
            organisation_code=organisation_code,
            token_hash=digest,
            created_by=created_by,
        )
        index = TokenIndex(token_hash=digest, actor_name=name)
        try:
            self.save(actor, index)
        except IntegrityError:
            raise InvalidValue("name", f"an actor named {name!r} already exists") from None
        return actor, token

    def actor(self, name: str) -> Actor:
        try:
            return self.repository.get(Actor.create_id(name), deepcopy_from_cache=False)
        except AggregateNotFoundError:
            raise UnknownActor(f"unknown actor {name!r}") from None

    def authenticate(self, token: str) -> Actor:
        if not token:
            raise UnknownActor("a bearer token is required")
        digest = token_digest(token)
        try:
            index: TokenIndex = self.repository.get(TokenIndex.create_id(digest), deepcopy_from_cache=False)
        except AggregateNotFoundError:
            raise UnknownActor("the bearer token is not valid") from None
        actor = self.actor(index.actor_name)
        # The index is only a lookup: the actor's own record must hold this token, so an edited
        # index entry pointing a reader's token at an admin authenticates nobody.
        if not secrets.compare_digest(actor.token_hash, digest):
            raise UnknownActor("the bearer token is not valid")
        return actor

    # ------------------------------------------------------------------ cases

    def get_case(self, case_id: UUID | str) -> Case:
        try:
            case: Aggregate = self.repository.get(_uuid(case_id))
        except AggregateNotFoundError:
            raise CaseNotFound(case_id) from None
        if not isinstance(case, Case):
            raise CaseNotFound(case_id)
        return case

    def case_as_of(
        self, case_id: UUID | str, *, recorded_at: datetime | None = None, occurred_at: datetime | None = None
    ) -> Case | None:
        """The case as the ledger knew it at ``recorded_at`` (what a supervisor could have seen
        then), or as it stood in the world at ``occurred_at``; None if it did not exist yet."""
        case: Any = None
        e: Any
        for e in self.events.get(_uuid(case_id)):
            if recorded_at is not None and e.timestamp > recorded_at:
                break
            if occurred_at is not None and e.occurred_at > occurred_at:  # type: ignore[attr-defined]
                break
            case = e.mutate(case)
        if case is not None and not isinstance(case, Case):
            raise CaseNotFound(case_id)
        return case

    def history(self, case_id: UUID | str) -> list[Any]:
        events = list(self.events.get(_uuid(case_id)))
        if not events or not isinstance(events[0], Case.Event):
            raise CaseNotFound(case_id)
        return events

    def read_case(self, actor: Actor, case_id: UUID | str) -> Case:
        case = self.get_case(case_id)
        if not actor.covers(case.region_path):
            raise AccessDenied(f"case {case.id} lies outside {actor.name}'s region")
        return case

    def report(
        self,
        actor: Actor,
        *,
        region_code: str,
        occurred_at: datetime | None = None,
        note: str | None = None,
        case_id: UUID | None = None,
        **details: Any,
    ) -> CommandResult:
        self._authorise_role(actor, "report")
        path = self.region_path("region_code", region_code)
        if not actor.covers(path):
            raise AccessDenied(f"region {region_code} lies outside {actor.name}'s region")
        _check_arguments("report", details)
        case = Case.report(self._act(actor, occurred_at, note), region_path=path, case_id=case_id, **details)
        return CommandResult(case, self._save(case))

    def execute(
        self,
        actor: Actor,
        case_id: UUID | str,
        command: str,
        *,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
        note: str | None = None,
        **args: Any,
    ) -> CommandResult:
        if command not in PROGRESS | ANY_STATE:
            raise InvalidValue("command", f"unknown command {command!r}")
        self._authorise_role(actor, command)
        case = self.read_case(actor, case_id)
        if expected_version is not None and expected_version != case.version:
            raise VersionConflict(expected_version, case.version)
        self._authorise_handler(actor, command, case)
        args = self._resolve(actor, command, args)
        _check_arguments(command, args)
        started_at = case.version
        getattr(case, command)(self._act(actor, occurred_at, note), **args)
        try:
            position = self._save(case)
        except IntegrityError:
            # Someone else saved this case after we read it.
            raise VersionConflict(started_at, self.get_case(case.id).version) from None
        return CommandResult(case, position)

    # ------------------------------------------------------------------ helpers

    def _act(self, actor: Actor, occurred_at: datetime | None, note: str | None) -> Act:
        now = self.clock()
        return Act(
            actor_id=actor.name,
            actor_role=actor.role,
            occurred_at=now if occurred_at is None else occurred_at,
            recorded_at=now,
            note=(note or "").strip() or None,
            rules=self.rules,
        )

    def _save(self, case: Case) -> int:
        recordings = self.save(case)
        return recordings[-1].notification.id

    def _require_admin(self, actor: Actor) -> None:
        if actor.role != Role.ADMIN:
            raise AccessDenied("only an admin may load reference data")

    @staticmethod
    def _authorise_role(actor: Actor, command: str) -> None:
        if not may_issue(Role(actor.role), command):
            raise AccessDenied(f"role {actor.role} may not {command}")

    @staticmethod
    def _authorise_handler(actor: Actor, command: str, case: Case) -> None:
        if (
            actor.role == Role.MEDIATOR
            and command in _HANDLER_COMMANDS
            and case.organisation_code != actor.organisation_code
        ):
            raise AccessDenied(
                f"case {case.id} is handled by {case.organisation_code or 'nobody'}, "
                f"not by {actor.organisation_code}"
            )

    def _resolve(self, actor: Actor, command: str, args: dict[str, Any]) -> dict[str, Any]:
        """Check codes that name reference data; turn a region code into its path."""
        directory = self.directory()
        if command == "assign":
            org = directory.organisations.get(str(args.get("organisation_code", "")))
            if org is None:
                raise InvalidValue("organisation_code", f"unknown organisation {args.get('organisation_code')!r}")
            mediator_id = args.get("mediator_id")
            if mediator_id:
                mediator = directory.mediators.get(str(mediator_id))
                if mediator is None:
                    raise InvalidValue("mediator_id", f"unknown mediator {mediator_id!r}")
                if mediator.organisation_code != org.code:
                    raise InvalidValue("mediator_id", f"mediator {mediator_id} does not belong to {org.code}")
        if command in ("request_confirmation", "file_in_court"):
            court = directory.organisations.get(str(args.get("court_code", "")))
            if court is None or court.kind not in COURT_KINDS:
                raise InvalidValue("court_code", f"{args.get('court_code')!r} is not a known court or tribunal")
        if command == "correct_details" and args.get("field") == "region_code":
            path = self.region_path("value", args.get("value"))
            if not actor.covers(path):
                raise AccessDenied(f"region {args.get('value')} lies outside {actor.name}'s region")
            args = {**args, "region_path": path}
        if command == "link_to_lead_case":
            lead = self.get_case_or_invalid("lead_id", args.get("lead_id"))
            args = {**args, "lead_id": lead.id}
        return args

    def get_case_or_invalid(self, field: str, case_id: object) -> Case:
        try:
            return self.get_case(_uuid(case_id))
        except (CaseNotFound, ValueError):
            raise InvalidValue(field, f"no case {case_id!r}") from None


def _uuid(value: object) -> UUID:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise CaseNotFound(str(value)) from None


@cache
def _parameters(command: str) -> tuple[frozenset[str], frozenset[str]]:
    """(all, required) keyword arguments of a case command, from its signature."""
    method = Case.report if command == "report" else getattr(Case, command)
    params = [p for p in inspect.signature(method).parameters.values() if p.name not in ("self", "act", "cls")]
    names = frozenset(p.name for p in params) - {"region_path", "case_id"}
    required = frozenset(p.name for p in params if p.default is p.empty) - {"region_path"}
    return names, required


def _check_arguments(command: str, args: dict[str, Any]) -> None:
    names, required = _parameters(command)
    for name in sorted(set(args) - names - {"region_path"}):
        raise InvalidValue(name, f"not a field of {command}")
    for name in sorted(required - set(args)):
        raise InvalidValue(name, "is required")
