"""The ledger Application: every command of DESIGN.md §4 as a method taking the actor.

Each command: authenticate the actor's role and region, resolve reference codes, let the
case aggregate check the state machine and the values, save with optimistic concurrency.
"""

from __future__ import annotations

import inspect
import random
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from application import receipts
from application.config import StoreSettings, deadline_rules, store_settings
from application.court_areas import competent_courts
from application.errors import CaseNotFound, UnknownActor, VersionConflict
from application.group_commit import GroupCommit
from application.receipts import CommandReceipt, RequestKey
from application.setup_lock import exclusive_setup
from application.warning_settings import warning_rules
from domain.case import Act, Case
from domain.codes import Role, Source, Status
from domain.deadlines import DeadlineRules
from domain.errors import AccessDenied, InvalidValue
from domain.lifecycle import ANY_STATE, PROGRESS, allowed_commands
from domain.permissions import Bodies, may_issue, mediator_may_act
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

def handling_allows(actor: Actor, command: str, case_organisation: Bodies) -> bool:
    """The handling rule of domain/permissions.py for this actor."""
    return mediator_may_act(Role(actor.role), actor.organisation_code, command, case_organisation)


def commands_for(actor: Actor, status: str, case_organisation: Bodies) -> frozenset[str]:
    """The commands ``actor`` (already within the case's region) may issue on a case now: the
    state machine, the role's permissions and the handling organisation, as execute checks them."""
    return frozenset(
        c
        for c in allowed_commands(Status(status))
        if may_issue(Role(actor.role), c) and handling_allows(actor, c, case_organisation)
    )


#: How many times a command without If-Match is run when others keep saving the case first;
#: each lost round means another command was saved, so this many concurrent writers all succeed.
CONFLICT_ATTEMPTS = 32


@dataclass(frozen=True)
class ActorListing:
    """One line of `ledger actors list`: who the actor is and where its token stands."""

    name: str
    role: str
    region_code: str | None
    organisation_code: str | None
    created_at: datetime
    token: str  # active, revoked, expired, or none (the system actor)
    expires_at: datetime | None
    rotated_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, actor: Actor, now: datetime) -> ActorListing:
        return cls(
            name=actor.name,
            role=actor.role,
            region_code=actor.region_code,
            organisation_code=actor.organisation_code,
            created_at=actor.created_on,
            token=actor.token_state(now),
            expires_at=actor.expires_at,
            rotated_at=actor.rotated_at,
            revoked_at=actor.revoked_at,
        )


def _topics_of(cls: type[Aggregate]) -> list[str]:
    """The stored topics of every event class of an aggregate."""
    return sorted(
        get_topic(v) for v in vars(cls).values() if isinstance(v, type) and issubclass(v, Aggregate.Event)
    )


_ACTOR_TOPICS = _topics_of(Actor)


def _expiry(at: datetime, expires_at: datetime | None, expires_in: timedelta | None) -> datetime | None:
    if expires_at is not None and expires_in is not None:
        raise InvalidValue("expires_in", "give an expiry instant or a lifetime, not both")
    return at + expires_in if expires_in is not None else expires_at


def token_refused(why: str) -> UnknownActor:
    """The 401 for a token that was once valid: it says whether it was revoked or has expired,
    and nothing about whose it was."""
    return UnknownActor("the bearer token has " + ("been revoked" if why == "revoked" else why))


@dataclass(frozen=True)
class CommandResult:
    """What a command wrote: the case after it and the store position of its event.
    ``replayed``: found by its Idempotency-Key, written by an earlier request.
    ``prepared``: what the caller's ``prepare`` made of the case before the commit."""

    case: Case
    position: int
    replayed: bool = False
    prepared: Any = None


def utc_now() -> datetime:
    return datetime.now(UTC)


