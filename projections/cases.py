"""Queries on the case views: filtered pages, one case, overdue work as of any instant."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from domain.codes import RiskLevel, Status
from domain.deadlines import REMINDER_KINDS, is_reminder, past_due
from domain.errors import InvalidValue
from domain.permissions import handling_bodies as bodies_of
from projections.periods import parse_utc_text, utc_text
from projections.store import Cursor

_REGION_COLUMN = {6: "county_code", 9: "town_code", 12: "village_code", 15: "region_code"}
_OPEN = tuple(s.value for s in Status if s not in (Status.CLOSED, Status.ARCHIVED))
# An obligation pending at %(t)s and past due then (reminders never are; the kinds are codes of
# domain/deadlines.py, not input). Follow-up visits belong to closed cases and do not make a
# case's handling overdue; they are listed separately by kind.
_NOT_REMINDER = " AND d.kind NOT IN ({})".format(", ".join(f"'{k}'" for k in sorted(REMINDER_KINDS))) if REMINDER_KINDS else ""
_OVERDUE_AT = (
    "COALESCE(d.effective_at, d.opened_at) <= %s AND (d.met_at IS NULL OR d.met_at > %s) "
    "AND (d.cancelled_at IS NULL OR d.cancelled_at > %s) AND d.due_at < %s" + _NOT_REMINDER
)


#: A case open at %(t)s: reported by then and not closed then. A case never reopened is closed
#: from its closed_at on; one reopened since is judged from its events, so a case closed at the end
#: of a past span and reopened later counts as closed there. Two parameters: t, t, t.
OPEN_AT = (
    "c.reported_at <= %s AND (c.closed_at IS NULL OR c.closed_at > %s) AND (c.reopened_at IS NULL OR COALESCE("
    "(SELECT e.event_type FROM v_events e WHERE e.case_id = c.id AND e.occurred_at <= %s "
    "AND e.event_type IN ('Closed', 'Withdrawn', 'Reopened') ORDER BY e.seq DESC LIMIT 1), 'Reopened') = 'Reopened')"
)


def handling_bodies(row: dict[str, Any]) -> tuple[str, ...]:
    """The bodies handling a case as its view row holds them (domain.permissions.handling_bodies)."""
    joint = (row.get("joint_bodies") or "").split(",")
    return bodies_of(row.get("organisation_code"), joint, row.get("entrusted_to"))


def region_column(code: str) -> str:
    column = _REGION_COLUMN.get(len(code or ""))
    if column is None:
        raise InvalidValue("region", "a region code of 6, 9, 12 or 15 digits")
    return column


def _scope(where: list[str], params: list[Any], scope: list[str]) -> None:
    if scope:
        where.append(f"c.{region_column(scope[-1])} = %s")
        params.append(scope[-1])


def list_cases(
    cur: Cursor,
    *,
    scope: list[str],
    now: datetime,
    region: str | None = None,
    status: str | None = None,
    category: str | None = None,
    risk: str | None = None,
    overdue: bool | None = None,
    lead_id: str | None = None,
    batch: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[dict[str, Any]], int]:
    where: list[str] = []
    params: list[Any] = []
    _scope(where, params, scope)
    if region:
        where.append(f"c.{region_column(region)} = %s")
        params.append(region)
    if status:
        Status.parse("status", status)
        where.append("c.status = %s")
        params.append(status)
    if category:
        where.append("c.category = %s")
        params.append(category)
    if risk:
        RiskLevel.parse("risk", risk)
        where.append("c.risk_level = %s")
        params.append(risk)
    if lead_id:
        # Parallel to the lead: linked to it (link-to-lead-case), or in a batch it leads.
        where.append(
            "(c.lead_id = %s OR EXISTS (SELECT 1 FROM v_batch_cases m JOIN v_batches b ON b.id = m.batch_id "
            "WHERE m.case_id = c.id AND b.lead_id = %s AND c.id <> b.lead_id))"
        )
        params += [str(lead_id), str(lead_id)]
    if batch:
        where.append("EXISTS (SELECT 1 FROM v_batch_cases m WHERE m.case_id = c.id AND m.batch_id = %s)")
        params.append(str(batch))
    if overdue is not None:
        t = utc_text(now)
        exists = f"EXISTS (SELECT 1 FROM v_deadlines d WHERE d.case_id = c.id AND {_OVERDUE_AT})"
        where.append(exists if overdue else f"NOT {exists}")
        params += [t, t, t, t]
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    total = int(cur.scalar(f"SELECT COUNT(*) AS n FROM v_cases c {clause}", params) or 0)
    rows = cur.all(
        f"SELECT c.* FROM v_cases c {clause} ORDER BY c.reported_at DESC, c.id LIMIT %s OFFSET %s",
        [*params, per_page, (page - 1) * per_page],
    )
    attach_deadlines(cur, rows, now)
    return rows, total


def attach_deadlines(cur: Cursor, rows: list[dict[str, Any]], now: datetime) -> None:
    """Give each case row its deadlines as the detail shows them (cancelled ones left out, met
    ones kept), each with ``open`` and ``overdue`` as of ``now``."""
    if not rows:
        return
    ids = [r["id"] for r in rows]
    marks = ", ".join(["%s"] * len(ids))
    found: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    for d in cur.all(
        f"SELECT * FROM v_deadlines WHERE case_id IN ({marks}) AND cancelled_at IS NULL ORDER BY case_id, seq, kind",
        ids,
    ):
        met = d["met_at"]
        found[d["case_id"]].append(
            {
                "kind": d["kind"],
                "reminder": is_reminder(d["kind"]),
                "due_at": parse_utc_text(d["due_at"]),
                "met_at": None if met is None else parse_utc_text(met),
                "opened_at": parse_utc_text(d["opened_at"]),
            }
        )
    for r in rows:
        r["deadlines"] = judged(found[r["id"]], now)


def judged(deadlines: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """The deadlines with ``overdue`` judged afresh at ``now`` (for rows read at another time);
    ``open``: not met (cancelled deadlines are never listed)."""
    return [
        {**d, "open": d["met_at"] is None, "overdue": past_due(d["kind"], d["due_at"], d["met_at"], now)}
        for d in deadlines
    ]


def case_row(cur: Cursor, case_id: str) -> dict[str, Any] | None:
    """One case view row with its parties (its deadlines: web/disputes/queries.case_deadlines)."""
    row = cur.one("SELECT * FROM v_cases WHERE id = %s", (case_id,))
    if row is None:
        return None
    row["parties"] = cur.all("SELECT role, kind, name, id_number, phone FROM v_parties WHERE case_id = %s ORDER BY idx", (case_id,))
    return row


def overdue_as_of(cur: Cursor, *, when: datetime, scope: list[str], region: str | None = None) -> list[dict[str, Any]]:
    """Every deadline pending and past due at ``when`` (world time), with its case."""
    t = utc_text(when)
    where = [_OVERDUE_AT]
    params: list[Any] = [t, t, t, t]
    _scope(where, params, scope)
    if region:
        where.append(f"c.{region_column(region)} = %s")
        params.append(region)
    return cur.all(
        "SELECT d.case_id, d.kind, d.opened_at, d.due_at, c.status, c.town_code, c.village_code, c.organisation_code "
        f"FROM v_deadlines d JOIN v_cases c ON c.id = d.case_id WHERE {' AND '.join(where)} ORDER BY d.due_at",
        params,
    )


def open_and_overdue(
    cur: Cursor,
    *,
    when: datetime,
    county: str | None = None,
    region: str | None = None,
    group: str = "town_code",
    category: str | None = None,
    source: str | None = None,
    open_now: bool = False,
) -> dict[str, tuple[int, int]]:
    """Per ``group`` column (town by default): (cases open at ``when``, of which overdue at
    ``when``), follow-ups excluded; inside ``county`` or ``region``, optionally of one category
    or source. ``open_now``: ``when`` is now, so the open cases are those of an open status (an
    index finds them without reading every closed case)."""
    t = utc_text(when)
    inside = region or county or ""
    where, params = f"c.{region_column(inside)} = %s", [inside]
    if open_now:
        where += f" AND c.status IN ({', '.join(['%s'] * len(_OPEN))})"
        params += list(_OPEN)
    for column, value in (("category", category), ("source", source)):
        if value is not None:
            where += f" AND c.{column} = %s"
            params.append(value)
    rows = cur.all(
        f"SELECT c.{group} AS code, COUNT(*) AS open_cases, "
        "SUM(CASE WHEN EXISTS (SELECT 1 FROM v_deadlines d WHERE d.case_id = c.id AND d.kind <> 'follow_up' "
        f"AND {_OVERDUE_AT}) THEN 1 ELSE 0 END) AS overdue "
        f"FROM v_cases c WHERE {where} AND {OPEN_AT} "
        f"GROUP BY c.{group}",
        [t, t, t, t, *params, t, t, t],
    )
    return {r["code"]: (int(r["open_cases"]), int(r["overdue"] or 0)) for r in rows}


def related_cases(cur: Cursor, case_id: str, *, days: int = 180) -> list[dict[str, Any]]:
    """Cases sharing a party's id number, or in the same village and category within ``days``."""
    me = cur.one("SELECT * FROM v_cases WHERE id = %s", (case_id,))
    if me is None:
        return []
    found: dict[str, dict[str, Any]] = {}
    for row in cur.all(
        "SELECT DISTINCT c.id, c.status, c.resolution, c.reported_at, c.category, c.village_code FROM v_parties p "
        "JOIN v_parties q ON q.id_number = p.id_number AND q.case_id <> p.case_id "
        "JOIN v_cases c ON c.id = q.case_id WHERE p.case_id = %s AND p.id_number IS NOT NULL",
        (case_id,),
    ):
        found[row["id"]] = {**row, "reason": "same party id number"}
    reported = parse_utc_text(me["reported_at"])
    window = (utc_text(reported - timedelta(days=days)), utc_text(reported + timedelta(days=days)))
    for row in cur.all(
        "SELECT id, status, resolution, reported_at, category, village_code FROM v_cases "
        "WHERE village_code = %s AND category = %s AND id <> %s AND reported_at BETWEEN %s AND %s ORDER BY reported_at",
        (me["village_code"], me["category"], case_id, *window),
    ):
        found.setdefault(row["id"], {**row, "reason": f"same village and category within {days} days"})
    return list(found.values())
