"""Downloads of a page's table: XLSX (typed cells, number formats, frozen header; built by
application/spreadsheet.py) and CSV (UTF-8 with a byte-order mark, so Excel opens the Chinese
right). Instants are written in the county's time zone, as the page shows them."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from application.spreadsheet import DATE_TIME, DECIMAL, PERCENT, WHOLE, xlsx

__all__ = ["DATE_TIME", "DECIMAL", "PERCENT", "WHOLE", "csv_bytes", "xlsx"]


def csv_bytes(headers: Sequence[str], lines: Sequence[Sequence[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(lines)
    return out.getvalue().encode("utf-8-sig")
