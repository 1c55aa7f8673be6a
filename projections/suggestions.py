"""The suggestions' view (v_suggestions) and the queries over it: lists and the indicators
(issued, replied, 反馈率, adoption rate, overdue replies, and the class's court filings in the
12 months before and after delivery).

Rows are written in the views' batch transaction like every other view (projections/
case_views.py ROW_WRITERS), so each event is applied once. Whether a reply is overdue depends
on the day it is asked, so it is judged at query time (domain.suggestion.reply_standing), not
stored: no process has to wake up to mark it.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from domain.suggestion import Suggestion, reply_standing
from projections.instruments import _upsert, cached_row
from projections.periods import Period, _year_earlier, day_of, parse_utc_text, utc_text, year_later
from projections.store import Cursor

COLUMNS = (
    "id", "kind", "number", "issuer_code", "issuer_name", "recipient", "category", "region_code", "region_path",
    "county_code", "status", "drafted_at", "issued_at", "delivered_on", "reply_due_on", "reminders",
    "escalated_to", "escalated_on", "replied_on", "outcome", "reply_late", "revisits", "cases", "version",
    "position", "recorded_at",
)  # fmt: skip
_UPSERT = _upsert("v_suggestions", COLUMNS, ("id",))
#: The domicile columns of v_court_cases by the depth of a region path (county, town, village;
#: a grid's filings are counted at its village, the finest level the court feed knows).
_LEVELS = ("county", "town", "village")


def path_text(path: list[str]) -> str:
    """A region path as the view keeps it: codes joined and closed by '/', so a prefix match
    selects a region and everything under it."""
    return "".join(f"{code}/" for code in path)


class SuggestionRows:
    """The suggestion rows of one batch of events, written with the batch."""

    def __init__(self, cur: Cursor):
        self.cur = cur
        self.rows: dict[str, dict[str, Any]] = {}

    def apply(self, event: Any, position: int) -> None:
        if not isinstance(event, Suggestion.Event):
            return
        e: Any = event  # each event type carries its own fields
        stream_id, kind = str(e.originator_id), type(e).__name__
        if kind == "Drafted":
            path = list(e.region_path)
            row: dict[str, Any] | None = {
                "id": stream_id, "kind": e.kind, "number": None, "issuer_code": e.issuer_code,
                "issuer_name": e.issuer_name, "recipient": e.recipient, "category": e.category,
                "region_code": path[-1], "region_path": path_text(path), "county_code": path[0],
                "drafted_at": utc_text(e.occurred_at), "issued_at": None, "delivered_on": None, "reply_due_on": None,
                "reminders": 0, "escalated_to": None, "escalated_on": None, "replied_on": None, "outcome": None,
                "reply_late": None, "revisits": 0, "cases": len(e.case_ids),
            }  # fmt: skip
            self.rows[stream_id] = row  # type: ignore[assignment]
        else:
            row = cached_row(self.cur, self.rows, "v_suggestions", stream_id)
            if row is None:
                return
            self._change(row, kind, e)
        assert row is not None
        row.update(status=getattr(e, "status", "drafted"), version=e.originator_version, position=position,
                   recorded_at=utc_text(e.timestamp))  # fmt: skip

    @staticmethod
    def _change(row: dict[str, Any], kind: str, e: Any) -> None:
        if kind == "Issued":
            row.update(number=e.number, issued_at=utc_text(e.occurred_at))
        elif kind == "Delivered":
            row.update(delivered_on=e.delivered_on, reply_due_on=e.reply_due_on)
        elif kind == "Reminded":
            row["reminders"] = int(row["reminders"]) + 1
        elif kind == "Escalated":
            row.update(escalated_to=e.superior, escalated_on=e.escalated_on)
        elif kind == "ReplyRecorded":
            row.update(replied_on=e.replied_on, outcome=e.outcome, reply_late=int(e.late))
        elif kind == "Revisited":
            row["revisits"] = int(row["revisits"]) + 1

    def flush(self) -> None:
        self.cur.executemany(_UPSERT, [tuple(r[c] for c in COLUMNS) for r in self.rows.values()])
        self.rows = {}


# ---------------------------------------------------------------------- queries


def _entry(row: dict[str, Any], today: date) -> dict[str, Any]:
    entry = {c: row[c] for c in COLUMNS if c not in ("region_path", "position", "recorded_at", "reply_late")}
    entry["region_path"] = row["region_path"].rstrip("/").split("/")
    entry["reply"] = reply_standing(row["reply_due_on"], row["replied_on"], today)
    for name in ("reminders", "revisits", "cases", "version"):
        entry[name] = int(row[name])
    return entry


def list_suggestions(
    cur: Cursor,
    *,
    today: date,
    region_path: list[str],
    status: str | None = None,
    kind: str | None = None,
    category: str | None = None,
    overdue: bool | None = None,
) -> list[dict[str, Any]]:
    """Suggestions about a region and the regions under it, newest draft first, each with its
    reply's standing on ``today``; with ``overdue``, only those whose reply is (or is not)
    overdue that day."""
    where, params = ["region_path LIKE %s"], [path_text(region_path) + "%"]
    for column, value in (("status", status), ("kind", kind), ("category", category)):
        if value:
            where.append(f"{column} = %s")
            params.append(value)
    rows = cur.all(f"SELECT * FROM v_suggestions WHERE {' AND '.join(where)} ORDER BY drafted_at DESC, id", params)
    entries = [_entry(r, today) for r in rows]
    if overdue is None:
        return entries
    return [e for e in entries if (e["reply"] == "overdue") == overdue]


def _filings(cur: Cursor, row: dict[str, Any], first: date, end: date, domicile: str, kinds: tuple[str, ...]) -> int:
    """Court filings (v_court_cases) of the suggestion's category whose party on ``domicile``
    lives in its region, filed on a day in [first, end)."""
    path = row["region_path"].rstrip("/").split("/")
    depth = min(len(path), len(_LEVELS))
    marks = ", ".join(["%s"] * len(kinds))
    return int(cur.scalar(
        f"SELECT COUNT(*) FROM v_court_cases WHERE category = %s AND {domicile}_{_LEVELS[depth - 1]} = %s "
        f"AND kind IN ({marks}) AND filed_on >= %s AND filed_on < %s",
        (row["category"], path[depth - 1], *kinds, first.isoformat(), end.isoformat()),
    ) or 0)  # fmt: skip


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def suggestion_indicators(
    cur: Cursor,
    *,
    region_path: list[str],
    period: Period,
    today: date,
    tz: ZoneInfo,
    domicile: str = "defendant",
    kinds: tuple[str, ...] = ("民初", "行初"),
) -> dict[str, Any]:
    """The suggestions issued in ``period`` (the county's days) about the region: how many were
    delivered and replied to by now, the reply rate (反馈率 = replied / issued), the adoption
    rate ((adopted + partly) / replied), replies overdue on ``today`` and replies that came late,
    and for each delivered one the court filings of its class (category, region) in the 12
    months before delivery and the 12 months from it — ``complete`` once those have passed."""
    if domicile not in ("defendant", "plaintiff"):
        raise ValueError("domicile: defendant or plaintiff")
    rows = cur.all(
        "SELECT * FROM v_suggestions WHERE region_path LIKE %s AND issued_at IS NOT NULL ORDER BY issued_at, id",
        (path_text(region_path) + "%",),
    )
    first, last = period.start.isoformat(), period.end.isoformat()
    issued = [r for r in rows if first <= day_of(parse_utc_text(r["issued_at"]), tz) <= last]
    delivered = [r for r in issued if r["delivered_on"] is not None]
    replied = [r for r in issued if r["replied_on"] is not None]
    outcomes = {o: sum(1 for r in replied if r["outcome"] == o) for o in ("adopted", "partly", "not_adopted")}
    items = []
    for r in delivered:
        day = date.fromisoformat(r["delivered_on"])
        before = _filings(cur, r, _year_earlier(day), day, domicile, kinds)
        after = _filings(cur, r, day, year_later(day), domicile, kinds)
        items.append({
            "id": r["id"], "number": r["number"], "kind": r["kind"], "category": r["category"],
            "region_code": r["region_code"], "delivered_on": r["delivered_on"], "reply_due_on": r["reply_due_on"],
            "reply": reply_standing(r["reply_due_on"], r["replied_on"], today), "outcome": r["outcome"],
            "filings_before": before, "filings_after": after, "after_complete": today >= year_later(day),
        })  # fmt: skip
    return {
        "region": region_path[-1],
        "period": period.text,
        "today": today.isoformat(),
        "issued": len(issued),
        "delivered": len(delivered),
        "replied": len(replied),
        "reply_rate": _rate(len(replied), len(issued)),
        **outcomes,
        "adoption_rate": _rate(outcomes["adopted"] + outcomes["partly"], len(replied)),
        "overdue": sum(1 for i in items if i["reply"] == "overdue"),
        "replied_late": sum(1 for i in items if i["reply"] == "replied_late"),
        "escalated": sum(1 for r in issued if r["escalated_to"] is not None),
        "filings": {
            "domicile": domicile,
            "kinds": list(kinds),
            "before": sum(i["filings_before"] for i in items),
            "after": sum(i["filings_after"] for i in items),
            "complete": all(i["after_complete"] for i in items),
        },
        "items": items,
    }
