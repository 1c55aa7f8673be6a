"""Indicators of DESIGN.md §6 (version 2), derived at query time from stored counts, so a
correction can never leave a stale ratio.

Counting is by case: each case earns an indicator's fact at most once per life (see
projections/case_facts.py), on the county's local day of the event that first qualifies it; a
span counts each case once per indicator even when a reopened case earned the fact again inside
it. The present is read from the aggregate v_counts (minus those repeats, found among the few
facts of reopened cases); any recorded instant (``as_of``) from the per-case facts with the
case's category and region as the ledger knew them then. Litigation (万人成讼率, 无讼村) comes from
the court's own filings (v_court_cases, DESIGN.md §9), never from ledger filings.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.codes import Category, Source
from domain.errors import InvalidValue
from projections.case_facts import SEVERITIES, incident_kind
from projections.cases import _OVERDUE_AT, OPEN_AT, open_and_overdue
from projections.periods import Period, Span, utc_text
from projections.store import Cursor

LEVELS = {"county": "county_code", "town": "town_code", "village": "village_code"}
CODE_LENGTH_LEVEL = {6: "county", 9: "town", 12: "village"}
GROUPS = ("region", "category")
COURT_DIVERSION = Source.COURT_DIVERSION.value

#: Every indicator of a row, by its name in the answer.
INDICATORS = (
    "disputes_reported", "disputes_assigned", "resolved_pre_litigation", "resolution_rate",
    "mediation_agreements", "mediation_concluded_failures", "mediation_success_rate",
    "court_referral_success_rate", "confirmations_granted", "confirmations_rejected", "confirmation_rate",
    "online_mediations", "online_confirmations", "court_cases", "litigation_per_10k",
    "litigation_per_10k_annualised", "ledger_court_filings", "serious_incidents", "criminal_escalations",
    "extreme_acts", "mass_incidents", "follow_up_rate", "satisfaction_rate", "relapse_rate",
    "mean_days_to_mediated_resolution", "mean_days_in_court", "overdue_open", "overdue_share",
    "no_litigation_villages",
)
#: Indicators compared with last year's same span (↔ in DESIGN.md §6), and for quarters and
#: months with the preceding period clipped to the same days.
COMPARED = (
    "disputes_reported", "disputes_assigned", "resolved_pre_litigation", "confirmations_granted",
    "court_cases", "litigation_per_10k", "ledger_court_filings", "serious_incidents",
)
#: Version 1 names no longer answered, and why (stated in the OpenAPI description too).
RETIRED = {
    "court_filings": "retired in version 2: it counted ledger cases filed in court; that figure is now ledger_court_filings",
    "court_filings_yoy": "retired in version 2: court_cases_yoy (court feed) and ledger_court_filings_yoy replace it",
    "mediation_failures": "retired in version 2: it counted every failure event (a village failure later settled at the town counted too); mediation_concluded_failures counts cases",
    "mean_days_to_resolution": "retired in version 2: it averaged report-to-close over every close; see mean_days_to_mediated_resolution and mean_days_in_court",
}
#: Indicators of the warnings that a cell can also be drilled into (judged like overdue_share).
WARNING_INDICATORS = ("overdue_share",)
_SECONDS_PER_DAY = 86400

Cell = list[float]  # [cases, total value]
Counts = dict[str, dict[str, Cell]]


# ------------------------------------------------------------------------------ configuration


@dataclass(frozen=True)
class LitigationRules:
    """Which court filings make 万人成讼率, from the environment (DESIGN.md §6)."""

    domicile: str = "defendant"
    kinds: tuple[str, ...] = ("民初", "行初")
    exclude_financial: bool = False
    major_severity: str = "major"

    @classmethod
    def from_env(cls) -> LitigationRules:
        domicile = os.environ.get("LEDGER_LITIGATION_DOMICILE", "").strip() or "defendant"
        if domicile not in ("defendant", "plaintiff"):
            raise ValueError("LEDGER_LITIGATION_DOMICILE must be defendant or plaintiff")
        kinds = tuple(k.strip() for k in (os.environ.get("LEDGER_LITIGATION_KINDS", "") or "民初,行初").split(",") if k.strip())
        financial = (os.environ.get("LEDGER_LITIGATION_EXCLUDE_FINANCIAL", "").strip() or "0") not in ("0", "false", "no")
        severity = os.environ.get("LEDGER_MAJOR_SEVERITY", "").strip() or "major"
        if severity not in SEVERITIES:
            raise ValueError(f"LEDGER_MAJOR_SEVERITY must be one of {', '.join(SEVERITIES)}")
        return cls(domicile, kinds, financial, severity)


def region_level(code: str) -> str:
    level = CODE_LENGTH_LEVEL.get(len(code or ""))
    if level is None:
        raise InvalidValue("region", "a county (6 digits), town (9) or village (12) code")
    return level


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    return None if not denominator or numerator is None else numerator / denominator


def _change(now: float | None, before: float | None) -> float | None:
    return None if not before or now is None else (now - before) / before


@dataclass(frozen=True)
class Filters:
    category: str | None = None
    source: str | None = None

    def sql(self, alias: str, *, source_column: str = "source") -> tuple[str, list[Any]]:
        where, params = "", []
        if self.category:
            where += f" AND {alias}.category = %s"
            params.append(self.category)
        if self.source:
            where += f" AND {alias}.{source_column} = %s"
            params.append(self.source)
        return where, params


def _group_column(group: str, level: str) -> str:
    return "category" if group == "category" else LEVELS[level]


# ------------------------------------------------------------------------------ ledger counts


def _add(result: Counts, code: str, kind: str, cd: int, n: float, total: float) -> None:
    for key in (kind, f"{kind}@{COURT_DIVERSION}") if cd else (kind,):
        cell = result[code].setdefault(key, [0.0, 0.0])
        cell[0] += n
        cell[1] += total


def counts(
    cur: Cursor, region: str, span: Span, group_column: str, filters: Filters, *, as_of: datetime | None = None
) -> Counts:
    """{group code: {fact kind: [cases, total]}} over the span's days, inside ``region``; each
    kind also as ``kind@court_diversion`` for the cases of that source."""
    result: Counts = defaultdict(dict)
    if span.days == 0:
        return result
    where_col = LEVELS[region_level(region)]
    if as_of is not None:
        for row in fact_rows(cur, region, span, None, filters, as_of=as_of, group_column=group_column):
            _add(result, row["code"], row["kind"], row["source"] == COURT_DIVERSION, 1, row["value"] or 0.0)
        return result
    cd = f"CASE WHEN source = '{COURT_DIVERSION}' THEN 1 ELSE 0 END"
    days: tuple[str, str] | None = (span.first, span.last)
    if not filters.category and not filters.source and group_column != "category":
        # Whole months from the monthly sums; only the days of a month still running from v_counts.
        months, days = _whole_months(span)
        if months is not None:
            for row in cur.all(
                f"SELECT {group_column} AS code, kind, court_diversion AS cd, SUM(n) AS n, SUM(total) AS total "
                f"FROM v_counts_month WHERE {where_col} = %s AND month BETWEEN %s AND %s "
                f"GROUP BY {group_column}, kind, court_diversion",
                [region, *months],
            ):
                _add(result, row["code"], row["kind"], row["cd"], int(row["n"] or 0), float(row["total"] or 0.0))
    extra, extra_params = filters.sql("v_counts")
    if days is not None:
        for row in cur.all(
            f"SELECT {group_column} AS code, kind, {cd} AS cd, SUM(n) AS n, SUM(total) AS total FROM v_counts "
            f"WHERE {where_col} = %s AND day BETWEEN %s AND %s{extra} GROUP BY {group_column}, kind, {cd}",
            [region, *days, *extra_params],
        ):
            _add(result, row["code"], row["kind"], row["cd"], int(row["n"] or 0), float(row["total"] or 0.0))
    # A reopened case that earned a fact again inside the span counts once: its later facts go.
    extra, extra_params = filters.sql("c")
    ccd = f"CASE WHEN c.source = '{COURT_DIVERSION}' THEN 1 ELSE 0 END"
    for row in cur.all(
        f"SELECT c.{group_column} AS code, f.kind, {ccd} AS cd, COUNT(*) AS n, SUM(f.value) AS total "
        # CROSS JOIN: SQLite then reads the few facts of reopened cases first (PostgreSQL plans freely).
        "FROM v_facts f CROSS JOIN v_cases c "
        f"WHERE c.id = f.case_id AND f.life > 1 AND f.day BETWEEN %s AND %s AND c.{where_col} = %s{extra} "
        "AND EXISTS (SELECT 1 FROM v_facts g WHERE g.case_id = f.case_id AND g.kind = f.kind "
        "AND g.day BETWEEN %s AND %s AND g.position < f.position) "
        f"GROUP BY c.{group_column}, f.kind, {ccd}",
        [span.first, span.last, region, *extra_params, span.first, span.last],
    ):
        _add(result, row["code"], row["kind"], row["cd"], -int(row["n"] or 0), -float(row["total"] or 0.0))
    return result


def _whole_months(span: Span) -> tuple[tuple[str, str] | None, tuple[str, str] | None]:
    """The span as (first, last) whole month keys and (first, last) days of a trailing part
    month; either may be None. Spans always begin on the 1st of a month."""
    following = span.through + timedelta(days=1)
    if following.day == 1:
        return (span.first[:7], span.last[:7]), None
    tail = (span.through.replace(day=1).isoformat(), span.last)
    if span.through.month == span.start.month and span.through.year == span.start.year:
        return None, tail
    previous = span.through.replace(day=1) - timedelta(days=1)
    return (span.first[:7], previous.isoformat()[:7]), tail


def fact_rows(
    cur: Cursor,
    region: str,
    span: Span,
    kinds: Iterable[str] | None,
    filters: Filters,
    *,
    as_of: datetime | None = None,
    group_column: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The facts of the span inside ``region``, each case's first per kind only, in store order:
    the cases a cell counts. With ``as_of``: facts recorded by then, placed by the category and
    region the case had then."""
    if span.days == 0:
        return []
    where_col = LEVELS[region_level(region)]
    kinds = tuple(kinds) if kinds is not None else ()
    kind_sql = f" AND f.kind IN ({', '.join(['%s'] * len(kinds))})" if kinds else ""
    code = f"a.{group_column}" if group_column else "NULL"
    if as_of is None:
        extra, extra_params = filters.sql("c")
        sql = (
            f"SELECT f.case_id, f.kind, f.position, f.day, f.occurred_at, f.recorded_at, f.value, "
            f"c.source, {code.replace('a.', 'c.')} AS code FROM v_facts f JOIN v_cases c ON c.id = f.case_id "
            f"WHERE f.day BETWEEN %s AND %s{kind_sql} AND c.{where_col} = %s{extra} ORDER BY f.position"
        )
        params: list[Any] = [span.first, span.last, *kinds, region, *extra_params]
    else:
        t = utc_text(as_of)
        extra, extra_params = filters.sql("a", source_column="source")
        extra = extra.replace("a.source", "c.source")
        sql = (
            f"SELECT f.case_id, f.kind, f.position, f.day, f.occurred_at, f.recorded_at, f.value, c.source, {code} AS code "
            "FROM v_facts f JOIN v_case_attrs a ON a.case_id = f.case_id JOIN v_cases c ON c.id = f.case_id "
            f"WHERE f.recorded_at <= %s AND f.day BETWEEN %s AND %s{kind_sql} "
            "AND a.position = (SELECT MAX(a2.position) FROM v_case_attrs a2 WHERE a2.case_id = f.case_id AND a2.recorded_at <= %s) "
            f"AND a.{where_col} = %s{extra} ORDER BY f.position"
        )
        params = [t, span.first, span.last, *kinds, t, region, *extra_params]
    seen: set[tuple[str, str]] = set()
    rows = []
    for row in cur.all(sql, params):
        key = (row["case_id"], row["kind"])
        if key in seen:
            continue
        seen.add(key)
        rows.append(row)
        if limit is not None and len(rows) >= limit:
            break
    return rows


