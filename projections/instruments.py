"""Views of the governance instruments (cards, 无讼村) and the queries over them.

The rows are written in the same batch transaction as every other view
(projections/case_views.py), so each instrument event is applied exactly once. The rows are only
an index for lists and counts: a card's frozen basis, a village's frozen evidence and every
event's hash stay in the store and are read from there.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from typing import Any

from domain.card import OPEN_STATES, Card, rectification
from domain.errors import InvalidValue
from domain.no_litigation import NoLitigationVillage
from projections.periods import utc_text
from projections.store import Cursor

CARD_COLUMNS = (
    "id", "target_kind", "target_code", "target_name", "county_code", "town_code", "period", "level",
    "issued_level", "status", "issued_at", "issued_by", "plan_due_on", "plan_filed_on", "talks", "lifted_at",
    "escalated_at", "version", "position", "recorded_at",
)  # fmt: skip
VILLAGE_COLUMNS = (
    "id", "village_code", "village_name", "county_code", "town_code", "enrol_year", "sponsor_code",
    "sponsor_name", "status", "named_year", "revoked_year", "version", "position", "recorded_at",
)  # fmt: skip
ASSESSMENT_COLUMNS = (
    "village_code", "year", "complete", "passed", "court_cases", "serious_incidents", "mass_incidents",
    "court_source", "position",
)  # fmt: skip


def _upsert(table: str, columns: tuple[str, ...], key: tuple[str, ...]) -> str:
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
    )


_UPSERT_CARD = _upsert("v_cards", CARD_COLUMNS, ("id",))
_UPSERT_VILLAGE = _upsert("v_no_litigation", VILLAGE_COLUMNS, ("id",))
_UPSERT_ASSESSMENT = _upsert("v_no_litigation_years", ASSESSMENT_COLUMNS, ("village_code", "year"))


def cached_row(cur: Cursor, rows: dict[str, dict[str, Any]], table: str, stream_id: str) -> dict[str, Any] | None:
    """An instrument's row as this batch has it: from ``rows``, else read from the view once."""
    if stream_id not in rows:
        found = cur.one(f"SELECT * FROM {table} WHERE id = %s", (stream_id,))
        if found is None:
            return None  # a stream never opened: the integrity check names it
        rows[stream_id] = found
    return rows[stream_id]


