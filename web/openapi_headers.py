"""The request headers the operations read, as OpenAPI parameters, so a generated client has an
argument for each (they are read by the views themselves, not parsed by a schema)."""

from __future__ import annotations

from typing import Any

from domain.access import PURPOSE_MAX
from web.auth import PURPOSE_HEADER
from web.context import POSITION_HEADER
from web.idempotency import HEADER as IDEMPOTENCY_HEADER
from web.idempotency import MAX_KEY_LENGTH

ACCESS_PURPOSE: dict[str, Any] = {
    "name": PURPOSE_HEADER,
    "in": "header",
    "required": False,
    "description": (
        "why you read the parties' personal data (查阅事由), percent-encoded UTF-8, e.g. "
        "%E5%B9%B4%E5%BA%A6%E6%8A%BD%E6%9F%A5 for 年度抽查. Needed for the unmasked details of a "
        "case you do not handle; every such read is written to the case's access log."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": PURPOSE_MAX, "pattern": "^[\\x21-\\x7e]+$"},
}

IDEMPOTENCY_KEY: dict[str, Any] = {
    "name": IDEMPOTENCY_HEADER,
    "in": "header",
    "required": False,
    "description": (
        "any unique string (e.g. a UUID): a retry with the same key returns the first answer and "
        "writes nothing; the same key with another method, path or body is refused with 422"
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
}

IF_MATCH: dict[str, Any] = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": 'the case version you saw, from its ETag, e.g. "7": refused with 409 version_conflict '
    "unless the case is still at that version",
    "schema": {"type": "string", "pattern": '^(W/)?"?[0-9]{1,18}"?$'},
}

LEDGER_POSITION: dict[str, Any] = {
    "name": POSITION_HEADER,
    "in": "header",
    "required": False,
    "description": "the X-Ledger-Position a command answered: the read waits until the views have "
    "reached it (503 projection_behind if they do not in time); the same as the min_position query",
    "schema": {"type": "integer", "minimum": 0},
}

#: The 403 of a read that shows personal data.
PURPOSE_403 = "role may not read, or purpose_required: X-Access-Purpose needed"