# ------------------------------------------------------------------------------ court feed


def has_court_feed(cur: Cursor) -> bool:
    """Whether the views hold the court case feed's table (DESIGN.md §9) at all."""
    if cur.sqlite:
        found = cur.scalar("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'v_court_cases'")
    else:
        found = cur.scalar(
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_name = 'v_court_cases' "
            "AND table_schema = current_schema()"
        )
    return bool(found)


def _court_source(as_of: datetime | None) -> tuple[str, list[Any]]:
    """The court cases as known now, or as the latest version of each recorded by ``as_of``."""
    if as_of is None:
        return "v_court_cases", []
    t = utc_text(as_of)
    return (
        "(SELECT v.* FROM v_court_case_versions v WHERE v.recorded_at <= %s AND v.position = "
        "(SELECT MAX(v2.position) FROM v_court_case_versions v2 WHERE v2.case_number = v.case_number "
        "AND v2.recorded_at <= %s))",
        [t, t],
    )


@dataclass(frozen=True)
class CourtFeed:
    """The span of filing dates the feed holds for a county: it covers a span when its records
    reach from the span's first month to its last (the month of ``through``)."""

    first: str | None
    last: str | None

    def covers(self, span: Span) -> bool:
        if self.first is None or self.last is None:
            return False
        return self.first[:7] <= span.first[:7] and self.last[:7] >= span.last[:7]


