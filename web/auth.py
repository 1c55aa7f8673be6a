"""Who is asking (bearer token → Actor), what each role may read, the actor's region scope,
and the masking of personal data for roles that must not see it.

Commands are authorised by the Ledger itself (role, region, handling organisation); reads are
authorised here, since the views are queried directly.
"""

from __future__ import annotations

import contextlib
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from flask import current_app, g, request

from application.access_log import Read, log_reads
from application.errors import CaseNotFound, UnknownActor
from application.ledger import token_refused
from domain.codes import Role
from domain.errors import AccessDenied
from domain.permissions import AUDIT_ROLES, MASKED_ROLES, WARNING_ROLES, handles
from domain.reference import Actor, token_digest
from projections.cases import handling_bodies
from web.context import ledger
from web.context import now as clock_now
from web.personal_text import number_masker, one_character_names

ALL_ROLES = frozenset(Role)
#: What each kind of read requires (DESIGN.md §2).
READ_ROLES: dict[str, frozenset[Role]] = {
    "cases": ALL_ROLES,
    "indicators": ALL_ROLES,
    "reference": ALL_ROLES,
    "warnings": WARNING_ROLES,
    "reviews": WARNING_ROLES,
    "audit": AUDIT_ROLES,
}
#: Why personal data is read (DESIGN.md §2, §7); required of all but a case's current handlers.
PURPOSE_HEADER = "X-Access-Purpose"


class PurposeRequired(AccessDenied):
    """Personal data asked for without a declared purpose by someone not handling the case."""

    code = "purpose_required"


#: Blueprints whose every endpoint needs a token (health and the OpenAPI document do not).
PROTECTED_BLUEPRINTS = frozenset({"disputes", "indicators", "reference", "audit", "court", "alerts"})


def authenticate_request() -> None:
    """before_request: a token is checked before anything else, so a request without one gets
    401 whatever else is wrong with it."""
    if request.blueprint in PROTECTED_BLUEPRINTS and request.method != "OPTIONS":
        current_actor()


def current_actor() -> Actor:
    """The actor behind the request's bearer token; UnknownActor (401) without a valid one."""
    if "actor" not in g:
        scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise UnknownActor("send Authorization: Bearer <token>")
        g.actor = _authenticated(token.strip())
    return g.actor


def _authenticated(token: str) -> Actor:
    """The token's actor, remembered for LEDGER_AUTH_CACHE_SECONDS (default 30): two store reads
    saved on every request. A token revoked or rotated away elsewhere may so keep working for up
    to that long in a worker that remembered it, never longer: an entry is dropped once that
    time has passed by the monotonic clock or by the app's clock (tests move the latter). Expiry
    is judged by the app's clock at every use, remembered or not."""
    ttl = current_app.config["AUTH_CACHE_SECONDS"]
    cache: dict[str, tuple[float, datetime, Actor]]
    cache = current_app.extensions.setdefault("ledger_auth_cache", {})
    key = token_digest(token)
    now = clock_now()
    hit = cache.get(key)
    if hit is not None:
        until, until_clock, actor = hit
        if time.monotonic() < until and now < until_clock:
            why = actor.refuses(key, now)
            if why is None:
                return actor
            cache.pop(key, None)  # another thread may have dropped it already
            raise token_refused(why)
        cache.pop(key, None)
    actor = ledger().authenticate(token)
    if ttl > 0:
        if len(cache) > 10_000:
            cache.clear()
        cache[key] = (time.monotonic() + ttl, now + timedelta(seconds=ttl), actor)
    return actor


def require_read(what: str) -> Actor:
    actor = current_actor()
    if Role(actor.role) not in READ_ROLES[what]:
        raise AccessDenied(f"role {actor.role} may not read {what}")
    return actor


def case_path(row: dict[str, Any]) -> list[str]:
    """A case view row's region path, county first."""
    path = [c for c in (row["county_code"], row["town_code"], row["village_code"]) if c]
    if row["region_code"] not in path:
        path.append(row["region_code"])
    return path


def require_covers(actor: Actor, path: list[str], what: str) -> None:
    """For a region asked for by code (public reference data): outside the scope is 403."""
    if not actor.covers(path):
        raise AccessDenied(f"{what} lies outside {actor.name}'s region")


