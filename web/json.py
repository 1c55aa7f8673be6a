"""Flask's JSON through orjson: fast, UTF-8 without escapes (Chinese labels stay readable)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from flask import Response, current_app
from flask.json.provider import JSONProvider


def plain(value: Any) -> Any:
    """A JSON-ready copy of event payloads and other domain values: instants in UTC ISO 8601,
    amounts as decimal strings, tuples as lists."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return utc_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


def utc_iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat()


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class OrjsonProvider(JSONProvider):
    mimetype = "application/json"

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        option = orjson.OPT_NON_STR_KEYS
        if kwargs.get("indent"):
            option |= orjson.OPT_INDENT_2
        if kwargs.get("sort_keys"):
            option |= orjson.OPT_SORT_KEYS
        return orjson.dumps(obj, default=_default, option=option).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return orjson.loads(s)


def _answer_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return _default(value)


_ANSWER = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def answer(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Any:
    """The hottest reads' answer, written by orjson without the response schema's dump.

    flask-smorest dumps whatever a view returns through its response schema, field by field in
    Python: for a page of cases that is most of the request. These views build exactly the
    documented fields already (instants become UTC ISO 8601 here, as the schema's UtcDateTime
    does), and a Response passes through flask-smorest untouched; the schema still documents it.
    With FAST_JSON off the data goes through the schema as before; tests/web/test_fast_answers.py
    holds the two to the same JSON, and the contract test checks every answer against the spec.
    """
    if not current_app.config.get("FAST_JSON", True):
        return data, status, headers or {}
    body = orjson.dumps(data, default=_answer_default, option=_ANSWER)
    response = Response(body, status=status, mimetype="application/json")
    if headers:
        response.headers.update(headers)
    return response
