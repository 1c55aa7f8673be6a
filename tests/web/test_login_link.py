"""The one-time sign-in link on the pages (/ui/login/<nonce>): opening it only asks to
confirm; confirming opens the same session as the token form; a second use, an expired link
and a link whose actor's token was revoked are refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from application import sign_in_links
from tests.support import World
from tests.web.pages import csrf_of


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def _open(client: Any, nonce: str) -> Any:
    page = client.get(f"/ui/login/{nonce}")
    return page


def test_a_link_signs_in_once_to_the_same_session_as_the_token_form(app: Any, world: World) -> None:
    _, nonce = sign_in_links.issue(world.ledger, "supervisor", lifetime=timedelta(minutes=15))
    client = app.test_client()
    confirm = _open(client, nonce)
    assert confirm.status_code == 200 and "supervisor" in text(confirm) and "确认登录" in text(confirm)
    assert client.get("/ui/").status_code == 302  # opening the link alone signs nobody in
    assert client.post(f"/ui/login/{nonce}").status_code == 400  # no CSRF token: refused, link unspent
    signed = client.post(f"/ui/login/{nonce}", data={"csrf_token": csrf_of(text(confirm))})
    assert signed.status_code == 302
    cookie = signed.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert client.get("/ui/").status_code == 200

    other = app.test_client()
    again = _open(other, nonce)
    assert again.status_code == 401 and "已被使用" in text(again)
    login_form = other.get("/ui/login")
    replay = other.post(f"/ui/login/{nonce}", data={"csrf_token": csrf_of(text(login_form))})
    assert replay.status_code == 401 and other.get("/ui/").status_code == 302
    assert _open(other, "not-a-link").status_code == 401

    # The session is the token's: revoking the token ends it, as for the form.
    world.ledger.revoke("supervisor")
    assert client.get("/ui/").status_code == 302


def test_a_link_expires(app: Any, world: World) -> None:
    _, nonce = sign_in_links.issue(world.ledger, "auditor", lifetime=sign_in_links.link_lifetime(None))
    world.clock.advance(minutes=15)
    expired = _open(app.test_client(), nonce)
    assert expired.status_code == 401 and "已过期" in text(expired)


def test_links_are_issued_only_to_actors_with_an_active_token(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from domain.errors import InvalidValue

    world.ledger.revoke("judge")
    with pytest.raises(InvalidValue, match="revoked"):
        sign_in_links.issue(world.ledger, "judge", lifetime=timedelta(minutes=15))
    with pytest.raises(InvalidValue):
        sign_in_links.issue(world.ledger, "reader", lifetime=timedelta(days=2))
    monkeypatch.setenv("LEDGER_UI_LINK_MINUTES", "30")
    assert sign_in_links.link_lifetime(None) == timedelta(minutes=30)
    monkeypatch.setenv("LEDGER_UI_LINK_MINUTES", "soon")
    with pytest.raises(InvalidValue):
        sign_in_links.link_lifetime(None)
