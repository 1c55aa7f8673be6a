"""/healthz: whether the store answers and how far the views are behind it. No token needed."""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg
from eventsourcing.persistence import PersistenceError
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from web.context import runner
from web.errors import error_response
from web.health import schemas as s

blp = Blueprint("health", __name__, description="Health and projection lag.")


@blp.route("/healthz")
class Health(MethodView):
    @blp.doc(security=[])
    @blp.response(200, s.Health)
    @blp.alt_response(503, schema=s.Unreachable, description="the store is not reachable")
    def get(self) -> Any:
        """Store reachable? Views behind the store by how many events?"""
        try:
            lag = runner().lag()
        except (PersistenceError, sqlite3.Error, psycopg.Error, OSError) as e:
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
        return {
            "status": "ok",
            "store": "reachable",
            "mode": "inline" if current_app.config["INLINE_PROJECTION"] else "follower",
            "projection": {"position": lag.position, "head": lag.head, "behind": lag.behind},
        }
