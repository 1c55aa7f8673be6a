"""Verifying the hash chains and seals of a whole store, in one streaming pass.

Every row of the events table is read, whatever its position (application/stored_rows.py).
Memory grows with the number of streams (one head each) and seals, never with the number of
events. What is checked, and named when it fails:
- each stream's chain (cases, access logs, actors, token index entries, reference data);
- the seal chain: each seal names the one before it (id, root, position, hash);
- the latest seal: its root over its heads, each sealed head, and that every row before its
  position belongs to a head it covers;
- rows outside the notification sequence (position ≤ 0);
- every actor an event names was registered before it, in the role the event claims;
- every token index entry points at an actor registered with that token;
- with a witness (application/witness.py): every witnessed seal is in the store, unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import resolve_topic

from application import witness as witnesses
from application.ledger import SYSTEM, Ledger
from application.receipts import CommandReceipt
from application.stored_canonical import StoredCanonical
from application.stored_rows import FIRST, pages
from domain.access import AccessLog, ListingLog
from domain.batch import Batch, Membership
from domain.bulletin import Bulletin
from domain.card import Card
from domain.case import Case
from domain.court_case import CourtCase
from domain.integrity import GENESIS, Chained, Seal, Upgraded, fold, merkle_root
from domain.lead_units import LeadUnits
from domain.mass_warning import MassWarning, MissedDeadline
from domain.no_litigation import NoLitigationVillage
from domain.reference import Actor, Directory, RegionCatalogue, TokenIndex
from domain.sign_in_link import SignInLink
from domain.suggestion import Suggestion, SuggestionNumber

SEAL_TOPIC = f"{Seal.__module__}:{Seal.__qualname__}.Sealed"
REGISTERED_TOPIC = f"{Actor.__module__}:{Actor.__qualname__}.Registered"
#: What a stream is called in the report, by its aggregate class.
KINDS = {
    Case: "case",
    AccessLog: "access log",
    ListingLog: "listing log",
    CommandReceipt: "receipt",
    Actor: "actor",
    TokenIndex: "token index",
    SignInLink: "sign-in link",
    RegionCatalogue: "regions",
    Directory: "directory",
    CourtCase: "court case",
    LeadUnits: "lead units",
    MassWarning: "mass warning",
    MissedDeadline: "missed deadline",
    Seal: "seal",
    Card: "card",
    NoLitigationVillage: "no-litigation village",
    Bulletin: "bulletin",
    Suggestion: "suggestion",
    SuggestionNumber: "suggestion number",
    Batch: "batch",
    Membership: "batch membership",
}
#: Event fields that name an actor.
ACTOR_FIELDS = ("actor_id", "created_by", "sealed_by", "revoked_by", "rotated_by")
PAGE = 1000
USE_ENV = "env"


@dataclass(frozen=True)
class Kind:
    name: str
    chained: bool
    upgraded: bool
    is_seal: bool


@cache
def kind_of(topic: str) -> Kind | None:
    """What the topic's stream is; None for a topic no class answers to."""
    try:
        cls = resolve_topic(topic)
        module, qualname = topic.split(":", 1)
        aggregate = resolve_topic(f"{module}:{qualname.split('.')[0]}")
    except Exception:  # an unknown or broken topic is named by the caller
        return None
    name = KINDS.get(aggregate, aggregate.__name__.lower())
    chained = isinstance(cls, type) and issubclass(cls, Chained.Event)
    return Kind(name, chained, chained and issubclass(cls, Upgraded.Event), aggregate is Seal)


