"""The API on a real store, through Flask's test client.

The web suite runs on SQLite by default; a test that must also run on PostgreSQL says so with
``@both_stores`` (tests/web/helpers.py), which parametrises ``store`` indirectly. The app gets
the world's clock, so "now" is exact, and its own Ledger on the same store, as a server would.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from application.config import StoreSettings
from tests.support import PG_URL, World, postgres_available, postgres_schema
from tests.web.helpers import Http
from web import close_app, create_app

_pg_reason: list[str | None] = []


@pytest.fixture(params=["sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[StoreSettings]:
    if request.param == "sqlite":
        yield StoreSettings(sqlite_path=str(tmp_path / "ledger.sqlite3"), url=None, schema="public")
        return
    if not _pg_reason:
        _pg_reason.append(postgres_available())
    if _pg_reason[0]:
        if os.environ.get("LEDGER_TEST_POSTGRES") == "required":
            pytest.fail(f"PostgreSQL tests are required here: {_pg_reason[0]}")
        pytest.skip(_pg_reason[0])
    with postgres_schema() as schema:
        yield StoreSettings(sqlite_path="", url=PG_URL, schema=schema)


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Extra settings for the app under test; override in a module to change them."""
    return {}


@pytest.fixture
def app(world: World, store: StoreSettings, app_config: dict[str, Any]) -> Iterator[Any]:
    app = create_app({"TESTING": True, "STORE_SETTINGS": store, "CLOCK": world.clock, **app_config})
    yield app
    close_app(app)


@pytest.fixture
def http(app: Any, world: World) -> Http:
    return Http(app.test_client(), world)