class InstrumentRows:
    """The instrument rows of one batch of events, written with the batch."""

    def __init__(self, cur: Cursor):
        self.cur = cur
        self.cards: dict[str, dict[str, Any]] = {}
        self.villages: dict[str, dict[str, Any]] = {}
        self.assessments: dict[tuple[str, int], tuple[Any, ...]] = {}

    def apply(self, e: Any, position: int) -> None:
        if isinstance(e, Card.Event):
            self._card(e, position)
        elif isinstance(e, NoLitigationVillage.Event):
            self._village(e, position)

    def _row(self, rows: dict[str, dict[str, Any]], table: str, stream_id: str) -> dict[str, Any] | None:
        return cached_row(self.cur, rows, table, stream_id)

    def _card(self, e: Any, position: int) -> None:
        card_id = str(e.originator_id)
        kind = type(e).__name__
        if kind == "Issued":
            path = list(e.region_path)
            row: dict[str, Any] | None = {
                "id": card_id, "target_kind": e.target_kind, "target_code": e.target_code,
                "target_name": e.target_name, "county_code": path[0], "town_code": path[1] if len(path) > 1 else None,
                "period": e.period, "level": e.level, "issued_level": e.level, "issued_at": utc_text(e.occurred_at),
                "issued_by": e.actor_id, "plan_due_on": e.plan_due_on, "plan_filed_on": None, "talks": 0,
                "lifted_at": None, "escalated_at": None,
            }  # fmt: skip
            self.cards[card_id] = row  # type: ignore[assignment]
        else:
            row = self._row(self.cards, "v_cards", card_id)
            if row is None:
                return
            if kind == "TalkHeld":
                row["talks"] = int(row["talks"]) + 1
            elif kind == "PlanFiled":
                row["plan_filed_on"] = e.filed_on
            elif kind == "Lifted":
                row["lifted_at"] = utc_text(e.occurred_at)
            elif kind == "Escalated":
                row["level"], row["escalated_at"] = e.level, utc_text(e.occurred_at)
        assert row is not None
        row.update(status=e.status if kind != "Issued" else "issued", version=e.originator_version,
                   position=position, recorded_at=utc_text(e.timestamp))  # fmt: skip

    def _village(self, e: Any, position: int) -> None:
        village_id = str(e.originator_id)
        kind = type(e).__name__
        if kind == "Enrolled":
            path = list(e.region_path)
            row: dict[str, Any] | None = {
                "id": village_id, "village_code": path[2], "village_name": e.village_name, "county_code": path[0],
                "town_code": path[1], "enrol_year": e.year, "sponsor_code": e.sponsor_code,
                "sponsor_name": e.sponsor_name, "status": "enrolled", "named_year": None, "revoked_year": None,
            }  # fmt: skip
            self.villages[village_id] = row  # type: ignore[assignment]
        else:
            row = self._row(self.villages, "v_no_litigation", village_id)
            if row is None:
                return
            row["status"] = e.status
            if kind == "Named":
                row["named_year"] = e.year
            elif kind == "Revoked":
                row["revoked_year"] = e.year
            elif kind == "Assessed":
                ev = e.evidence
                self.assessments[(row["village_code"], e.year)] = (
                    row["village_code"], e.year, int(e.complete), int(e.passed), ev["court_cases"]["count"],
                    ev["serious_incidents"]["count"], ev["mass_incidents"]["count"], ev["court_source"], position,
                )  # fmt: skip
        assert row is not None
        row.update(version=e.originator_version, position=position, recorded_at=utc_text(e.timestamp))

    def flush(self) -> None:
        cur = self.cur
        cur.executemany(_UPSERT_CARD, [tuple(r[c] for c in CARD_COLUMNS) for r in self.cards.values()])
        cur.executemany(_UPSERT_VILLAGE, [tuple(r[c] for c in VILLAGE_COLUMNS) for r in self.villages.values()])
        cur.executemany(_UPSERT_ASSESSMENT, list(self.assessments.values()))
        self.cards, self.villages, self.assessments = {}, {}, {}


# ---------------------------------------------------------------------- cards


def _card_entry(row: dict[str, Any], today: date) -> dict[str, Any]:
    entry = {c: row[c] for c in CARD_COLUMNS if c not in ("version", "position", "recorded_at")}
    entry["open"] = row["status"] in OPEN_STATES
    entry["rectification"] = rectification(row["plan_due_on"], row["plan_filed_on"], today)
    entry["version"], entry["position"] = int(row["version"]), int(row["position"])
    return entry


def list_cards(
    cur: Cursor,
    *,
    today: date,
    county: str | None = None,
    town: str | None = None,
    period: str | None = None,
    status: str | None = None,
    target: str | None = None,
) -> list[dict[str, Any]]:
    """Issued cards, newest first, each with its rectification standing on ``today``."""
    where, params = [], []
    for column, value in (("county_code", county), ("town_code", town), ("period", period), ("status", status),
                          ("target_code", target)):  # fmt: skip
        if value:
            where.append(f"{column} = %s")
            params.append(value)
    sql = "SELECT * FROM v_cards" + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY issued_at DESC, id"
    return [_card_entry(r, today) for r in cur.all(sql, params)]


def card_summary(
    cur: Cursor, *, county: str, period: str | None, today: date, town: str | None = None
) -> dict[str, Any]:
    """Towns and departments carded (per period), open cards and overdue rectifications; with
    ``town``, only that town's cards (what an actor scoped to the town may see)."""
    cards = list_cards(cur, today=today, county=county, period=period, town=town)
    by_kind: dict[str, set[str]] = {"town": set(), "department": set()}
    for c in cards:
        by_kind[c["target_kind"]].add(c["target_code"])
    return {
        "county": county,
        "period": period,
        "today": today.isoformat(),
        "cards": len(cards),
        "red": sum(1 for c in cards if c["level"] == "red"),
        "yellow": sum(1 for c in cards if c["level"] == "yellow"),
        "towns_carded": len(by_kind["town"]),
        "departments_carded": len(by_kind["department"]),
        "open": sum(1 for c in cards if c["open"]),
        "rectification_overdue": sum(1 for c in cards if c["open"] and c["rectification"] == "overdue"),
        "rectification_filed_late": sum(1 for c in cards if c["rectification"] == "filed_late"),
        "towns": sorted(by_kind["town"]),
        "departments": sorted(by_kind["department"]),
    }