class Ledger(GroupCommit, Application[UUID]):
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
        expires_at: datetime | None = None,
        expires_in: timedelta | None = None,
    ) -> tuple[Actor, str]:
        """Register an actor and return it with its bearer token; only the token's hash is kept.
        With ``expires_at`` (or ``expires_in`` from now) the token stops working at that instant."""
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
        at = self.clock()
        expires_at = _expiry(at, expires_at, expires_in)
        if expires_at is not None:
            actor.expire_token(expires_at, at=at, actor_id=created_by)
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

    def rotate(
        self,
        name: str,
        *,
        by: str = SYSTEM,
        expires_at: datetime | None = None,
        expires_in: timedelta | None = None,
    ) -> tuple[Actor, str]:
        """Issue ``name`` a new token (returned; only its hash is kept) and retire the old one,
        whether it was active, revoked or expired. The new one expires at ``expires_at`` (or
        ``expires_in`` from now); without either, never."""
        actor = self._actor_to_change(name)
        token = secrets.token_urlsafe(32)
        digest = token_digest(token)
        at = self.clock()
        old = self._token_index(actor.token_hash)
        actor.rotate(digest, expires_at=_expiry(at, expires_at, expires_in), at=at, actor_id=by)
        changed: list[Aggregate] = [actor, TokenIndex(token_hash=digest, actor_name=name)]
        if old is not None and not old.revoked:
            old.revoke(at=at, actor_id=by)
            changed.append(old)
        self._save_actor_change(name, changed)
        return actor, token

    def revoke(self, name: str, *, by: str = SYSTEM) -> Actor:
        """Stop ``name``'s token working; the actor has no valid token until it is rotated."""
        actor = self._actor_to_change(name)
        at = self.clock()
        actor.revoke(at=at, actor_id=by)
        changed: list[Aggregate] = [actor]
        index = self._token_index(actor.token_hash)
        if index is not None and not index.revoked:
            index.revoke(at=at, actor_id=by)
            changed.append(index)
        self._save_actor_change(name, changed)
        return actor

    def list_actors(self) -> list[ActorListing]:
        """Every actor with the state of its token now, by name.

        There is no index of actor names: the actors' own events are read in one pass over the
        notification log filtered by their topics (pages of 1,000), and each actor is folded from
        them, so thousands of actors cost one scan rather than a read per actor."""
        actors: dict[UUID, Any] = {}
        for notification in self.scan(_ACTOR_TOPICS, page_size=1000):
            e: Any = self.mapper.to_domain_event(notification)
            actors[e.originator_id] = e.mutate(actors.get(e.originator_id))
        now = self.clock()
        return sorted((ActorListing.of(a, now) for a in actors.values()), key=lambda a: a.name)

    def scan(self, topics: list[str], *, page_size: int = 5000) -> Iterator[Any]:
        """The stored notifications of ``topics``, in store order, read a page at a time."""
        start = 1
        while True:
            page = self.recorder.select_notifications(start=start, limit=page_size, topics=topics)
            yield from page
            if len(page) < page_size:
                return
            start = page[-1].id + 1

    def authenticate(self, token: str) -> Actor:
        """The actor whose current token this is. Refused (401) when the token is unknown, was
        revoked or rotated away ("revoked"), or has expired by the ledger's clock ("expired")."""
        if not token:
            raise UnknownActor("a bearer token is required")
        digest = token_digest(token)
        try:
            index: TokenIndex = self.repository.get(TokenIndex.create_id(digest), deepcopy_from_cache=False)
        except AggregateNotFoundError:
            raise UnknownActor("the bearer token is not valid") from None
        try:
            actor = self.actor(index.actor_name)
        except UnknownActor:
            # Only an edited index names no actor; the answer does not repeat the name.
            raise UnknownActor("the bearer token is not valid") from None
        # The index is only a lookup: the actor's own record must hold this token (refuses()
        # compares the hashes), so an edited entry pointing a reader's token at an admin
        # authenticates nobody.
        why = "revoked" if index.revoked else actor.refuses(digest, self.clock())
        if why is not None:
            raise token_refused(why)
        return actor

    def _actor_to_change(self, name: str) -> Actor:
        """A copy of the actor to apply a command to (the cached one is shared with readers)."""
        try:
            actor: Actor = self.repository.get(Actor.create_id(name))
        except AggregateNotFoundError:
            raise UnknownActor(f"unknown actor {name!r}") from None
        return actor

    def _token_index(self, token_hash: str) -> TokenIndex | None:
        if not token_hash:
            return None
        try:
            index: TokenIndex = self.repository.get(TokenIndex.create_id(token_hash))
        except AggregateNotFoundError:
            return None
        return index

    def _save_actor_change(self, name: str, changed: list[Aggregate]) -> None:
        try:
            self.save(*changed)
        except IntegrityError:
            # Someone else rotated or revoked this actor after we read it.
            raise InvalidValue("name", f"{name} was changed at the same time; look again and retry") from None

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
        """The case, if it lies inside the actor's region scope. A case outside it is "not
        found", exactly as an id that names no case: a 403 would tell its existence."""
        case = self.get_case(case_id)
        if not actor.covers(case.region_path):
            raise CaseNotFound(case_id)
        return case

    def report(
        self,
        actor: Actor,
        *,
        region_code: str,
        occurred_at: datetime | None = None,
        note: str | None = None,
        case_id: UUID | None = None,
        key: RequestKey | None = None,
        prepare: Callable[[Case], Any] | None = None,
        **details: Any,
    ) -> CommandResult:
        """Open a case. ``key`` and ``prepare``: as for execute."""
        if key is not None and (first := self.first_result(key)) is not None:
            return first
        self._authorise_role(actor, "report")
        path = self.region_path("region_code", region_code)
        if not actor.covers(path):
            raise AccessDenied(f"region {region_code} lies outside {actor.name}'s region")
        _check_arguments("report", details)
        if details.get("source") == Source.MIGRATION.value:
            # Its events are exempt from the late-entry flag: only an import of an old ledger,
            # which notes the file and row in each event, may open such a case.
            raise InvalidValue("source", "migration is written only by importing an old ledger (ledger import ledger)")
        intake = details.get("intake_point")
        if intake not in (None, ""):
            org = self.directory().organisations.get(str(intake))
            if org is None or org.kind != "governance_centre":
                raise InvalidValue("intake_point", f"{intake!r} is not a governance centre (综治中心) in the directory")
        case = Case.report(self._act(actor, occurred_at, note), region_path=path, case_id=case_id, **details)
        if warning_rules().is_mass(case.people_involved):
            # Saved with the report: a case with many people is never seen without its flag.
            system = self._act(self.system_actor(), case.reported_at, None)
            case.flag_mass(system)
        prepared = None if prepare is None else prepare(case)
        try:
            position = self._save(case, key=key, command="report")
        except IntegrityError:
            # A new case cannot conflict; its receipt can: the same key, sent twice at once.
            if key is not None and (first := self.first_result(key)) is not None:
                return first
            raise
        return CommandResult(case, position, prepared=prepared)

    def execute(
        self,
        actor: Actor,
        case_id: UUID | str,
        command: str,
        *,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
        note: str | None = None,
        key: RequestKey | None = None,
        prepare: Callable[[Case], Any] | None = None,
        **args: Any,
    ) -> CommandResult:
        """Run one command on a case and save its event.

        ``expected_version`` (If-Match): refuse unless the case is at that version. Without it a
        version conflict (someone saved the case after we read it) is not the client's business:
        the command is run again on the case as it now is, every check included, a bounded
        number of times, and refused only for what the new state refuses.

        ``key`` (Idempotency-Key): the first request with it saves a receipt in the same
        transaction as the event; a retry gets that first result back (``replayed``) and writes
        nothing. ``prepare(case)`` is called with the case as it is about to be saved, and its
        result comes back as ``prepared``: whatever may fail in building the answer fails before
        the commit, when failing still writes nothing.
        """
        if command not in PROGRESS | ANY_STATE:
            raise InvalidValue("command", f"unknown command {command!r}")
        if key is not None and (first := self.first_result(key)) is not None:
            return first
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            self._authorise_role(actor, command)
            case = self.read_case(actor, case_id)
            if expected_version is not None and expected_version != case.version:
                raise VersionConflict(expected_version, case.version)
            self._authorise_handler(actor, command, case)
            resolved = self._resolve(actor, command, args, case)
            started_at = case.version
            getattr(case, command)(self._act(actor, occurred_at, note), **resolved)
            prepared = None if prepare is None else prepare(case)
            try:
                position = self._save(case, key=key, command=command)
            except IntegrityError:
                # Someone else saved this case (or, with our key, this very request) first.
                if key is not None and (first := self.first_result(key)) is not None:
                    return first
                if expected_version is not None or attempt == CONFLICT_ATTEMPTS:
                    raise VersionConflict(started_at, self.get_case(case.id).version) from None
                # Spread the contenders out, so the next round is not the same race.
                time.sleep(random.uniform(0, min(0.05, 0.002 * attempt)))  # noqa: S311
                continue
            return CommandResult(case, position, prepared=prepared)
        raise AssertionError("unreachable")  # pragma: no cover

    def first_result(self, key: RequestKey) -> CommandResult | None:
        """The first result of a request sent again with its Idempotency-Key, None if none was
        recorded; KeyReused if the key came with another request."""
        receipt = receipts.find(self, key)
        if receipt is None:
            return None
        case: Case = self.repository.get(receipt.case_id, version=receipt.case_version)
        position = receipts.position_of(self, receipt.case_id, receipt.case_version)
        return CommandResult(case, position, replayed=True)

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

    def _save(self, case: Case, *, key: RequestKey | None = None, command: str = "") -> int:
        """Save the case's new events, with the receipt of ``key`` in the same transaction;
        the store position of the case's last event."""
        receipt = None
        if key is not None:
            receipt = CommandReceipt.issue(
                key, case_id=case.id, case_version=case.version, command=command, at=case.modified_on
            )
        recordings = self.save(case, receipt)
        return max(r.notification.id for r in recordings if r.domain_event.originator_id == case.id)

    def _require_admin(self, actor: Actor) -> None:
        if actor.role != Role.ADMIN:
            raise AccessDenied("only an admin may load reference data")

    @staticmethod
    def _authorise_role(actor: Actor, command: str) -> None:
        if not may_issue(Role(actor.role), command):
            raise AccessDenied(f"role {actor.role} may not {command}")

    @staticmethod
    def _authorise_handler(actor: Actor, command: str, case: Case) -> None:
        if not handling_allows(actor, command, case.handling_bodies):
            raise AccessDenied(
                f"case {case.id} is handled by {case.organisation_code or 'nobody'}, "
                f"not by {actor.organisation_code}"
            )

    def _resolve(self, actor: Actor, command: str, args: dict[str, Any], case: Case) -> dict[str, Any]:
        """Check codes that name reference data; turn a region code into its path; add what the
        directory says (an organisation's kind, the competent courts). Those are never taken
        from the client: ``args`` are checked against the command's own fields first."""
        _check_arguments(command, args)
        directory = self.directory()
        org = None
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
        if command in ("add_joint_body", "entrust_mediation"):
            org = directory.organisations.get(str(args.get("organisation_code", "")))
            if org is None:
                raise InvalidValue("organisation_code", f"unknown organisation {args.get('organisation_code')!r}")
        if command in ("assign", "add_joint_body", "entrust_mediation") and org is not None:
            args = {**args, "organisation_kind": org.kind}
        if command in ("request_confirmation", "file_in_court", "apply_for_enforcement"):
            court = directory.organisations.get(str(args.get("court_code", "")))
            if court is None or court.kind not in COURT_KINDS:
                raise InvalidValue("court_code", f"{args.get('court_code')!r} is not a known court or tribunal")
        if command == "request_confirmation":
            args = {**args, "competent_courts": competent_courts(directory, self.regions(), case.organisation_code)}
        if command == "correct_details" and args.get("field") == "region_code":
            path = self.region_path("value", args.get("value"))
            if not actor.covers(path):
                raise AccessDenied(f"region {args.get('value')} lies outside {actor.name}'s region")
            args = {**args, "region_path": path}
        if command == "link_to_lead_case":
            lead = self.get_case_or_invalid("lead_id", args.get("lead_id"), actor=actor)
            args = {**args, "lead_id": lead.id}
        return args

    def get_case_or_invalid(self, field: str, case_id: object, *, actor: Actor | None = None) -> Case:
        """The case an argument names; with ``actor``, only a case inside its region scope (one
        outside is refused with the same words as an unknown id, so the refusal tells nothing)."""
        try:
            if actor is None:
                return self.get_case(_uuid(case_id))
            return self.read_case(actor, _uuid(case_id))
        except (CaseNotFound, ValueError):
            raise InvalidValue(field, f"no case {str(case_id)!r}") from None


def _uuid(value: object) -> UUID:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise CaseNotFound(str(value)) from None


#: Command arguments the application fills in from reference data, never a client's to send.
RESOLVED = frozenset({"region_path", "organisation_kind", "competent_courts"})


@cache
def _parameters(command: str) -> tuple[frozenset[str], frozenset[str]]:
    """(all, required) keyword arguments of a case command, from its signature."""
    method = Case.report if command == "report" else getattr(Case, command)
    params = [p for p in inspect.signature(method).parameters.values() if p.name not in ("self", "act", "cls")]
    names = frozenset(p.name for p in params) - RESOLVED - {"case_id"}
    required = frozenset(p.name for p in params if p.default is p.empty) - RESOLVED
    return names, required


def _check_arguments(command: str, args: dict[str, Any]) -> None:
    names, required = _parameters(command)
    for name in sorted(set(args) - names):
        raise InvalidValue(name, f"not a field of {command}")
    for name in sorted(required - set(args)):
        raise InvalidValue(name, "is required")
