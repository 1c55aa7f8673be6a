"""A town's bulletin (涉诉情况通报) compiled from the views, and the bulletins' index view.

The figures are the indicator rows exactly as GET /indicators answers them for the town and
period (the general edition: the town's row; the family edition: one row per family category,
as ``group=category`` answers them), the town's rank among the county's towns, its top
categories, overdue cases, incidents, cards and warnings of the period. They are plain JSON
(numbers, text, null), so the event that freezes them and the hash over them are exact.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.bulletin import FAMILY_CATEGORIES, Bulletin
from domain.codes import Category, IncidentKind, Severity
from projections.indicators import indicator_table, overdue_evidence, spans
from projections.instruments import list_cards
from projections.periods import utc_text
from projections.store import Cursor

#: The indicators a town is ranked on among the county's towns (1 = the highest value).
RANKED = (
    "litigation_per_10k", "court_cases_yoy", "disputes_reported", "resolution_rate",
    "mediation_success_rate", "overdue_share",
)  # fmt: skip
TOP_CATEGORIES = 5
#: Cases listed by name under overdue work (the count covers them all).
MAX_LISTED = 200


def _rank(value: float | None, values: list[float | None]) -> int | None:
    """Competition ranking from the highest: 1 + the towns with a strictly higher value."""
    if value is None:
        return None
    return 1 + sum(1 for v in values if v is not None and v > value)


def _ranks(rows: list[dict[str, Any]], town: str, names: tuple[str, ...]) -> list[dict[str, Any]]:
    own = next((r for r in rows if r["region_code"] == town), None)
    result = []
    for name in names:
        values = [r.get(name) for r in rows]
        value = None if own is None else own.get(name)
        known = sum(1 for v in values if v is not None)
        result.append({"indicator": name, "value": value, "rank": _rank(value, values), "of": known})
    return result


def _family_rank(cur: Cursor, county: str, town: str, period: str, now: datetime, tz: ZoneInfo) -> list[dict[str, Any]]:
    """The family edition ranks the towns on their family cases: reported and court cases of the
    three family categories together."""
    totals: dict[str, dict[str, float | None]] = {}
    for category in FAMILY_CATEGORIES:
        table = indicator_table(cur, region=county, period=period, level="town", now=now, tz=tz, category=category,
                                comparisons=False, overdue=False)  # fmt: skip
        for row in table["rows"]:
            into = totals.setdefault(row["region_code"], {"region_code": row["region_code"]})  # type: ignore[dict-item]
            for name in ("disputes_reported", "court_cases"):
                before, add = into.get(name, 0), row[name]
                into[name] = None if before is None or add is None else before + add
    return _ranks(list(totals.values()), town, ("disputes_reported", "court_cases"))  # type: ignore[arg-type]


def _incidents(
    cur: Cursor, town: str, start: datetime, end: datetime, categories: tuple[str, ...] | None, incident_of: Any
) -> list[dict[str, Any]]:
    """Every incident (民转刑, 个人极端, 群体性) reported in the town's cases within [start, end)."""
    sql = (
        "SELECT e.position, e.case_id, e.occurred_at, c.category FROM v_events e JOIN v_cases c ON c.id = e.case_id "
        "WHERE e.event_type = 'IncidentReported' AND c.town_code = %s AND e.occurred_at >= %s AND e.occurred_at < %s"
    )
    params: list[Any] = [town, utc_text(start), utc_text(end)]
    if categories:
        sql += f" AND c.category IN ({', '.join(['%s'] * len(categories))})"
        params += list(categories)
    found = []
    for r in cur.all(sql + " ORDER BY e.position", params):
        kind, severity = incident_of(int(r["position"]))
        found.append({
            "position": int(r["position"]), "case_id": r["case_id"], "occurred_at": r["occurred_at"],
            "category": r["category"], "kind": kind, "kind_label": IncidentKind(kind).label,
            "severity": severity, "severity_label": Severity(severity).label,
        })  # fmt: skip
    return found