@dataclass
class Report:
    events: int = 0
    cases: int = 0
    streams: dict[str, int] = field(default_factory=dict)
    seals: int = 0
    last_seal: dict[str, Any] | None = None
    legacy: list[dict[str, Any]] = field(default_factory=list)
    legacy_covered: bool = True
    witness: dict[str, Any] | None = None
    broken: list[dict[str, Any]] = field(default_factory=list)
    #: access log id → its case: a log's own id is accepted by no command, its case's id is.
    log_cases: dict[str, str] = field(default_factory=dict)

    @property
    def intact(self) -> bool:
        return not self.broken

    def name(
        self, stream_id: Any, kind: str, sequence: int | None, position: int | None, problem: str
    ) -> None:
        entry: dict[str, Any] = {
            "case_id": None if stream_id is None else str(stream_id),
            "stream": kind,
            "sequence": sequence,
            "position": position,
            "problem": problem,
        }
        if kind == "access log" and entry["case_id"] in self.log_cases:
            entry["log_id"] = entry["case_id"]
            entry["case_id"] = self.log_cases[entry["log_id"]]
        self.broken.append(entry)

    def summary(self) -> str:
        if self.intact:
            seal = self.last_seal
            sealed = f"last seal {seal['id']} at position {seal['position']}" if seal else "no seal yet"
            legacy = ""
            if self.legacy:
                covered = "covered by the last seal" if self.legacy_covered else "not yet covered by a seal"
                legacy = f", {len(self.legacy)} legacy streams (written before chaining; {covered})"
            witnessed = f", {self.witness['seals']} witnessed seals present" if self.witness else ""
            return f"intact, {self.events} events, {self.cases} cases, {sealed}{legacy}{witnessed}"
        first = self.broken[0]
        where = f"{first['stream']} {first['case_id']}"
        if "log_id" in first:
            where = f"access log of case {first['case_id']}"
        return f"BROKEN at {where} sequence {first['sequence']}: {first['problem']}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "intact": self.intact,
            "events": self.events,
            "cases": self.cases,
            "streams": self.streams,
            "seals": self.seals,
            "last_seal": self.last_seal,
            "legacy": {
                "streams": len(self.legacy),
                "covered": self.legacy_covered,
                "items": self.legacy[:100],
            },
            "witness": self.witness,
            "first_broken": self.broken[0] if self.broken else None,
            "broken": self.broken[:100],
            "summary": self.summary(),
        }


@dataclass(frozen=True)
class SealRecord:
    """What the seal chain and a witness say about one seal (no heads)."""

    id: str
    position: int
    stored_at: int
    root: str
    previous_seal: str
    previous_seal_id: str | None
    previous_position: int | None
    prev_hash: str | None
    sealed_at: str
    hash: str

    def as_witness(self) -> dict[str, Any]:
        previous = None
        if self.previous_seal_id is not None:
            previous = {
                "id": self.previous_seal_id,
                "root": self.previous_seal,
                "position": self.previous_position,
            }
        return {
            "id": self.id,
            "position": self.position,
            "root": self.root,
            "previous": previous,
            "sealed_at": self.sealed_at,
            "hash": self.hash,
        }


def _seal_record(note: Any, canonical_bytes: bytes, body: dict[str, Any]) -> SealRecord:
    when = body["timestamp"]
    return SealRecord(
        id=str(note.originator_id),
        position=int(body["position"]),
        stored_at=note.id,
        root=body["root"],
        previous_seal=body.get("previous_seal") or GENESIS,
        previous_seal_id=body.get("previous_seal_id"),
        previous_position=body.get("previous_position"),
        prev_hash=body.get("prev_hash"),
        sealed_at=when.isoformat() if isinstance(when, datetime) else str(when),
        hash=hashlib.sha256(canonical_bytes).hexdigest(),
    )