def court_feed(cur: Cursor, county: str, as_of: datetime | None) -> CourtFeed:
    if not has_court_feed(cur):
        return CourtFeed(None, None)
    source, params = _court_source(as_of)
    # Read along the filing dates from each end: a county holds nearly every record, so the
    # first one found is its first (or last) at once.
    bounds = [
        cur.one(
            f"SELECT cc.filed_on FROM {source} cc WHERE cc.plaintiff_county = %s OR cc.defendant_county = %s "
            f"ORDER BY cc.filed_on {order} LIMIT 1",
            [*params, county, county],
        )
        for order in ("ASC", "DESC")
    ]
    first, last = (None if b is None else b["filed_on"] for b in bounds)
    return CourtFeed(first, last)


def _court_where(region: str, span: Span, filters: Filters, rules: LitigationRules) -> tuple[str, list[Any]]:
    column = f"{rules.domicile}_{region_level(region)}"
    where = f"cc.{column} = %s AND cc.filed_on BETWEEN %s AND %s AND cc.kind IN ({', '.join(['%s'] * len(rules.kinds))})"
    params: list[Any] = [region, span.first, span.last, *rules.kinds]
    if rules.exclude_financial:
        where += " AND COALESCE(cc.plaintiff_is_financial, 0) = 0"
    if filters.category:
        where += " AND cc.category = %s"
        params.append(filters.category)
    return where, params


