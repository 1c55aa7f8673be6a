"""Red and yellow cards (红黄牌预警) per town and period, each with its reasons (DESIGN.md §6)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from projections.cases import open_and_overdue
from projections.indicators import indicator_table
from projections.periods import Period
from projections.store import Cursor


@dataclass(frozen=True)
class CardThresholds:
    """Red margins; yellow is at half of each. Serious incidents only ever give red."""

    litigation_margin: float = 0.20
    overdue_share: float = 0.20
    incidents: int = 1

    @classmethod
    def from_env(cls) -> CardThresholds:
        return cls(
            litigation_margin=float(os.environ.get("LEDGER_CARD_LITIGATION_MARGIN", "0.20")),
            overdue_share=float(os.environ.get("LEDGER_CARD_OVERDUE_SHARE", "0.20")),
            incidents=int(os.environ.get("LEDGER_CARD_INCIDENTS", "1")),
        )


def town_cards(
    cur: Cursor, *, county: str, period: str, now: datetime, tz: ZoneInfo, thresholds: CardThresholds
) -> dict[str, Any]:
    p = Period.parse(period)
    county_row = indicator_table(cur, region=county, period=period, level="county", now=now, tz=tz, overdue=False)["rows"][0]
    towns = indicator_table(cur, region=county, period=period, level="town", now=now, tz=tz, overdue=False)["rows"]
    # Overdue work is judged at the end of the period, or now while the period runs.
    when = min(now, p.bounds(tz)[1])
    workload = open_and_overdue(cur, when=when, county=county)
    county_rate = county_row["litigation_per_10k"]
    cards = []
    for town in towns:
        reasons = []
        rate = town["litigation_per_10k"]
        if rate is not None and county_rate:
            excess = rate / county_rate - 1
            for level, margin in (("red", thresholds.litigation_margin), ("yellow", thresholds.litigation_margin / 2)):
                if excess > margin:
                    reasons.append(
                        {"level": level, "indicator": "litigation_per_10k", "value": rate, "county_value": county_rate,
                         "rule": f"万人成讼率高于全县 {margin:.0%} 以上"}
                    )
                    break
        if town["serious_incidents"] >= thresholds.incidents:
            reasons.append(
                {"level": "red", "indicator": "serious_incidents", "value": town["serious_incidents"],
                 "rule": "发生民转刑或个人极端事件"}
            )
        open_cases, overdue = workload.get(town["region_code"], (0, 0))
        share = overdue / open_cases if open_cases else 0.0
        for level, limit in (("red", thresholds.overdue_share), ("yellow", thresholds.overdue_share / 2)):
            if share > limit:
                reasons.append(
                    {"level": level, "indicator": "overdue_share", "value": share, "open_cases": open_cases,
                     "overdue_cases": overdue, "as_of": when.isoformat(), "rule": f"超期案件超过在办案件的 {limit:.0%}"}
                )
                break
        card = "red" if any(r["level"] == "red" for r in reasons) else "yellow" if reasons else None
        cards.append({"region_code": town["region_code"], "region_name": town["region_name"], "card": card, "reasons": reasons})
    return {"period": p.text, "county": county, "county_litigation_per_10k": county_rate, "towns": cards}
