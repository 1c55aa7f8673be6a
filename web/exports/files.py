"""The export files, built once for the API and the CLI: the 台账 of cases (application/
ledger_export.py gives its rows) and the indicator table (one row per region, the API's field
names as CSV headers; the XLSX with Chinese headers above nothing else, number formats and a
totals row: the region asked for itself, so its rates are rates, not sums)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from application.config import county_tz
from application.ledger_export import HEADERS, ledger_line
from domain.errors import InvalidValue
from projections.indicators import indicator_table, region_level
from projections.store import Cursor
from web.ui.tables import DECIMAL, PERCENT, WHOLE, csv_bytes, xlsx

FORMATS = ("xlsx", "csv")
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
_RATIO_SUFFIXES = ("_rate", "_share", "_yoy", "_pop")


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InvalidValue("format", f"one of {', '.join(FORMATS)}")
    return fmt


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(county_tz()).strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def cases_file(records: Sequence[dict[str, Any]], fmt: str, title: str = "矛盾纠纷排查化解台账") -> bytes:
    lines = [ledger_line(r) for r in records]
    if check_format(fmt) == "csv":
        return csv_bytes(HEADERS, [[_text(v) for v in line] for line in lines])
    return xlsx(title, HEADERS, lines)


def _scalar(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False, default=str) if isinstance(value, dict | list) else value


def _format(name: str, values: list[Any]) -> str | None:
    if name.endswith(_RATIO_SUFFIXES):
        return PERCENT
    if any(isinstance(v, float) for v in values):
        return DECIMAL
    if any(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return WHOLE
    return None


def indicator_rows(cur: Cursor, *, region: str, period: str, level: str, now: datetime, tz: ZoneInfo) -> tuple[list[str], list[list[Any]], list[Any] | None]:
    """(field names, one line per region, the totals line or None when the table is the region itself)."""
    table = indicator_table(cur, region=region, period=period, level=level, now=now, tz=tz)
    rows = table["rows"]
    fields = list(rows[0]) if rows else ["region_code", "region_name"]
    lines = [[_scalar(r.get(f)) for f in fields] for r in rows]
    totals = None
    if level != region_level(region):
        whole = indicator_table(cur, region=region, period=period, level=region_level(region), now=now, tz=tz)["rows"]
        if whole:
            totals = [_scalar(whole[0].get(f)) for f in fields]
            totals[fields.index("region_name")] = f"合计（{whole[0].get('region_name')}）"
    return fields, lines, totals


def indicators_file(cur: Cursor, fmt: str, *, region: str, period: str, level: str, now: datetime, tz: ZoneInfo) -> bytes:
    fields, lines, totals = indicator_rows(cur, region=region, period=period, level=level, now=now, tz=tz)
    if check_format(fmt) == "csv":
        # One row per region, as the API answers: a machine reading it sums what it wants.
        return csv_bytes(fields, [[_text(v) for v in line] for line in lines])
    formats = [_format(f, [line[i] for line in lines]) for i, f in enumerate(fields)]
    return xlsx(f"指标 {period}", fields, lines, formats=formats, totals=totals)
