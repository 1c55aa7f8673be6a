"""Reference data as aggregates: regions, organisations, mediators and actors.

They live in the same event store as the cases, so a population change or a new actor is as
attributed and as replayable as any case event, and projections learn populations from events.
Each is a hash chain like a case (``Upgraded``: chained since version 2; earlier events read as
legacy), so an edited role, token entry or population is as detectable as an edited case event.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, SafeUUID, uuid5

from eventsourcing.domain import event

from domain.codes import Role
from domain.errors import InvalidValue
from domain.integrity import Upgraded
from domain.values import check_region_code, check_text

LEVELS = ("county", "town", "village", "grid")
ORGANISATION_KINDS = {
    "village_committee": "村(社区)人民调解委员会",
    "town_committee": "乡镇(街道)人民调解委员会",
    "county_committee": "县人民调解委员会",
    "industry_financial": "金融纠纷调解组织",
    "industry_labour": "劳动争议调解组织",
    "industry_medical": "医疗纠纷调解组织",
    "industry_traffic": "道路交通事故调解组织",
    "industry_property": "物业纠纷调解组织",
    "industry_family": "婚姻家庭纠纷调解组织",
    "industry_commercial": "商事调解组织",
    "court": "人民法院",
    "tribunal": "人民法庭",
    "administrative": "行政机关",
    "arbitration": "仲裁机构",
    "notary": "公证机构",
    "lawyer_mediation": "律师调解工作室",
    "governance_centre": "综治中心",
}
COURT_KINDS = frozenset({"court", "tribunal"})
MEDIATOR_KINDS = {
    "peoples_mediator": "人民调解员",
    "invited_mediator": "特邀调解员",
    "lawyer": "律师调解员",
    "community_elder": "乡贤/五老",
}
_NAMESPACE = uuid5(NAMESPACE_URL, "https://ledger.example/dispute-ledger")
_ACTOR_NAME = re.compile(r"^[\w.@-]{1,64}$")


def stable_id(kind: str, key: str) -> UUID:
    """The id of a reference aggregate, derived from what it is, so lookups need no index."""
    return uuid5(_NAMESPACE, f"{kind}:{key}")


def stable_ids(kind: str) -> Callable[[str], UUID]:
    """``stable_id(kind, key)`` as a function of the key, for many keys of one kind: uuid5's
    hash of the namespace and the kind is computed once and copied (a bulk import makes a
    million ids; tests/unit/test_court_case.py holds it equal to stable_id)."""
    prefix = hashlib.sha1(_NAMESPACE.bytes + f"{kind}:".encode(), usedforsecurity=False)

    def of(key: str) -> UUID:
        digest = prefix.copy()
        digest.update(key.encode())
        return UUID(bytes=digest.digest()[:16], version=5)

    def quickly(key: str) -> UUID:
        # What UUID(bytes=..., version=5) stores, without its checks of arguments it cannot
        # be given wrong here: the digest's first 128 bits with the version and variant set.
        digest = prefix.copy()
        digest.update(key.encode())
        made = _new_uuid(UUID)
        _set_slot(made, "int", int.from_bytes(digest.digest()[:16]) & _UUID5_MASK | _UUID5_BITS)
        _set_slot(made, "is_safe", SafeUUID.unknown)
        return made

    # Held to uuid5 once here: a Python whose UUID is built otherwise gets the plain way.
    made, expected = quickly(kind), stable_id(kind, kind)
    same = (made, str(made), hash(made), made.version) == (expected, str(expected), hash(expected), 5)
    return quickly if same else of


_new_uuid = object.__new__
_set_slot = object.__setattr__
_UUID5_MASK = ~(0xF000 << 64) & ~(0xC000 << 48)
_UUID5_BITS = (5 << 76) | (0x8000 << 48)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Region:
    code: str
    level: str
    name: str
    parent_code: str | None
    population: dict[int, int] = field(default_factory=dict)
    floating: dict[int, int] = field(default_factory=dict)


def _parse_region(row: dict[str, Any], i: int) -> dict[str, Any]:
    where = f"row {i + 1}"
    code = check_region_code(f"{where}.code", row.get("code", ""))
    level = str(row.get("level", "")).strip()
    if level not in LEVELS:
        raise InvalidValue(f"{where}.level", f"one of {', '.join(LEVELS)}")
    expected = {"county": 6, "town": 9, "village": 12, "grid": 15}[level]
    if len(code) != expected:
        raise InvalidValue(f"{where}.code", f"a {level} code has {expected} digits")
    parent = str(row.get("parent_code") or "").strip() or None
    if level == "county" and parent:
        raise InvalidValue(f"{where}.parent_code", "a county has no parent")
    if level != "county" and (not parent or not code.startswith(parent)):
        raise InvalidValue(f"{where}.parent_code", "must be the code's own prefix one level up")
    population = _by_year(f"{where}.population", row.get("population"))
    # Registered floating population (流动人口), by year; only present when given, so a load
    # without it stores the same event as before.
    floating = _by_year(f"{where}.floating", row.get("floating"))
    return {
        "code": code,
        "level": level,
        "name": check_text(f"{where}.name", row.get("name"), max_length=100),
        "parent_code": parent,
        "population": population,
        **({"floating": floating} if floating else {}),
    }


def _by_year(where: str, given: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for key, value in (given or {}).items():
        if value in (None, ""):
            continue
        try:
            year, count = int(key), int(value)
        except (TypeError, ValueError):
            raise InvalidValue(where, f"{key}: {value!r} is not a whole number") from None
        if count < 0 or not 1900 < year < 2200:
            raise InvalidValue(where, f"{key}: {value!r} is out of range")
        counts[str(year)] = count
    return counts


class RegionCatalogue(Upgraded):
    """All regions (行政区划) with resident population by year; one per store."""

    ID = stable_id("catalogue", "regions")

    @staticmethod
    def create_id() -> UUID:
        return RegionCatalogue.ID

    @event("Started")
    def __init__(self) -> None:
        self.regions: dict[str, Region] = {}

    def load(self, rows: list[dict[str, Any]], *, actor_id: str) -> int:
        """Add or replace regions; refuses the whole load if any row or parent is wrong."""
        parsed = [_parse_region(r, i) for i, r in enumerate(rows)]
        known = set(self.regions) | {r["code"] for r in parsed}
        for i, r in enumerate(parsed):
            if r["parent_code"] and r["parent_code"] not in known:
                raise InvalidValue(f"row {i + 1}.parent_code", f"unknown parent {r['parent_code']}")
        self._loaded(rows=parsed, actor_id=actor_id)
        return len(parsed)

    @event("RegionsLoaded")
    def _loaded(self, rows: list[dict[str, Any]], actor_id: str) -> None:
        for r in rows:
            pop = {int(y): n for y, n in r["population"].items()}
            floating = {int(y): n for y, n in (r.get("floating") or {}).items()}
            self.regions[r["code"]] = Region(r["code"], r["level"], r["name"], r["parent_code"], pop, floating)

    def path(self, code: str) -> list[str]:
        """Codes from the county down to ``code``."""
        chain = []
        region = self.regions.get(code)
        while region is not None:
            chain.append(region.code)
            region = self.regions.get(region.parent_code or "")
        return chain[::-1]


@dataclass(frozen=True)
class Organisation:
    code: str
    name: str
    kind: str
    region_code: str


@dataclass(frozen=True)
class Mediator:
    id: str
    name: str
    organisation_code: str
    kind: str


class Directory(Upgraded):
    """Organisations (解纷组织) and the mediator roster (调解员名册)."""

    ID = stable_id("catalogue", "directory")

    @staticmethod
    def create_id() -> UUID:
        return Directory.ID

    @event("Started")
    def __init__(self) -> None:
        self.organisations: dict[str, Organisation] = {}
        self.mediators: dict[str, Mediator] = {}

    def load_organisations(self, rows: list[dict[str, Any]], regions: RegionCatalogue, *, actor_id: str) -> int:
        parsed = []
        for i, row in enumerate(rows):
            where = f"row {i + 1}"
            kind = str(row.get("kind", "")).strip()
            if kind not in ORGANISATION_KINDS:
                raise InvalidValue(f"{where}.kind", f"one of {', '.join(ORGANISATION_KINDS)}")
            region_code = str(row.get("region_code", "")).strip()
            if region_code not in regions.regions:
                raise InvalidValue(f"{where}.region_code", f"unknown region {region_code}")
            parsed.append(
                {
                    "code": check_text(f"{where}.code", row.get("code"), max_length=64),
                    "name": check_text(f"{where}.name", row.get("name"), max_length=100),
                    "kind": kind,
                    "region_code": region_code,
                }
            )
        self._organisations_loaded(rows=parsed, actor_id=actor_id)
        return len(parsed)

    @event("OrganisationsLoaded")
    def _organisations_loaded(self, rows: list[dict[str, Any]], actor_id: str) -> None:
        for r in rows:
            self.organisations[r["code"]] = Organisation(**r)

    def load_mediators(self, rows: list[dict[str, Any]], *, actor_id: str) -> int:
        parsed = []
        for i, row in enumerate(rows):
            where = f"row {i + 1}"
            kind = str(row.get("kind", "")).strip()
            if kind not in MEDIATOR_KINDS:
                raise InvalidValue(f"{where}.kind", f"one of {', '.join(MEDIATOR_KINDS)}")
            org = str(row.get("organisation_code", "")).strip()
            if org not in self.organisations:
                raise InvalidValue(f"{where}.organisation_code", f"unknown organisation {org}")
            parsed.append(
                {
                    "id": check_text(f"{where}.id", row.get("id"), max_length=64),
                    "name": check_text(f"{where}.name", row.get("name"), max_length=100),
                    "organisation_code": org,
                    "kind": kind,
                }
            )
        self._mediators_loaded(rows=parsed, actor_id=actor_id)
        return len(parsed)

    @event("MediatorsLoaded")
    def _mediators_loaded(self, rows: list[dict[str, Any]], actor_id: str) -> None:
        for r in rows:
            self.mediators[r["id"]] = Mediator(**r)


#: How far ahead a token's expiry may lie: far enough for any service account, near enough that
#: the instant stays representable in every zone and a typo (9000d) is refused.
MAX_TOKEN_LIFETIME = timedelta(days=3650)


def check_expiry(expires_at: datetime, at: datetime) -> datetime:
    """An expiry as an aware UTC instant after ``at`` and at most MAX_TOKEN_LIFETIME later."""
    if not isinstance(expires_at, datetime) or expires_at.utcoffset() is None:
        raise InvalidValue("expires_at", "an instant with a time zone")
    expires_at = expires_at.astimezone(UTC)
    if expires_at <= at:
        raise InvalidValue("expires_at", "must lie in the future")
    if expires_at - at > MAX_TOKEN_LIFETIME:
        raise InvalidValue("expires_at", f"at most {MAX_TOKEN_LIFETIME.days} days ahead")
    return expires_at


class Actor(Upgraded):
    """Someone who acts through the API: one role, a region scope, a hashed bearer token.

    An actor holds at most one valid token: the one whose hash it keeps, unless that token was
    revoked or has expired. Rotating issues a new token (the old one stops working); revoking
    leaves the actor without a valid token until the next rotation.
    """

    @staticmethod
    def create_id(name: str) -> UUID:
        return stable_id("actor", name)

    @classmethod
    def register(
        cls, *, name: str, role: str, region_path: list[str], organisation_code: str | None, token_hash: str, created_by: str
    ) -> Actor:
        if not _ACTOR_NAME.match(name or ""):
            raise InvalidValue("name", "1–64 letters, digits, '.', '@', '_' or '-'")
        role = Role.parse("role", role).value
        if role == Role.MEDIATOR and not organisation_code:
            raise InvalidValue("organisation", "a mediator actor names its organisation")
        return cls(
            name=name,
            role=role,
            region_path=region_path,
            organisation_code=organisation_code,
            token_hash=token_hash,
            created_by=created_by,
        )

    # Registered keeps the shape stores were written with; expiry, rotation and revocation are
    # events of their own, so every stored Registered still loads as it was.
    @event("Registered")
    def __init__(
        self,
        name: str,
        role: str,
        region_path: list[str],
        organisation_code: str | None,
        token_hash: str,
        created_by: str,
    ) -> None:
        self.name = name
        self.role = role
        self.region_path = list(region_path)
        self.organisation_code = organisation_code
        self.token_hash = token_hash
        self.expires_at: datetime | None = None
        self.revoked_at: datetime | None = None
        self.rotated_at: datetime | None = None

    @property
    def region_code(self) -> str | None:
        return self.region_path[-1] if self.region_path else None

    def covers(self, region_path: list[str]) -> bool:
        """A region scope covers its region and everything under it; no region covers all."""
        return region_path[: len(self.region_path)] == self.region_path

    # ---------------------------------------------------------------- the token

    def _check_has_tokens(self) -> None:
        if not self.token_hash:
            raise InvalidValue("name", f"{self.name} acts only from the command line and has no token")

    def expire_token(self, expires_at: datetime, *, at: datetime, actor_id: str) -> None:
        """Give the current token an expiry (set at registration)."""
        self._check_has_tokens()
        self._expiry_set(expires_at=check_expiry(expires_at, at), at=at, actor_id=actor_id)

    @event("ExpirySet")
    def _expiry_set(self, expires_at: datetime, at: datetime, actor_id: str) -> None:
        self.expires_at = expires_at

    def rotate(self, token_hash: str, *, expires_at: datetime | None, at: datetime, actor_id: str) -> None:
        """Replace the token: the old one stops working, revoked or not, expired or not."""
        self._check_has_tokens()
        if not token_hash or token_hash == self.token_hash:
            raise InvalidValue("token", "a rotation needs a new token")
        expires_at = None if expires_at is None else check_expiry(expires_at, at)
        self._token_rotated(token_hash=token_hash, expires_at=expires_at, at=at, actor_id=actor_id)

    @event("TokenRotated")
    def _token_rotated(
        self, token_hash: str, expires_at: datetime | None, at: datetime, actor_id: str
    ) -> None:
        self.token_hash = token_hash
        self.expires_at = expires_at
        self.revoked_at = None
        self.rotated_at = at

    def revoke(self, *, at: datetime, actor_id: str) -> None:
        self._check_has_tokens()
        if self.revoked_at is not None:
            raise InvalidValue("name", f"the token of {self.name} is already revoked")
        self._token_revoked(at=at, actor_id=actor_id)

    @event("TokenRevoked")
    def _token_revoked(self, at: datetime, actor_id: str) -> None:
        self.revoked_at = at

    def token_state(self, now: datetime) -> str:
        """active, revoked, expired, or none (an actor that never had a token)."""
        if not self.token_hash:
            return "none"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and now >= self.expires_at:
            return "expired"
        return "active"

    def refuses(self, token_hash: str, now: datetime) -> str | None:
        """Why the token with this hash does not authenticate the actor now, or None if it does.
        A token rotated away counts as revoked: the answer says no more than that."""
        if not self.token_hash or token_hash != self.token_hash:
            return "revoked"
        state = self.token_state(now)
        return None if state == "active" else state


class TokenIndex(Upgraded):
    """Maps a token's digest to its actor, so authentication is one lookup by id."""

    @staticmethod
    def create_id(token_hash: str) -> UUID:
        return stable_id("token", token_hash)

    @event("Issued")
    def __init__(self, token_hash: str, actor_name: str) -> None:
        self.actor_name = actor_name
        self.revoked = False

    def revoke(self, *, at: datetime, actor_id: str) -> None:
        """Retire the entry (the token was rotated away or revoked); a second call changes nothing."""
        if not self.revoked:
            self._revoked(at=at, actor_id=actor_id)

    @event("Revoked")
    def _revoked(self, at: datetime, actor_id: str) -> None:
        self.revoked = True
