"""What a request needs from the app: the ledger, the views and the clock, and views that are
fresh enough for the request (inline catch-up, or read-your-writes by position).

Views that cannot reach what the request needs (an event fails to project) are answered 503
projection_failed, never served as if fresh."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar

from flask import current_app, g, request

from application.ledger import Ledger
from projections.query_cache import PositionCache
from projections.runner import ProjectionFailed, ViewRunner
from projections.store import Cursor
from web.errors import ApiError

POSITION_HEADER = "X-Ledger-Position"
T = TypeVar("T")

#: The longest value each header may have, raw as sent: beyond it a header is an attack or a
#: bug, and is refused (400) before it is parsed. X-Access-Purpose is percent-encoded UTF-8,
#: nine characters per Chinese character: 2,000 hold a purpose of 200 characters.
HEADER_LIMITS = {
    "If-Match": 40,
    POSITION_HEADER: 20,
    "Idempotency-Key": 200,
    "X-Access-Purpose": 2000,
}


def check_header_lengths() -> None:
    for name, limit in HEADER_LIMITS.items():
        raw = request.headers.get(name)
        if raw is not None and len(raw) > limit:
            raise ApiError(
                400,
                "bad_request",
                f"the {name} header is {len(raw)} characters long; at most {limit}",
                errors={name: [f"at most {limit} characters"]},
            )


def ledger() -> Ledger:
    return current_app.extensions["ledger"]


def runner() -> ViewRunner:
    return current_app.extensions["ledger_views"]


def now() -> datetime:
    return ledger().clock()


def _min_position() -> int | None:
    raw = request.headers.get(POSITION_HEADER) or request.args.get("min_position")
    if raw in (None, ""):
        return None
    if len(raw) > HEADER_LIMITS[POSITION_HEADER]:
        raise ApiError(
            400,
            "bad_request",
            f"{POSITION_HEADER} / min_position is a store position: at most 20 digits",
            errors={"min_position": ["a whole number of at most 20 digits"]},
        )
    try:
        position = int(raw.strip())
    except ValueError:
        raise ApiError(
            400,
            "bad_request",
            f"{POSITION_HEADER} / min_position must be a whole number",
            errors={"min_position": ["a whole number: the X-Ledger-Position a command answered"]},
        ) from None
    if position < 0:
        raise ApiError(
            400, "bad_request", "min_position must not be negative", errors={"min_position": ["must be ≥ 0"]}
        )
    return position


def projection_failed(e: ProjectionFailed) -> ApiError:
    """503 for a read the views cannot serve: they stop before an event that fails to project.
    Neither the case (it may lie outside the reader's region) nor the error's message (it may
    quote the event's data): /healthz and `ledger project --status` name them for operators."""
    failure = e.failure
    return ApiError(
        503,
        "projection_failed",
        f"the views stopped at position {e.position}: the event at position {failure.position} "
        f"fails to project ({failure.error}); reads that need it wait until it is fixed",
        headers={"Retry-After": "30"},
        position=e.position,
        failed_position=failure.position,
    )


def ensure_fresh() -> None:
    """Inline mode: catch the views up first. A client that names a position it wrote at waits
    until the views have reached it (read-your-writes), or gets 503 to retry."""
    views = runner()
    try:
        _ensure_fresh(views)
    except ProjectionFailed as e:
        raise projection_failed(e) from None


def _ensure_fresh(views: ViewRunner) -> None:
    if current_app.config["INLINE_PROJECTION"]:
        views.catch_up()
    wanted = _min_position()
    if wanted is not None and wanted > (head := views.lag().head):
        # Waiting cannot help: no write has been recorded there (yet) in this store.
        raise ApiError(
            400,
            "bad_request",
            f"no write has reached position {wanted}: the store is at {head}",
            errors={"min_position": [f"at most {head}: the X-Ledger-Position a command answered"]},
        )
    if wanted is None or views.position() >= wanted:
        return
    failure = views.failure()
    if failure is not None and failure.position <= wanted:
        # Waiting cannot help either: the views cannot get past that event until it is fixed.
        raise ProjectionFailed(failure, views.position())
    if not views.wait_for(wanted, float(current_app.config["READ_WAIT_SECONDS"])):
        raise ApiError(
            503,
            "projection_behind",
            f"the views are at position {views.position()}, not yet at {wanted}; retry shortly",
            headers={"Retry-After": "1"},
            position=views.position(),
        )


@contextmanager
def fresh_views() -> Iterator[Cursor]:
    """A read-only cursor on views that are fresh enough for this request."""
    ensure_fresh()
    with runner().views.cursor() as cur:
        yield cur


def cached(cur: Cursor, key: Hashable, compute: Callable[[Cursor], T]) -> T:
    """compute(cur), or its result for the same key while the views are still at this position
    (projections/query_cache.py). Only for results that do not depend on the clock."""
    cache: PositionCache = current_app.extensions["ledger_query_cache"]
    # Read once per cursor: a page that draws many cached tables (the dashboard's 24-month
    # trend) would otherwise ask the views where they are for each. Should the views move on
    # meanwhile, a result of newer views is kept under the older position, which no later
    # request asks for; never the other way round.
    known = g.get("views_at")
    if known is None or known[0] is not cur:
        known = g.views_at = (cur, *runner().views.generation_and_position(cur))
    _, generation, position = known
    return cache.get_or_compute(generation, position, key, lambda: compute(cur))
