"""An actor's token as the domain sees it: expiry, rotation, revocation, and what each refuses."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest

from domain.errors import InvalidValue
from domain.reference import MAX_TOKEN_LIFETIME, Actor, TokenIndex, check_expiry, token_digest
from tests.support import T0

OLD, NEW = token_digest("old-token"), token_digest("new-token")


def actor(token_hash: str = OLD) -> Actor:
    return Actor.register(
        name="clerk",
        role="recorder",
        region_path=["621199"],
        organisation_code=None,
        token_hash=token_hash,
        created_by="system",
    )


def test_a_new_token_is_active_and_only_its_own_hash_is_accepted() -> None:
    a = actor()
    assert a.token_state(T0) == "active"
    assert a.refuses(OLD, T0) is None
    assert a.refuses(NEW, T0) == "revoked"
    assert a.expires_at is a.revoked_at is a.rotated_at is None


def test_an_expiry_refuses_the_token_from_that_instant_on() -> None:
    a = actor()
    a.expire_token(T0 + timedelta(hours=1), at=T0, actor_id="system")
    assert a.refuses(OLD, T0 + timedelta(minutes=59)) is None
    assert a.refuses(OLD, T0 + timedelta(hours=1)) == "expired"
    assert a.token_state(T0 + timedelta(days=1)) == "expired"


def test_rotation_replaces_the_token_and_its_expiry() -> None:
    a = actor()
    a.expire_token(T0 + timedelta(hours=1), at=T0, actor_id="system")
    a.revoke(at=T0, actor_id="system")
    later = T0 + timedelta(hours=2)
    a.rotate(NEW, expires_at=None, at=later, actor_id="admin")
    assert (a.token_state(later), a.expires_at, a.rotated_at, a.revoked_at) == ("active", None, later, None)
    assert a.refuses(OLD, later) == "revoked"
    assert a.refuses(NEW, later + MAX_TOKEN_LIFETIME * 2) is None
    assert [type(e).__name__ for e in a.collect_events()] == [
        "Registered",
        "ExpirySet",
        "TokenRevoked",
        "TokenRotated",
    ]


def test_revocation_leaves_no_valid_token_until_the_next_rotation() -> None:
    a = actor()
    a.revoke(at=T0, actor_id="admin")
    assert (a.token_state(T0), a.refuses(OLD, T0), a.revoked_at) == ("revoked", "revoked", T0)
    with pytest.raises(InvalidValue, match="already revoked"):
        a.revoke(at=T0, actor_id="admin")
    with pytest.raises(InvalidValue, match="new token"):
        a.rotate(OLD, expires_at=None, at=T0, actor_id="admin")


def test_an_actor_without_a_token_cannot_have_one_revoked_or_rotated() -> None:
    system = actor(token_hash="")
    assert system.token_state(T0) == "none"
    assert system.refuses("", T0) == "revoked"
    for change in (
        lambda: system.revoke(at=T0, actor_id="system"),
        lambda: system.rotate(NEW, expires_at=None, at=T0, actor_id="system"),
        lambda: system.expire_token(T0 + timedelta(days=1), at=T0, actor_id="system"),
    ):
        with pytest.raises(InvalidValue, match="no token"):
            change()
    assert len(system.collect_events()) == 1


@pytest.mark.parametrize(
    ("expires_at", "rule"),
    [
        (T0.replace(tzinfo=None) + timedelta(days=1), "time zone"),
        (T0, "future"),
        (T0 - timedelta(seconds=1), "future"),
        (T0 + MAX_TOKEN_LIFETIME + timedelta(seconds=1), "days ahead"),
        ("2030-01-01T00:00:00+00:00", "time zone"),
    ],
)
def test_an_expiry_outside_the_window_is_refused(expires_at: object, rule: str) -> None:
    with pytest.raises(InvalidValue, match=rule) as refused:
        check_expiry(expires_at, T0)  # type: ignore[arg-type]
    assert refused.value.field == "expires_at"


def test_an_expiry_is_kept_in_utc() -> None:
    beijing = timezone(timedelta(hours=8))
    kept = check_expiry((T0 + timedelta(days=1)).astimezone(beijing), T0)
    assert (kept, kept.utcoffset()) == (T0 + timedelta(days=1), timedelta(0))


def test_a_token_index_entry_is_retired_once() -> None:
    index = TokenIndex(token_hash=OLD, actor_name="clerk")
    assert not index.revoked
    index.revoke(at=T0, actor_id="admin")
    index.revoke(at=T0, actor_id="admin")
    assert index.revoked
    assert [type(e).__name__ for e in index.collect_events()] == ["Issued", "Revoked"]
