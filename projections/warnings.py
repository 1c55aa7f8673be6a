"""Red and yellow card proposals (红黄牌预警) per town and period (DESIGN.md §6).

The rules are data (domain/card_rules.py; a county's own in the TOML file named by
LEDGER_CARD_RULES). Each town's row of the indicator table — 万人成讼率 from the court's own
filings, its change on last year, major incidents by kind, overdue work at the end of the span —
is judged against them; every proposal carries the figures it was judged on, so a card issued
from it can freeze them. A proposal is only a proposal: a card exists once a person issues it.
"""

from __future__ import annotations

import os
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from domain.card_rules import DEFAULT_RULES, CardRule, load_rules, propose
from projections.indicators import indicator_table
from projections.store import Cursor


@cache
def _rules_from(path: str) -> tuple[CardRule, ...]:
    return load_rules(path) if path else DEFAULT_RULES


def card_rules() -> tuple[CardRule, ...]:
    """The rules in force: LEDGER_CARD_RULES (a TOML file; a bad file stops the caller with its
    reason, never falls back silently) or DESIGN.md §6's defaults."""
    return _rules_from(os.environ.get("LEDGER_CARD_RULES", "").strip())


def _figures(row: dict[str, Any], rules: tuple[CardRule, ...]) -> dict[str, Any]:
    """The figures the rules read, as they stood when judged (what an issued card freezes)."""
    names = {r.indicator for r in rules} | {"population", "court_cases", "court_cases_last_year", "overdue_open"}
    return {name: row.get(name) for name in sorted(names)}


def town_cards(
    cur: Cursor,
    *,
    county: str,
    period: str,
    now: datetime,
    tz: ZoneInfo,
    rules: tuple[CardRule, ...] | None = None,
) -> dict[str, Any]:
    rules = card_rules() if rules is None else rules
    county_table = indicator_table(cur, region=county, period=period, level="county", now=now, tz=tz)
    county_row = county_table["rows"][0]
    towns = indicator_table(cur, region=county, period=period, level="town", now=now, tz=tz)
    proposals = []
    for town in towns["rows"]:
        proposal = propose(rules, town, county_row)
        proposals.append(
            {
                "region_code": town["region_code"],
                "region_name": town["region_name"],
                **proposal,
                "figures": _figures(town, rules),
            }
        )
    return {
        "period": towns["period"],
        "complete": towns["complete"],
        "through": towns["through"],
        "county": county,
        "county_litigation_per_10k": county_row["litigation_per_10k"],
        "county_figures": _figures(county_row, rules),
        "judged_at": towns.get("overdue_judged_at"),
        "rules": [
            {"level": r.level, "indicator": r.indicator, "compare": r.compare, "threshold": r.bound,
             "strict": r.above is not None, "rule": r.label}
            for r in rules
        ],
        "towns": proposals,
    }
