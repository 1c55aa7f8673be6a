"""Periodic bulletins (涉诉情况通报, DESIGN.md §10): a town's figures for a period, compiled by
the server from the views, frozen with a SHA-256 over their canonical JSON, and issued to
recipients.

One bulletin per town, period and edition (general, or the family-cases edition). Its figures
never change once compiled: a recompile after corrections is a new version in the same stream,
naming the previous version's hash and listing each figure that changed (old → new), so a
version already issued stays exactly as it was sent and its hash still verifies.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.case import Act
from domain.codes import Category, Role
from domain.errors import InvalidValue, RuleViolation
from domain.instrument import Instrument, check_time
from domain.integrity import GENESIS
from domain.reference import stable_id
from domain.values import check_items, check_region_code, check_text

EDITIONS = {"general": "综合版", "family": "婚姻家庭版"}
#: The family-cases edition (甘州) counts these categories only.
FAMILY_CATEGORIES = (Category.FAMILY.value, Category.ELDER_SUPPORT.value, Category.CHILD_SUPPORT.value)

#: TRANSITIONS[state][command]: the next state, None to stay. "compiled": the latest version is
#: not yet issued; "issued": it is. A recompile with unchanged figures is a rule (409 too).
TRANSITIONS: dict[str, dict[str, str | None]] = {
    "compiled": {"recompile": None, "issue": "issued"},
    "issued": {"recompile": "compiled"},
}
STATES = {"compiled": "已编制", "issued": "已印发"}
COMMANDS = ("recompile", "issue")

#: DESIGN.md §2: supervisors compile and issue bulletins; auditors read them.
ROLE_COMMANDS: dict[str, frozenset[str]] = {
    Role.SUPERVISOR.value: frozenset({"compile", *COMMANDS}),
    Role.ADMIN.value: frozenset({"compile", *COMMANDS}),
}
READ_ROLES = frozenset({Role.SUPERVISOR.value, Role.AUDITOR.value, Role.ADMIN.value})
MAX_RECIPIENTS = 200
#: The "what changed" list of a version stops here (the hash covers every figure anyway).
MAX_CHANGES = 500


def may_issue(role: str, command: str) -> bool:
    return command in ROLE_COMMANDS.get(role, frozenset())


def check_edition(edition: str) -> str:
    if edition not in EDITIONS:
        raise InvalidValue("edition", f"one of {', '.join(EDITIONS)}")
    return edition


def figures_hash(figures: dict[str, Any]) -> str:
    """SHA-256 over the figures' canonical JSON (sorted keys, no spaces, UTF-8): what anyone
    holding a copy of the figures can recompute with the standard library alone."""
    text = json.dumps(figures, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


#: What names a row of a list of figures (a card, an incident, an indicator, a category, a town).
_ROW_KEYS = ("id", "position", "indicator", "category", "region_code", "case_id")


def _flat(value: Any, path: str, into: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key in sorted(value):
            _flat(value[key], f"{path}.{key}" if path else str(key), into)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        # Rows are named by what they are about, so a row that moves is not a change of each figure.
        for i, item in enumerate(value):
            name = next((str(item[k]) for k in _ROW_KEYS if item.get(k) is not None), str(i))
            _flat(item, f"{path}[{name}]", into)
    else:
        into[path] = value


def changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Each figure that differs between two compilations: its path, old and new value (None
    where one side lacks it)."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    _flat(old, "", before)
    _flat(new, "", after)
    found = [
        {"figure": key, "old": before.get(key), "new": after.get(key)}
        for key in sorted(before.keys() | after.keys())
        if before.get(key) != after.get(key)
    ]
    return found[:MAX_CHANGES]


def bulletin_id(town_code: str, period: str, edition: str) -> UUID:
    """One bulletin per town, period and edition: two first compilations at once collide."""
    return stable_id("bulletin", f"{town_code}:{period}:{edition}")


class Bulletin(Instrument):
    TRANSITIONS = TRANSITIONS

    @staticmethod
    def create_id(town_code: str, period: str, edition: str) -> UUID:  # type: ignore[override]
        return bulletin_id(town_code, period, edition)

    @classmethod
    def compile(
        cls,
        act: Act,
        *,
        region_path: list[str],
        town_name: str,
        period: str,
        edition: str,
        figures: dict[str, Any],
        views_position: int,
    ) -> Bulletin:
        check_time(act, None)
        if len(region_path) != 2:
            raise InvalidValue("region", "a town's code")
        path = [check_region_code("region", c) for c in region_path]
        period = check_text("period", period, max_length=40)
        edition = check_edition(edition)
        return cls._create(
            cls.Compiled,  # type: ignore[attr-defined]
            id=cls.create_id(path[1], period, edition),
            prev_hash=GENESIS,
            region_path=path,
            town_name=check_text("town_name", town_name, max_length=100),
            period=period,
            edition=edition,
            figures=figures,
            figures_hash=figures_hash(figures),
            views_position=views_position,
            **act.stamp(),
        )

    @event("Compiled")
    def __init__(
        self,
        region_path: list[str],
        town_name: str,
        period: str,
        edition: str,
        figures: dict[str, Any],
        figures_hash: str,
        views_position: int,
        actor_id: str,
        actor_role: str,
        occurred_at: datetime,
        note: str | None,
        timestamp: datetime,
    ) -> None:
        self.region_path = list(region_path)
        self.town_name = town_name
        self.period = period
        self.edition = edition
        self.figures = figures
        self.figures_hash = figures_hash
        self.number = 1
        self._moved("compiled", occurred_at)

    @property
    def town_code(self) -> str:
        return self.region_path[1]

    # ------------------------------------------------------------------ commands

    def recompile(self, act: Act, *, figures: dict[str, Any], views_position: int) -> None:
        status = self._check("recompile", act)
        found = changes(self.figures, figures)
        if not found:
            raise RuleViolation("recompile", f"the figures have not changed since version {self.number}")
        self._recompiled(
            number=self.number + 1,
            previous_hash=self.figures_hash,
            figures=figures,
            figures_hash=figures_hash(figures),
            changes=found,
            views_position=views_position,
            status=status,
            **act.stamp(),
        )

    def issue(self, act: Act, *, recipients: list[str]) -> None:
        status = self._check("issue", act)
        recipients = check_items("recipients", recipients, maximum=MAX_RECIPIENTS, what="recipient")
        if not recipients:
            raise InvalidValue("recipients", "name at least one recipient")
        named = [check_text(f"recipients[{i}]", r, max_length=100) for i, r in enumerate(recipients)]
        if len(set(named)) != len(named):
            raise InvalidValue("recipients", "each recipient once")
        self._issued(number=self.number, figures_hash=self.figures_hash, recipients=named, status=status, **act.stamp())

    # ------------------------------------------------------------------ state changes

    @event("Recompiled")
    def _recompiled(self, number, previous_hash, figures, figures_hash, changes, views_position, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self.number = number
        self.figures = figures
        self.figures_hash = figures_hash
        self._moved(status, occurred_at)

    @event("Issued")
    def _issued(self, number, figures_hash, recipients, status, actor_id, actor_role, occurred_at, note, timestamp):  # type: ignore[no-untyped-def]
        self._moved(status, occurred_at)


#: The command behind each stored event, and its Chinese label for histories.
EVENTS: dict[str, tuple[str, str]] = {
    "Compiled": ("compile", "编制"),
    "Recompiled": ("recompile", "更正重编"),
    "Issued": ("issue", "印发"),
}
