"""Revoked, rotated-away and expired tokens over HTTP, through the per-worker token cache.

The cache remembers a token for AUTH_CACHE_SECONDS; a revocation may wait that long and no
longer (judged by the app's clock too, which the tests move), and an expiry is judged at every
request, remembered or not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from application.config import StoreSettings
from tests.support import T0, World
from tests.web.helpers import API, assert_error, both_stores
from web import close_app, create_app


@pytest.fixture
def get_as(world: World, store: StoreSettings) -> Iterator[Callable[..., Callable[[str], Any]]]:
    """get_as(cache_seconds) → a function that GETs /disputes with a bearer token on a new app."""
    apps = []

    def make(cache_seconds: float) -> Callable[[str], Any]:
        app = create_app(
            {
                "TESTING": True,
                "STORE_SETTINGS": store,
                "CLOCK": world.clock,
                "AUTH_CACHE_SECONDS": cache_seconds,
            }
        )
        apps.append(app)
        client = app.test_client()
        return lambda token: client.get(f"{API}/disputes", headers={"Authorization": f"Bearer {token}"})

    yield make
    for app in apps:
        close_app(app)


def refused(response: Any, why: str) -> None:
    body = assert_error(response, 401, "unauthorized")
    assert body["message"] == f"the bearer token has {why}", body
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@both_stores
def test_a_revoked_token_is_refused_once_the_cache_time_has_passed(world: World, get_as: Any) -> None:
    get = get_as(30)
    token = world.tokens["reader"]
    assert get(token).status_code == 200  # remembered from now on
    world.ledger.revoke("reader")
    world.clock.advance(seconds=30)
    refused(get(token), "been revoked")
    world.clock.advance(hours=1)
    refused(get(token), "been revoked")


@both_stores
def test_without_a_cache_a_revocation_is_refused_at_once(world: World, get_as: Any) -> None:
    get = get_as(0)
    token = world.tokens["auditor"]
    assert get(token).status_code == 200
    world.ledger.revoke("auditor")
    refused(get(token), "been revoked")


@both_stores
def test_after_a_rotation_the_old_token_is_refused_and_the_new_one_works(world: World, get_as: Any) -> None:
    get = get_as(30)
    old = world.tokens["supervisor"]
    assert get(old).status_code == 200
    _, new = world.ledger.rotate("supervisor")
    assert get(new).status_code == 200
    world.clock.advance(seconds=31)
    refused(get(old), "been revoked")
    assert get(new).status_code == 200


@both_stores
def test_an_expired_token_is_refused_even_while_it_is_remembered(
    world: World, store: StoreSettings, get_as: Any
) -> None:
    get = get_as(24 * 3600)  # remembered far longer than it lives
    _, token = world.ledger.add_actor("temp", "reader", expires_at=T0 + timedelta(hours=1))
    assert get(token).status_code == 200
    world.clock.advance(minutes=59)
    assert get(token).status_code == 200
    world.clock.advance(minutes=1)
    refused(get(token), "expired")
    world.clock.advance(seconds=1)
    refused(get(token), "expired")


def test_an_expiry_is_judged_on_the_remembered_actor_without_reading_the_store(
    world: World, store: StoreSettings
) -> None:
    app = create_app(
        {"TESTING": True, "STORE_SETTINGS": store, "CLOCK": world.clock, "AUTH_CACHE_SECONDS": 3600}
    )
    try:
        _, token = world.ledger.add_actor("temp", "reader", expires_at=T0 + timedelta(minutes=10))
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get(f"{API}/disputes", headers=headers).status_code == 200
        reads = []
        ledger = app.extensions["ledger"]
        authenticate = ledger.authenticate
        ledger.authenticate = lambda t: reads.append(t) or authenticate(t)
        world.clock.advance(minutes=10)
        refused(client.get(f"{API}/disputes", headers=headers), "expired")
        assert reads == []
    finally:
        close_app(app)
