"""Checks every request passes before any view or schema reads it: header lengths, the path
and query string, and a JSON body (web/json.check_body). What they refuse could otherwise
reach a parser that recurses, a database that cannot store it, or a view that fails on it.
"""

from __future__ import annotations

from flask import request

from domain.access import PURPOSE_MAX
from domain.values import check_text, forbidden_character
from web.auth import PURPOSE_HEADER, declared_purpose
from web.context import check_header_lengths
from web.errors import ApiError
from web.json import check_body


def check_request() -> None:
    """before_request, after the token: refuse malformed input with 400/422 and write nothing."""
    check_header_lengths()
    _check_purpose()
    _check_url()
    if request.is_json and request.method in ("POST", "PUT", "PATCH"):
        data = request.get_data(cache=True)  # 413 beyond MAX_CONTENT_LENGTH
        if data:
            check_body(data)


def _check_purpose() -> None:
    """A declared purpose is written to the access log with every read it opens: text like any
    other stored text (422 naming ``purpose``, as the access log's own check does)."""
    if request.headers.get(PURPOSE_HEADER) is None:
        return
    purpose = declared_purpose()
    if purpose is not None:
        check_text("purpose", purpose, max_length=PURPOSE_MAX)


def _check_url() -> None:
    reason = forbidden_character(request.path)
    if reason:
        raise ApiError(400, "bad_request", f"the path {reason}", errors={"path": [reason]})
    for name, value in request.args.items(multi=True):
        reason = forbidden_character(name) or forbidden_character(value)
        if reason:
            raise ApiError(400, "bad_request", f"query parameter {name!r} {reason}", errors={name: [reason]})
