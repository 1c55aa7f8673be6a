"""The rules that raise mass-dispute warnings (群体性纠纷预警, DESIGN.md §10), as data.

Defaults here; a TOML file named by LEDGER_WARNING_RULES overrides them:

    mass_people = 5            # a case with this many people is flagged mass on report
    [respondent]               # N cases against the same respondent within D days
    cases = 5
    days = 30
    [village_category]         # N cases of one category in the same village within D days
    cases = 5
    days = 30

A rule with ``cases = 0`` is switched off.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from domain.codes import PartyKind, PartyRole

RESPONDENT = "respondent"
VILLAGE_CATEGORY = "village_category"
RULE_LABELS = {RESPONDENT: "同一被申请人", VILLAGE_CATEGORY: "同村同类"}
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Threshold:
    cases: int
    days: float

    @property
    def span(self) -> timedelta:
        return timedelta(days=self.days)

    @property
    def active(self) -> bool:
        return self.cases > 0


@dataclass(frozen=True)
class WarningRules:
    mass_people: int = 5
    thresholds: dict[str, Threshold] = field(
        default_factory=lambda: {RESPONDENT: Threshold(5, 30), VILLAGE_CATEGORY: Threshold(5, 30)}
    )

    @classmethod
    def load(cls, path: str | Path) -> WarningRules:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        unknown = set(data) - {"mass_people", RESPONDENT, VILLAGE_CATEGORY}
        if unknown:
            raise ValueError(f"unknown warning settings: {', '.join(sorted(unknown))}")
        rules = cls()
        thresholds = dict(rules.thresholds)
        for name in (RESPONDENT, VILLAGE_CATEGORY):
            table: Any = data.get(name, {})
            if not isinstance(table, dict) or set(table) - {"cases", "days"}:
                raise ValueError(f"[{name}] takes cases and days only")
            cases, days = table.get("cases", thresholds[name].cases), table.get("days", thresholds[name].days)
            if isinstance(cases, bool) or not isinstance(cases, int) or not 0 <= cases <= 100000:
                raise ValueError(f"[{name}] cases must be a whole number from 0 to 100000, not {cases!r}")
            if isinstance(days, bool) or not isinstance(days, int | float) or not 0 < days <= 3650:
                raise ValueError(f"[{name}] days must be a positive number up to 3650, not {days!r}")
            thresholds[name] = Threshold(cases, float(days))
        people = data.get("mass_people", rules.mass_people)
        if isinstance(people, bool) or not isinstance(people, int) or people < 0:
            raise ValueError(f"mass_people must be a whole number (0 switches the flag off), not {people!r}")
        return replace(rules, mass_people=people, thresholds=thresholds)

    def is_mass(self, people_involved: int) -> bool:
        return self.mass_people > 0 and people_involved >= self.mass_people


def normalised_name(name: str) -> str:
    """An organisation's name as compared: full-width folded (NFKC), spaces dropped, case folded,
    so 青山县某某 有限公司 and 青山县某某有限公司 are one respondent."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", name)).casefold()


def respondent_keys(parties: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(key, label) of each organisation a case is brought against.

    An organisation party's id_number is its unified social credit code (checked on report, GB
    32100): with one the key is the code, which no spelling of the name changes; without one it
    is the normalised name. A respondent reported once with and once without its code counts as
    two respondents."""
    keys: dict[str, str] = {}
    for p in parties:
        if p.get("role") != PartyRole.RESPONDENT or p.get("kind") != PartyKind.ORGANISATION:
            continue
        code = p.get("id_number")
        key = f"uscc:{code}" if code else f"name:{normalised_name(p['name'])}"
        keys.setdefault(key, p["name"])
    return sorted(keys.items())


def village_key(region_path: list[str], category: str) -> str | None:
    return f"{region_path[2]}:{category}" if len(region_path) > 2 else None


def densest(times: list[tuple[datetime, str]], at: datetime, span: timedelta) -> list[str]:
    """The ids in the window of length ``span`` that contains ``at`` and holds the most of
    ``times`` (earliest such window on a tie)."""
    ordered = sorted(times)
    best: list[str] = []
    for i, (start, _) in enumerate(ordered):
        if start > at or at - start > span:
            continue
        inside = [cid for t, cid in ordered[i:] if t - start <= span]
        if len(inside) > len(best):
            best = inside
    return best
