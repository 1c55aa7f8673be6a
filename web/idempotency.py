"""Idempotency-Key for commands: a retried request returns the first response and writes nothing.

A key is claimed (per actor) before the command runs, in the views' database, so two
concurrent requests with the same key cannot both execute; the claim is completed with the
response when the command succeeded and released when it failed, since a failed command wrote
nothing and may be retried.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import orjson
from flask import Flask, Response, current_app, g, request

from domain.reference import Actor
from projections.store import Cursor
from web.context import runner
from web.errors import ApiError

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
#: Response headers that are part of a command's result and so are replayed with it.
KEPT_HEADERS = ("ETag", "X-Ledger-Position", "Location")
#: A claim never completed (the process died mid-command) may be taken over after this long.
STALE_CLAIM = timedelta(minutes=5)
MAX_KEY_LENGTH = 200

TABLE = """CREATE TABLE IF NOT EXISTS api_idempotency (
    actor_id TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL,
    claim TEXT NOT NULL, claimed_at TEXT NOT NULL, status INTEGER, body TEXT, headers TEXT,
    PRIMARY KEY (actor_id, key))"""


def create_table(app: Flask) -> None:
    views = app.extensions["ledger_views"].views
    with views.cursor(commit=True) as cur:
        # Workers starting at once: PostgreSQL's CREATE TABLE IF NOT EXISTS is not safe in parallel.
        views.lock_for_writing(cur)
        cur.execute(TABLE)


def _request_hash() -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.get_data(cache=True)):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _key() -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ApiError(
            400,
            "bad_request",
            f"{HEADER} must be 1–{MAX_KEY_LENGTH} printable characters",
            errors={HEADER: [f"1–{MAX_KEY_LENGTH} printable characters, e.g. a UUID"]},
        )
    return key


def begin(actor: Actor) -> Response | None:
    """Claim the request's key; the first response if this is a retry of a finished request."""
    key = _key()
    if key is None:
        return None
    request_hash = _request_hash()
    now = datetime.now(UTC)
    claim = uuid4().hex
    with runner().views.cursor(commit=True) as cur:
        cur.execute(
            "INSERT INTO api_idempotency (actor_id, key, request_hash, claim, claimed_at) VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (actor_id, key) DO NOTHING",
            (actor.name, key, request_hash, claim, now.isoformat()),
        )
        row = cur.one(
            "SELECT request_hash, claim, claimed_at, status, body, headers FROM api_idempotency "
            "WHERE actor_id = %s AND key = %s",
            (actor.name, key),
        )
        assert row is not None
        claimed = row["claim"] == claim
        if (
            not claimed
            and row["status"] is None
            and datetime.fromisoformat(row["claimed_at"]) < now - STALE_CLAIM
        ):
            # The request that claimed it never finished (its process died): take the key over.
            cur.execute(
                "UPDATE api_idempotency SET request_hash = %s, claim = %s, claimed_at = %s WHERE actor_id = %s AND key = %s",
                (request_hash, claim, now.isoformat(), actor.name, key),
            )
            claimed = True
    if claimed:
        g.idempotency_claim = (actor.name, key, claim)
        return None
    if row["request_hash"] != request_hash:
        raise ApiError(
            422,
            "idempotency_key_reused",
            f"{HEADER} {key!r} was already used for a different request",
            errors={HEADER: ["already used with another method, path or body; use a new key"]},
        )
    if row["status"] is None:
        raise ApiError(
            409,
            "idempotency_in_progress",
            f"a request with {HEADER} {key!r} is still being processed; retry shortly",
            headers={"Retry-After": "1"},
        )
    response = current_app.response_class(row["body"], status=row["status"], mimetype="application/json")
    for name, value in orjson.loads(row["headers"]).items():
        response.headers[name] = value
    response.headers[REPLAYED_HEADER] = "true"
    return response


def finish(response: Response) -> Response:
    """after_request: complete the claim with a successful response, release it otherwise."""
    claim = g.pop("idempotency_claim", None)
    if claim is None:
        return response
    with runner().views.cursor(commit=True) as cur:
        if response.status_code < 400:
            headers = {h: response.headers[h] for h in KEPT_HEADERS if h in response.headers}
            cur.execute(
                "UPDATE api_idempotency SET status = %s, body = %s, headers = %s "
                "WHERE actor_id = %s AND key = %s AND claim = %s",
                (
                    response.status_code,
                    response.get_data(as_text=True),
                    orjson.dumps(headers).decode(),
                    *claim,
                ),
            )
        else:
            _release(cur, claim)
    return response


def abandon(_exc: BaseException | None) -> None:
    """teardown: a request that ended without a response (an unhandled error) releases its claim."""
    claim = g.pop("idempotency_claim", None)
    if claim is not None:
        with runner().views.cursor(commit=True) as cur:
            _release(cur, claim)


def _release(cur: Cursor, claim: tuple[str, str, str]) -> None:
    cur.execute(
        "DELETE FROM api_idempotency WHERE actor_id = %s AND key = %s AND claim = %s AND status IS NULL",
        claim,
    )


def register(app: Flask) -> None:
    create_table(app)
    app.after_request(finish)
    app.teardown_request(abandon)
