"""Verifying the hash chains and seals of a whole store, in one streaming pass.

Memory grows with the number of cases (one head each), never with the number of events.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from application.ledger import Ledger
from application.stored_canonical import StoredCanonical
from domain.access import AccessLog
from domain.case import Case
from domain.integrity import GENESIS, Seal, merkle_root
from domain.reference import Actor

SEAL_TOPIC = f"{Seal.__module__}:{Seal.__qualname__}.Sealed"
#: Streams whose events form hash chains: the cases and their read-access logs.
CHAINED = (f"{Case.__module__}:", f"{AccessLog.__module__}:")
PAGE = 1000


@dataclass
class Report:
    events: int = 0
    cases: int = 0
    last_seal: dict[str, Any] | None = None
    broken: list[dict[str, Any]] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.broken

    def summary(self) -> str:
        if self.intact:
            seal = self.last_seal
            sealed = f"last seal {seal['id']} at position {seal['position']}" if seal else "no seal yet"
            return f"intact, {self.events} events, {self.cases} cases, {sealed}"
        first = self.broken[0]
        return f"BROKEN at case {first['case_id']} sequence {first['sequence']}: {first['problem']}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "intact": self.intact,
            "events": self.events,
            "cases": self.cases,
            "last_seal": self.last_seal,
            "first_broken": self.broken[0] if self.broken else None,
            "broken": self.broken[:100],
            "summary": self.summary(),
        }


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


def verify(ledger: Ledger, *, progress: Callable[[int, int], None] | None = None) -> Report:
    """Recompute every case's chain and check the latest seal; name every broken link."""
    return _scan(ledger, ledger.recorder.max_notification_id() or 0, progress)[0]


def _scan(
    ledger: Ledger, head: int, progress: Callable[[int, int], None] | None
) -> tuple[Report, dict[str, tuple[int, str]]]:
    """One pass up to ``head``: the report and every case's head (sequence, hash)."""
    report = Report()
    heads: dict[str, tuple[int, str]] = {}
    seal_note = latest_seal_note(ledger)
    expected: dict[str, tuple[int, str]] = {}
    seal_position = 0
    if seal_note is not None:
        seal_event: Any = ledger.mapper.to_domain_event(seal_note)
        expected = {cid: (int(v), h) for cid, (v, h) in seal_event.heads.items()}
        seal_position = seal_event.position
        report.last_seal = {"id": str(seal_event.originator_id), "position": seal_event.position, "root": seal_event.root,
                            "sealed_at": seal_event.timestamp.isoformat()}
        if merkle_root(expected) != seal_event.root:
            report.broken.append({"case_id": None, "sequence": None, "position": seal_note.id,
                                  "problem": "the seal's own list of heads does not match its Merkle root"})
    read = StoredCanonical(ledger.mapper)
    position = 0
    while position < head:
        page = ledger.recorder.select_notifications(start=position + 1, limit=PAGE, stop=head)
        if not page:
            break
        for note in page:
            if not note.topic.startswith(CHAINED):
                continue
            report.events += 1
            case_id = str(note.originator_id)
            if case_id not in heads and note.topic.startswith(CHAINED[0]):
                report.cases += 1
            version, previous = heads.get(case_id, (0, GENESIS))
            problem = None
            body: dict[str, Any] | None
            try:
                canonical_bytes, body = read(note)
            except Exception as error:  # any decoding failure is evidence of tampering, reported as such
                problem = f"stored event cannot be read ({type(error).__name__})"
                body = None
            if problem is None and note.originator_version != version + 1:
                problem = f"sequence jumps from {version} to {note.originator_version}: events missing or reordered"
            elif body is not None and body.get("prev_hash") != previous:
                problem = (
                    f"hash chain broken between sequence {version} and {note.originator_version}: "
                    f"event {version} was changed, or this event was changed or moved here"
                )
            current = hashlib.sha256(canonical_bytes).hexdigest() if body is not None else ""
            if problem is None and note.id <= seal_position and case_id in expected:
                sealed_version, sealed_hash = expected[case_id]
                if sealed_version == note.originator_version and sealed_hash != current:
                    problem = "differs from the sealed head (its content was changed after sealing)"
            if problem:
                stream = "case" if note.topic.startswith(CHAINED[0]) else "access log"
                report.broken.append({"case_id": case_id, "stream": stream, "sequence": note.originator_version,
                                      "position": note.id, "problem": problem})
            heads[case_id] = (note.originator_version, current)
        position = page[-1].id
        if progress:
            progress(position, head)
    for case_id, (sealed_version, _) in expected.items():
        if heads.get(case_id, (0, ""))[0] < sealed_version:
            report.broken.append({
                "case_id": case_id, "sequence": sealed_version, "position": None,
                "problem": f"events up to sequence {sealed_version} were sealed but only {heads.get(case_id, (0, ''))[0]} remain",
            })
    return report, heads


def seal(ledger: Ledger, actor: Actor, *, progress: Callable[[int, int], None] | None = None) -> tuple[Seal, Report]:
    """Seal the current heads of every case, after verifying the store is intact up to now."""
    head = ledger.recorder.max_notification_id() or 0
    report, heads = _scan(ledger, head, progress)
    if not report.intact:
        raise BrokenStore(report.summary())
    sealed = Seal(
        position=head,
        events=report.events,
        heads={cid: [v, h] for cid, (v, h) in heads.items()},
        root=merkle_root(heads),
        previous_seal=report.last_seal["root"] if report.last_seal else GENESIS,
        sealed_by=actor.name,
    )
    ledger.save(sealed)
    return sealed, report


class BrokenStore(Exception):
    """Sealing refused: the store does not verify."""
