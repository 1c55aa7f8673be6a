"""The API's documentation as a page: Swagger UI at /api/v1/docs, reading /api/v1/openapi.json.
Its script and style come from the swagger-ui-bundle package (Apache-2.0) and are served by
this app, so the page works on a network with no way out; the validator badge, which would
send the document to an outside service, is switched off.

    configure(app)   before the Api is made: where flask-smorest mounts the page
    register(app)    the assets' route
"""

from __future__ import annotations

from typing import Any

import swagger_ui_bundle
from flask import Blueprint, Flask, abort, send_from_directory

from web.landing import API_PREFIX

DOCS_PATH = "docs"
ASSETS = f"{API_PREFIX}/{DOCS_PATH}/assets/"
#: The only files served: what the page loads (the package also holds source maps and demos).
FILES = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png"})

blp = Blueprint("api_docs_assets", __name__)


def configure(app: Flask) -> None:
    app.config.setdefault("OPENAPI_SWAGGER_UI_PATH", DOCS_PATH)
    app.config.setdefault("OPENAPI_SWAGGER_UI_URL", ASSETS)
    app.config.setdefault(
        "OPENAPI_SWAGGER_UI_CONFIG",
        {"validatorUrl": None, "deepLinking": True, "docExpansion": "none", "persistAuthorization": False},
    )


@blp.route(f"{ASSETS}<name>")
def asset(name: str) -> Any:
    if name not in FILES:
        abort(404)
    return send_from_directory(swagger_ui_bundle.swagger_ui_path, name, max_age=86400)


def register(app: Flask) -> None:
    app.register_blueprint(blp)
