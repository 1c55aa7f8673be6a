"""A file sent in a JSON body (every body this API reads is JSON): its text as ``csv`` or an XLSX
workbook as ``xlsx_base64``; and an import's problems as the error body's per-field messages."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from typing import Any

from domain.errors import InvalidValue


def uploaded_file(body: dict[str, Any], name: str = "") -> tuple[bytes, str]:
    """(the file's bytes, its name) from ``csv`` or ``xlsx_base64``."""
    if "xlsx_base64" in body:
        try:
            data = base64.b64decode(body["xlsx_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise InvalidValue("xlsx_base64", "is not base64") from None
        return data, name or "upload.xlsx"
    return body["csv"].encode("utf-8"), name or "upload.csv"


def problem_errors(problems: Iterable[Any]) -> dict[str, list[str]]:
    """Each problem (row, column, rule, message) under "row N.column", as the error body's ``errors``."""
    errors: dict[str, list[str]] = {}
    for p in problems:
        errors.setdefault(f"row {p.row}.{p.column}", []).append(f"{p.rule}: {p.message}")
    return errors
