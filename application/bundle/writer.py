"""Writing a review bundle: the review, every event of the case with its canonical text and
hash, the access-log entries the review cites (with the case's whole own log), the latest seal,
and the standalone verifier."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any
from uuid import UUID

from application.integrity import latest_seal
from application.ledger import Ledger
from domain.access import AccessLog
from domain.integrity import canonical, event_hash


def write_bundle(ledger: Ledger, review: dict[str, Any], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    events = folder / "events.jsonl"
    with events.open("w", encoding="utf-8") as out:
        for e in ledger.history(review["case_id"]):
            out.write(_record(e) + "\n")
    written.append(events)
    access = folder / "access.jsonl"
    with access.open("w", encoding="utf-8") as out:
        for e in _access_entries(ledger, review):
            out.write(_record(e, log=str(e.originator_id)) + "\n")
    written.append(access)
    seal = latest_seal(ledger)
    if seal is not None:
        path = folder / "seal.json"
        path.write_text(
            json.dumps(
                {
                    "id": str(seal.originator_id),
                    "position": seal.position,
                    "root": seal.root,
                    "sealed_at": seal.timestamp.isoformat(),
                    "heads": seal.heads,
                },
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
        written.append(path)
    path = folder / "review.json"
    path.write_text(json.dumps(review, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    written.append(path)
    script = folder / "verify_bundle.py"
    with resources.as_file(resources.files("application.bundle") / "verify_bundle.py") as source:
        shutil.copyfile(source, script)
    written.append(script)
    return written


def _record(e: Any, **extra: str) -> str:
    body = {
        **extra,
        "sequence": e.originator_version,
        "hash": event_hash(e),
        "canonical": canonical(e).decode("utf-8"),
    }
    return json.dumps(body, ensure_ascii=False)


def _access_entries(ledger: Ledger, review: dict[str, Any]) -> Iterable[Any]:
    """The case's own access log whole (a chain the verifier checks from its start), then each
    cited entry of an actor's listing log (only that entry: the rest of the log is other cases')."""
    own = AccessLog.create_id(review["case_id"])
    yield from ledger.events.get(own)
    cited = sorted(
        {(r["log"], r["sequence"]) for reads in (review["access_log"]["before"], review["access_log"]["after"])
         for r in reads if r.get("log") and UUID(r["log"]) != own}
    )  # fmt: skip
    for log, sequence in cited:
        yield from ledger.events.get(UUID(log), gt=sequence - 1, lte=sequence)