def seals(ledger: Ledger) -> tuple[list[SealRecord], dict[str, Any] | None, Report]:
    """Every seal in the store by position, the latest one's heads, and the seal chain's problems."""
    report = Report()
    read = StoredCanonical(ledger.mapper)
    found: list[SealRecord] = []
    heads: dict[str, Any] | None = None
    for page in pages(ledger.recorder, topic=SEAL_TOPIC, limit=100):
        for note in page:
            if note.id < FIRST:
                continue  # named by the main pass as a row outside the sequence
            try:
                canonical_bytes, body = read(note)
                record = _seal_record(note, canonical_bytes, body)
            except Exception as error:  # an unreadable seal is evidence, named as such
                report.name(
                    note.originator_id,
                    "seal",
                    note.originator_version,
                    note.id,
                    f"stored seal cannot be read ({type(error).__name__})",
                )
                continue
            found.append(record)
            heads = body["heads"]
    _check_seal_chain(found, report)
    if found and heads is not None:
        expected = {cid: (int(v), h) for cid, (v, h) in heads.items()}
        if merkle_root(expected) != found[-1].root:
            report.name(
                found[-1].id,
                "seal",
                1,
                found[-1].stored_at,
                "the seal's own list of heads does not match its Merkle root: the seal was changed",
            )
        heads = expected
    return found, heads, report


def _check_seal_chain(found: list[SealRecord], report: Report) -> None:
    prior: SealRecord | None = None
    chained_before = False
    for s in found:
        if s.prev_hash is None:
            if chained_before:
                report.name(
                    s.id, "seal", 1, s.stored_at, "an unchained seal after chained ones: forged or altered"
                )
        else:
            chained_before = True
            if prior is None and (s.prev_hash != GENESIS or s.previous_seal_id is not None):
                report.name(
                    s.id,
                    "seal",
                    1,
                    s.stored_at,
                    f"names previous seal {s.previous_seal_id} at position {s.previous_position}, "
                    "which is not in the store: a seal was deleted",
                )
            elif prior is not None and (s.previous_seal_id, s.previous_position) != (
                prior.id,
                prior.position,
            ):
                report.name(
                    s.id,
                    "seal",
                    1,
                    s.stored_at,
                    f"names previous seal {s.previous_seal_id or 'none'} at position {s.previous_position}, "
                    f"but the seal before it in the store is {prior.id} at position {prior.position}: "
                    "a seal between them was deleted (or this seal was made over a deleted one)",
                )
            elif prior is not None and s.prev_hash != prior.hash:
                report.name(
                    prior.id,
                    "seal",
                    1,
                    prior.stored_at,
                    f"differs from what the next seal {s.id} recorded of it: the seal was changed",
                )
        expected_root = prior.root if prior else GENESIS
        if s.prev_hash is None and s.previous_seal != expected_root:
            report.name(
                s.id,
                "seal",
                1,
                s.stored_at,
                f"names previous root {s.previous_seal or 'none'}, but the seal before it in the store has "
                f"root {expected_root or 'none'}: a seal between them was deleted or changed",
            )
        elif (
            s.prev_hash is not None
            and s.previous_seal != expected_root
            and prior is not None
            and s.previous_seal_id == prior.id
        ):
            report.name(
                prior.id,
                "seal",
                1,
                prior.stored_at,
                f"root differs from what the next seal {s.id} recorded of it: the seal was changed",
            )
        if s.position >= s.stored_at or (prior is not None and s.position < prior.position):
            report.name(
                s.id,
                "seal",
                1,
                s.stored_at,
                f"seals position {s.position}, which does not fit where it is stored: moved or changed",
            )
        prior = s


def latest_seal(ledger: Ledger) -> Any | None:
    """The latest seal event, or None."""
    note = latest_seal_note(ledger)
    return None if note is None else ledger.mapper.to_domain_event(note)


def latest_seal_note(ledger: Ledger) -> Any | None:
    latest = None
    position = 0
    while True:
        page = ledger.recorder.select_notifications(start=position + 1, limit=PAGE, topics=[SEAL_TOPIC])
        if not page:
            return latest
        latest = page[-1]
        position = page[-1].id


def verify(
    ledger: Ledger, *, progress: Callable[[int, int], None] | None = None, witness: str | None = USE_ENV
) -> Report:
    """Recompute every stream's chain, the seal chain and the latest seal; name every broken link.

    ``witness``: a witness file to hold the store's seals against (default LEDGER_SEAL_WITNESS).
    """
    path = witnesses.witness_path() if witness == USE_ENV else witness
    return _scan(ledger, ledger.recorder.max_notification_id() or 0, progress, path)[0]


