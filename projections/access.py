"""The access-log view: every logged read of personal data, indexed under each case it concerns.

A case's reads sit in two kinds of stream (domain/access.py): its own AccessLog (one entry per
read of that case) and the actors' ListingLogs (one entry per list request, naming every case
the page showed). This view puts both under the case, in store order, so the per-case log
(GET /audit/access-log, the review) is one indexed query. It is written in the same batch
transaction as the other views (projections/case_views.py), so each entry is indexed exactly
once; the entries themselves, and their hashes, stay evidence only in the store.
"""

from __future__ import annotations

from typing import Any

from domain.access import AccessLog, ListingLog
from domain.integrity import event_hash
from projections.periods import parse_utc_text, utc_text
from projections.store import Cursor

COLUMNS = (
    "case_id", "position", "log_id", "seq", "read_at", "actor_id", "actor_role", "endpoint", "purpose",
    "handler", "cases", "hash",
)  # fmt: skip
_INSERT = f"INSERT INTO v_access ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"


class AccessRows:
    """The access-log rows of one batch of events, written with the batch."""

    def __init__(self, cur: Cursor):
        self.cur = cur
        self.logs: dict[str, str] = {}  # a case log's stream id → its case, opened in this batch
        self.opened: list[tuple[str, str]] = []
        self.rows: list[tuple[Any, ...]] = []

    def apply(self, e: Any, position: int) -> None:
        if isinstance(e, ListingLog.Listed):  # type: ignore[attr-defined]
            self._listing(e, position)
        elif isinstance(e, AccessLog.Read):  # type: ignore[attr-defined]
            self._read(e, position)
        elif isinstance(e, AccessLog.Opened):  # type: ignore[attr-defined]
            log_id = str(e.originator_id)
            self.logs[log_id] = e.case_id
            self.opened.append((log_id, e.case_id))

    def _read(self, e: Any, position: int) -> None:
        log_id = str(e.originator_id)
        case_id = self.logs.get(log_id) or self.cur.scalar(
            "SELECT case_id FROM v_access_logs WHERE log_id = %s", (log_id,)
        )
        if case_id is None:
            return  # a log never opened: the integrity check names it; nothing to index it under
        self.logs[log_id] = case_id
        self.rows.append(self._row(e, position, case_id, e.handler, 1))

    def _listing(self, e: Any, position: int) -> None:
        handled = set(e.handled)
        cases = list(dict.fromkeys(e.case_ids))
        for case_id in cases:
            self.rows.append(self._row(e, position, case_id, case_id in handled, len(cases)))

    @staticmethod
    def _row(e: Any, position: int, case_id: str, handler: bool, cases: int) -> tuple[Any, ...]:
        return (
            case_id, position, str(e.originator_id), e.originator_version, utc_text(e.timestamp), e.actor_id,
            e.actor_role, e.endpoint, e.purpose, int(handler), cases, event_hash(e),
        )  # fmt: skip

    def flush(self) -> None:
        self.cur.executemany("INSERT INTO v_access_logs (log_id, case_id) VALUES (%s, %s)", self.opened)
        self.cur.executemany(_INSERT, self.rows)
        self.opened, self.rows = [], []


def reads_of_case(
    cur: Cursor, case_id: str, *, limit: int | None = None, offset: int = 0
) -> tuple[int, list[dict[str, Any]]]:
    """How many reads of the case's personal data are logged, and those of the page asked for,
    oldest first: each with its stream (``log``), its place in that chain and its hash."""
    total = int(cur.scalar("SELECT COUNT(*) AS n FROM v_access WHERE case_id = %s", (case_id,)) or 0)
    sql = f"SELECT {', '.join(COLUMNS)} FROM v_access WHERE case_id = %s ORDER BY position"
    params: list[Any] = [case_id]
    if limit is not None:
        sql += " LIMIT %s OFFSET %s"
        params += [limit, offset]
    return total, [_entry(r) for r in cur.all(sql, params)]


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "log": row["log_id"],
        "sequence": row["seq"],
        "read_at": parse_utc_text(row["read_at"]),
        "actor_id": row["actor_id"],
        "actor_role": row["actor_role"],
        "endpoint": row["endpoint"],
        "purpose": row["purpose"],
        "handler": bool(row["handler"]),
        "cases": row["cases"],
        "hash": row["hash"],
    }
