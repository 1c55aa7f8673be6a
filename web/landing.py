"""The root and /api/v1: a small JSON document that tells someone who opens the printed server
URL where to go next (the OpenAPI document, the health check, the web UI when there is one),
instead of a bare 404. No token: it names no data."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Flask, current_app, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

blp = Blueprint("landing", __name__, description="Where to start: links to the documents and the UI.")

API_PREFIX = "/api/v1"
#: The web UI's entry, linked only when the app has such a route.
UI_PATH = "/ui/"


class LandingLinks(ma.Schema):
    openapi = ma.fields.String(metadata={"description": "the OpenAPI document of this API"})
    health = ma.fields.String(metadata={"description": "liveness and the views' position (no token)"})
    api = ma.fields.String(metadata={"description": "this API's root"})
    ui = ma.fields.String(metadata={"description": "the web UI, when the server has one"})


class Landing(ma.Schema):
    name = ma.fields.String(metadata={"description": "the service's name"})
    version = ma.fields.String(metadata={"description": "the API version"})
    description = ma.fields.String()
    links = ma.fields.Nested(LandingLinks)


def _has_ui() -> bool:
    return any(rule.rule.rstrip("/") == UI_PATH.rstrip("/") for rule in current_app.url_map.iter_rules())


def landing_document() -> dict[str, Any]:
    config = current_app.config
    links = {
        "api": f"{API_PREFIX}/",
        "openapi": f"{config['OPENAPI_URL_PREFIX']}/{config['OPENAPI_JSON_PATH']}",
        "health": url_for("healthz"),
    }
    if _has_ui():
        links["ui"] = UI_PATH
    return {
        "name": config["API_TITLE"],
        "version": config["API_VERSION"],
        "description": "Send a bearer token (Authorization: Bearer ...) to every other operation; "
        "the OpenAPI document lists them.",
        "links": links,
    }


# Documented once, at the API's root; register_aliases serves the same answer at the root (the
# URL `ledger serve` prints) and without the trailing slash: whichever a person tries first. The
# document lists only paths under the API's prefix, so the aliases stay out of it.
@blp.route(f"{API_PREFIX}/", endpoint="api_root")
class Root(MethodView):
    @blp.doc(security=[])
    @blp.response(200, Landing)
    def get(self) -> Any:
        """Where to start: the API's name and version, and links to its documents"""
        return landing_document()


def register_aliases(app: Flask) -> None:
    view = Root.as_view("landing_alias")
    app.add_url_rule("/", "root", view, methods=["GET"])
    app.add_url_rule(API_PREFIX, "api_root", view, methods=["GET"], strict_slashes=True)
