"""/indicators: the indicator table of a region and period, the evidence behind one cell, and
the towns' red/yellow cards."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from application.config import county_tz
from domain.codes import IncidentKind, Severity
from domain.errors import InvalidValue
from domain.reference import Actor
from projections.indicators import cell_evidence, indicator_table, region_level, with_overdue
from projections.periods import Period
from projections.warnings import CardThresholds, town_cards
from web.auth import require_covers, require_read
from web.context import cached, fresh_views, ledger, now
from web.errors import COMMON_RESPONSES, HEADERS_KEY, ApiError, ErrorSchema
from web.indicators import schemas as s
from web.json import answer
from web.openapi_headers import LEDGER_POSITION

blp = Blueprint(
    "indicators", __name__, description="Indicators (万人成讼率, 诉前化解, 调解成功率...) and warnings."
)

_DEPTH = ("county", "town", "village")


def _counties() -> list[str]:
    return sorted(r.code for r in ledger().regions().regions.values() if r.level == "county")


def _region(actor: Actor, asked: str | None) -> str:
    """The region asked for, or the actor's own (down to village level), or the county."""
    if asked:
        region = asked.strip()
    else:
        own = [c for c in actor.region_path if len(c) <= 12]
        counties = _counties()
        if not own and not counties:
            raise InvalidValue("region", "no regions are loaded yet")
        region = own[-1] if own else counties[0]
    region_level(region)
    path = ledger().regions().path(region)
    if not path:
        raise InvalidValue("region", f"unknown region {region!r}")
    require_covers(actor, path, f"region {region}")
    return region


#: What the indicator operations answer for a period that lies ahead.
NOT_BEGUN = (
    "period_not_begun: the period has not begun in the county's zone (errors name `period`); or "
    + COMMON_RESPONSES["400"][1]
)


def _begun(period: str) -> str:
    """The period, once it has begun: a period ahead would answer figures that look real (every
    village 无讼, filings -100% on last year) but are only the absence of a future."""
    reason = Period.parse(period).not_begun(now(), county_tz())
    if reason:
        raise ApiError(400, "period_not_begun", reason, errors={"period": [reason]})
    return period


@blp.route("")
class Indicators(MethodView):
    @blp.doc(operationId="get_indicators", **{HEADERS_KEY: [LEDGER_POSITION]})
    @blp.arguments(s.IndicatorQuery, location="query")
    @blp.response(200, s.IndicatorTable)
    @blp.alt_response(400, schema=ErrorSchema, description=NOT_BEGUN)
    @blp.alt_response(403, schema=ErrorSchema, description="region outside your scope")
    def get(self, query: dict[str, Any]) -> Any:
        """One row of every indicator per region of a level (or per category), for a period

        Indicators version 2 (DESIGN.md §6): cases are counted, not events; a period under way
        counts its elapsed whole days (`complete`, `through`, `days`) and is compared with the
        same span a year earlier (`*_last_year`, `*_yoy`) and, for quarters and months, with the
        preceding period clipped to as many days (`*_prev`, `*_pop`). 万人成讼率 comes from the
        court case feed. `litigation_per_10k` keeps its name: version 1 computed it from ledger
        filings, wrongly. Retired version 1 fields (no longer answered, never reused): `court_filings`
        (now `ledger_court_filings`), `court_filings_yoy` (now `court_cases_yoy` and
        `ledger_court_filings_yoy`), `mediation_failures` (now `mediation_concluded_failures`, cases
        whose mediation ended without agreement), `mean_days_to_resolution` (now
        `mean_days_to_mediated_resolution` and `mean_days_in_court`).
        """
        actor = require_read("indicators")
        region = _region(actor, query.get("region"))
        level = query.get("level") or _DEPTH[max(_DEPTH.index("town"), _DEPTH.index(region_level(region)))]
        period, as_of = _begun(query["period"]), query.get("as_of")
        category, source, group = query.get("category"), query.get("source"), query.get("group") or "region"
        clock, tz = now(), county_tz()
        # The cached part depends on the county's day (the span counted), not on the instant; so
        # does overdue work once the period has ended (judged at its end), not while it runs.
        today = (as_of or clock).astimezone(tz).date().isoformat()
        ended = Period.parse(period).complete(as_of or clock, tz)
        with fresh_views() as cur:
            table = cached(
                cur,
                # as text: equal instants in two offsets are equal keys, but answer differently
                ("indicators", region, period, level, as_of.isoformat() if as_of else None, category, source, group, today),
                lambda c: indicator_table(
                    c, region=region, period=period, level=level, as_of=as_of, now=clock, tz=tz,
                    category=category, source=source, group=group, overdue=ended,
                ),
            )
            if not ended:
                table = with_overdue(cur, table, now=clock, tz=tz)
        return answer(table)


