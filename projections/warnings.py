"""Red and yellow card proposals (红黄牌预警) per town and period (DESIGN.md §6).

The rules are data (domain/card_rules.py; a county's own in the TOML file named by
LEDGER_CARD_RULES). Each town's row of the indicator table — 万人成讼率 from the court's own
filings, its change on last year, major incidents by kind, overdue work at the end of the span —
is judged against them; every proposal carries the figures it was judged on, so a card issued
from it can freeze them. A proposal is only a proposal: a card exists once a person issues it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from application.instruments import card_rules
from domain.card_rules import CardRule, propose
from projections.indicators import indicator_table
from projections.instruments import with_issued_cards
from projections.store import Cursor


def town_cards(
    cur: Cursor,
    *,
    county: str,
    period: str,
    now: datetime,
    tz: ZoneInfo,
    rules: tuple[CardRule, ...] | None = None,
) -> dict[str, Any]:
    # LEDGER_CARD_RULES, else DESIGN.md §6's; a bad file stops the caller with its reason.
    rules = card_rules() if rules is None else rules
    county_table = indicator_table(cur, region=county, period=period, level="county", now=now, tz=tz)
    county_row = county_table["rows"][0]
    towns = indicator_table(cur, region=county, period=period, level="town", now=now, tz=tz)
    proposals = []
    for town in towns["rows"]:
        # A second yellow to the same town within a year is proposed red (domain/card.py).
        proposal = with_issued_cards(cur, town["region_code"], propose(rules, town, county_row), now)
        proposals.append(
            {
                "region_code": town["region_code"],
                "region_name": town["region_name"],
                **proposal,
                "figures": town,
            }
        )
    return {
        "period": towns["period"],
        "complete": towns["complete"],
        "through": towns["through"],
        "county": county,
        "county_litigation_per_10k": county_row["litigation_per_10k"],
        "county_figures": county_row,
        "judged_at": towns.get("overdue_judged_at"),
        "rules": [
            {"level": r.level, "indicator": r.indicator, "compare": r.compare, "threshold": r.bound,
             "strict": r.above is not None, "rule": r.label}
            for r in rules
        ],
        "towns": proposals,
    }
