"""指标看板: the region's indicator table for a period (sortable, year-on-year arrows, every
figure a link to the cases behind it), a 24-month trend chart, and the table as CSV and XLSX.

The table is rendered from whatever indicators the answer carries (web/ui/labels.py names them
in Chinese), so a new version of the indicators needs no change here."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlencode

import marshmallow as ma
from flask import render_template, request, send_file, url_for

from application.config import county_tz
from domain.errors import InvalidValue
from projections import indicators as ind
from projections.periods import Period
from projections.store import Cursor
from web.auth import require_read
from web.context import cached, fresh_views, now
from web.indicators.routes import _begun, _describe_incidents, _region
from web.indicators.schemas import period_in_window
from web.ui import charts, tables, warnings
from web.ui.blueprint import ui
from web.ui.labels import figure, indicator_columns, indicator_label, is_fraction, local, yoy_arrow

LEVEL_LABELS = {"county": "县(区)", "town": "乡镇(街道)", "village": "村(社区)"}
_DEPTH = ("county", "town", "village")
TREND_MONTHS = 24
#: Series of the trend chart, each the first of its names the answer carries (v2, then v1).
TREND_SERIES = (
    ("新发纠纷", ("disputes_reported",)),
    ("诉前化解", ("resolved_pre_litigation",)),
    ("法院收案", ("court_cases", "ledger_court_filings", "court_filings")),
)


def _period() -> str:
    raw = request.args.get("period", "").strip()
    if not raw:
        return str(now().astimezone(county_tz()).year)
    try:
        period_in_window(raw)
        Period.parse(raw)
    except ma.ValidationError as e:
        raise InvalidValue("period", "; ".join(str(m) for m in e.messages)) from None
    except ValueError as e:
        raise InvalidValue("period", str(e)) from None
    return _begun(raw)


def _level(region: str) -> str:
    own = ind.region_level(region)
    allowed = _DEPTH[_DEPTH.index(own) :]
    raw = request.args.get("level", "").strip()
    if not raw:
        return allowed[min(1, len(allowed) - 1)]
    if raw not in allowed:
        raise InvalidValue("level", f"可选：{'、'.join(LEVEL_LABELS[a] for a in allowed)}")
    return raw


def _table(
    cur: Cursor, region: str, period: str, level: str, *, comparisons: bool = True, overdue: bool = True
) -> dict[str, Any]:
    """The indicator table, kept per views position and county day as the API keeps it (the
    overdue figures of a period under way judged now, outside the cache). ``comparisons=False``
    and ``overdue=False`` spare what a chart does not draw (the trend, the county line): 24
    months of overdue counts were most of a cold dashboard's time."""
    clock, tz = now(), county_tz()
    today = clock.astimezone(tz).date().isoformat()
    ended = Period.parse(period).complete(clock, tz)
    key = ("ui-indicators", region, period, level, comparisons, overdue and ended, today)
    table = cached(
        cur,
        key,
        lambda c: ind.indicator_table(
            c, region=region, period=period, level=level, now=clock, tz=tz, comparisons=comparisons,
            overdue=overdue and ended,
        ),
    )  # fmt: skip
    if overdue and not ended:
        table = ind.with_overdue(cur, table, now=clock, tz=tz)
    return table


def _sorted(rows: list[dict[str, Any]], key: str | None, descending: bool) -> list[dict[str, Any]]:
    if not key or (rows and key not in rows[0]):
        return rows
    present = [r for r in rows if r.get(key) is not None]
    absent = [r for r in rows if r.get(key) is None]
    return sorted(present, key=lambda r: r[key], reverse=descending) + absent


def _query() -> tuple[str, str, str]:
    actor = require_read("indicators")
    region = _region(actor, request.args.get("region") or None)
    return region, _period(), _level(region)


@ui.route("/")
def dashboard() -> Any:
    region, period, level = _query()
    with fresh_views() as cur:
        table = _table(cur, region, period, level)
        trend = _trend(cur, region)
        cards = warnings.town_cards(cur, require_read("indicators"), period)
        own_level = ind.region_level(region)
        own = None if level == own_level else _table(cur, region, period, own_level, comparisons=False, overdue=False)["rows"][0]
    rows = table["rows"]
    columns = indicator_columns(rows)
    sort = request.args.get("sort", "")
    descending = request.args.get("dir", "desc") != "asc"
    rows = _sorted(rows, sort if sort in (*columns, "region_name", "population") else None, descending)
    args = {"period": period, "level": level, "region": region}
    return render_template(
        "ui/dashboard.html",
        table=table,
        rows=rows,
        columns=[(c, indicator_label(c)) for c in columns],
        sort=sort,
        descending=descending,
        args=args,
        levels=[(lv, LEVEL_LABELS[lv]) for lv in _DEPTH[_DEPTH.index(ind.region_level(region)) :]],
        figure=figure,
        yoy=yoy_arrow,
        chart=charts.line_chart(trend["months"], trend["series"]),
        trend=trend,
        region=region,
        cards=cards,
        bars=_litigation_bars(table["rows"], own),
        cell_link=_cell_links(),
    )


def _cell_links() -> Any:
    """The figure links' builder: one url_for and plain encoding for each of the table's few
    hundred cells (url_for per cell was most of a warm dashboard's time)."""
    base = url_for("ui.cell")

    def link(**query: Any) -> str:
        return f"{base}?{urlencode(query)}"

    return link


#: The 万人成讼率 bar chart: each region's figure beside the enclosing region's.
BAR_INDICATOR = "litigation_per_10k"