@dataclass
class _Stream:
    version: int = 0
    head: str = GENESIS
    chained: bool = False


def _scan(
    ledger: Ledger, head: int, progress: Callable[[int, int], None] | None, witness: str | None
) -> tuple[Report, dict[str, tuple[int, str]], list[SealRecord]]:
    """One pass up to ``head``: the report, every chained stream's head, and the seals."""
    found, sealed_heads, report = seals(ledger)
    expected = sealed_heads or {}
    latest = found[-1] if found else None
    seal_position = latest.position if latest else 0
    # A chained (version 2) seal covers every chained stream; a legacy one only cases and access logs.
    covers_all = latest is not None and latest.prev_hash is not None
    upgraded_at = next((s.stored_at for s in found if s.prev_hash is not None), None)
    if latest is not None:
        report.last_seal = {
            "id": latest.id,
            "position": latest.position,
            "root": latest.root,
            "sealed_at": latest.sealed_at,
            "hash": latest.hash,
        }
    report.seals = len(found)
    if witness:
        _check_witness(witness, found, report)

    read = StoredCanonical(ledger.mapper)
    streams: dict[str, _Stream] = {}
    actors = _Actors()
    tokens: dict[str, tuple[Any, Any, int, int]] = {}
    legacy: dict[str, dict[str, Any]] = {}
    for page in pages(ledger.recorder, stop=head, limit=PAGE):
        for note in page:
            report.events += 1
            stream_id = str(note.originator_id)
            kind = kind_of(note.topic)
            name = kind.name if kind else "unknown"
            if note.id < FIRST:
                report.name(
                    stream_id,
                    name,
                    note.originator_version,
                    note.id,
                    f"row at position {note.id}, outside the notification sequence (which starts at 1): "
                    "written behind the library's back, yet reading the stream by id shows it",
                )
                continue
            try:
                canonical_bytes, body = read(note)
            except Exception as error:  # any decoding failure is evidence of tampering, reported as such
                report.name(
                    stream_id,
                    name,
                    note.originator_version,
                    note.id,
                    f"stored event cannot be read ({type(error).__name__})",
                )
                if kind and kind.chained and not kind.is_seal:
                    state = streams.setdefault(stream_id, _Stream())
                    state.version, state.head = note.originator_version, ""
                continue
            if kind is None:
                continue
            actors.check(note, body, name, report)
            if name == "access log" and isinstance(body.get("case_id"), str):
                report.log_cases[stream_id] = body["case_id"]
            if kind.is_seal:
                if note.originator_version != 1:
                    report.name(
                        stream_id, "seal", note.originator_version, note.id, "a seal has one event only"
                    )
                continue
            if name == "token index":
                # Later events (a revocation) do not repeat the hash and the actor: keep them.
                known = tokens.get(stream_id, (None, None, 0, 0))
                tokens[stream_id] = (
                    body.get("token_hash", known[0]),
                    body.get("actor_name", known[1]),
                    note.id,
                    note.originator_version,
                )
            if not kind.chained:
                report.streams[name + " (unchained)"] = report.streams.get(name + " (unchained)", 0) + (
                    note.originator_version == 1
                )
                continue
            found_state = streams.get(stream_id)
            if found_state is None:
                state = streams[stream_id] = _Stream()
                report.streams[name] = report.streams.get(name, 0) + 1
                if name == "case":
                    report.cases += 1
            else:
                state = found_state
            own = hashlib.sha256(canonical_bytes).hexdigest()
            prev = body.get("prev_hash")
            problem = None
            if note.originator_version != state.version + 1:
                problem = (
                    f"sequence jumps from {state.version} to {note.originator_version}: "
                    "events missing or reordered"
                )
            elif prev is None and kind.upgraded:
                if state.chained:
                    problem = "an unchained event after chained ones in the same stream: forged or altered"
                elif upgraded_at is not None and note.id > upgraded_at:
                    problem = (
                        f"an unchained event written after the store was upgraded (first chained seal at "
                        f"position {upgraded_at}): forged"
                    )
                else:
                    item = legacy.setdefault(stream_id, {"stream_id": stream_id, "kind": name, "events": 0})
                    item["events"] += 1
            elif prev != state.head:
                problem = (
                    f"hash chain broken between sequence {state.version} and {note.originator_version}: "
                    f"event {state.version} was changed, or this event was changed or moved here"
                )
            current = own if prev is not None else fold(state.head, own)
            if note.id <= seal_position and (covers_all or name in ("case", "access log", "listing log")):
                sealed = expected.get(stream_id)
                if sealed is None or note.originator_version > sealed[0]:
                    problem = problem or (
                        f"stored at position {note.id}, before the latest seal's position {seal_position}, "
                        "yet not covered by that seal: inserted after sealing"
                    )
                elif problem is None and sealed[0] == note.originator_version and sealed[1] != current:
                    problem = "differs from the sealed head (its content was changed after sealing" + (
                        ", or an earlier legacy event of the stream was)" if prev is None else ")"
                    )
            if problem:
                report.name(stream_id, name, note.originator_version, note.id, problem)
            state.version, state.head = note.originator_version, current
            state.chained = state.chained or prev is not None
        if progress:
            progress(page[-1].id, head)

    for stream_id, (sealed_version, _) in expected.items():
        remaining = streams.get(stream_id, _Stream()).version
        if remaining < sealed_version:
            report.name(
                stream_id,
                _kind_name(stream_id, streams),
                sealed_version,
                None,
                f"events up to sequence {sealed_version} were sealed but only {remaining} remain",
            )
    actors.check_tokens(tokens, report)
    report.legacy = sorted(legacy.values(), key=lambda item: (item["kind"], item["stream_id"]))
    report.legacy_covered = covers_all and all(item["stream_id"] in expected for item in report.legacy)
    heads = {sid: (s.version, s.head) for sid, s in streams.items()}
    return report, heads, found


