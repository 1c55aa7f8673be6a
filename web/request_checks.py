"""Checks every request passes before any view or schema reads it: header lengths, the path
and query string, and a JSON body (web/json.check_body). What they refuse could otherwise
reach a parser that recurses, a database that cannot store it, or a view that fails on it.
"""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin
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
    if request.method in ("POST", "PUT", "PATCH") and request.blueprint != "ui":  # the pages post forms
        data = request.get_data(cache=True)  # 413 beyond MAX_CONTENT_LENGTH
        if data and not request.is_json:
            _refuse_media_type()
        if data:
            check_body(data)


#: Documented on every operation that takes a body (JsonBodyResponses).
UNSUPPORTED_MEDIA_TYPE = (
    "the request has a body but not `Content-Type: application/json`; every body this API reads is JSON"
)


def _refuse_media_type() -> None:
    """Without this, webargs reads no JSON from such a body and answers 422 "Missing data" for
    every required field, which names the fields but not the mistake. A command sent with no body
    at all is not refused here: its schema decides whether it needs one. Only routes that exist:
    a body sent to an unknown path stays a 404."""
    if request.url_rule is None:
        return
    sent = request.mimetype or "none"
    raise ApiError(
        415,
        "unsupported_media_type",
        f"send the body as JSON with the header Content-Type: application/json (this request's Content-Type: {sent})",
        errors={"Content-Type": [f"must be application/json, not {sent}"]},
    )


class JsonBodyResponses(BasePlugin):
    """Documents the 415 above on each operation that has a request body."""

    def operation_helper(self, path: str | None = None, operations: Any = None, **kwargs: Any) -> None:
        for method, operation in (operations or {}).items():
            if method == "parameters" or not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            responses = operation.setdefault("responses", {})
            if "415" not in {str(code) for code in responses}:
                responses["415"] = {
                    "description": UNSUPPORTED_MEDIA_TYPE,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }


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
