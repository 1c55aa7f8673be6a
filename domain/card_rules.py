"""Red/yellow card proposal rules (红黄牌预警, DESIGN.md §6) as data.

A rule names an indicator of a town's row, how it is compared (its own value, or its ratio to
the county's value) and the bound that triggers it. The defaults are the rules of DESIGN.md §6;
a county replaces them with a TOML file (``LEDGER_CARD_RULES``). A proposal is only a proposal:
a card exists once a person issues it.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LEVELS = ("red", "yellow")
COMPARISONS = {"value": "数值", "county_ratio": "与全县之比"}


@dataclass(frozen=True)
class CardRule:
    level: str
    indicator: str
    label: str
    at_least: float | None = None
    above: float | None = None
    compare: str = "value"

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {self.level!r}")
        if self.compare not in COMPARISONS:
            raise ValueError(f"compare must be one of {', '.join(COMPARISONS)}, not {self.compare!r}")
        bounds = [b for b in (self.at_least, self.above) if b is not None]
        if len(bounds) != 1:
            raise ValueError(f"rule {self.label!r}: give exactly one of at_least and above")
        if not all(isinstance(b, int | float) and not isinstance(b, bool) and math.isfinite(b) for b in bounds):
            raise ValueError(f"rule {self.label!r}: the bound must be a finite number")
        if not self.indicator or not self.label:
            raise ValueError("a rule needs an indicator and a label")

    @property
    def bound(self) -> float:
        return self.at_least if self.at_least is not None else self.above  # type: ignore[return-value]

    def triggered_by(self, value: float) -> bool:
        return value >= self.at_least if self.at_least is not None else value > self.bound


#: DESIGN.md §6. Incidents are counted at severity ≥ LEDGER_MAJOR_SEVERITY by the indicators.
DEFAULT_RULES = (
    CardRule("red", "litigation_per_10k", "万人成讼率达到全县的 1.5 倍", at_least=1.5, compare="county_ratio"),
    CardRule("red", "court_cases_yoy", "一审民事行政新收案件同比上升 20% 以上", at_least=0.20),
    CardRule("red", "criminal_escalations", "发生重大民转刑案件", at_least=1),
    CardRule("red", "extreme_acts", "发生重大个人极端事件", at_least=1),
    CardRule("yellow", "litigation_per_10k", "万人成讼率达到全县的 1.2 倍", at_least=1.2, compare="county_ratio"),
    CardRule("yellow", "court_cases_yoy", "一审民事行政新收案件同比上升 10% 以上", at_least=0.10),
    CardRule("yellow", "overdue_share", "超期未办案件超过在办案件的 10%", above=0.10),
)

_KEYS = {"level", "indicator", "label", "at_least", "above", "compare"}


def load_rules(path: str | Path) -> tuple[CardRule, ...]:
    """Rules from a TOML file of ``[[rule]]`` tables; any unknown key or bad value refuses the file."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    stray = set(data) - {"rule"}
    if stray:
        raise ValueError(f"unknown settings beside [[rule]]: {', '.join(sorted(stray))}")
    rules = []
    for i, raw in enumerate(data.get("rule", []), start=1):
        unknown = set(raw) - _KEYS
        if unknown:
            raise ValueError(f"rule {i}: unknown keys {', '.join(sorted(unknown))}")
        try:
            rules.append(CardRule(**raw))
        except (TypeError, ValueError) as e:
            raise ValueError(f"rule {i}: {e}") from None
    if not rules:
        raise ValueError("the file defines no [[rule]]")
    return tuple(rules)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def propose(rules: tuple[CardRule, ...], row: dict[str, Any], county_row: dict[str, Any]) -> dict[str, Any]:
    """The card proposed for one town's indicator row: the strongest level any rule gives, every
    triggered rule as a reason with the figures behind it, and the rules that could not be judged
    (a figure missing, e.g. no court feed or no population) with why — never a silent pass."""
    reasons: list[dict[str, Any]] = []
    unjudged: list[dict[str, Any]] = []
    for rule in rules:
        value = _number(row.get(rule.indicator))
        if value is None:
            unjudged.append({"level": rule.level, "indicator": rule.indicator, "rule": rule.label,
                             "why": f"{rule.indicator} has no figure for this town and period "
                                    "(no court feed, no population or no open cases)"})
            continue
        reason: dict[str, Any] = {"level": rule.level, "indicator": rule.indicator, "value": value,
                                  "threshold": rule.bound, "compare": rule.compare, "rule": rule.label}
        measured = value
        if rule.compare == "county_ratio":
            county_value = _number(county_row.get(rule.indicator))
            if not county_value:
                unjudged.append({"level": rule.level, "indicator": rule.indicator, "rule": rule.label,
                                 "why": f"the county's {rule.indicator} is not available or zero"})
                continue
            measured = value / county_value
            reason.update(county_value=county_value, ratio=measured)
        if rule.triggered_by(measured):
            reasons.append(reason)
    # One reason per indicator: a red rule makes the yellow rule on the same figure redundant.
    red_indicators = {r["indicator"] for r in reasons if r["level"] == "red"}
    reasons = [r for r in reasons if r["level"] == "red" or r["indicator"] not in red_indicators]
    card = "red" if red_indicators else "yellow" if reasons else None
    return {"card": card, "reasons": reasons, "unjudged": unjudged}