def _kind_name(stream_id: str, streams: dict[str, _Stream]) -> str:
    return "stream" if stream_id not in streams else "sealed stream"


class _Actors:
    """Who was registered, in which role and with which token hashes, as the pass reaches them."""

    def __init__(self) -> None:
        self.roles: dict[str, str] = {}
        self.names: dict[str, str] = {}  # actor stream id -> name
        self.hashes: dict[str, set[str]] = {}
        self.fields: dict[str, tuple[str, ...]] = {}

    def check(self, note: Any, body: dict[str, Any], kind: str, report: Report) -> None:
        # An event type's fields are fixed: look for the actor fields once per topic.
        fields = self.fields.get(note.topic)
        if fields is None:
            fields = self.fields[note.topic] = tuple(k for k in ACTOR_FIELDS if k in body)
        roles = self.roles
        for key in fields:
            who = body.get(key)
            if isinstance(who, str) and who not in roles and who != SYSTEM:
                report.name(
                    note.originator_id,
                    kind,
                    note.originator_version,
                    note.id,
                    f"{key} names actor {who!r}, who is not registered at this position",
                )
        role = body.get("actor_role")
        who = body.get("actor_id")
        if role is not None and isinstance(who, str) and who in roles and role != roles[who]:
            report.name(
                note.originator_id,
                kind,
                note.originator_version,
                note.id,
                f"actor {who!r} acted as {role} but is registered as {self.roles[who]}: "
                "the actor's role or this event was changed",
            )
        if kind != "actor":
            return
        stream_id = str(note.originator_id)
        if note.topic == REGISTERED_TOPIC:
            self.names[stream_id] = str(body.get("name"))
        name = self.names.get(stream_id)
        if name is None:
            return
        if "role" in body:
            self.roles[name] = str(body["role"])
        if isinstance(body.get("token_hash"), str):
            self.hashes.setdefault(name, set()).add(body["token_hash"])

    def check_tokens(self, tokens: dict[str, tuple[Any, Any, int, int]], report: Report) -> None:
        for stream_id, (token_hash, actor_name, position, version) in tokens.items():
            problem = None
            if actor_name not in self.roles:
                problem = f"token index entry points at actor {actor_name!r}, who is not registered"
            elif token_hash not in self.hashes.get(actor_name, set()):
                problem = (
                    f"token index entry points at actor {actor_name!r}, whose registered token differs: "
                    "the index was edited"
                )
            elif stream_id != str(TokenIndex.create_id(str(token_hash))):
                problem = (
                    "token index entry is stored under an id that is not its token's: the index was edited"
                )
            if problem:
                report.name(stream_id, "token index", version, position, problem)