def _warnings(cur: Cursor, town: str, start: datetime, end: datetime, categories: tuple[str, ...] | None) -> dict[str, Any]:
    """Warnings raised in the town within [start, end): mass-dispute warnings one by one,
    missed-deadline warnings counted by status (there are many; each names its case)."""
    sql = "SELECT * FROM v_warnings WHERE region_code LIKE %s AND raised_at >= %s AND raised_at < %s"
    params: list[Any] = [town + "%", utc_text(start), utc_text(end)]
    if categories:
        sql += f" AND category IN ({', '.join(['%s'] * len(categories))})"
        params += list(categories)
    rows = cur.all(sql + " ORDER BY raised_at, id", params)
    mass = [
        {"id": r["id"], "rule": r["rule"], "subject": r["subject"], "category": r["category"], "status": r["status"],
         "raised_at": r["raised_at"], "cases": int(r["evidence"] or 0), "lead_name": r["lead_name"]}
        for r in rows if r["kind"] == "mass"
    ]  # fmt: skip
    deadline: dict[str, int] = {}
    for r in rows:
        if r["kind"] == "deadline":
            deadline[r["status"]] = deadline.get(r["status"], 0) + 1
    return {"mass": mass, "deadline": sum(deadline.values()), "deadline_by_status": dict(sorted(deadline.items()))}


def _overdue(cur: Cursor, town: str, period: str, now: datetime, tz: ZoneInfo, categories: tuple[str, ...] | None) -> dict[str, Any]:
    """Open cases with a missed obligation where the span ends, as overdue_share judges them."""
    judged_at, open_cases, late = None, 0, []
    for category in categories or (None,):
        found = overdue_evidence(cur, region=town, period=period, as_of=None, now=now, tz=tz, category=category)
        judged_at = found["judged_at"]
        open_cases += found["components"]["open_cases"]["count"]
        late += found["components"]["overdue_cases"]["events"]
    late.sort(key=lambda e: (e["due_at"] or "", e["case_id"]))
    listed = [{"case_id": e["case_id"], "overdue_since": e["due_at"]} for e in late[:MAX_LISTED]]
    return {"judged_at": judged_at, "open": open_cases, "overdue": len(late), "cases": listed}


def _cards(cur: Cursor, county: str, town: str, period: str, today: date) -> list[dict[str, Any]]:
    keep = ("id", "level", "issued_level", "status", "issued_at", "plan_due_on", "plan_filed_on", "rectification")
    return [{k: c[k] for k in keep} for c in list_cards(cur, today=today, county=county, period=period, target=town)]


def bulletin_figures(
    cur: Cursor,
    *,
    county: str,
    county_name: str,
    town: str,
    town_name: str,
    period: str,
    edition: str,
    now: datetime,
    tz: ZoneInfo,
    incident_of: Any,
) -> dict[str, Any]:
    """Everything a bulletin states, read from the views as they stand at ``now``."""
    family = edition == "family"
    categories = FAMILY_CATEGORIES if family else None
    # The same call as GET /indicators?region=TOWN&period=P (with &group=category for the
    # family edition), so the bulletin states the figures the endpoint answers.
    group = "category" if family else "region"
    own = indicator_table(cur, region=town, period=period, level="town", now=now, tz=tz, group=group)
    by_category = own if family else indicator_table(cur, region=town, period=period, level="town", now=now, tz=tz,
                                                     group="category")  # fmt: skip
    if family:
        rows = [r for r in own["rows"] if r["category"] in FAMILY_CATEGORIES]
        ranks = _family_rank(cur, county, town, period, now, tz)
    else:
        rows = own["rows"]
        towns = indicator_table(cur, region=county, period=period, level="town", now=now, tz=tz)
        ranks = _ranks(towns["rows"], town, RANKED)
    ranked_categories = [r for r in by_category["rows"] if not family or r["category"] in FAMILY_CATEGORIES]
    ranked_categories.sort(key=lambda r: (-(r["disputes_reported"] or 0), r["category"]))
    top = [
        {"category": r["category"], "category_label": Category(r["category"]).label,
         "disputes_reported": r["disputes_reported"], "disputes_reported_yoy": r["disputes_reported_yoy"],
         "resolved_pre_litigation": r["resolved_pre_litigation"], "court_cases": r["court_cases"]}
        for r in ranked_categories if r["disputes_reported"]
    ][: len(FAMILY_CATEGORIES) if family else TOP_CATEGORIES]  # fmt: skip
    s = spans(period, now, tz)
    start = datetime(s.main.start.year, s.main.start.month, s.main.start.day, tzinfo=tz)
    end = s.main.end_instant(tz)
    return {
        "county_code": county,
        "county_name": county_name,
        "region_code": town,
        "region_name": town_name,
        "period": own["period"],
        "edition": edition,
        "complete": own["complete"],
        "through": own["through"],
        "days": own["days"],
        "last_year_from": own["last_year_from"],
        "last_year_through": own["last_year_through"],
        "prev_from": own["prev_from"],
        "prev_through": own["prev_through"],
        "court_feed_through": own["court_feed_through"],
        "categories": list(categories) if categories else None,
        "indicators": rows,
        "rank": ranks,
        "top_categories": top,
        "overdue": _overdue(cur, town, period, now, tz, categories),
        "incidents": _incidents(cur, town, start, end, categories, incident_of),
        "cards": _cards(cur, county, town, period, now.astimezone(tz).date()),
        "warnings": _warnings(cur, town, start, end, categories),
    }


