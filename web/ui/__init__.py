"""Server-rendered pages under /ui/ for supervisors and reviewers: Chinese, county time, every
code by its label, nothing fetched from outside and no script needed to read a page.

    register(app)     mounts the pages, configures the session cookie (web/ui/session.py)

Adding an instrument's page is a template in web/ui/templates/ui/ and a route in a module
imported below; every route reads through the same role, region and masking rules as the API
(web/auth.py), with the signed-in actor in place of the bearer token.
"""

from __future__ import annotations

from flask import Flask

from web.ui import cases, dashboard, errors, instruments, review, session  # noqa: F401  (each adds its routes)
from web.ui.blueprint import ui
from web.ui.session import configure_session


def register(app: Flask) -> None:
    configure_session(app)
    app.register_blueprint(ui, url_prefix="/ui")