def _check_witness(path: str, found: list[SealRecord], report: Report) -> None:
    by_id = {s.id: s for s in found}
    records, unreadable = witnesses.read(path)
    for line in unreadable:
        report.name(None, "witness", None, None, f"witness {path} line {line} cannot be read")
    for record in records:
        stored = by_id.get(str(record.get("id")))
        if stored is None:
            report.name(
                record.get("id"),
                "seal",
                1,
                None,
                f"witnessed seal {record.get('id')} (position {record.get('position')}, sealed at "
                f"{record.get('sealed_at')}) is missing from the store: deleted",
            )
            continue
        differs = [k for k, v in stored.as_witness().items() if k in record and record[k] != v]
        if differs:
            report.name(
                stored.id,
                "seal",
                1,
                stored.stored_at,
                f"differs from the witnessed seal in {', '.join(differs)}: the seal was changed, "
                "or deleted and made again",
            )
    report.witness = {"path": path, "seals": len(records)}


def seal(
    ledger: Ledger,
    actor: Actor,
    *,
    progress: Callable[[int, int], None] | None = None,
    witness: str | None = USE_ENV,
) -> tuple[Seal, Report]:
    """Seal the current heads of every chained stream, after verifying the store is intact up to now.

    The seal names the previous seal; with a witness (default LEDGER_SEAL_WITNESS) the store's
    seals are held against it first and the new seal is appended to it.
    """
    path = witnesses.witness_path() if witness == USE_ENV else witness
    head = ledger.recorder.max_notification_id() or 0
    report, heads, found = _scan(ledger, head, progress, path)
    if not report.intact:
        raise BrokenStore(report.summary())
    previous = found[-1] if found else None
    sealed = Seal.after(
        previous.hash if previous else GENESIS,
        position=head,
        events=report.events,
        heads={cid: [v, h] for cid, (v, h) in heads.items()},
        root=merkle_root(heads),
        previous_seal=previous.root if previous else GENESIS,
        previous_seal_id=previous.id if previous else None,
        previous_position=previous.position if previous else None,
        sealed_by=actor.name,
    )
    try:
        recordings = ledger.save(sealed)
    except IntegrityError:
        # Another process sealed after the same seal first; its seal stands.
        raise SealRace(
            f"another seal after {previous.id if previous else 'the start'} was made at the same time"
        ) from None
    if path:
        note = ledger.recorder.select_notifications(start=recordings[-1].notification.id, limit=1)[0]
        canonical_bytes, body = StoredCanonical(ledger.mapper)(note)
        witnesses.append(path, _seal_record(note, canonical_bytes, body).as_witness())
    return sealed, report


def seal_records(ledger: Ledger) -> list[SealRecord]:
    """Every seal in the store, oldest first, as outside parties keep them (GET /audit/seals)."""
    return seals(ledger)[0]


class BrokenStore(Exception):
    """Sealing refused: the store does not verify."""


class SealRace(Exception):
    """Sealing gave way: another process sealed after the same seal at the same moment."""
