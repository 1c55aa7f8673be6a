"""What `ledger serve --demo` needs besides the server: whether the store has cases yet, and one
fresh demo actor per role with its token (a token is only ever shown when it is created)."""

from __future__ import annotations

from application.errors import UnknownActor
from application.ledger import Ledger
from domain.case import Case

DEMO_TOWN = "621199001"  # 城关镇
DEMO_ORGANISATION = "ORG621199001001"  # its first community's mediation committee
REPORTED_TOPIC = f"{Case.__module__}:{Case.__qualname__}.Reported"


def has_cases(ledger: Ledger) -> bool:
    return bool(ledger.recorder.select_notifications(start=1, limit=1, topics=[REPORTED_TOPIC]))


def _free_name(ledger: Ledger, base: str) -> str:
    """``base`` if no actor has it yet, else ``base-2``, ``base-3``..."""
    name, n = base, 1
    while True:
        try:
            ledger.actor(name)
        except UnknownActor:
            return name
        n += 1
        name = f"{base}-{n}"


def demo_tokens(ledger: Ledger) -> list[tuple[str, str, str]]:
    """(role, actor name, token) for a new demo actor of every role."""
    counties = sorted(r.code for r in ledger.regions().regions.values() if r.level == "county")
    county = counties[0] if counties else None
    wanted = [
        ("recorder", DEMO_TOWN, None),
        ("mediator", DEMO_TOWN, DEMO_ORGANISATION),
        ("judge", county, None),
        ("supervisor", county, None),
        ("auditor", None, None),
        ("reader", None, None),
        ("admin", None, None),
    ]
    tokens = []
    for role, region, organisation in wanted:
        name = _free_name(ledger, f"demo-{role}")
        actor, token = ledger.add_actor(name, role, region_code=region, organisation_code=organisation)
        tokens.append((role, actor.name, token))
    return tokens
