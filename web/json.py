"""Flask's JSON through orjson: fast, UTF-8 without escapes (Chinese labels stay readable);
and the strict reading of request bodies that runs before any schema sees them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from flask import Response, current_app
from flask.json.provider import JSONProvider

from domain.values import forbidden_character
from web.errors import ApiError

#: Deeper bodies are refused: no command nests more than three levels, and the schemas'
#: parser (the standard library's, through webargs) recurses once per level.
MAX_DEPTH = 32
#: Integers a body may carry (PostgreSQL's bigint); orjson reads larger ones as floats.
MAX_NUMBER = 2**63 - 1
_MAX_PROBLEMS = 20


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


def check_body(data: bytes) -> None:
    """Refuse a request body that is not strict JSON, before webargs parses it again.

    orjson reads it first: it refuses invalid UTF-8, lone surrogates (escaped or not), NaN and
    Infinity, numbers that overflow a double, and more than 1,024 levels, all in C and without
    recursing in Python. Then one walk of the result refuses more than MAX_DEPTH levels, text
    with characters no stored string may hold, and huge numbers, naming each place. Last, the
    standard library reads it once more only to find a key given twice in one object, which
    orjson (like most parsers) silently resolves to the last value.
    """
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as e:
        if "depth" in str(e):
            raise _too_deep() from None
        raise ApiError(
            400,
            "bad_request",
            f"the body is not valid JSON: {e}",
            errors={"body": [f"not valid JSON (UTF-8, no lone surrogates, no NaN or Infinity): {e}"]},
        ) from None
    problems = _problems(value)
    if problems:
        raise ApiError(
            422,
            "validation_error",
            "the request is not valid: "
            + "; ".join(f"{k}: {' '.join(v)}" for k, v in sorted(problems.items())),
            errors=problems,
        )
    if isinstance(value, dict | list):
        json.loads(data, object_pairs_hook=_refuse_duplicates)


def _too_deep() -> ApiError:
    return ApiError(
        400,
        "bad_request",
        f"the body nests more than {MAX_DEPTH} levels of objects and lists",
        errors={"body": [f"at most {MAX_DEPTH} levels of nesting"]},
    )


def _problems(value: Any) -> dict[str, list[str]]:
    """Each place in a parsed body that breaks a rule, as {"parties[0].name": [rule]}."""
    problems: dict[str, list[str]] = {}
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack and len(problems) < _MAX_PROBLEMS:
        item, where, depth = stack.pop()
        if isinstance(item, str):
            reason = forbidden_character(item)
            if reason:
                problems[where or "body"] = [reason]
        elif isinstance(item, dict):
            if depth >= MAX_DEPTH:
                raise _too_deep()
            for key, child in item.items():
                name = f"{where}.{key}" if where else key
                reason = forbidden_character(key)
                if reason:
                    problems[f"{where or 'body'}.{key!r}"] = [f"a field name {reason}"]
                else:
                    stack.append((child, name, depth + 1))
        elif isinstance(item, list):
            if depth >= MAX_DEPTH:
                raise _too_deep()
            stack.extend((child, f"{where}[{i}]", depth + 1) for i, child in enumerate(item))
        elif isinstance(item, int | float) and not isinstance(item, bool) and abs(item) > MAX_NUMBER:
            problems[where or "body"] = [f"a number between -{MAX_NUMBER} and {MAX_NUMBER}"]
    return problems


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise ApiError(
            400,
            "bad_request",
            f"the body gives the field {twice!r} twice in one object; which one is meant is ambiguous",
            errors={twice: ["given twice in one object"]},
        )
    return obj