def require_case_in_scope(actor: Actor, row: dict[str, Any], case_id: str) -> None:
    """A case outside the actor's region scope is 404 with the words of an unknown id (as
    Ledger.read_case), so neither status nor message tells that it exists."""
    if not actor.covers(case_path(row)):
        raise CaseNotFound(case_id)


def present(actor: Actor, data: Any, *, disclosed: bool | None = None) -> Any:
    """``data`` as ``actor`` may see it: masked unless its personal data was ``disclosed`` (see
    disclose); without that answer, masked only for the masked roles (a command's own answer)."""
    if disclosed is None:
        disclosed = Role(actor.role) not in MASKED_ROLES
    return data if disclosed else mask_personal(data)


def declared_purpose() -> str | None:
    """The X-Access-Purpose header. HTTP headers carry Latin-1, so Chinese text is sent
    percent-encoded (UTF-8); raw UTF-8 bytes, which some clients send anyway, are accepted too."""
    if "declared_purpose" in g:  # a page's purpose form (web/ui/cases.py), checked there
        return str(g.declared_purpose)
    raw = request.headers.get(PURPOSE_HEADER, "")
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        raw = raw.encode("latin-1").decode("utf-8")
    return unquote(raw).strip() or None


def disclose(actor: Actor, cases: list[dict[str, Any]], *, listing: bool = False, acting: bool = False) -> bool:
    """Whether ``actor`` sees the personal data of ``cases`` (each with id, status and
    organisation_code) in this response; every such read is appended to the access log (a list
    as one entry naming its cases).

    A declared purpose opens them to any role but reader; a case's current handlers need none.
    Without a purpose a list (and a command's answer) is masked, and one case's details are
    refused (403). A handler's command answer is not logged as a read: the command's own event
    already records that the handler acted on the case.
    """
    role = Role(actor.role)
    if role in MASKED_ROLES or not cases:
        return False
    purpose = declared_purpose()
    handled = {c["id"]: handles(role, actor.organisation_code, c["status"], handling_bodies(c)) for c in cases}
    if purpose is None and acting and all(handled.values()):
        return True
    if purpose is None and not all(handled.values()):
        if listing or acting:
            return False
        raise PurposeRequired(
            f"{actor.name} is not handling case {cases[0]['id']}: declare why the personal data is read "
            f"in the {PURPOSE_HEADER} header (it is written to the case's access log)"
        )
    endpoint = f"{request.method} {request.url_rule.rule if request.url_rule else request.path}"
    reads = (Read(cid, h) for cid, h in handled.items())
    # A list page is one entry naming its cases, not an entry per case (issue 10 item 7).
    log_reads(ledger(), actor, reads, endpoint=endpoint, purpose=purpose, listing=listing)
    return True


def disclose_case(actor: Actor, case: Any, *, acting: bool = False) -> bool:
    """disclose() for one case aggregate."""
    summary = {"id": str(case.id), "status": case.status, "organisation_code": case.organisation_code,
               "joint_bodies": ",".join(case.joint_bodies), "entrusted_to": case.entrusted_to}  # fmt: skip
    return disclose(actor, [summary], acting=acting)


_SEQUENCES = (list, tuple)
_CONTAINERS = (dict, list, tuple)


def _stars(text: str, keep_start: int, keep_end: int) -> str:
    if len(text) <= keep_start + keep_end:
        # Too short to keep both ends: keep the first character only, none of a one-character name.
        keep = 1 if len(text) > 1 else 0
        return text[:keep] + "*" * (len(text) - keep)
    return text[:keep_start] + "*" * (len(text) - keep_start - keep_end) + (text[-keep_end:] if keep_end else "")