def earlier_cards(cur: Cursor, target_code: str) -> list[dict[str, Any]]:
    """Cards issued to a target (id, level as issued, issued_at) for the repeat-yellow rule."""
    rows = cur.all(
        "SELECT id, issued_level AS level, issued_at FROM v_cards WHERE target_code = %s ORDER BY issued_at",
        (target_code,),
    )
    return rows


# ---------------------------------------------------------------------- 无讼村


def list_villages(cur: Cursor, *, county: str, year: int | None = None) -> list[dict[str, Any]]:
    """Enrolled villages of a county (enrolled in ``year`` or before), with their assessment of
    ``year`` when there is one."""
    params: list[Any] = [county]
    sql = "SELECT * FROM v_no_litigation WHERE county_code = %s"
    if year is not None:
        sql += " AND enrol_year <= %s"
        params.append(year)
    rows = cur.all(sql + " ORDER BY village_code", params)
    assessed: dict[str, dict[str, Any]] = {}
    if year is not None and rows:
        for a in cur.all("SELECT * FROM v_no_litigation_years WHERE year = %s", (year,)):
            assessed[a["village_code"]] = a
    result = []
    for r in rows:
        entry = {c: r[c] for c in VILLAGE_COLUMNS if c not in ("recorded_at",)}
        found = assessed.get(r["village_code"])
        entry["assessment"] = None if found is None else {
            "year": int(found["year"]), "complete": bool(found["complete"]), "passed": bool(found["passed"]),
            "court_cases": int(found["court_cases"]), "serious_incidents": int(found["serious_incidents"]),
            "mass_incidents": int(found["mass_incidents"]), "court_source": found["court_source"],
        }  # fmt: skip
        result.append(entry)
    return result


