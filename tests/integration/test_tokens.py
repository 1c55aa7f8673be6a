"""Tokens through the Ledger on both stores: rotation, revocation, expiry, the list, and the demo
actors that `ledger serve --demo` reuses."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.config import StoreSettings
from application.demo import demo_tokens
from application.errors import UnknownActor
from application.ledger import Ledger
from domain.errors import InvalidValue
from tests.support import T0, World


def refusal(ledger: Ledger, token: str) -> str:
    with pytest.raises(UnknownActor) as refused:
        ledger.authenticate(token)
    return str(refused.value)


def test_rotation_retires_the_old_token_and_issues_a_working_one(world: World) -> None:
    old = world.tokens["reader"]
    before = world.event_count()
    actor, new = world.ledger.rotate("reader", by="admin")
    # The actor's rotation, the new index entry and the old one's retirement, in one save.
    assert world.event_count() == before + 3
    assert new != old and actor.rotated_at == T0
    assert refusal(world.ledger, old) == "the bearer token has been revoked"
    assert world.ledger.authenticate(new).name == "reader"


def test_revocation_refuses_the_token_until_the_actor_is_rotated(world: World) -> None:
    token = world.tokens["recorder"]
    world.ledger.revoke("recorder", by="admin")
    message = refusal(world.ledger, token)
    assert message == "the bearer token has been revoked" and "recorder" not in message
    before = world.event_count()
    with pytest.raises(InvalidValue, match="already revoked"):
        world.ledger.revoke("recorder")
    with pytest.raises(UnknownActor, match="ghost"):
        world.ledger.revoke("ghost")
    with pytest.raises(InvalidValue, match="no token"):
        world.ledger.rotate("system")
    assert world.event_count() == before
    _, fresh = world.ledger.rotate("recorder")
    assert world.ledger.authenticate(fresh).name == "recorder"
    assert refusal(world.ledger, token) == "the bearer token has been revoked"


def test_an_expired_token_is_refused_once_the_clock_passes_its_expiry(world: World) -> None:
    actor, token = world.ledger.add_actor("temp", "reader", expires_at=T0 + timedelta(hours=1))
    assert actor.expires_at == T0 + timedelta(hours=1)
    assert world.ledger.authenticate(token).name == "temp"
    world.clock.advance(minutes=59, seconds=59)
    assert world.ledger.authenticate(token).name == "temp"
    world.clock.advance(seconds=1)
    assert refusal(world.ledger, token) == "the bearer token has expired"
    _, renewed = world.ledger.rotate("temp", expires_at=world.clock.now + timedelta(days=90))
    assert world.ledger.authenticate(renewed).expires_at == world.clock.now + timedelta(days=90)


def test_an_expiry_in_the_past_or_too_far_ahead_writes_nothing(world: World) -> None:
    before = world.event_count()
    for expires_at in (T0, T0 + timedelta(days=3651)):
        with pytest.raises(InvalidValue, match="expires_at"):
            world.ledger.add_actor("temp", "reader", expires_at=expires_at)
        with pytest.raises(InvalidValue, match="expires_at"):
            world.ledger.rotate("reader", expires_at=expires_at)
    assert world.event_count() == before
    assert world.ledger.authenticate(world.tokens["reader"]).name == "reader"


def test_a_revocation_by_another_process_reaches_a_ledger_that_had_the_actor_cached(
    world: World, store: StoreSettings
) -> None:
    token = world.tokens["auditor"]
    assert world.ledger.authenticate(token).name == "auditor"  # now in the repository's cache
    other = Ledger(settings=store, clock=world.clock)
    try:
        other.revoke("auditor")
    finally:
        other.close()
    assert refusal(world.ledger, token) == "the bearer token has been revoked"


def test_the_list_shows_every_actor_and_the_state_of_its_token(world: World) -> None:
    world.ledger.system_actor()
    world.ledger.add_actor("temp", "reader", expires_at=T0 + timedelta(hours=1))
    world.ledger.revoke("judge")
    world.clock.advance(hours=2)
    world.ledger.rotate("supervisor", expires_at=T0 + timedelta(days=30))
    listed = {a.name: a for a in world.ledger.list_actors()}
    assert list(listed) == sorted(listed)
    assert set(listed) == set(world.actors) | {"system", "temp"}
    states = {name: a.token for name, a in listed.items()}
    assert states == {
        **dict.fromkeys(world.actors, "active"),
        "judge": "revoked",
        "temp": "expired",
        "system": "none",
    }
    supervisor = listed["supervisor"]
    assert (supervisor.role, supervisor.region_code, supervisor.organisation_code) == (
        "supervisor",
        "621199",
        None,
    )
    assert (supervisor.expires_at, supervisor.rotated_at) == (
        T0 + timedelta(days=30),
        T0 + timedelta(hours=2),
    )
    assert listed["mediator"].organisation_code == "ORG621199001001"
    assert listed["judge"].revoked_at == T0 and listed["temp"].expires_at == T0 + timedelta(hours=1)
    assert all(a.created_at is not None for a in listed.values())


def test_the_demo_actors_are_reused_on_a_later_start(world: World) -> None:
    # An earlier version added demo-reader, then demo-reader-2 on its second start.
    _, earlier_extra = world.ledger.add_actor("demo-reader-2", "reader")
    first = demo_tokens(world.ledger)
    actors_after_first = len(world.ledger.list_actors())
    second = demo_tokens(world.ledger)
    assert len(world.ledger.list_actors()) == actors_after_first
    assert [(role, name) for role, name, _ in second] == [(role, name) for role, name, _ in first]
    assert [name for _, name, _ in first] == [
        f"demo-{role}"
        for role in ("recorder", "mediator", "judge", "supervisor", "auditor", "reader", "admin")
    ]
    for (role, name, old), (_, _, new) in zip(first, second, strict=True):
        assert refusal(world.ledger, old) == "the bearer token has been revoked"
        actor = world.ledger.authenticate(new)
        assert (actor.name, actor.role) == (name, role)
    assert refusal(world.ledger, earlier_extra) == "the bearer token has been revoked"


@pytest.mark.parametrize(
    ("named", "answer"),
    [("admin", "the bearer token has been revoked"), ("ghost-admin", "the bearer token is not valid")],
)
def test_an_index_entry_edited_to_name_another_actor_authenticates_nobody(
    world: World, store: StoreSettings, named: str, answer: str
) -> None:
    """An intruder with write access to the table points the reader's token at the admin (or at
    a name no actor has): the token is not that actor's current one, so it authenticates nobody,
    and the answer does not repeat the name."""
    from domain.reference import TokenIndex, token_digest
    from tests.integration.test_integrity import Rows

    token = world.tokens["reader"]
    index_id = TokenIndex.create_id(token_digest(token))
    rows = Rows(world)
    state = rows.state(index_id, 1)
    assert b'"actor_name":"reader"' in state
    rows.set_state(index_id, 1, state.replace(b'"actor_name":"reader"', f'"actor_name":"{named}"'.encode()))
    fresh = Ledger(settings=store, clock=world.clock)
    try:
        assert refusal(fresh, token) == answer
        assert fresh.authenticate(world.tokens["admin"]).name == "admin"
    finally:
        fresh.close()