def _litigation_bars(rows: list[dict[str, Any]], own: dict[str, Any] | None) -> dict[str, Any] | None:
    """None when the table carries no such figure for any row (no population, no court feed)."""
    values = [(r.get("region_name") or r.get("region_code") or "", r.get(BAR_INDICATOR)) for r in rows]
    if not any(v is not None for _, v in values):
        return None
    reference = None if own is None else own.get(BAR_INDICATOR)
    chart = charts.bar_chart(values, reference)
    label = "" if own is None or reference is None else f"{own.get('region_name', '')} {reference:.2f}"
    return {"chart": chart, "reference_label": label}


def _trend(cur: Cursor, region: str) -> dict[str, Any]:
    """The last 24 months to this one, each month one row of the region's own level."""
    local_now = now().astimezone(county_tz())
    months = []
    year, month = local_now.year, local_now.month
    for _ in range(TREND_MONTHS):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    months.reverse()
    level = ind.region_level(region)
    rows = []
    for m in months:
        try:
            rows.append(_table(cur, region, m, level, comparisons=False, overdue=False)["rows"][0])
        except InvalidValue:  # a month outside the ledger's window
            rows.append({})
    series = []
    for title, candidates in TREND_SERIES:
        # The first of its names with any figure: without a court feed court_cases is all
        # null, and the ledger's own filings stand in, under their own name.
        for name in candidates:
            values = [None if row.get(name) is None else int(row[name]) for row in rows]
            if any(v is not None for v in values):
                series.append((title if len(candidates) == 1 else indicator_label(name), values))
                break
    return {"months": months, "series": series}


def _export_lines(region: str, period: str, level: str) -> tuple[list[str], list[list[Any]], list[str | None]]:
    with fresh_views() as cur:
        table = _table(cur, region, period, level)
    rows = table["rows"]
    columns = indicator_columns(rows)
    headers = ["区划代码", "区划名称", "常住人口", *(indicator_label(c) for c in columns)]
    formats: list[str | None] = ["@", None, tables.WHOLE]
    for c in columns:
        formats.append(tables.PERCENT if is_fraction(c) else (tables.DECIMAL if "per_10k" in c or "days" in c else None))
    lines = [[r.get("region_code"), r.get("region_name"), r.get("population"), *(r.get(c) for c in columns)] for r in rows]
    return headers, lines, formats


@ui.route("/indicators.xlsx")
def indicators_xlsx() -> Any:
    region, period, level = _query()
    headers, lines, formats = _export_lines(region, period, level)
    data = tables.xlsx(f"指标 {period}", headers, lines, formats=formats)
    return send_file(
        io.BytesIO(data),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"指标-{region}-{period}.xlsx",
    )


@ui.route("/indicators.csv")
def indicators_csv() -> Any:
    region, period, level = _query()
    headers, lines, _ = _export_lines(region, period, level)
    # Plain numbers (rates as fractions, as the API answers them), empty for none.
    text = [["" if v is None else (f"{v:.6g}" if isinstance(v, float) else str(v)) for v in line] for line in lines]
    data = tables.csv_bytes(headers, text)
    return send_file(
        io.BytesIO(data),
        mimetype="text/csv; charset=utf-8",
        as_attachment=True,
        download_name=f"指标-{region}-{period}.csv",
    )


@ui.route("/cell")
def cell() -> Any:
    """The cases behind one figure (the API's /indicators/cell as a page)."""
    actor = require_read("indicators")
    region = _region(actor, request.args.get("region") or None)
    period = _period()
    indicator = request.args.get("indicator", "").strip()
    if not indicator or len(indicator) > 60:
        raise InvalidValue("indicator", "请从看板的数字进入")
    with fresh_views() as cur:
        evidence = ind.cell_evidence(
            cur, region=region, period=period, indicator=indicator, as_of=None, now=now(), tz=county_tz()
        )
    if "components" in evidence:
        _describe_incidents(evidence)
    components = []
    for name, component in evidence.get("components", {}).items():
        events = component.get("events", [])
        unit = component.get("unit")
        components.append({
            "name": name,
            "label": component_label(name),
            "count": component.get("count", len(events)),
            "unit": {"days": "天", "villages": "个村"}.get(unit or "", "件"),
            "days": unit == "days",
            "events": events,
            "uncovered": component.get("covered") is False,
        })
    return render_template(
        "ui/cell.html",
        evidence=evidence,
        indicator=indicator,
        indicator_name=indicator_label(indicator),
        value=figure(indicator, evidence.get("value")),
        components=components,
        region=region,
        period=period,
        back=url_for("ui.dashboard", period=period, region=request.args.get("back_region") or None),
        local=local,
    )


_SPANS = {"_last_year": "（上年同期）", "_prev": "（上一期）"}


def component_label(name: str) -> str:
    """A component of a cell in Chinese, with the span it covers when not the period's own."""
    for suffix, words in _SPANS.items():
        if name.endswith(suffix):
            return component_label(name[: -len(suffix)]) + words
    return _COMPONENT_LABELS.get(name) or indicator_label(name)


#: The stored counts an indicator is made of (projections/indicators.py COMPONENTS), in Chinese.
_COMPONENT_LABELS = {
    "reported": "登记的案件",
    "resolved_pre_litigation": "诉前化解的案件",
    "agreements": "达成调解协议的案件",
    "failures": "调解不成的案件",
    "confirmations_granted": "司法确认的案件",
    "court_filings": "起诉到法院的案件",
    "court_filings_last_year": "上年同期起诉的案件",
    "incidents": "发生民转刑/极端事件的案件",
    "followable_closes": "可回访的结案",
    "followed_up_closes": "已回访的结案",
    "closes": "结案（化解天数）",
    "court_cases": "法院收案（按当事人住所地）",
    "villages": "无讼村",
    "open_cases": "未结案件",
    "overdue_cases": "超期案件",
}

