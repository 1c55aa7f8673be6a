"""A one-time sign-in link to the pages (`ledger actors login-link NAME`): a random nonce given
once to the person, of which only the digest is stored, here in the event store beside the
actors and their tokens. It signs in once, before it expires, and is then spent for good: the
spending is an event, so no restart, second worker or copy of the URL can use it again."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.domain import event

from domain.errors import InvalidValue
from domain.integrity import Chained
from domain.reference import stable_id

#: The longest a link may stay usable: it is meant for the minutes it takes to open it.
MAX_LINK_LIFETIME = timedelta(hours=24)


class SignInLink(Chained):
    @staticmethod
    def create_id(nonce_hash: str) -> UUID:  # type: ignore[override]
        return stable_id("sign-in-link", nonce_hash)

    @classmethod
    def issue(cls, *, nonce_hash: str, actor_name: str, at: datetime, lifetime: timedelta, actor_id: str) -> SignInLink:
        if not timedelta(0) < lifetime <= MAX_LINK_LIFETIME:
            raise InvalidValue("minutes", f"a link lives more than 0 and at most {MAX_LINK_LIFETIME}")
        return cls(nonce_hash=nonce_hash, actor_name=actor_name, expires_at=at + lifetime, actor_id=actor_id)

    @event("Issued")
    def __init__(self, nonce_hash: str, actor_name: str, expires_at: datetime, actor_id: str) -> None:
        self.actor_name = actor_name
        self.expires_at = expires_at
        self.used_at: datetime | None = None

    def refuses(self, at: datetime) -> str | None:
        """Why the link does not sign in now ("used", "expired"), or None if it does."""
        if self.used_at is not None:
            return "used"
        if at >= self.expires_at:
            return "expired"
        return None

    def use(self, *, at: datetime, actor_id: str) -> None:
        why = self.refuses(at)
        if why is not None:
            raise InvalidValue("link", why)
        self._used(at=at, actor_id=actor_id)

    @event("Used")
    def _used(self, at: datetime, actor_id: str) -> None:
        self.used_at = at