# ---------------------------------------------------------------------- the index view

COLUMNS = (
    "id", "county_code", "town_code", "town_name", "period", "edition", "status", "number", "figures_hash",
    "compiled_at", "issued_number", "issued_at", "version", "position", "recorded_at",
)  # fmt: skip
_UPSERT = (
    f"INSERT INTO v_bulletins ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))}) "
    "ON CONFLICT (id) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c != "id")
)


class BulletinRows:
    """One row per bulletin (its latest version and the latest one issued), written with the
    views' batch. The figures stay in the store: the row is only an index for lists."""

    def __init__(self, cur: Cursor):
        self.cur = cur
        self.rows: dict[str, dict[str, Any]] = {}

    def apply(self, e: Any, position: int) -> None:
        if not isinstance(e, Bulletin.Event):
            return
        bulletin_id = str(e.originator_id)
        kind = type(e).__name__
        if kind == "Compiled":
            row: dict[str, Any] | None = {
                "id": bulletin_id, "county_code": e.region_path[0], "town_code": e.region_path[1],
                "town_name": e.town_name, "period": e.period, "edition": e.edition, "status": "compiled",
                "number": 1, "figures_hash": e.figures_hash, "compiled_at": utc_text(e.occurred_at),
                "issued_number": None, "issued_at": None,
            }  # fmt: skip
            self.rows[bulletin_id] = row  # type: ignore[assignment]
        else:
            row = self.rows.get(bulletin_id) or self.cur.one("SELECT * FROM v_bulletins WHERE id = %s", (bulletin_id,))
            if row is None:
                return  # a stream never opened: the integrity check names it
            self.rows[bulletin_id] = row
            row["status"] = e.status
            if kind == "Recompiled":
                row.update(number=e.number, figures_hash=e.figures_hash, compiled_at=utc_text(e.occurred_at))
            elif kind == "Issued":
                row.update(issued_number=e.number, issued_at=utc_text(e.occurred_at))
        assert row is not None
        row.update(version=e.originator_version, position=position, recorded_at=utc_text(e.timestamp))

    def flush(self) -> None:
        self.cur.executemany(_UPSERT, [tuple(r[c] for c in COLUMNS) for r in self.rows.values()])
        self.rows = {}


def list_bulletins(
    cur: Cursor, *, county: str, town: str | None = None, period: str | None = None, edition: str | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    """Bulletins of a county, newest compilation first."""
    where, params = ["county_code = %s"], [county]
    for column, value in (("town_code", town), ("period", period), ("edition", edition), ("status", status)):
        if value:
            where.append(f"{column} = %s")
            params.append(value)
    rows = cur.all(f"SELECT * FROM v_bulletins WHERE {' AND '.join(where)} ORDER BY compiled_at DESC, id", params)
    return [{**{c: r[c] for c in COLUMNS if c != "recorded_at"}, "version": int(r["version"]), "position": int(r["position"]),
             "number": int(r["number"])} for r in rows]  # fmt: skip
