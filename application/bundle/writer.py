"""Writing a review bundle: the review, every event of the case with its canonical text and
hash, the latest seal, and the standalone verifier."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

from application.integrity import latest_seal
from application.ledger import Ledger
from domain.integrity import canonical, event_hash


def write_bundle(ledger: Ledger, review: dict[str, Any], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    events = folder / "events.jsonl"
    with events.open("w", encoding="utf-8") as out:
        for e in ledger.history(review["case_id"]):
            text = canonical(e).decode("utf-8")
            out.write(json.dumps({"sequence": e.originator_version, "hash": event_hash(e), "canonical": text}, ensure_ascii=False) + "\n")
    written.append(events)
    seal = latest_seal(ledger)
    if seal is not None:
        path = folder / "seal.json"
        path.write_text(
            json.dumps({"id": str(seal.originator_id), "position": seal.position, "root": seal.root,
                        "sealed_at": seal.timestamp.isoformat(), "heads": seal.heads}, ensure_ascii=False),
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
