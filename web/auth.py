"""Who is asking (bearer token → Actor), what each role may read, the actor's region scope,
and the masking of personal data for roles that must not see it.

Commands are authorised by the Ledger itself (role, region, handling organisation); reads are
authorised here, since the views are queried directly.
"""

from __future__ import annotations

from typing import Any

from flask import g, request

from application.errors import UnknownActor
from domain.codes import Role
from domain.errors import AccessDenied
from domain.permissions import AUDIT_ROLES, MASKED_ROLES, WARNING_ROLES
from domain.reference import Actor
from web.context import ledger

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
#: An auditor sees personal data only after declaring why (DESIGN.md §2), in this header.
PURPOSE_HEADER = "X-Access-Purpose"


#: Blueprints whose every endpoint needs a token (health and the OpenAPI document do not).
PROTECTED_BLUEPRINTS = frozenset({"disputes", "indicators", "reference", "audit"})


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
        g.actor = ledger().authenticate(token.strip())
    return g.actor


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
    if not actor.covers(path):
        raise AccessDenied(f"{what} lies outside {actor.name}'s region")


def masks_personal_data(actor: Actor) -> bool:
    role = Role(actor.role)
    if role in MASKED_ROLES:
        return True
    return role == Role.AUDITOR and not request.headers.get(PURPOSE_HEADER, "").strip()


def present(actor: Actor, data: Any) -> Any:
    """``data`` as ``actor`` may see it."""
    return mask_personal(data) if masks_personal_data(actor) else data


def mask_personal(data: Any) -> Any:
    """A copy of ``data`` with personal data masked, wherever it sits (case state, list items,
    event payloads): a person's name 张** (first character kept), an id number 6201**********1234,
    a phone 138****1234, and session participants like names. Organisation names stay readable."""

    def stars(text: str, keep_start: int, keep_end: int) -> str:
        if len(text) <= keep_start + keep_end:
            return text[:1] + "*" * (len(text) - 1)
        return (
            text[:keep_start]
            + "*" * (len(text) - keep_start - keep_end)
            + (text[-keep_end:] if keep_end else "")
        )

    def walk(value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [walk(v) for v in value]
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] = {}
        for key, v in value.items():
            if isinstance(v, str) and key == "id_number":
                out[key] = stars(v, 4, 4)
            elif isinstance(v, str) and key == "phone":
                out[key] = stars(v, 3, 4)
            elif isinstance(v, str) and key == "name" and value.get("kind", "person") == "person":
                out[key] = stars(v, 1, 0)
            elif isinstance(v, list) and key == "participants":
                out[key] = [stars(p, 1, 0) if isinstance(p, str) else p for p in v]
            else:
                out[key] = walk(v)
        return out

    return walk(data)