@blp.route("/cell")
class IndicatorCell(MethodView):
    @blp.doc(operationId="get_indicator_cell", **{HEADERS_KEY: [LEDGER_POSITION]})
    @blp.arguments(s.CellQuery, location="query")
    @blp.response(200, s.Cell)
    @blp.alt_response(400, schema=ErrorSchema, description=NOT_BEGUN)
    @blp.alt_response(403, schema=ErrorSchema, description="region outside your scope")
    def get(self, query: dict[str, Any]) -> Any:
        """The cases behind one cell: each with the event that counted it and its store position

        A rate lists its numerator's and its denominator's cases apart; an indicator compared
        with other spans lists theirs too (`<component>_last_year`, `<component>_prev`); court
        cases are listed by case number; 无讼村 by village.
        """
        actor = require_read("indicators")
        region = _region(actor, query.get("region"))
        with fresh_views() as cur:
            cell = cell_evidence(
                cur,
                region=region,
                period=_begun(query["period"]),
                indicator=query["indicator"],
                as_of=query.get("as_of"),
                now=now(),
                tz=county_tz(),
                category=query.get("category"),
                source=query.get("source"),
            )
        _describe_incidents(cell)
        return cell


def _describe_incidents(cell: dict[str, Any]) -> None:
    """An incident is listed with its kind and severity (codes and Chinese labels), read from its
    own stored event: the views count incidents but keep no details. The description is free
    text that may name people, so it stays in the case's history."""
    listings = [c for name, c in cell["components"].items() if name.startswith("incidents")]
    if not listings:
        return
    store = ledger()
    for listed in (e for c in listings for e in c["events"]):
        (note,) = store.recorder.select_notifications(start=listed["position"], limit=1)
        if note.id != listed["position"]:
            continue  # cannot happen while views follow the store; leave the entry as counted
        event = store.mapper.to_domain_event(note)
        kind, severity = IncidentKind(event.kind), Severity(event.severity)
        listed.update(
            kind=kind.value, kind_label=kind.label, severity=severity.value, severity_label=severity.label
        )


@blp.route("/warnings")
class Warnings(MethodView):
    @blp.doc(operationId="get_warnings", **{HEADERS_KEY: [LEDGER_POSITION]})
    @blp.arguments(s.WarningQuery, location="query")
    @blp.response(200, s.Warnings)
    @blp.alt_response(400, schema=ErrorSchema, description=NOT_BEGUN)
    @blp.alt_response(403, schema=ErrorSchema, description="role may not read warnings")
    def get(self, query: dict[str, Any]) -> Any:
        """Red and yellow cards (红黄牌预警) of the county's towns for a period, with their reasons

        Overdue work is judged at the end of the period, or now while the period runs.
        """
        actor = require_read("warnings")
        counties = _counties()
        county = (query.get("county") or (actor.region_path[0] if actor.region_path else "")).strip()
        if not county and counties:
            county = counties[0]
        if county not in counties:
            raise InvalidValue(
                "county", f"unknown county {county!r}; one of: {', '.join(counties) or 'none loaded'}"
            )
        if actor.region_path and actor.region_path[0] != county:
            require_covers(actor, [county], f"county {county}")
        with fresh_views() as cur:
            cards = town_cards(
                cur,
                county=county,
                period=_begun(query["period"]),
                now=now(),
                tz=county_tz(),
                thresholds=CardThresholds.from_env(),
            )
        scope = actor.region_path
        if len(scope) > 1:
            # A scope below the county sees the cards of its own town only.
            cards["towns"] = [t for t in cards["towns"] if t["region_code"] == scope[1]]
        return cards
