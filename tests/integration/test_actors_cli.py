"""`ledger actors add | list | revoke | rotate` through click's runner, on a SQLite file and on a
fresh PostgreSQL schema, configured as a user would: LEDGER_DB, or LEDGER_DATABASE_URL with
LEDGER_PG_SCHEMA."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner, Result

from application.config import StoreSettings, county_tz
from application.errors import UnknownActor
from application.ledger import Ledger
from cli.main import main
from tests.support import use_store


@pytest.fixture
def cli(store: StoreSettings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Runs `ledger ...` against the test's store; fails the test on an unexpected exit code."""
    use_store(monkeypatch, store)
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> Result:
        result = runner.invoke(main, list(args))
        assert result.exit_code == code, (result.output, result.exception)
        assert "Traceback" not in result.output
        return result

    run("init", "--reference", "demo")
    yield run


def authenticates(store: StoreSettings, *tokens: str) -> list[str]:
    """The name each token authenticates, or its refusal, as a server would see them now."""
    ledger = Ledger(settings=store)
    try:
        return [_authenticates(ledger, token) for token in tokens]
    finally:
        ledger.close()


def _authenticates(ledger: Ledger, token: str) -> str:
    try:
        return ledger.authenticate(token).name
    except UnknownActor as e:
        return str(e)


def test_add_rotate_revoke_and_list(cli: Any, store: StoreSettings) -> None:
    added = cli("actors", "add", "clerk", "--role", "recorder", "--region", "621199001", "--expires", "90d")
    first = added.output.splitlines()[-1]
    assert authenticates(store, first) == ["clerk"]
    rotated = cli("actors", "rotate", "clerk", "--expires", "12h")
    second = rotated.output.splitlines()[-1]
    assert second != first and "old one is revoked" in rotated.output
    assert authenticates(store, first, second) == ["the bearer token has been revoked", "clerk"]
    cli("actors", "add", "viewer", "--role", "reader")
    cli("actors", "revoke", "viewer")

    listed = [json.loads(line) for line in cli("actors", "list", "--json").output.splitlines()]
    by_name = {a["name"]: a for a in listed}
    assert list(by_name) == ["clerk", "system", "viewer"]
    clerk = by_name["clerk"]
    assert (clerk["role"], clerk["region_code"], clerk["token"]) == ("recorder", "621199001", "active")
    lifetime = datetime.fromisoformat(clerk["expires_at"]) - datetime.fromisoformat(clerk["rotated_at"])
    assert lifetime == timedelta(hours=12)
    assert datetime.fromisoformat(clerk["created_at"]).tzinfo is not None
    assert (by_name["viewer"]["token"], by_name["system"]["token"]) == ("revoked", "none")
    assert by_name["viewer"]["revoked_at"] is not None and by_name["viewer"]["expires_at"] is None

    table = cli("actors", "list").output
    assert all(len(line) <= 80 for line in table.splitlines()), table
    rows = {line.split()[0]: line.split() for line in table.splitlines()[1:] if line.strip()}
    # The table shows the county's calendar day, which is often not UTC's.
    expires = datetime.fromisoformat(clerk["expires_at"]).astimezone(county_tz()).strftime("%Y-%m-%d")
    assert rows["clerk"][1:] == ["recorder", "621199001", "active", expires]
    assert rows["viewer"][1:] == ["reader", "all", "revoked", "-"]
    assert rows["system"][1:] == ["admin", "all", "none", "-"]


def test_the_demo_actors_names_fit_eighty_columns_unbroken(cli: Any) -> None:
    name = "mediator-ORG621199001001"
    cli(
        "actors", "add", name, "--role", "mediator", "--organisation", "ORG621199001001", "--expires", "3650d"
    )
    table = cli("actors", "list").output
    assert all(len(line) <= 80 for line in table.splitlines()), table
    assert name in table and "ORG621199001001" in table


