"""Views of demonstration batches and the queries over them.

``v_batches`` is one row per batch; ``v_batch_cases`` one row per case in a batch with its
offer and answer: the join that filters the case list by ``batch=`` and ``lead_id=``, shows a
case's batches on its page, and counts a batch's indicators against the cases' current states
in ``v_cases``. Written in the same transaction as every other view
(projections/case_views.py ROW_WRITERS).
"""

from __future__ import annotations

from typing import Any

from domain.batch import Batch
from projections.instruments import _upsert
from projections.periods import utc_text
from projections.store import Cursor

BATCH_COLUMNS = (
    "id", "title", "subject_kind", "subject_name", "credit_code", "category", "county_code", "town_code",
    "region_code", "status", "lead_id", "standard_kind", "opened_at", "opened_by", "closed_at", "version",
    "position", "recorded_at",
)  # fmt: skip
MEMBER_COLUMNS = (
    "batch_id", "case_id", "added_at", "offered_at", "offered_by", "answer", "answered_at", "answered_by", "position",
)
_UPSERT_BATCH = _upsert("v_batches", BATCH_COLUMNS, ("id",))
_UPSERT_MEMBER = _upsert("v_batch_cases", MEMBER_COLUMNS, ("batch_id", "case_id"))
#: Case states in which a parallel case is still being handled (not closed, archived or in court).
_ENDED = ("closed", "archived")
_COURT = ("litigating", "adjudicated")


class BatchRows:
    """The batch rows of one batch of events, written with it."""

    def __init__(self, cur: Cursor):
        self.cur = cur
        self.batches: dict[str, dict[str, Any]] = {}
        self.members: dict[tuple[str, str], dict[str, Any]] = {}

    def apply(self, e: Any, position: int) -> None:
        if not isinstance(e, Batch.Event):
            return
        batch_id, kind = str(e.originator_id), type(e).__name__
        when = utc_text(e.occurred_at)
        if kind == "Opened":
            path = list(e.region_path) + [None]
            row: dict[str, Any] | None = {
                "id": batch_id, "title": e.title, "subject_kind": e.subject_kind, "subject_name": e.subject_name,
                "credit_code": e.credit_code, "category": e.category, "county_code": path[0], "town_code": path[1],
                "region_code": e.region_path[-1], "lead_id": None, "standard_kind": None, "opened_at": when,
                "opened_by": e.actor_id, "closed_at": None,
            }  # fmt: skip
            self.batches[batch_id] = row  # type: ignore[assignment]
        else:
            row = self._batch(batch_id)
            if row is None:
                return  # a stream never opened: the integrity check names it
        assert row is not None
        if kind == "CasesAdded":
            for case_id in e.case_ids:
                self.members[(batch_id, case_id)] = {
                    "batch_id": batch_id, "case_id": case_id, "added_at": when, "offered_at": None,
                    "offered_by": None, "answer": None, "answered_at": None, "answered_by": None,
                    "position": position,
                }  # fmt: skip
        elif kind == "LeadChosen":
            row["lead_id"] = e.case_id
        elif kind == "StandardAdopted":
            row["standard_kind"] = e.kind
        elif kind == "Closed":
            row["closed_at"] = when
        elif kind in ("Offered", "Accepted", "Refused"):
            member = self._member(batch_id, e.case_id)
            if member is None:
                return
            if kind == "Offered":
                member.update(offered_at=when, offered_by=e.actor_id)
            else:
                answer = "accepted" if kind == "Accepted" else "refused"
                member.update(answer=answer, answered_at=when, answered_by=e.actor_id)
            member["position"] = position
        row.update(status="collecting" if kind == "Opened" else e.status, version=e.originator_version,
                   position=position, recorded_at=utc_text(e.timestamp))  # fmt: skip

    def _batch(self, batch_id: str) -> dict[str, Any] | None:
        if batch_id not in self.batches:
            found = self.cur.one("SELECT * FROM v_batches WHERE id = %s", (batch_id,))
            if found is None:
                return None
            self.batches[batch_id] = found
        return self.batches[batch_id]

    def _member(self, batch_id: str, case_id: str) -> dict[str, Any] | None:
        key = (batch_id, case_id)
        if key not in self.members:
            found = self.cur.one("SELECT * FROM v_batch_cases WHERE batch_id = %s AND case_id = %s", key)
            if found is None:
                return None
            self.members[key] = found
        return self.members[key]

    def flush(self) -> None:
        self.cur.executemany(_UPSERT_BATCH, [tuple(r[c] for c in BATCH_COLUMNS) for r in self.batches.values()])
        self.cur.executemany(_UPSERT_MEMBER, [tuple(r[c] for c in MEMBER_COLUMNS) for r in self.members.values()])
        self.batches, self.members = {}, {}


