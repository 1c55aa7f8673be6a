"""红黄牌预警 on the dashboard: the cards the rules propose for the county's towns in the period
(projections/warnings.py, as GET /indicators/warnings answers them), each with its reasons.
For the roles that may read warnings; a scope below the county sees its own town only."""

from __future__ import annotations

from typing import Any

from application.config import county_tz
from domain.codes import Role
from domain.permissions import WARNING_ROLES
from domain.reference import Actor
from projections import warnings
from projections.store import Cursor
from web.context import cached, ledger, now
from web.ui.labels import figure, indicator_label

CARD_WORDS = {"red": "红牌", "yellow": "黄牌"}


def town_cards(cur: Cursor, actor: Actor, period: str) -> dict[str, Any] | None:
    """The proposed cards with reasons in words, or None for a role that may not read them."""
    if Role(actor.role) not in WARNING_ROLES:
        return None
    counties = sorted(r.code for r in ledger().regions().regions.values() if r.level == "county")
    county = actor.region_path[0] if actor.region_path else (counties[0] if counties else None)
    if county is None:
        return None
    # Two whole indicator tables with their comparisons: kept per views position and minute.
    # The proposals depend on the clock (overdue figures), so a minute is as stale as they get.
    at = now()
    key = ("ui-town-cards", county, period, at.replace(second=0, microsecond=0).isoformat())
    answer = cached(cur, key, lambda c: warnings.town_cards(c, county=county, period=period, now=at, tz=county_tz()))
    towns = answer.get("towns", [])
    if len(actor.region_path) > 1:
        towns = [t for t in towns if t.get("region_code") == actor.region_path[1]]
    shown = []
    for town in towns:
        if not town.get("card"):
            continue
        reasons = [
            {
                "words": CARD_WORDS.get(r.get("level", ""), r.get("level", "")),
                "level": r.get("level", ""),
                "rule": r.get("rule", ""),
                "figure": f"{indicator_label(r.get('indicator', ''))} {figure(r.get('indicator', ''), r.get('value'))}",
            }
            for r in town.get("reasons", [])
        ]
        shown.append({**town, "words": CARD_WORDS.get(town["card"], town["card"]), "reasons": reasons})
    return {"period": answer.get("period", period), "towns": shown, "county": county}