NONSENSE = {
    "90": "whole number of days or hours",
    "-5d": "whole number of days or hours",
    "1.5d": "whole number of days or hours",
    "90m": "whole number of days or hours",
    "99999999d": "whole number of days or hours",
    "0d": "at least 1h",
    "3651d": "longest lifetime, 3650d",
}


def test_a_nonsensical_lifetime_is_refused_with_a_reason(cli: Any) -> None:
    for lifetime, says in NONSENSE.items():
        for command in (["actors", "add", "x", "--role", "reader"], ["actors", "rotate", "system"]):
            result = cli(*command, "--expires", lifetime, code=2)
            assert says in result.output and "--expires" in result.output, (lifetime, result.output)
    assert [json.loads(line)["name"] for line in cli("actors", "list", "--json").output.splitlines()] == [
        "system"
    ]


def test_refusals_are_one_line_and_exit_2(cli: Any) -> None:
    assert "unknown actor 'ghost'" in cli("actors", "revoke", "ghost", code=2).output
    assert "no token" in cli("actors", "rotate", "system", code=2).output
    cli("actors", "add", "viewer", "--role", "reader")
    cli("actors", "revoke", "viewer")
    assert "already revoked" in cli("actors", "revoke", "viewer", code=2).output


def test_serve_demo_rotates_its_actors_on_a_later_start(cli: Any, store: StoreSettings) -> None:
    """The actor setup `ledger serve --demo` runs before serving, twice, as two starts would."""
    from application.demo import demo_tokens

    tokens = []
    for _ in range(2):
        ledger = Ledger(settings=store)
        try:
            tokens.append(demo_tokens(ledger))
            count = len(ledger.list_actors())
        finally:
            ledger.close()
    assert count == 1 + 7  # system and one demo actor per role
    first, second = tokens
    assert (
        authenticates(store, *(token for _, _, token in first)) == ["the bearer token has been revoked"] * 7
    )
    assert authenticates(store, *(token for _, _, token in second)) == [name for _, name, _ in second]


def test_a_login_link_signs_in_once_and_is_remembered_across_restarts(
    cli: Any, store: StoreSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from application import sign_in_links

    cli("actors", "add", "clerk", "--role", "recorder", "--region", "621199001")
    monkeypatch.setenv("LEDGER_UI_BASE_URL", "https://ledger.example.gov.cn/")
    monkeypatch.setenv("LEDGER_UI_LINK_MINUTES", "5")
    printed = cli("actors", "login-link", "clerk").output.splitlines()
    url = printed[-1]
    assert url.startswith("https://ledger.example.gov.cn/ui/login/") and "usable once" in printed[-2]
    nonce = url.rsplit("/", 1)[1]
    first = Ledger(settings=store)  # a server process
    try:
        link, actor = sign_in_links.peek(first, nonce)
        assert actor.name == "clerk" and link.expires_at - first.clock() <= timedelta(minutes=5)
        assert sign_in_links.redeem(first, nonce).name == "clerk"
    finally:
        first.close()
    restarted = Ledger(settings=store)  # the same store after a restart: the link stays spent
    try:
        with pytest.raises(UnknownActor, match="been used"):
            sign_in_links.redeem(restarted, nonce)
        with pytest.raises(UnknownActor, match="not valid"):
            sign_in_links.redeem(restarted, nonce[:-1] + ("A" if nonce[-1] != "A" else "B"))
    finally:
        restarted.close()
    cli("actors", "revoke", "clerk")
    refused = cli("actors", "login-link", "clerk", code=2)
    assert "revoked" in refused.output and "/ui/login/" not in refused.output
    assert "no token" in cli("actors", "login-link", "system", code=2).output
    assert "unknown actor" in cli("actors", "login-link", "nobody", code=2).output
    cli("actors", "login-link", "clerk", "--minutes", "0", code=2)
    verified = cli("verify").output
    assert verified.splitlines()[-1].startswith("intact"), verified  # the links' streams check out