def court_counts(
    cur: Cursor, region: str, span: Span, group: str, level: str, filters: Filters, rules: LitigationRules,
    as_of: datetime | None,
) -> dict[str, int]:
    """First-instance filings of the span attributed to the domicile's region, per group code."""
    group_column = "category" if group == "category" else f"{rules.domicile}_{level}"
    source, params = _court_source(as_of)
    where, where_params = _court_where(region, span, filters, rules)
    rows = cur.all(
        f"SELECT cc.{group_column} AS code, COUNT(*) AS n FROM {source} cc WHERE {where} GROUP BY cc.{group_column}",
        [*params, *where_params],
    )
    return {r["code"]: int(r["n"]) for r in rows}


def court_case_rows(
    cur: Cursor, region: str, span: Span, filters: Filters, rules: LitigationRules, as_of: datetime | None, limit: int
) -> list[dict[str, Any]]:
    source, params = _court_source(as_of)
    where, where_params = _court_where(region, span, filters, rules)
    return cur.all(
        f"SELECT cc.case_number, cc.kind AS court_kind, cc.filed_on, cc.category, cc.plaintiff_region, "
        f"cc.defendant_region, cc.position, cc.recorded_at FROM {source} cc WHERE {where} "
        "ORDER BY cc.filed_on, cc.case_number LIMIT %s",
        [*params, *where_params, limit],
    )


# ------------------------------------------------------------------------------ population


@dataclass(frozen=True)
class Population:
    people: int | None
    year: int | None
    note: str | None


def populations(cur: Cursor, region: str, level: str, year: int) -> dict[str, Population]:
    """Resident plus registered floating population of each region of ``level`` inside
    ``region``, summed over its villages. Each village's figure is of ``year`` or, lacking one,
    of its latest earlier year; a village with no figure at all makes its region's population
    unknown (never a smaller sum)."""
    col = LEVELS[region_level(region)]
    villages = cur.all(
        f"SELECT code, name, {LEVELS[level]} AS parent FROM v_regions WHERE level = 'village' AND {col} = %s ORDER BY code",
        (region,),
    )
    figures: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for r in cur.all(
        f"SELECT p.code, p.year, p.population, p.floating FROM v_population p JOIN v_regions r ON r.code = p.code "
        f"WHERE r.level = 'village' AND r.{col} = %s AND p.year <= %s",
        (region, year),
    ):
        for what in ("population", "floating"):
            if r[what] is not None:
                latest = figures[r["code"]].get(what)
                if latest is None or latest[0] < r["year"]:
                    figures[r["code"]][what] = (int(r["year"]), int(r[what]))
    totals: dict[str, list[Any]] = {}
    for v in villages:
        entry = totals.setdefault(v["parent"], [0, None, []])
        resident = figures[v["code"]].get("population")
        if resident is None:
            entry[2].append(f"{v['code']} {v['name']}")
            continue
        entry[0] += resident[1] + figures[v["code"]].get("floating", (0, 0))[1]
        entry[1] = resident[0] if entry[1] is None else min(entry[1], resident[0])
    result = {}
    for code, (people, used, missing) in totals.items():
        if missing:
            shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
            note = f"no population figure for {year} or earlier for village(s) {shown}"
            result[code] = Population(None, None, note)
        else:
            earlier = None if used == year else f"no figure for {year}: the latest earlier one ({used}) is used"
            result[code] = Population(people, used, earlier)
    return result


# ------------------------------------------------------------------------------ the table


def regions_at(cur: Cursor, region: str, level: str) -> list[dict[str, Any]]:
    col = LEVELS[region_level(region)]
    if region_level(region) == level:
        return cur.all("SELECT code, name FROM v_regions WHERE code = %s", (region,))
    return cur.all(f"SELECT code, name FROM v_regions WHERE level = %s AND {col} = %s ORDER BY code", (level, region))


def _n(c: dict[str, Cell], kind: str) -> int:
    return int(c.get(kind, (0, 0.0))[0])


def _mean_days(c: dict[str, Cell], kind: str) -> float | None:
    cell = c.get(kind)
    return None if not cell or not cell[0] else cell[1] / _SECONDS_PER_DAY / cell[0]


def _success(c: dict[str, Cell], suffix: str = "") -> float | None:
    won = _n(c, "agreed" + suffix)
    return _ratio(won, won + _n(c, "mediation_failed" + suffix))


def compared_values(c: dict[str, Cell], court: int | None, population: int | None, severity: str) -> dict[str, Any]:
    """The ↔ indicators from one span's counts (for the span itself and its comparisons)."""
    return {
        "disputes_reported": _n(c, "reported"),
        "disputes_assigned": _n(c, "assigned"),
        "resolved_pre_litigation": _n(c, "resolved_pre_litigation"),
        "confirmations_granted": _n(c, "confirmations_granted"),
        "court_cases": court,
        "litigation_per_10k": None if court is None or not population else court / population * 10000,
        "ledger_court_filings": _n(c, "ledger_court_filings"),
        "serious_incidents": _n(c, incident_kind("any", severity)),
    }


