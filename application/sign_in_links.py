"""One-time sign-in links for the pages: issued from the command line to an actor whose token
is active, redeemed once by the page /ui/login/<nonce> (web/ui/session.py).

Settings (environment):
    LEDGER_UI_LINK_MINUTES   how long a link stays usable (default 15)
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from application.errors import UnknownActor
from application.ledger import SYSTEM, Ledger, token_refused
from domain.errors import InvalidValue
from domain.reference import Actor, token_digest
from domain.sign_in_link import SignInLink

DEFAULT_MINUTES = 15.0


def link_lifetime(minutes: float | None = None) -> timedelta:
    """The lifetime asked for, else LEDGER_UI_LINK_MINUTES, else 15 minutes."""
    if minutes is None:
        raw = os.environ.get("LEDGER_UI_LINK_MINUTES", "").strip()
        try:
            minutes = float(raw) if raw else DEFAULT_MINUTES
        except ValueError:
            raise InvalidValue("LEDGER_UI_LINK_MINUTES", f"a number of minutes, not {raw!r}") from None
    return timedelta(minutes=minutes)


def issue(ledger: Ledger, name: str, *, lifetime: timedelta, by: str = SYSTEM) -> tuple[SignInLink, str]:
    """A new link for ``name`` and its nonce (returned once; only its digest is stored). The
    actor must hold an active token: the session the link opens ends with that token."""
    actor = ledger.actor(name)
    if not actor.token_hash:
        raise InvalidValue("name", f"{name} acts only from the command line and has no token")
    why = actor.refuses(actor.token_hash, ledger.clock())
    if why is not None:
        raise InvalidValue("name", f"the token of {name} is {why}: rotate it first")
    nonce = secrets.token_urlsafe(32)
    link = SignInLink.issue(
        nonce_hash=token_digest(nonce), actor_name=name, at=ledger.clock(), lifetime=lifetime, actor_id=by
    )
    ledger.save(link)
    return link, nonce


def peek(ledger: Ledger, nonce: str) -> tuple[SignInLink, Actor]:
    """The link and its actor, while it would still sign in (nothing recorded)."""
    try:
        link: SignInLink = ledger.repository.get(SignInLink.create_id(token_digest(nonce)))
    except (AggregateNotFoundError, ValueError):
        raise UnknownActor("the sign-in link is not valid") from None
    why = link.refuses(ledger.clock())
    if why is not None:
        raise UnknownActor(f"the sign-in link has {'been used' if why == 'used' else why}")
    actor = ledger.actor(link.actor_name)
    refused = actor.refuses(actor.token_hash, ledger.clock())
    if refused is not None:
        raise token_refused(refused)
    return link, actor


def redeem(ledger: Ledger, nonce: str) -> Actor:
    """Spend the link and answer its actor. Of two uses at once, the store lets one through:
    the other's Used event conflicts with it and is refused."""
    link, actor = peek(ledger, nonce)
    link.use(at=ledger.clock(), actor_id=actor.name)
    try:
        ledger.save(link)
    except IntegrityError:
        raise UnknownActor("the sign-in link has been used") from None
    return actor
