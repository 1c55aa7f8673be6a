"""The seal witness: a file outside the store holding one JSON line per seal.

Whoever can rewrite the store can delete its latest seal, or delete a seal and seal again; a
copy of every seal kept elsewhere (LEDGER_SEAL_WITNESS, or copies fetched from GET /audit/seals)
is what `ledger verify` then holds the store's seals against.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def witness_path() -> str | None:
    """LEDGER_SEAL_WITNESS, read at call time; unset or empty means no witness."""
    return os.environ.get("LEDGER_SEAL_WITNESS") or None


def append(path: str, record: dict[str, Any]) -> None:
    """Append one seal as a line, flushed to disk before the seal is reported as made."""
    line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
    with Path(path).open("a", encoding="utf-8") as out:
        out.write(line)
        out.flush()
        os.fsync(out.fileno())


def read(path: str) -> tuple[list[dict[str, Any]], list[int]]:
    """The witnessed seals, and the numbers of lines that are not a seal record.

    A missing file is an empty witness: the first seal creates it.
    """
    records: list[dict[str, Any]] = []
    unreadable: list[int] = []
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return records, unreadable
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            unreadable.append(number)
            continue
        if not isinstance(record, dict) or "id" not in record:
            unreadable.append(number)
            continue
        records.append(record)
    return records, unreadable