def derive(
    c: dict[str, Cell], *, court: int | None, population: Population, days: int, severity: str
) -> dict[str, Any]:
    values = compared_values(c, court, population.people, severity)
    per_10k = values["litigation_per_10k"]
    followed = _n(c, "followed_up")
    return {
        **values,
        "resolution_rate": _ratio(_n(c, "resolved_pre_litigation"), _n(c, "assigned")),
        "mediation_agreements": _n(c, "agreed"),
        "mediation_concluded_failures": _n(c, "mediation_failed"),
        "mediation_success_rate": _success(c),
        "court_referral_success_rate": _success(c, f"@{COURT_DIVERSION}"),
        "confirmations_rejected": _n(c, "confirmations_rejected"),
        "confirmation_rate": _ratio(_n(c, "confirmations_granted"), _n(c, "agreed")),
        "online_mediations": _n(c, "online_mediations"),
        "online_confirmations": _n(c, "online_confirmations"),
        "litigation_per_10k_annualised": None if per_10k is None or not days else per_10k * 365 / days,
        "criminal_escalations": _n(c, incident_kind("criminal_escalation", severity)),
        "extreme_acts": _n(c, incident_kind("extreme_act", severity)),
        "mass_incidents": _n(c, incident_kind("mass_incident", severity)),
        "follow_up_rate": _ratio(followed, _n(c, "agreed")),
        "satisfaction_rate": _ratio(_n(c, "satisfied"), followed),
        "relapse_rate": _ratio(_n(c, "relapsed"), followed),
        "mean_days_to_mediated_resolution": _mean_days(c, "agreed"),
        "mean_days_in_court": _mean_days(c, "court_outcomes"),
    }


@dataclass(frozen=True)
class Spans:
    period: Period
    main: Span
    last_year: Span
    previous: Span | None
    complete: bool
    judged_at: datetime


def spans(period: str, when: datetime, tz: ZoneInfo) -> Spans:
    p = Period.parse(period)
    main = p.span(when, tz)
    # Overdue work is judged where the span ends: midnight after its last day counted (the end of
    # the period once it is over), like every other figure of the row.
    judged = main.end_instant(tz)
    return Spans(p, main, Period.last_year_span(main), p.previous_span(main), p.complete(when, tz), judged)


def _no_litigation_villages(
    cur: Cursor, region: str, level: str, span: Span, rules: LitigationRules, as_of: datetime | None
) -> dict[str, int]:
    """Villages without a court case, a serious incident or a mass incident over the span."""
    col = LEVELS[region_level(region)]
    villages = cur.all(f"SELECT code, {LEVELS[level]} AS parent FROM v_regions WHERE level = 'village' AND {col} = %s", (region,))
    court = court_counts(cur, region, span, "region", "village", Filters(), rules, as_of)
    facts = counts(cur, region, span, "village_code", Filters(), as_of=as_of)
    marks = (incident_kind("any", rules.major_severity), incident_kind("mass_incident", SEVERITIES[0]))
    result: dict[str, int] = defaultdict(int)
    for v in villages:
        result[v["parent"]] += 0
        if court.get(v["code"], 0) == 0 and not any(_n(facts.get(v["code"], {}), m) for m in marks):
            result[v["parent"]] += 1
    return result


