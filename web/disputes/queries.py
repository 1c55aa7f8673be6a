"""Two reads on the case views that projections/cases.py does not offer yet: every deadline of
one case (met ones too), and the parties of a page of cases in one query.
(They belong in projections/cases.py; kept here until they move.)"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.deadlines import is_reminder, past_due
from projections.periods import parse_utc_text
from projections.store import Cursor


def case_deadlines(cur: Cursor, case_id: str, now: datetime) -> list[dict[str, Any]]:
    """The case's deadlines in order, cancelled ones left out, ``overdue`` as of ``now``."""
    rows = cur.all(
        "SELECT kind, due_at, met_at FROM v_deadlines WHERE case_id = %s AND cancelled_at IS NULL ORDER BY seq, kind",
        (case_id,),
    )
    out = []
    for r in rows:
        due = parse_utc_text(r["due_at"])
        met = None if r["met_at"] is None else parse_utc_text(r["met_at"])
        out.append(
            {
                "kind": r["kind"],
                "reminder": is_reminder(r["kind"]),
                "due_at": due,
                "met_at": met,
                "open": met is None,
                "overdue": past_due(r["kind"], due, met, now),
            }
        )
    return out


def parties_of(cur: Cursor, case_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {i: [] for i in case_ids}
    if not case_ids:
        return found
    marks = ", ".join(["%s"] * len(case_ids))
    for r in cur.all(
        f"SELECT case_id, role, kind, name, id_number, phone FROM v_parties WHERE case_id IN ({marks}) ORDER BY case_id, idx",
        case_ids,
    ):
        found[r.pop("case_id")].append(r)
    return found