def coverage(cur: Cursor, *, county: str, target_year: int | None, target_share: float) -> dict[str, Any]:
    """Named villages against all the county's villages, toward its target (year and share)."""
    villages = int(cur.scalar("SELECT COUNT(*) FROM v_regions WHERE level = 'village' AND county_code = %s", (county,)) or 0)
    counts = {r["status"]: int(r["n"]) for r in cur.all(
        "SELECT status, COUNT(*) AS n FROM v_no_litigation WHERE county_code = %s GROUP BY status", (county,))}  # fmt: skip
    named = counts.get("named", 0)
    return {
        "villages": villages,
        "enrolled": sum(counts.values()),
        "named": named,
        "revoked": counts.get("revoked", 0),
        "named_share": None if not villages else named / villages,
        "target_year": target_year,
        "target_share": target_share,
        "target_villages": None if not villages else -(-int(villages * target_share * 1000) // 1000),
    }


# ---------------------------------------------------------------------- evidence for an assessment


def _has_table(cur: Cursor, table: str) -> bool:
    if cur.sqlite:
        return cur.scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = %s", (table,)) == 1
    return cur.scalar("SELECT to_regclass(%s) IS NOT NULL", (table,)) is True


def village_evidence(
    cur: Cursor,
    *,
    village_code: str,
    year: int,
    incident_of: Any,
    domicile: str = "defendant",
    kinds: tuple[str, ...] = ("民初", "行初"),
    major: tuple[str, ...] = ("major", "grave"),
    tz: tzinfo = UTC,
) -> dict[str, Any]:
    """What the §6 无讼村 criteria find for one village over one calendar year in ``tz``: court
    cases (from the court feed when its view exists and holds cases, else the ledger's own
    filings — ``court_source`` says which), serious incidents (民转刑 / 个人极端 at severity
    ``major`` or above) and mass incidents, each with the case numbers or ids behind the count.
    ``incident_of(position)`` reads one IncidentReported event (kind, severity) from the store."""
    if domicile not in ("defendant", "plaintiff"):
        raise InvalidValue("LEDGER_LITIGATION_DOMICILE", "defendant or plaintiff")
    first, last = f"{year:04d}-01-01", f"{year:04d}-12-31"
    court: list[dict[str, Any]] | None = None
    if _has_table(cur, "v_court_cases") and cur.scalar("SELECT COUNT(*) FROM v_court_cases"):
        marks = ", ".join(["%s"] * len(kinds))
        rows = cur.all(
            f"SELECT case_number FROM v_court_cases WHERE {domicile}_village = %s AND filed_on BETWEEN %s AND %s "
            f"AND kind IN ({marks}) ORDER BY case_number",
            (village_code, first, last, *kinds),
        )
        court = [{"case_number": r["case_number"]} for r in rows]
        source = "court_feed"
    # From the event index (v_events), not the indicator facts: its shape is the same in every
    # version of the views, and it keeps every filing and incident, not only a case's first.
    start, end = (utc_text(datetime(y, 1, 1, tzinfo=tz)) for y in (year, year + 1))
    if court is None:
        rows = cur.all(
            "SELECT e.case_id, MIN(e.position) AS position, c.court_case_number FROM v_events e "
            "JOIN v_cases c ON c.id = e.case_id WHERE e.event_type = 'FiledInCourt' AND c.village_code = %s "
            "AND e.occurred_at >= %s AND e.occurred_at < %s GROUP BY e.case_id, c.court_case_number ORDER BY 2",
            (village_code, start, end),
        )
        court = [{"case_id": r["case_id"], "case_number": r["court_case_number"]} for r in rows]
        source = "ledger_filings"
    serious: list[dict[str, Any]] = []
    mass: list[dict[str, Any]] = []
    incidents = cur.all(
        "SELECT e.position, e.case_id FROM v_events e JOIN v_cases c ON c.id = e.case_id "
        "WHERE e.event_type = 'IncidentReported' AND c.village_code = %s AND e.occurred_at >= %s "
        "AND e.occurred_at < %s ORDER BY e.position",
        (village_code, start, end),
    )
    for r in incidents:
        kind, severity = incident_of(int(r["position"]))
        item = {"case_id": r["case_id"], "position": int(r["position"]), "kind": kind, "severity": severity}
        if kind == "mass_incident":
            mass.append(item)
        elif severity in major:
            serious.append(item)
    return {
        "year": year,
        "court_source": source,
        "court_cases": {"count": len(court), "items": court},
        "serious_incidents": {"count": len(serious), "items": serious},
        "mass_incidents": {"count": len(mass), "items": mass},
    }


def town_row(cur: Cursor, *, county: str, town: str, period: str, as_of: datetime | None = None) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """A town's indicator row and its county's row for a period, as the views stand now."""
    from projections.indicators import indicator_table

    county_row = indicator_table(cur, region=county, period=period, level="county", as_of=as_of)["rows"][0]
    rows = indicator_table(cur, region=county, period=period, level="town", as_of=as_of)["rows"]
    found: dict[str, Any] | None = next((r for r in rows if r["region_code"] == town), None)
    return found, county_row


# ---------------------------------------------------------------------- card proposals


def with_issued_cards(cur: Cursor, town: str, proposal: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The proposal for ``town`` once the cards already issued are known: a second yellow within
    a year is proposed red (domain.card.repeat_yellow). The proposals endpoint calls this on
    every town's proposal."""
    from domain.card import repeat_yellow

    return repeat_yellow(proposal, earlier_cards(cur, town), at)


def card_proposals(cur: Cursor, *, county: str, period: str, rules: tuple[Any, ...], now: datetime) -> dict[str, Any]:
    """Every town's proposal for a period as GET /indicators/warnings gives it (projections/
    warnings.py): the rules on the indicator rows as the views stand now, issued cards applied,
    with the rows themselves (the figures a card issued on it freezes)."""
    from application.config import county_tz
    from projections.warnings import town_cards

    return town_cards(cur, county=county, period=period, now=now, tz=county_tz(), rules=rules)
