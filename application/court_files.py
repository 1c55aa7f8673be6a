"""Reading the court's export file (CSV in UTF-8 or GBK, or XLSX) into CourtRecords.

Headers may be the English names of DESIGN.md §9 or the Chinese ones a court system writes
(``HEADERS`` lists the variants read; a note in brackets after a header, as in
"被告住所地（区划代码）", is ignored, and so are columns no field needs). Rows are numbered as
the file counts them: the header is row 1. Dates are YYYY-MM-DD, 2026/3/7, 2026年3月7日 or an
Excel date cell; booleans true/false, 是/否, 1/0 (blank: false). A value that cannot be read is
passed on as written, and the import's check names it (date_format, boolean), so every bad row
of a file is reported at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from application.court_feed import CourtImportReport, CourtRecord, import_court_records
from application.ledger import Ledger
from application.table_files import (
    blank,
    header_name,
    open_table,
    read_bool,
    read_code,
    read_day,
    read_text,
    rows_after_header,
    write_rejects,
)
from domain.court_case import FIELDS, Problem
from domain.errors import InvalidValue
from domain.reference import Actor

#: Each field's header names: the English name first, then the Chinese ones read.
HEADERS: dict[str, tuple[str, ...]] = {
    "case_number": ("case_number", "案号"),
    "court_code": ("court_code", "法院代码", "法院编码", "法院", "经办法院"),
    "cause": ("cause", "案由"),
    "filed_on": ("filed_on", "立案日期", "立案时间"),
    "plaintiff_region": ("plaintiff_region", "原告住所地", "原告住所地代码", "原告所在地"),
    "defendant_region": ("defendant_region", "被告住所地", "被告住所地代码", "被告所在地"),
    "plaintiff_is_financial": ("plaintiff_is_financial", "原告为金融机构", "原告是否金融机构"),
    "concluded_on": ("concluded_on", "结案日期", "结案时间"),
    "outcome": ("outcome", "结案方式"),
    "pre_litigation_number": ("pre_litigation_number", "诉前调解案号", "诉前调案号"),
}
REQUIRED = ("case_number", "court_code", "cause", "filed_on")
_BY_NAME = {name: f for f, names in HEADERS.items() for name in names}


@dataclass
class CourtFile:
    """A file read: its records, its header as written, each row's original cells (for the
    rejects file) and the file's SHA-256 (stored with every event it gives rise to)."""

    records: list[CourtRecord]
    header: list[str]
    cells: dict[int, list[str]] = field(default_factory=dict)
    sha256: str = ""


def _field_of(header: object) -> str | None:
    name = header_name(header)
    return _BY_NAME.get(name) or _BY_NAME.get(name.lower())


def records_from_rows(header: list[Any], rows: Iterable[tuple[int, list[Any]]]) -> CourtFile:
    """CourtRecords from a table's header and its (row number, cells), blank rows skipped."""
    columns = {i: f for i, h in enumerate(header) if (f := _field_of(h)) is not None}
    missing = [f for f in REQUIRED if f not in columns.values()]
    if missing:
        wanted = "; ".join(f"{f} ({' / '.join(HEADERS[f][1:])})" for f in missing)
        raise InvalidValue("file", f"missing columns: {wanted}")
    seen: dict[str, int] = {}
    for i, f in columns.items():
        if f in seen:
            raise InvalidValue("file", f"two columns give {f}: {header[seen[f]]!r} and {header[i]!r}")
        seen[f] = i
    out = CourtFile(records=[], header=[str(h or "") for h in header])
    for number, cells in rows:
        if blank(cells):
            continue
        values: dict[str, Any] = {f: (cells[i] if i < len(cells) else None) for i, f in columns.items()}
        out.cells[number] = ["" if c is None else str(c) for c in cells]
        out.records.append(
            CourtRecord(
                case_number=read_text(values.get("case_number")) or "",
                court_code=read_text(values.get("court_code")) or "",
                cause=read_text(values.get("cause")) or "",
                filed_on=read_day(values.get("filed_on")) or "",
                plaintiff_region=read_code(values.get("plaintiff_region")),
                defendant_region=read_code(values.get("defendant_region")),
                plaintiff_is_financial=read_bool(values.get("plaintiff_is_financial")),
                concluded_on=read_day(values.get("concluded_on")),
                outcome=read_text(values.get("outcome")),
                pre_litigation_number=read_text(values.get("pre_litigation_number")),
                row=number,
            )
        )
    return out


def read_court_file(data: bytes, name: str = "") -> CourtFile:
    """The records of a court export: XLSX (by its content, whatever its name) or CSV text."""
    table = open_table(data, name)
    try:
        header, rows = rows_after_header(table)
        court_file = records_from_rows(header, rows)
    finally:
        table.close()
    court_file.sha256 = hashlib.sha256(data).hexdigest()
    return court_file


def records_from_dicts(items: Iterable[dict[str, Any]]) -> CourtFile:
    """Records given as objects with the English field names (the JSON of the API)."""
    items = list(items)
    header = list(FIELDS)
    return records_from_rows(header, [(i, [item.get(f) for f in header]) for i, item in enumerate(items, 1)])


def import_court_file(
    ledger: Ledger,
    actor: Actor,
    court_file: CourtFile,
    *,
    skip_bad: bool = False,
    dry_run: bool = False,
) -> CourtImportReport:
    return import_court_records(
        ledger, actor, court_file.records, skip_bad=skip_bad, file_sha256=court_file.sha256, dry_run=dry_run
    )


def write_court_rejects(path: str | Path, court_file: CourtFile, problems: list[Problem]) -> int:
    return write_rejects(path, court_file.header, court_file.cells, problems)
