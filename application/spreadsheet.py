"""Spreadsheets people download (the pages' tables, the bulletins): typed cells, number formats,
a bold frozen header per sheet. Instants are written in the county's time zone."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from application.config import county_tz

#: Number formats by the kind of value a column holds.
DATE_TIME = "yyyy-mm-dd hh:mm"
WHOLE = "#,##0"
DECIMAL = "#,##0.00"
PERCENT = "0.0%"


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        # Spreadsheets hold no zone: the county's wall-clock time, as the page prints it.
        return value.astimezone(county_tz()).replace(tzinfo=None, microsecond=0)
    return value


@dataclass
class Sheet:
    title: str
    headers: Sequence[str]
    lines: Sequence[Sequence[Any]]
    #: A column's number format; default by value (instants, whole numbers, decimals).
    formats: Sequence[str | None] | None = None
    note: str | None = None
    #: Per line, formats that override the column's (a table whose rows mix counts and rates).
    cell_formats: Sequence[Sequence[str | None]] | None = None
    #: A last line in bold (the region's own figures under its parts).
    totals: Sequence[Any] | None = None


def xlsx(
    title: str,
    headers: Sequence[str],
    lines: Sequence[Sequence[Any]],
    *,
    formats: Sequence[str | None] | None = None,
    note: str | None = None,
    totals: Sequence[Any] | None = None,
) -> bytes:
    """One sheet: a bold frozen header, then the lines (and a bold ``totals`` line)."""
    return workbook([Sheet(title, headers, lines, formats, note, totals=totals)])


def workbook(sheets: Sequence[Sheet]) -> bytes:
    book = Workbook()
    for i, s in enumerate(sheets):
        sheet = book.active if i == 0 else book.create_sheet()
        _fill(sheet, s.title, s.headers, s.lines, s.formats, s.note, s.totals)
        for row, line_formats in enumerate(s.cell_formats or (), start=2):
            for col, fmt in enumerate(line_formats, start=1):
                if fmt:
                    sheet.cell(row=row, column=col).number_format = fmt
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fill(
    sheet: Any,
    title: str,
    headers: Sequence[str],
    lines: Sequence[Sequence[Any]],
    formats: Sequence[str | None] | None,
    note: str | None,
    totals: Sequence[Any] | None = None,
) -> None:
    sheet.title = title[:31]
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for line in lines:
        sheet.append([_cell(v) for v in line])
    if totals is not None:
        sheet.append([_cell(v) for v in totals])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    for col, header in enumerate(headers, start=1):
        fmt = formats[col - 1] if formats else None
        width = max(len(header) * 2 + 2, 10)
        for (cell,) in sheet.iter_rows(min_row=2, min_col=col, max_col=col):
            value = cell.value
            if fmt:
                cell.number_format = fmt
            elif isinstance(value, datetime):
                cell.number_format = DATE_TIME
            elif isinstance(value, bool):
                pass
            elif isinstance(value, int):
                cell.number_format = WHOLE
            elif isinstance(value, float):
                cell.number_format = DECIMAL
            if isinstance(value, datetime):
                width = max(width, 18)
            elif isinstance(value, str):
                width = min(max(width, len(value) * 2), 60)
        sheet.column_dimensions[get_column_letter(col)].width = width
    if note:
        sheet.append([])
        sheet.append([note])