def with_overdue(cur: Cursor, table: dict[str, Any], *, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    """``table`` (left unchanged: it may be cached) with overdue_open and overdue_share judged at
    the end of its period, or ``now`` while it runs. Tables as of an instant leave them null:
    deadlines are known as they are now, not as recorded then."""
    if table["as_of"] is not None:
        return table
    s = spans(table["period"], now, tz)
    column = _group_column(table["group"], table["level"])
    found = open_and_overdue(
        cur, when=s.judged_at, region=table["region"], group=column, category=table["category"], source=table["source"],
        open_now=s.judged_at == now,
    )
    rows = []
    for row in table["rows"]:
        open_cases, late = found.get(row["category"] if table["group"] == "category" else row["region_code"], (0, 0))
        rows.append({**row, "overdue_open": late, "overdue_share": late / open_cases if open_cases else None})
    return {**table, "overdue_judged_at": s.judged_at.isoformat(), "rows": rows}


def indicator_table(
    cur: Cursor,
    *,
    region: str,
    period: str,
    level: str,
    as_of: datetime | None = None,
    now: datetime | None = None,
    tz: ZoneInfo | None = None,
    category: str | None = None,
    source: str | None = None,
    group: str = "region",
    rules: LitigationRules | None = None,
    overdue: bool = True,
    comparisons: bool = True,
) -> dict[str, Any]:
    """The §8 answer: one row per region of ``level`` inside ``region`` (or per category with
    ``group='category'``), for the period's days elapsed as of ``as_of`` or ``now``.
    ``overdue=False`` leaves overdue_open and overdue_share null (see with_overdue): the rest of
    the answer depends on the day only, so it can be kept per views position. ``comparisons=False``
    leaves the comparison fields null (the plain query the benchmark compares with)."""
    if tz is None:
        from application.config import county_tz

        tz = county_tz()
    rules = rules or LitigationRules.from_env()
    if group not in GROUPS:
        raise InvalidValue("group", f"one of {', '.join(GROUPS)}")
    if level not in LEVELS:
        raise InvalidValue("level", f"one of {', '.join(LEVELS)}")
    if category is not None:
        Category.parse("category", category)
    if source is not None:
        Source.parse("source", source)
    filters = Filters(category, source)
    s = spans(period, as_of or now or datetime.now(UTC), tz)
    own = region_level(region)
    if group == "category":
        level = own
    elif list(LEVELS).index(level) < list(LEVELS).index(own):
        raise InvalidValue("level", f"must be at or below the region's own level ({own})")
    known = regions_at(cur, region, own)
    if not known:
        raise InvalidValue("region", f"unknown region {region!r}")
    if group == "category":
        keys = [(c.value, {"category": c.value, "category_label": c.label, "region_code": region, "region_name": known[0]["name"]}) for c in Category]
    else:
        keys = [(r["code"], {"region_code": r["code"], "region_name": r["name"]}) for r in regions_at(cur, region, level)]
    group_column = _group_column(group, level)

    span_list = {"main": s.main}
    if comparisons:
        span_list["last_year"] = s.last_year
        if s.previous is not None:
            span_list["prev"] = s.previous
    counted = {name: counts(cur, region, sp, group_column, filters, as_of=as_of) for name, sp in span_list.items()}
    feed = court_feed(cur, region[:6], as_of)
    # Court records carry no ledger source: a source filter leaves litigation unknown.
    court: dict[str, dict[str, int] | None] = {
        name: court_counts(cur, region, sp, group, level, filters, rules, as_of)
        if feed.covers(sp) and not filters.source else None
        for name, sp in span_list.items()
    }
    pop_level = own if group == "category" else level
    pops = {name: populations(cur, region, pop_level, sp.start.year) for name, sp in span_list.items()}
    no_lit = None
    if s.period.kind == "year" and group == "region" and feed.covers(s.main):
        no_lit = _no_litigation_villages(cur, region, level, s.main, rules, as_of)

    rows = []
    for code, head in keys:
        pop_code = region if group == "category" else code
        pop = pops["main"].get(pop_code, Population(None, None, "no villages"))
        court_now = None if court["main"] is None else court["main"].get(code, 0)
        row: dict[str, Any] = {
            **head,
            "population": pop.people,
            "population_year": pop.year,
            "population_note": pop.note,
            "days": s.main.days,  # DESIGN.md §6: every row carries the days it counts
            **derive(counted["main"].get(code, {}), court=court_now, population=pop, days=s.main.days, severity=rules.major_severity),
            "litigation_source": "none" if court_now is None else "court_feed",
        }
        for name in ("last_year", "prev"):
            if name not in counted:
                for indicator in COMPARED:
                    row[f"{indicator}_{name}"] = None
                    row[f"{indicator}_{'yoy' if name == 'last_year' else 'pop'}"] = None
                continue
            before_court = court[name]
            before = compared_values(
                counted[name].get(code, {}),
                None if before_court is None else before_court.get(code, 0),
                pops[name].get(pop_code, Population(None, None, None)).people,
                rules.major_severity,
            )
            for indicator in COMPARED:
                row[f"{indicator}_{name}"] = before[indicator]
                row[f"{indicator}_{'yoy' if name == 'last_year' else 'pop'}"] = _change(row[indicator], before[indicator])
        row["overdue_open"] = row["overdue_share"] = None
        row["no_litigation_villages"] = None if no_lit is None else no_lit.get(code, 0)
        rows.append(row)
    answer = {
        "period": s.period.text,
        "period_kind": s.period.kind,
        "level": level,
        "group": group,
        "region": region,
        "category": category,
        "source": source,
        "as_of": as_of.isoformat() if as_of else None,
        "complete": s.complete,
        "through": s.main.last,
        "days": s.main.days,
        "last_year_from": s.last_year.first,
        "last_year_through": s.last_year.last,
        "prev_from": None if s.previous is None else s.previous.first,
        "prev_through": None if s.previous is None else s.previous.last,
        "court_feed_from": feed.first,
        "court_feed_through": feed.last,
        "overdue_judged_at": None,
        "rows": rows,
    }
    return with_overdue(cur, answer, now=now or datetime.now(UTC), tz=tz) if overdue else answer


# ------------------------------------------------------------------------------ cells


#: What each cell is made of: component name -> fact kinds whose cases it lists (first per case).
def _components(indicator: str, severity: str) -> dict[str, tuple[str, ...]]:
    cd = f"@{COURT_DIVERSION}"
    incident = {
        "serious_incidents": incident_kind("any", severity),
        "criminal_escalations": incident_kind("criminal_escalation", severity),
        "extreme_acts": incident_kind("extreme_act", severity),
        "mass_incidents": incident_kind("mass_incident", severity),
    }
    table: dict[str, dict[str, tuple[str, ...]]] = {
        "disputes_reported": {"cases": ("reported",)},
        "disputes_assigned": {"cases": ("assigned",)},
        "resolved_pre_litigation": {"cases": ("resolved_pre_litigation",)},
        "resolution_rate": {"numerator": ("resolved_pre_litigation",), "denominator": ("assigned",)},
        "mediation_agreements": {"cases": ("agreed",)},
        "mediation_concluded_failures": {"cases": ("mediation_failed",)},
        "mediation_success_rate": {"numerator": ("agreed",), "denominator": ("agreed", "mediation_failed")},
        "court_referral_success_rate": {"numerator": ("agreed" + cd,), "denominator": ("agreed" + cd, "mediation_failed" + cd)},
        "confirmations_granted": {"cases": ("confirmations_granted",)},
        "confirmations_rejected": {"cases": ("confirmations_rejected",)},
        "confirmation_rate": {"numerator": ("confirmations_granted",), "denominator": ("agreed",)},
        "online_mediations": {"cases": ("online_mediations",)},
        "online_confirmations": {"cases": ("online_confirmations",)},
        "ledger_court_filings": {"cases": ("ledger_court_filings",)},
        "follow_up_rate": {"numerator": ("followed_up",), "denominator": ("agreed",)},
        "satisfaction_rate": {"numerator": ("satisfied",), "denominator": ("followed_up",)},
        "relapse_rate": {"numerator": ("relapsed",), "denominator": ("followed_up",)},
        "mean_days_to_mediated_resolution": {"cases": ("agreed",)},
        "mean_days_in_court": {"cases": ("court_outcomes",)},
        **{name: {"incidents": (kind,)} for name, kind in incident.items()},
    }
    return table[indicator]


_DAYS_UNIT = {"mean_days_to_mediated_resolution", "mean_days_in_court"}
_COURT = ("court_cases", "litigation_per_10k", "litigation_per_10k_annualised")


def cell_evidence(
    cur: Cursor,
    *,
    region: str,
    period: str,
    indicator: str,
    as_of: datetime | None = None,
    now: datetime | None = None,
    tz: ZoneInfo | None = None,
    category: str | None = None,
    source: str | None = None,
    limit: int = 10000,
    rules: LitigationRules | None = None,
) -> dict[str, Any]:
    """The cases that make up one cell (and its comparisons), each with the event that
    qualified it (store position) and the value it adds; rates list their numerator's and
    denominator's cases apart. ``now`` and ``tz`` fix the span (and judge overdue work)."""
    if tz is None:
        from application.config import county_tz

        tz = county_tz()
    now = now or datetime.now(UTC)
    rules = rules or LitigationRules.from_env()
    if indicator in ("overdue_share", "overdue_open"):
        return overdue_evidence(cur, region=region, period=period, as_of=as_of, now=now, tz=tz, limit=limit,
                                category=category, source=source, indicator=indicator)
    if indicator not in INDICATORS:
        raise InvalidValue("indicator", f"one of {', '.join(INDICATORS)}")
    level = region_level(region)
    table = indicator_table(cur, region=region, period=period, level=level, as_of=as_of, now=now, tz=tz,
                            category=category, source=source, rules=rules)
    row = table["rows"][0]
    s = spans(period, as_of or now, tz)
    filters = Filters(category, source)
    named = {"": s.main, "_last_year": s.last_year}
    if s.previous is not None:
        named["_prev"] = s.previous
    if indicator not in COMPARED:
        named = {"": s.main}
    components: dict[str, Any] = {}
    if indicator == "no_litigation_villages":
        components = _village_evidence(cur, region, s, rules, as_of, row["no_litigation_villages"])
    elif indicator in _COURT:
        for suffix, span in named.items():
            feed = court_feed(cur, region[:6], as_of)
            listed = (
                court_case_rows(cur, region, span, filters, rules, as_of, limit)
                if feed.covers(span) and not filters.source else []
            )
            components["court_cases" + suffix] = {
                "count": len(listed), "unit": "count", "covered": feed.covers(span) and not filters.source,
                "from": span.first, "through": span.last,
                "events": [{**r, "value": 1.0} for r in listed],
            }
    else:
        for suffix, span in named.items():
            for name, kinds in _components(indicator, rules.major_severity).items():
                components[name + suffix] = _listing(cur, region, span, kinds, filters, as_of, limit, indicator in _DAYS_UNIT)
    comparisons = {
        key: row.get(f"{indicator}_{key}") for key in ("last_year", "yoy", "prev", "pop") if f"{indicator}_{key}" in row
    }
    return {
        "region_code": region,
        "period": table["period"],
        "indicator": indicator,
        "value": row[indicator],
        "complete": table["complete"],
        "through": table["through"],
        "days": table["days"],
        "category": category,
        "source": source,
        "population": row["population"],
        "population_year": row["population_year"],
        "population_note": row["population_note"],
        "comparisons": comparisons,
        "components": components,
    }


def _listing(
    cur: Cursor, region: str, span: Span, kinds: tuple[str, ...], filters: Filters, as_of: datetime | None,
    limit: int, in_days: bool,
) -> dict[str, Any]:
    listed: list[dict[str, Any]] = []
    for kind in kinds:
        base, _, only = kind.partition("@")
        rows = fact_rows(cur, region, span, (base,), filters, as_of=as_of, limit=None if only else limit)
        if only:
            rows = [r for r in rows if r["source"] == only][:limit]
        listed += rows
    events = [
        {
            "case_id": r["case_id"], "position": r["position"], "fact": r["kind"], "day": r["day"],
            "occurred_at": r["occurred_at"], "recorded_at": r["recorded_at"],
            "value": (r["value"] or 0.0) / _SECONDS_PER_DAY if in_days else 1.0,
        }
        for r in listed
    ]
    return {"count": len(events), "unit": "days" if in_days else "count", "from": span.first, "through": span.last, "events": events}


def _village_evidence(
    cur: Cursor, region: str, s: Spans, rules: LitigationRules, as_of: datetime | None, value: int | None
) -> dict[str, Any]:
    if value is None:
        return {}
    col = LEVELS[region_level(region)]
    villages = cur.all(f"SELECT code, name FROM v_regions WHERE level = 'village' AND {col} = %s ORDER BY code", (region,))
    court = court_counts(cur, region, s.main, "region", "village", Filters(), rules, as_of)
    facts = counts(cur, region, s.main, "village_code", Filters(), as_of=as_of)
    serious = incident_kind("any", rules.major_severity)
    mass = incident_kind("mass_incident", SEVERITIES[0])
    counted: list[dict[str, Any]] = []
    excluded: list[dict[str, Any]] = []
    for v in villages:
        c = facts.get(v["code"], {})
        entry = {"region_code": v["code"], "region_name": v["name"], "court_cases": court.get(v["code"], 0),
                 "serious_incidents": _n(c, serious), "mass_incidents": _n(c, mass), "value": 1.0}
        (excluded if entry["court_cases"] or entry["serious_incidents"] or entry["mass_incidents"] else counted).append(entry)
    return {
        "villages": {"count": len(counted), "unit": "villages", "from": s.main.first, "through": s.main.last, "events": counted},
        "villages_excluded": {"count": len(excluded), "unit": "villages", "from": s.main.first, "through": s.main.last,
                              "events": [{**e, "value": 0.0} for e in excluded]},
    }


def overdue_evidence(
    cur: Cursor,
    *,
    region: str,
    period: str,
    as_of: datetime | None,
    now: datetime,
    tz: ZoneInfo,
    limit: int = 10000,
    category: str | None = None,
    source: str | None = None,
    indicator: str = "overdue_share",
) -> dict[str, Any]:
    """overdue_share of a region as the table judges it: the cases open where the span ends
    (midnight after its last day counted), and those of them with an obligation past due then."""
    if as_of is not None:
        raise InvalidValue("as_of", "overdue_share is judged from the deadlines as known now; omit as_of")
    s = spans(period, now, tz)
    when = s.judged_at
    t = utc_text(when)
    extra, extra_params = Filters(category, source).sql("c")
    overdue = (
        "(SELECT MIN(d.due_at) FROM v_deadlines d WHERE d.case_id = c.id AND d.kind <> 'follow_up' "
        f"AND {_OVERDUE_AT})"
    )
    rows = cur.all(
        f"SELECT c.id AS case_id, c.reported_at, {overdue} AS overdue_since FROM v_cases c "
        f"WHERE c.{LEVELS[region_level(region)]} = %s AND {OPEN_AT}{extra} ORDER BY c.reported_at, c.id LIMIT %s",
        [t, t, t, t, region, t, t, t, *extra_params, limit],
    )
    open_cases = [{"case_id": r["case_id"], "occurred_at": r["reported_at"], "value": 1.0} for r in rows]
    late = [
        {"case_id": r["case_id"], "occurred_at": r["reported_at"], "due_at": r["overdue_since"], "value": 1.0}
        for r in rows
        if r["overdue_since"] is not None
    ]
    share = len(late) / len(open_cases) if open_cases else None
    return {
        "region_code": region,
        "period": s.period.text,
        "indicator": indicator,
        "value": share if indicator == "overdue_share" else len(late),
        "complete": s.complete,
        "through": s.main.last,
        "days": s.main.days,
        "category": category,
        "source": source,
        "judged_at": when.isoformat(),
        "population": None,
        "population_year": None,
        "population_note": None,
        "comparisons": {},
        "components": {
            "open_cases": {"count": len(open_cases), "unit": "count", "events": open_cases},
            "overdue_cases": {"count": len(late), "unit": "count", "events": late},
        },
    }
