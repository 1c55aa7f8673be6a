"""/healthz: whether the store answers, how far the views are behind it, and whether they can be
trusted (no event failing to project, not stalled). No token needed.

Judged from the views' database (projections/health.py), so that gunicorn workers see the state
of a separate `ledger project --follow` process: its failure record, and when it last moved the
views or found them caught up.
"""

from __future__ import annotations

import contextlib
import sqlite3
from typing import Any

import psycopg
from eventsourcing.persistence import PersistenceError
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from projections.health import Verdict, judge, stall_seconds
from projections.runner import Lag, ProjectionFailed
from web.context import now, runner
from web.errors import error_response
from web.health import schemas as s

blp = Blueprint("health", __name__, description="Health and projection lag.")

_UNREACHABLE = (PersistenceError, sqlite3.Error, psycopg.Error, OSError)


@blp.route("/healthz")
class Health(MethodView):
    @blp.doc(operationId="get_health")
    @blp.doc(security=[])
    @blp.response(200, s.Health)
    @blp.alt_response(
        503,
        schema=s.Unhealthy,
        description="the store is not reachable (error), an event fails to project (degraded), or "
        "the views are behind the store and have not moved for LEDGER_STALL_SECONDS (stalled)",
    )
    def get(self) -> Any:
        """Store reachable? Views behind the store by how many events, and still moving?"""
        inline = bool(current_app.config["INLINE_PROJECTION"])
        views = runner()
        try:
            if inline:
                # As every read does: in this mode nothing else moves the views. A failure is
                # recorded by then, and judged below like a follower's.
                with contextlib.suppress(ProjectionFailed):
                    views.catch_up()
            lag = views.lag()
            failure = views.failure()
            progress = views.views.progress()
        except _UNREACHABLE as e:
            current_app.logger.error("health check: store unreachable: %s", e)
            return error_response(
                503,
                "store_unreachable",
                "the store is not reachable",
                headers={"Retry-After": "5"},
                status="error",
                store=f"unreachable: {type(e).__name__}",
                projection=None,
            )
        stall = stall_seconds()
        verdict = judge(behind=lag.behind, failure=failure, progress=progress, now=now(), stall=stall)
        body: dict[str, Any] = {
            "status": verdict.status,
            "store": "reachable",
            "mode": "inline" if inline else "follower",
            "projection": {"position": lag.position, "head": lag.head, "behind": lag.behind},
            "progress": {
                "last_progress_at": progress.last,
                "stall_seconds": stall,
                "stalled_for": verdict.stalled_for,
            },
        }
        if verdict.status == "ok":
            return body
        code, message = _unhealthy(verdict, lag)
        return error_response(503, code, message, headers={"Retry-After": "5"}, **body, **_failure(verdict))


def _unhealthy(verdict: Verdict, lag: Lag) -> tuple[str, str]:
    if verdict.failure is not None:
        f = verdict.failure
        return "projection_failed", (
            f"the views stopped at position {lag.position}: the event at position {f.position} "
            f"(case {f.case_id}, version {f.version}) fails to project ({f.error})"
        )
    return "projection_stalled", (
        f"the views are {lag.behind} events behind the store and have not moved for "
        f"{verdict.stalled_for:.0f} s (LEDGER_STALL_SECONDS)"
    )


def _failure(verdict: Verdict) -> dict[str, Any]:
    f = verdict.failure
    if f is None:
        return {}
    return {
        "failure": {
            "position": f.position,
            "case_id": f.case_id,
            "version": f.version,
            "topic": f.topic,
            "error": f.error,
            "first_seen": f.first_seen,
            "last_seen": f.last_seen,
            "attempts": f.attempts,
        }
    }
