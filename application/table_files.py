"""Reading the tables people keep in spreadsheets: CSV (UTF-8, UTF-8 with a BOM, GBK/GB18030, as
Excel saves them) or XLSX, streamed row by row; cells read as dates, booleans, codes and text;
the rejects file written beside them. Shared by every import of a user's file (the court feed,
the county's historic dispute ledgers).

Rows are numbered as a spreadsheet numbers them: the first line of the file is row 1, whether
it is the header or a title above it. A value that cannot be read is passed on as written, so
the import's check can name it and every bad row of a file is reported at once.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from application.reference_files import decode_text
from domain.errors import InvalidValue

XLSX_MAGIC = b"PK\x03\x04"
_NOTE = re.compile(r"[(（][^)）]*[)）]$")
_DATE = re.compile(
    r"([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?"
    r"(?:[ T]+([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?(?:\.[0-9]+)?)?"
)
_TRUE = frozenset({"true", "是", "1", "yes", "y", "t", "已确认", "有"})
_FALSE = frozenset({"false", "否", "0", "no", "n", "f", "", "未确认", "无"})
#: Excel's day 0 (its serial numbers count from here, the 1900 leap-year slip included).
_EXCEL_EPOCH = date(1899, 12, 30)
#: Serial numbers taken as dates: 1954-10-… to 2119-…; other numbers are not dates.
_SERIALS = range(20000, 80000)

Row = tuple[int, list[Any]]


@dataclass
class Table:
    """A sheet: the rows from the first line on, streamed (an XLSX is read in openpyxl's
    read-only mode, so memory does not grow with the file), and how many lines it says it has."""

    rows: Iterator[Row]
    total: int | None = None
    close: Callable[[], None] = lambda: None


def read_date(value: object) -> date | datetime | str | None:
    """A date (or a date and time, as the ledger's own export writes them) from a cell: an
    Excel date, an Excel serial number, 2025-03-07, 2025/3/7, 2025.3.7 or 2025年3月7日."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if (value.hour, value.minute, value.second) != (0, 0, 0) else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value == int(value) and int(value) in _SERIALS:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        return read_text(value) or ""
    text = str(value).strip()
    if not text:
        return None
    if text.isdigit() and int(text) in _SERIALS:
        return _EXCEL_EPOCH + timedelta(days=int(text))
    found = _DATE.fullmatch(text)
    if found is None:
        return text
    y, m, d, hh, mm, ss = found.groups()
    try:
        if hh is None:
            return date(int(y), int(m), int(d))
        return datetime(int(y), int(m), int(d), int(hh), int(mm), int(ss or 0))
    except ValueError:
        return text


def read_day(value: object) -> date | str | None:
    """A date only (a time written with it is dropped)."""
    found = read_date(value)
    return found.date() if isinstance(found, datetime) else found


def read_bool(value: object) -> bool | str:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = "" if value is None else str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return str(value)


def read_code(value: object) -> str | None:
    """A code as text: a spreadsheet may hold it as a number (621199001001 or 6.21199001001E11)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def read_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def header_name(header: object) -> str:
    """A header as named, without a BOM or a note in brackets at its end ("被告住所地（区划代码）")."""
    return _NOTE.sub("", str(header or "").replace("\ufeff", "").strip()).strip()


def blank(cells: Sequence[Any]) -> bool:
    return all(c is None or str(c).strip() == "" for c in cells)


def _csv_table(text: str) -> Table:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))

    def rows() -> Iterator[Row]:
        try:
            # Rows as a spreadsheet numbers them (the first is row 1), not physical lines.
            for number, cells in enumerate(reader, start=1):
                yield number, list(cells)
        except csv.Error as e:
            raise InvalidValue("file", f"line {reader.line_num} is not CSV that can be read: {e}") from None

    return Table(rows(), total=text.count("\n") + 1)


def _xlsx_table(data: bytes, sheet: str | None) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        raise InvalidValue("file", f"is not an XLSX workbook that can be read: {e}") from None
    if sheet is not None and sheet not in book.sheetnames:
        book.close()
        raise InvalidValue("sheet", f"no sheet {sheet!r}; the workbook has: {', '.join(book.sheetnames)}")
    ws = book[sheet] if sheet is not None else book.worksheets[0]
    total = ws.max_row if isinstance(ws.max_row, int) and ws.max_row > 0 else None

    def rows() -> Iterator[Row]:
        for number, cells in enumerate(ws.iter_rows(values_only=True), start=1):
            yield number, list(cells)

    return Table(rows(), total=total, close=book.close)


def open_table(data: bytes, name: str = "", *, sheet: str | None = None) -> Table:
    """A sheet of an XLSX workbook (by its content, whatever its name; the first sheet unless
    ``sheet`` names one) or the rows of a CSV text."""
    if data.startswith(XLSX_MAGIC) or name.lower().endswith(".xlsx"):
        return _xlsx_table(data, sheet)
    if sheet is not None:
        raise InvalidValue("sheet", "a CSV file has no sheets")
    return _csv_table(decode_text(data))


def rows_after_header(table: Table) -> tuple[list[Any], Iterator[Row]]:
    """The first row as the header, and the rows after it; refused when the table is empty."""
    first = next(table.rows, None)
    if first is None or blank(first[1]):
        raise InvalidValue("file", "no rows")
    return first[1], table.rows


def rejects_path(source: str | Path) -> Path:
    """Where --skip-bad writes the rejects by default: beside the file, named after it."""
    path = Path(source)
    return path.with_name(f"{path.stem}.rejects.csv")


def write_rejects(
    path: str | Path,
    header: Sequence[str],
    cells: dict[int, list[str]],
    problems: Sequence[Any],
) -> int:
    """The rejected rows as they were, each with its row number and its problems (anything with
    row, column, rule and message), as CSV in UTF-8 with a BOM (so Excel opens it as UTF-8).
    The number of rows written."""
    reasons: dict[int, list[str]] = {}
    for p in problems:
        reasons.setdefault(p.row, []).append(f"{p.column}: {p.rule} ({p.message})")
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["行号 row", *header, "问题 problems"])
        for row, why in reasons.items():
            writer.writerow([row, *cells.get(row, []), "; ".join(why)])
    return len(reasons)
