"""The HTTP API (DESIGN.md §8) under /api/v1: commands, queries, reference data, audit.

    create_app()                      settings from the environment (LEDGER_DB / LEDGER_DATABASE_URL)
    create_app({"STORE_SETTINGS": s, "CLOCK": clock, ...})   tests: a store and an injectable now

One Ledger and one ViewRunner per app. In inline mode (default on SQLite) every query first
catches the views up; on PostgreSQL `ledger project --follow` keeps them up to date instead, and
a client reads its own write by sending back the X-Ledger-Position a command answered.
With LEDGER_READ_DATABASE_URL the views are read from a streaming replica instead (commands,
history and the access log stay on the primary); the position is then waited for there.

Production: gunicorn 'web:create_app()' -w 4
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from application.config import read_store_settings, store_settings
from application.ledger import Ledger, utc_now
from projections.query_cache import PositionCache
from projections.runner import ViewRunner
from web import api_docs, idempotency
from web.audit.routes import blp as audit
from web.auth import authenticate_request
from web.batches.routes import batches
from web.bulletins.routes import blp as bulletins
from web.court.routes import blp as court
from web.disputes.routes import blp as disputes
from web.disputes.routes import register_fallbacks
from web.errors import LedgerApi, register_error_handlers
from web.exports.routes import exports, imports
from web.health.routes import Health
from web.health.routes import blp as health
from web.indicators.routes import blp as indicators
from web.instruments.routes import cards, villages
from web.json import OrjsonProvider
from web.landing import API_PREFIX
from web.landing import blp as landing
from web.landing import register_aliases as register_landing_aliases
from web.reference.routes import blp as reference
from web.request_checks import JsonBodyResponses, check_request
from web.suggestions.routes import suggestions
from web.ui import register as register_pages
from web.warnings.routes import blp as warnings

API_TITLE = "Dispute Ledger API"
API_DESCRIPTION = (
    "诉源治理案件台账 (dispute ledger): the report and every command of a dispute case's life, "
    "the case views, the county's indicators, reference data and the supervision audit. "
    "Every request but the health check carries `Authorization: Bearer <token>`."
)


def _inline_default(is_postgres: bool) -> bool:
    raw = os.environ.get("LEDGER_INLINE_PROJECTION", "").strip().lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    return not is_postgres


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.json = OrjsonProvider(app)
    app.config.from_mapping(
        # ASCII: generated clients name their package after the title.
        API_TITLE=API_TITLE,
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": API_DESCRIPTION},
            "security": [{"bearer": []}],
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        },
        MAX_CONTENT_LENGTH=1024 * 1024,
        STORE_SETTINGS=None,
        READ_STORE_SETTINGS=None,
        CLOCK=None,
        INLINE_PROJECTION=None,
        READ_WAIT_SECONDS=float(os.environ.get("LEDGER_READ_WAIT_SECONDS", "5")),
        AUTH_CACHE_SECONDS=float(os.environ.get("LEDGER_AUTH_CACHE_SECONDS", "30")),
        QUERY_CACHE_ENTRIES=int(os.environ.get("LEDGER_QUERY_CACHE_ENTRIES", "512")),
        FAST_JSON=True,
    )
    if test_config:
        app.config.update(test_config)

    settings = app.config["STORE_SETTINGS"] or store_settings()
    if app.config["INLINE_PROJECTION"] is None:
        app.config["INLINE_PROJECTION"] = _inline_default(settings.is_postgres)
    replica = app.config["READ_STORE_SETTINGS"] or read_store_settings(settings)
    if replica is not None and app.config["INLINE_PROJECTION"]:
        raise ValueError(
            "LEDGER_READ_DATABASE_URL: a replica is read only, so the views must be projected by "
            "`ledger project --follow` on the primary; unset LEDGER_INLINE_PROJECTION"
        )
    ledger = Ledger(settings=settings, clock=app.config["CLOCK"] or utc_now)
    app.extensions["ledger"] = ledger
    app.extensions["ledger_views"] = ViewRunner(ledger, replica=replica)
    app.extensions["ledger_query_cache"] = PositionCache(app.config["QUERY_CACHE_ENTRIES"])

    api_docs.configure(app)
    api = LedgerApi(app, spec_kwargs={"extra_plugins": [JsonBodyResponses()]})
    register_error_handlers(app)
    app.before_request(authenticate_request)
    app.before_request(check_request)
    api.register_blueprint(disputes, url_prefix=f"{API_PREFIX}/disputes")
    api.register_blueprint(indicators, url_prefix=f"{API_PREFIX}/indicators")
    api.register_blueprint(reference, url_prefix=f"{API_PREFIX}/reference")
    api.register_blueprint(audit, url_prefix=f"{API_PREFIX}/audit")
    api.register_blueprint(court, url_prefix=f"{API_PREFIX}/court-cases")
    api.register_blueprint(imports, url_prefix=f"{API_PREFIX}/imports")
    api.register_blueprint(exports, url_prefix=f"{API_PREFIX}/exports")
    api.register_blueprint(warnings, url_prefix=f"{API_PREFIX}/warnings")
    api.register_blueprint(cards, url_prefix=f"{API_PREFIX}/cards")
    api.register_blueprint(villages, url_prefix=f"{API_PREFIX}/villages/no-litigation")
    api.register_blueprint(bulletins, url_prefix=f"{API_PREFIX}/bulletins")
    api.register_blueprint(suggestions, url_prefix=f"{API_PREFIX}/suggestions")
    api.register_blueprint(batches, url_prefix=f"{API_PREFIX}/batches")
    api.register_blueprint(health, url_prefix=API_PREFIX)
    api.register_blueprint(landing)
    register_landing_aliases(app)
    register_fallbacks(app, f"{API_PREFIX}/disputes")
    # Load balancers look for it at the root.
    app.add_url_rule("/healthz", "healthz", Health.as_view("healthz"))
    idempotency.register(app)
    api_docs.register(app)
    register_pages(app)
    return app


def close_app(app: Flask) -> None:
    """Release the app's store connections (tests, and servers that stop cleanly)."""
    app.extensions["ledger_views"].close()
    app.extensions["ledger"].close()
