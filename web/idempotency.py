"""Idempotency-Key for commands, and answers that stand once a command is committed.

A command sent with an ``Idempotency-Key`` saves a receipt (application/receipts.py) in the same
transaction as its event. A retry with the same key, however long after and whatever happened
to the first request's process, finds the receipt and gets the first answer again, with
``Idempotent-Replayed: true``, and writes nothing; the same key with a different request (method,
path or body) is refused with 422. Keys belong to their actor.

Once a command is committed its answer is the answer, whatever fails afterwards: the view
builds it before anything else it does after the commit, and should a later step still raise
(an after_request hook, say), the 500 handler here sends that answer instead of an error that
would invite the client to send the command again. A keyed request that failed before its
answer was built is looked up by its key in the same handler: if the command was committed
after all, its answer is sent.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException, InternalServerError

from application.receipts import KeyReused, RequestKey, request_hash
from domain.reference import Actor
from web.errors import ApiError, error_response

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200


def request_key(actor: Actor) -> RequestKey | None:
    """The request's Idempotency-Key, with a digest of the request; None without one."""
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
    digest = request_hash(request.method.encode(), request.path.encode(), request.get_data(cache=True))
    return RequestKey(actor.name, key, digest)


def committed(response: Response) -> Response:
    """Remember ``response`` as the answer of the command this request committed."""
    g.committed_answer = response
    return response


def on_unexpected_error(answer_if_committed: Callable[[], Response | None]) -> None:
    """For a keyed request: how to find its answer should it fail with no answer built."""
    g.answer_if_committed = answer_if_committed


def _key_reused(e: KeyReused) -> Response:
    return error_response(
        422,
        "idempotency_key_reused",
        str(e),
        errors={HEADER: ["already used with another method, path or body; use a new key"]},
    )


def _server_error(fallback: Callable[[HTTPException], Response]) -> Callable[[InternalServerError], Response]:
    def handle(e: InternalServerError) -> Response:
        answer: Response | None = g.get("committed_answer")
        find = g.get("answer_if_committed")
        if answer is None and find is not None:
            # The request failed before it had an answer; its key's receipt says whether the
            # command is nevertheless in the store (a step after the commit failed).
            try:
                answer = find()
            except Exception:
                current_app.logger.exception("looking for the receipt of a failed keyed command failed")
        if answer is not None:
            # The command is in the store: its answer stands (the failure is logged by Flask).
            return answer
        return fallback(e)

    return handle


def register(app: Flask) -> None:
    app.register_error_handler(KeyReused, _key_reused)
    # Registered by code, so Flask finds it before the API's handler of every HTTPException,
    # which it falls back to for requests that committed nothing.
    fallback = app.error_handler_spec[None][None][HTTPException]
    app.register_error_handler(500, _server_error(fallback))
