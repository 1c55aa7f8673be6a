"""Tamper evidence: every stream's events form a hash chain, and seals fix all stream heads.

An event's hash is SHA-256 over a canonical JSON of everything it says (type, stream, sequence,
times, actor, payload) including its predecessor's hash, so changing, removing or reordering
any event breaks the chain at that point. Cases, access logs, actors, token index entries and
reference data are all chained (``Chained``). A seal's Merkle root over every stream head makes
the silent removal of a stream's latest events detectable too, and seals chain to each other.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

import orjson
from eventsourcing.domain import Aggregate, event

GENESIS = ""
_SEALS = UUID("0c7d1f3e-2b8a-4f55-9e61-3a4c2d9b7e10")
#: prev_hash of an event stored before its stream was chained.
LEGACY = None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    raise TypeError(f"cannot canonicalise {type(value).__name__}")


#: The canonical form is json.dumps(sort_keys=True, ensure_ascii=False, separators=(",", ":")).
#: orjson writes the same bytes (tests/unit/test_integrity_canonical.py holds it to that) about
#: four times faster; hashing runs on every aggregate load and on every event `ledger verify` reads.
_CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


#: Where an upcast event keeps the state it was stored with (see ``keep_stored``).
STORED_STATE = "_stored_state"


def keep_stored(state: dict[str, Any]) -> None:
    """The first step of every upcaster of a chained event: remember the state as it was stored.

    An event's hash covers what the store holds, not what an upcaster makes of it: the next
    event's prev_hash and every seal were computed from the stored form, and a reviewer's copy
    of the store must verify with nothing but the stored bytes. Chained upcasts keep the oldest.
    """
    if STORED_STATE not in state:
        state[STORED_STATE] = dict(state)


def _body(domain_event: Any) -> dict[str, Any]:
    stored = domain_event.__dict__.get(STORED_STATE)
    return dict(domain_event.__dict__ if stored is None else stored)


def canonical(domain_event: Any) -> bytes:
    body = _body(domain_event)
    body["type"] = f"{type(domain_event).__module__}:{type(domain_event).__qualname__}"
    return orjson.dumps(body, default=_plain, option=_CANONICAL)


def canonical_reference(domain_event: Any) -> bytes:
    """The definition the fast path must equal, with the standard library alone."""
    body = _body(domain_event)
    body["type"] = f"{type(domain_event).__module__}:{type(domain_event).__qualname__}"
    return json.dumps(body, default=_plain, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def event_hash(domain_event: Any) -> str:
    return hashlib.sha256(canonical(domain_event)).hexdigest()


def leaf(case_id: str, version: int, head: str) -> bytes:
    return hashlib.sha256(f"{case_id}:{version}:{head}".encode()).digest()


def merkle_root(heads: dict[str, tuple[int, str]]) -> str:
    """Root over the stream heads sorted by stream id; an empty store has the hash of nothing."""
    level = [leaf(cid, v, h) for cid, (v, h) in sorted(heads.items())]
    if not level:
        return hashlib.sha256(b"").hexdigest()
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        level = [hashlib.sha256(level[i] + level[i + 1]).digest() for i in range(0, len(level), 2)]
    return level[0].hex()


def link(previous: str, domain_event: Any) -> str:
    """The stream's head after ``domain_event``, given the head before it.

    A chained event names its predecessor in prev_hash, so its own hash is the head. An event
    written before its stream was chained (prev_hash None, see ``Chained.Event``) names nothing:
    its hash is folded into the head before it, so a seal over the head fixes every such event.
    """
    own = event_hash(domain_event)
    if getattr(domain_event, "prev_hash", GENESIS) is not None:
        return own
    return fold(previous, own)


def fold(previous: str, own: str) -> str:
    return hashlib.sha256(f"{previous}:{own}".encode()).hexdigest()


class Chained(Aggregate):
    """An aggregate whose events form a hash chain: every event carries its predecessor's hash.

    The one chaining mechanism: cases, access logs, seals and every reference aggregate derive
    from it, so any @event declared on them (now or later) is chained without further code.
    """

    class Event(Aggregate.Event):
        #: The hash of the stream's head before this event; GENESIS for the first event; None
        #: only for events stored before their stream was chained (see ``Upgraded``).
        prev_hash: str | None

        def mutate(self, aggregate: Any) -> Any:
            previous = GENESIS if aggregate is None else aggregate.head_hash
            chained: Any = super().mutate(aggregate)
            chained.head_hash = link(previous, self)
            return chained

    class Created(Event, Aggregate.Created):
        pass

    head_hash: str

    @classmethod
    def _create(cls, event_class: Any, *, id: Any = None, **kwargs: Any) -> Any:  # noqa: A002
        kwargs.setdefault("prev_hash", GENESIS)
        return super()._create(event_class, id=id, **kwargs)

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        super().trigger_event(event_class, prev_hash=self.head_hash, **kwargs)


class Upgraded(Chained):
    """A chained aggregate whose stored history may begin with events from before chaining.

    Those events (class version 1) had no prev_hash; they read back with prev_hash None, which
    `ledger verify` names as legacy and which ``link`` folds into the head, so the first seal
    after the upgrade covers them.
    """

    class Event(Chained.Event):
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["prev_hash"] = LEGACY

    class Created(Event, Chained.Created):
        pass


class Seal(Upgraded):
    """A digest of every stream head at one store position (ledger seal).

    Seals form their own chain across aggregates: each names the previous seal by id, root and
    position, and its prev_hash is the previous seal event's hash; the first names GENESIS.
    """

    class Event(Upgraded.Event):
        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["prev_hash"] = LEGACY
            state["previous_seal_id"] = None
            state["previous_position"] = None

    @staticmethod
    def create_id(previous_seal_id: str | None = None) -> UUID:  # type: ignore[override]
        """Derived from the previous seal's id, so two seals made at once after the same seal
        collide in the store instead of forking the seal chain."""
        return uuid5(_SEALS, f"after:{previous_seal_id or 'genesis'}")

    @classmethod
    def after(cls, previous_hash: str, **fields: Any) -> Seal:
        """A seal whose prev_hash is ``previous_hash`` (the previous seal event's, or GENESIS)."""
        sealed: Any = cls._create(
            cls.Sealed,  # type: ignore[attr-defined]
            id=cls.create_id(fields.get("previous_seal_id")),
            prev_hash=previous_hash,
            **fields,
        )
        return sealed

    @event("Sealed")
    def __init__(
        self,
        position: int,
        events: int,
        heads: dict[str, list[Any]],
        root: str,
        previous_seal: str,
        previous_seal_id: str | None,
        previous_position: int | None,
        sealed_by: str,
    ) -> None:
        self.position = position
        self.events = events
        self.heads = heads
        self.root = root
        self.previous_seal = previous_seal
        self.previous_seal_id = previous_seal_id
        self.previous_position = previous_position
        self.sealed_by = sealed_by