# ---------------------------------------------------------------------- queries


def batch_members(cur: Cursor, batch_id: str) -> list[dict[str, Any]]:
    """Each case of a batch with its offer and answer and the case's current status."""
    return cur.all(
        "SELECT m.*, c.status AS case_status, c.resolution AS case_resolution, c.ever_litigated "
        "FROM v_batch_cases m LEFT JOIN v_cases c ON c.id = m.case_id WHERE m.batch_id = %s ORDER BY m.added_at, m.case_id",
        (batch_id,),
    )


def indicators(lead_id: str | None, members: list[dict[str, Any]]) -> dict[str, Any]:
    """A batch's figures over its parallel cases (every case but the lead), from the answers the
    batch recorded and the cases' current states: settled on the lead's terms (accepted),
    refused, went to court (filed in court at any time), still open (neither settled nor in
    court, and the case itself not closed)."""
    parallel = [m for m in members if m["case_id"] != lead_id]
    settled = [m for m in parallel if m["answer"] == "accepted"]
    court = {m["case_id"] for m in parallel if m["answer"] != "accepted" and (m["ever_litigated"] or m["case_status"] in _COURT)}
    still_open = [
        m for m in parallel
        if m["answer"] != "accepted" and m["case_id"] not in court and m["case_status"] not in _ENDED
    ]  # fmt: skip
    offered = [m for m in parallel if m["offered_at"] is not None]
    return {
        "cases": len(members),
        "parallel_cases": len(parallel),
        "offered": len(offered),
        "settled_on_lead_terms": len(settled),
        "refused": sum(1 for m in parallel if m["answer"] == "refused"),
        "awaiting_answer": sum(1 for m in offered if m["answer"] is None),
        "went_to_court": len(court),
        "still_open": len(still_open),
        "settlement_rate": None if not offered else len(settled) / len(offered),
    }


def list_batches(
    cur: Cursor,
    *,
    scope: list[str],
    status: str | None = None,
    case: str | None = None,
    region: str | None = None,
) -> list[dict[str, Any]]:
    """Batches inside the scope, newest first, each with its indicators."""
    where, params = [], []
    for code in (scope[-1] if scope else None, region):
        if code:
            # Region codes nest by prefix: a batch lies inside a region when its code extends it.
            where.append("b.region_code LIKE %s")
            params.append(f"{code}%")
    if status:
        where.append("b.status = %s")
        params.append(status)
    if case:
        where.append("EXISTS (SELECT 1 FROM v_batch_cases m WHERE m.batch_id = b.id AND m.case_id = %s)")
        params.append(case)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    rows = cur.all(f"SELECT b.* FROM v_batches b{clause} ORDER BY b.opened_at DESC, b.id", params)
    for r in rows:
        r["indicators"] = indicators(r["lead_id"], batch_members(cur, r["id"]))
    return rows


def case_batches(cur: Cursor, case_id: str) -> list[dict[str, Any]]:
    """The batches a case is in, oldest first, with its part (lead or parallel), the offer it
    received and its answer: what the case's own page shows of the batches' events."""
    rows = cur.all(
        "SELECT b.id, b.title, b.status, b.lead_id, b.standard_kind, m.added_at, m.offered_at, m.offered_by, "
        "m.answer, m.answered_at, m.answered_by FROM v_batch_cases m JOIN v_batches b ON b.id = m.batch_id "
        "WHERE m.case_id = %s ORDER BY m.added_at, b.id",
        (case_id,),
    )
    for r in rows:
        r["lead"] = r["lead_id"] == case_id
    return rows
