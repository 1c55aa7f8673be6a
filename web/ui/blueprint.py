"""The blueprint every page module adds its routes to (one object, so modules do not import
each other to find it)."""

from __future__ import annotations

from flask import Blueprint

ui = Blueprint(
    "ui",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
