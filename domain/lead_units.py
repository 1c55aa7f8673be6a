"""Lead units by category (牵头单位, DESIGN.md §10): which member department leads the joint
handling of a category's disputes, and which one joins it.

Reference data like the regions: one hash-chained aggregate per store, replaced as a whole by an
admin's load, so the table a warning was ordered under is in the store's history. The row for
``*`` names the lead of every category without a row of its own ("neighbour and the rest").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.codes import Category
from domain.errors import InvalidValue
from domain.integrity import Upgraded
from domain.reference import stable_id
from domain.values import check_text

OTHERS = "*"
COLUMNS = ("category", "lead_code", "lead_name", "partner_code", "partner_name")
_CODE = re.compile(r"^[\w.-]{1,64}$")


@dataclass(frozen=True)
class Department:
    code: str
    name: str


@dataclass(frozen=True)
class Lead:
    category: str
    lead: Department
    partner: Department | None


def _department(where: str, code: object, name: object, departments: dict[str, str]) -> Department:
    code = str(code or "").strip()
    if not _CODE.match(code):
        raise InvalidValue(f"{where} code", "1–64 letters, digits, '.', '_' or '-'")
    name = check_text(f"{where} name", name, max_length=100)
    if departments.setdefault(code, name) != name:
        raise InvalidValue(f"{where} name", f"department {code} is named {departments[code]!r} elsewhere in the file")
    return Department(code, name)


def parse_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Checked rows; the whole file is refused for one bad row, a repeated category or no ``*``."""
    if not rows:
        raise InvalidValue("file", "no rows")
    departments: dict[str, str] = {}
    parsed: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, row in enumerate(rows):
        where = f"row {i + 1}"
        category = str(row.get("category") or "").strip()
        if category != OTHERS:
            category = Category.parse(f"{where}.category", category).value
        if category in seen:
            raise InvalidValue(f"{where}.category", f"{category} appears twice")
        seen.add(category)
        lead = _department(f"{where}.lead", row.get("lead_code"), row.get("lead_name"), departments)
        partner = None
        if str(row.get("partner_code") or "").strip():
            partner = _department(f"{where}.partner", row.get("partner_code"), row.get("partner_name"), departments)
        parsed.append(
            {
                "category": category,
                "lead_code": lead.code,
                "lead_name": lead.name,
                "partner_code": partner.code if partner else None,
                "partner_name": partner.name if partner else None,
            }
        )
    if OTHERS not in seen:
        raise InvalidValue("file", "a row for category * (every other category) is required")
    return parsed


class LeadUnits(Upgraded):
    """The county's lead-unit table; one per store."""

    ID = stable_id("catalogue", "lead_units")

    @staticmethod
    def create_id() -> UUID:
        return LeadUnits.ID

    @event("Started")
    def __init__(self) -> None:
        self.rows: dict[str, Lead] = {}

    def load(self, rows: list[dict[str, Any]], *, actor_id: str) -> int:
        parsed = parse_rows(rows)
        self._loaded(rows=parsed, actor_id=actor_id)
        return len(parsed)

    @event("LeadUnitsLoaded")
    def _loaded(self, rows: list[dict[str, Any]], actor_id: str) -> None:
        # A load replaces the table: a category left out falls back to the * row.
        self.rows = {}
        for r in rows:
            partner = Department(r["partner_code"], r["partner_name"]) if r["partner_code"] else None
            self.rows[r["category"]] = Lead(r["category"], Department(r["lead_code"], r["lead_name"]), partner)

    @property
    def departments(self) -> dict[str, Department]:
        found: dict[str, Department] = {}
        for lead in self.rows.values():
            for d in (lead.lead, lead.partner):
                if d is not None:
                    found.setdefault(d.code, d)
        return found

    def lead_for(self, category: str) -> Lead | None:
        """The lead unit of ``category`` (the * row's for a category without its own); None
        before any table was loaded."""
        found = self.rows.get(category) or self.rows.get(OTHERS)
        if found is None:
            return None
        return Lead(category, found.lead, found.partner)
