"""Indicators of DESIGN.md §6, derived at query time from stored counts, so a correction can
never leave a stale ratio. The same derivation serves the present (from the aggregated counts)
and any recorded instant (from the fact table)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.errors import InvalidValue
from projections.cases import _OVERDUE_AT
from projections.periods import Period, utc_text
from projections.store import Cursor

LEVELS = {"county": "county_code", "town": "town_code", "village": "village_code"}
CODE_LENGTH_LEVEL = {6: "county", 9: "town", 12: "village"}
INDICATORS = (
    "disputes_reported", "resolved_pre_litigation", "mediation_agreements", "mediation_failures",
    "mediation_success_rate", "confirmations_granted", "court_filings", "litigation_per_10k",
    "court_filings_yoy", "serious_incidents", "follow_up_rate", "mean_days_to_resolution",
    "no_litigation_villages",
)
#: Which stored counts each indicator is made of (the evidence behind a cell).
COMPONENTS = {
    "disputes_reported": ("reported",),
    "resolved_pre_litigation": ("resolved_pre_litigation",),
    "mediation_agreements": ("agreements",),
    "mediation_failures": ("failures",),
    "mediation_success_rate": ("agreements", "failures"),
    "confirmations_granted": ("confirmations_granted",),
    "court_filings": ("court_filings",),
    "litigation_per_10k": ("court_filings",),
    "court_filings_yoy": ("court_filings",),
    "serious_incidents": ("incidents",),
    "follow_up_rate": ("followable_closes", "followed_up_closes"),
    "mean_days_to_resolution": ("closes",),
    "no_litigation_villages": ("court_filings",),
}

#: Indicators of the warnings (projections/warnings.py) that a cell can also be drilled into.
WARNING_INDICATORS = ("overdue_share",)
#: What one counted event adds to its component, in the component's unit. A count's facts store
#: no value of their own (0.0), so each is shown as the 1 it adds; a close stores whole seconds
#: from report to close, shown in days like mean_days_to_resolution.
_SECONDS_PER_DAY = 86400
_UNITS = {"closes": "days"}

Counts = dict[str, dict[str, tuple[int, float]]]


def region_level(code: str) -> str:
    level = CODE_LENGTH_LEVEL.get(len(code or ""))
    if level is None:
        raise InvalidValue("region", "a county (6 digits), town (9) or village (12) code")
    return level


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if not denominator else numerator / denominator


def counts(
    cur: Cursor, region: str, months: tuple[str, str], group_level: str, *, as_of: datetime | None = None, kinds: tuple[str, ...] = ()
) -> Counts:
    """{region code at group_level: {kind: (n, total)}} for the months, inside ``region``."""
    where_col = LEVELS[region_level(region)]
    group_col = LEVELS[group_level]
    kind_filter = f" AND {{k}} IN ({', '.join(['%s'] * len(kinds))})" if kinds else ""
    if as_of is None:
        sql = (
            f"SELECT {group_col} AS code, kind, SUM(n) AS n, SUM(total) AS total FROM v_counts "
            f"WHERE {where_col} = %s AND month BETWEEN %s AND %s{kind_filter.format(k='kind')} GROUP BY {group_col}, kind"
        )
        params: list[Any] = [region, *months, *kinds]
    else:
        # The case's category and region as the ledger knew them at ``as_of``.
        sql = (
            f"SELECT a.{group_col} AS code, f.kind, COUNT(*) AS n, SUM(f.value) AS total "
            "FROM v_facts f JOIN v_case_attrs a ON a.case_id = f.case_id "
            "WHERE f.recorded_at <= %s AND f.month BETWEEN %s AND %s"
            f"{kind_filter.format(k='f.kind')} "
            "AND a.position = (SELECT MAX(a2.position) FROM v_case_attrs a2 WHERE a2.case_id = f.case_id AND a2.recorded_at <= %s) "
            f"AND a.{where_col} = %s GROUP BY a.{group_col}, f.kind"
        )
        t = utc_text(as_of)
        params = [t, *months, *kinds, t, region]
    result: Counts = defaultdict(dict)
    for row in cur.all(sql, params):
        result[row["code"]][row["kind"]] = (int(row["n"] or 0), float(row["total"] or 0.0))
    return result


def regions_at(cur: Cursor, region: str, level: str) -> list[dict[str, Any]]:
    col = LEVELS[region_level(region)]
    if region_level(region) == level:
        return cur.all("SELECT code, name FROM v_regions WHERE code = %s", (region,))
    return cur.all(f"SELECT code, name FROM v_regions WHERE level = %s AND {col} = %s ORDER BY code", (level, region))


def populations(cur: Cursor, region: str, level: str, year: int) -> dict[str, int]:
    col = LEVELS[region_level(region)]
    rows = cur.all(
        f"SELECT r.{LEVELS[level]} AS code, SUM(p.population) AS population FROM v_population p "
        f"JOIN v_regions r ON r.code = p.code WHERE r.level = 'village' AND p.year = %s AND r.{col} = %s "
        f"GROUP BY r.{LEVELS[level]}",
        (year, region),
    )
    return {r["code"]: int(r["population"]) for r in rows}


def villages_without_filings(cur: Cursor, region: str, level: str, year: int, *, as_of: datetime | None = None) -> dict[str, int]:
    col = LEVELS[region_level(region)]
    villages = cur.all(f"SELECT code, {LEVELS[level]} AS parent FROM v_regions WHERE level = 'village' AND {col} = %s", (region,))
    filed = counts(cur, region, (f"{year}-01", f"{year}-12"), "village", as_of=as_of, kinds=("court_filings",))
    result: dict[str, int] = defaultdict(int)
    for v in villages:
        if not filed.get(v["code"], {}).get("court_filings", (0, 0))[0]:
            result[v["parent"]] += 1
    return result


def derive(c: dict[str, tuple[int, float]], last_year: dict[str, tuple[int, float]], population: int | None, no_lit: int) -> dict[str, Any]:
    def n(kind: str) -> int:
        return c.get(kind, (0, 0.0))[0]

    agreements, failures, filings = n("agreements"), n("failures"), n("court_filings")
    last_filings = last_year.get("court_filings", (0, 0.0))[0]
    return {
        "disputes_reported": n("reported"),
        "resolved_pre_litigation": n("resolved_pre_litigation"),
        "mediation_agreements": agreements,
        "mediation_failures": failures,
        "mediation_success_rate": _ratio(agreements, agreements + failures),
        "confirmations_granted": n("confirmations_granted"),
        "court_filings": filings,
        "litigation_per_10k": None if not population else filings / population * 10000,
        "court_filings_yoy": _ratio(filings - last_filings, last_filings),
        "serious_incidents": n("incidents"),
        "follow_up_rate": _ratio(n("followed_up_closes"), n("followable_closes")),
        "mean_days_to_resolution": _ratio(c.get("closes", (0, 0.0))[1] / 86400, n("closes")),
        "no_litigation_villages": no_lit,
    }


def indicator_table(
    cur: Cursor, *, region: str, period: str, level: str, as_of: datetime | None = None
) -> dict[str, Any]:
    if level not in LEVELS:
        raise InvalidValue("level", f"one of {', '.join(LEVELS)}")
    p = Period.parse(period)
    if list(LEVELS).index(level) < list(LEVELS).index(region_level(region)):
        raise InvalidValue("level", f"must be at or below the region's own level ({region_level(region)})")
    rows_regions = regions_at(cur, region, level)
    if not rows_regions:
        raise InvalidValue("region", f"unknown region {region!r}")
    now = counts(cur, region, p.months, level, as_of=as_of)
    before = counts(cur, region, p.same_last_year().months, level, as_of=as_of, kinds=("court_filings",))
    pops = populations(cur, region, level, p.year)
    no_lit = villages_without_filings(cur, region, level, p.year, as_of=as_of)
    rows = []
    for r in rows_regions:
        code = r["code"]
        rows.append(
            {
                "region_code": code,
                "region_name": r["name"],
                "population": pops.get(code),
                **derive(now.get(code, {}), before.get(code, {}), pops.get(code), no_lit.get(code, 0)),
            }
        )
    return {"period": p.text, "level": level, "region": region, "as_of": as_of.isoformat() if as_of else None, "rows": rows}


def cell_evidence(
    cur: Cursor,
    *,
    region: str,
    period: str,
    indicator: str,
    as_of: datetime | None = None,
    now: datetime | None = None,
    tz: ZoneInfo | None = None,
    limit: int = 10000,
) -> dict[str, Any]:
    """The facts that make up one cell, each naming its case and event position, with the value
    it adds to the cell. ``now`` and ``tz`` judge overdue_share (as the warnings do)."""
    if indicator in WARNING_INDICATORS:
        if now is None or tz is None:
            raise ValueError("overdue_share is judged at an instant: pass now and tz")
        return overdue_evidence(cur, region=region, period=period, as_of=as_of, now=now, tz=tz, limit=limit)
    if indicator not in COMPONENTS:
        raise InvalidValue("indicator", f"one of {', '.join(INDICATORS + WARNING_INDICATORS)}")
    level = region_level(region)
    table = indicator_table(cur, region=region, period=period, level=level, as_of=as_of)
    p = Period.parse(period)
    months = p.months
    if indicator == "no_litigation_villages":
        months = (f"{p.year}-01", f"{p.year}-12")
    wanted = [(kind, kind, months) for kind in COMPONENTS[indicator]]
    if indicator == "court_filings_yoy":
        # The change is measured against the same months a year before: those filings count too.
        wanted.append(("court_filings_last_year", "court_filings", p.same_last_year().months))
    components = {
        name: _component(cur, kind, months_, region, as_of, limit) for name, kind, months_ in wanted
    }
    row = table["rows"][0]
    return {
        "region_code": region,
        "period": p.text,
        "indicator": indicator,
        "value": row[indicator],
        "population": row["population"],
        "population_year": p.year,
        "components": components,
    }


def _component(
    cur: Cursor, kind: str, months: tuple[str, str], region: str, as_of: datetime | None, limit: int
) -> dict[str, Any]:
    col = LEVELS[region_level(region)]
    if as_of is None:
        sql = (
            "SELECT f.case_id, f.position, f.occurred_at, f.recorded_at, f.value FROM v_facts f "
            f"JOIN v_cases c ON c.id = f.case_id WHERE f.kind = %s AND f.month BETWEEN %s AND %s AND c.{col} = %s "
            "ORDER BY f.position LIMIT %s"
        )
        params: list[Any] = [kind, *months, region, limit]
    else:
        t = utc_text(as_of)
        sql = (
            "SELECT f.case_id, f.position, f.occurred_at, f.recorded_at, f.value FROM v_facts f "
            "JOIN v_case_attrs a ON a.case_id = f.case_id WHERE f.kind = %s AND f.month BETWEEN %s AND %s "
            "AND f.recorded_at <= %s AND a.position = (SELECT MAX(a2.position) FROM v_case_attrs a2 "
            f"WHERE a2.case_id = f.case_id AND a2.recorded_at <= %s) AND a.{col} = %s ORDER BY f.position LIMIT %s"
        )
        params = [kind, *months, t, t, region, limit]
    events = cur.all(sql, params)
    unit = _UNITS.get(kind, "count")
    for event in events:
        event["value"] = (event["value"] or 0.0) / _SECONDS_PER_DAY if unit == "days" else 1.0
    return {"count": len(events), "unit": unit, "events": events}


def overdue_evidence(
    cur: Cursor,
    *,
    region: str,
    period: str,
    as_of: datetime | None,
    now: datetime,
    tz: ZoneInfo,
    limit: int = 10000,
) -> dict[str, Any]:
    """overdue_share of a region as the warnings judge it (projections/warnings.py): the cases open
    at the end of the period, or now while it runs, and those of them with a deadline other than a
    follow-up visit pending and past due then."""
    if as_of is not None:
        raise InvalidValue("as_of", "overdue_share is judged from the deadlines as known now; omit as_of")
    p = Period.parse(period)
    when = min(now, p.bounds(tz)[1])
    t = utc_text(when)
    overdue = (
        "(SELECT MIN(d.due_at) FROM v_deadlines d WHERE d.case_id = c.id AND d.kind <> 'follow_up' "
        f"AND {_OVERDUE_AT})"
    )
    rows = cur.all(
        f"SELECT c.id AS case_id, c.reported_at, {overdue} AS overdue_since FROM v_cases c "
        f"WHERE c.{LEVELS[region_level(region)]} = %s AND c.reported_at <= %s "
        "AND (c.closed_at IS NULL OR c.closed_at > %s) ORDER BY c.reported_at, c.id LIMIT %s",
        [t, t, t, t, region, t, t, limit],
    )
    open_cases = [{"case_id": r["case_id"], "occurred_at": r["reported_at"], "value": 1.0} for r in rows]
    late = [
        {"case_id": r["case_id"], "occurred_at": r["reported_at"], "due_at": r["overdue_since"], "value": 1.0}
        for r in rows
        if r["overdue_since"] is not None
    ]
    return {
        "region_code": region,
        "period": p.text,
        "indicator": "overdue_share",
        "value": len(late) / len(open_cases) if open_cases else 0.0,
        "judged_at": when.isoformat(),
        "population": None,
        "population_year": p.year,
        "components": {
            "open_cases": {"count": len(open_cases), "unit": "count", "events": open_cases},
            "overdue_cases": {"count": len(late), "unit": "count", "events": late},
        },
    }