#: Keys whose text the ledger itself writes (codes, instants, labels, hashes), never a person's
#: words: skipped when free text is searched for personal data. Any other key's text is searched.
_SYSTEM_TEXT = frozenset({
    "id", "case_id", "lead_id", "status", "status_label", "source", "category", "route", "region_code",
    "village_code", "town_code", "county_code", "organisation_code", "mediator_id", "risk_level", "risk_flags",
    "reported_at", "closed_at", "resolution", "kind", "role", "due_at", "met_at", "opened_at", "as_of",
    "allowed_commands", "type", "command", "label", "occurred_at", "recorded_at", "actor_id", "actor_role",
    "prev_hash", "hash", "next", "prev", "period", "level", "region", "amount_in_dispute", "amount",
    "deadlines",  # kinds and instants; who held a case is staff, not personal data
    "mediator_name", "agreed_at", "outcome", "outcome_label",
})  # fmt: skip


#: Keys whose values are masked whole (characters kept at the start and end); participants are
#: names. Any key neither here nor in _SYSTEM_TEXT is free text, searched for those values.
_KEY_RULES = {"id_number": "id_number", "phone": "phone", "name": "name", "participants": "participants"}
_KEEP = {"id_number": (4, 4), "phone": (3, 4), "name": (1, 0)}


def mask_personal(data: Any) -> Any:
    """A copy of ``data`` with personal data masked, wherever it sits (case state, list items,
    event payloads): a person's name 张** (first character kept), an id number 6201**********1234,
    a phone 138****1234, and session participants like names. Organisation names stay readable.

    Free text (a summary, agreed terms, a note) is masked too where it repeats any of those
    values found in the same answer: "张建国同意分期赔偿" becomes "张**同意分期赔偿". A name
    that appears nowhere as a party or participant cannot be recognised in free text. Phones
    and id numbers are found however they are written, and so is any number with their shape;
    a one-character name (王 → *) only where it stands as a name (web/personal_text.py).
    """
    personal: dict[str, str] = {}
    # Free text is masked once the whole answer has been read, since a summary may come before
    # the parties it names: (container, key) of each piece, key None for a list of texts.
    free_text: list[tuple[Any, Any]] = []

    numbers_seen: set[str] = set()  # phones and id numbers, found in free text however written

    def secret(value: str, keep_start: int, keep_end: int) -> str:
        masked = personal[value] = _stars(value, keep_start, keep_end)
        return masked

    def walk(value: Any) -> Any:
        # One pass, no call per scalar: this runs over every page a reader gets.
        if isinstance(value, _SEQUENCES):
            items = [walk(v) if isinstance(v, _CONTAINERS) else v for v in value]
            if any(isinstance(v, str) for v in items):
                free_text.append((items, None))
            return items
        if not isinstance(value, dict):
            return value
        out = dict(value)  # what the ledger wrote itself (codes, instants, labels) is shared as is
        for key in value.keys() - _SYSTEM_TEXT:
            v = value[key]
            rule = _KEY_RULES.get(key)
            if isinstance(v, _CONTAINERS):
                if rule == "participants" and isinstance(v, _SEQUENCES):
                    out[key] = [secret(p, 1, 0) if isinstance(p, str) and p else walk(p) for p in v]
                else:
                    out[key] = walk(v)
            elif not isinstance(v, str) or not v:
                continue
            elif rule is None or rule == "participants" or (rule == "name" and value.get("kind", "person") != "person"):
                # Free text, or an organisation's name: readable, but searched for secrets below.
                free_text.append((out, key))
            else:
                out[key] = secret(v, *_KEEP[rule])
                if rule != "name":
                    numbers_seen.add(v)
        return out

    masked = walk(data)
    if not free_text:
        return masked
    # Longest first, so a full name is masked whole before a shorter one inside it; a
    # one-character name only where it stands as a name, not inside every word that holds it.
    replacements = sorted(
        ((v, m) for v, m in personal.items() if len(v) > 1), key=lambda item: len(item[0]), reverse=True
    )
    firsts = frozenset(v[0] for v in personal)
    single = one_character_names(personal)
    numbers = number_masker(numbers_seen, _stars)

    def text(value: str) -> str:
        value = numbers(value)
        if firsts.isdisjoint(value):  # most text shares no first character with any secret
            return value
        for secret_value, stars in replacements:
            if secret_value in value:
                value = value.replace(secret_value, stars)
        return single.sub("*", value) if single else value

    for container, key in free_text:
        if key is None:
            container[:] = [text(v) if isinstance(v, str) else v for v in container]
        else:
            container[key] = text(container[key])
    return masked
