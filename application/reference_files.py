"""Reading reference data from CSV: the demo county shipped in the package, or a user's own."""

from __future__ import annotations

import csv
import io
import re
from importlib import resources
from pathlib import Path
from typing import Any

from application.ledger import Ledger
from domain.errors import InvalidValue
from domain.reference import Actor

_POPULATION = re.compile(r"^population_(\d{4})$")
REGION_COLUMNS = ("code", "level", "name", "parent_code")


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def region_rows(text: str) -> list[dict[str, Any]]:
    """Rows of code, level, name, parent_code and any number of population_YYYY columns."""
    table = read_csv(text)
    if not table:
        raise InvalidValue("file", "no rows")
    missing = [c for c in REGION_COLUMNS if c not in table[0]]
    if missing:
        raise InvalidValue("file", f"missing columns: {', '.join(missing)}")
    rows = []
    for raw in table:
        population = {m.group(1): v for k, v in raw.items() if k and (m := _POPULATION.match(k))}
        rows.append({**{c: raw[c] for c in REGION_COLUMNS}, "population": population})
    return rows


def demo_text(name: str) -> str:
    return (resources.files("application") / "demo_data" / name).read_text(encoding="utf-8")


def load_region_file(ledger: Ledger, path: str | Path, actor: Actor | None = None) -> int:
    text = Path(path).read_text(encoding="utf-8")
    return ledger.load_regions(actor or ledger.system_actor(), region_rows(text))


def load_demo_reference(ledger: Ledger) -> bool:
    """Load the demo county's regions, organisations and mediators unless already there."""
    if ledger.regions().regions:
        return False
    admin = ledger.system_actor()
    ledger.load_regions(admin, region_rows(demo_text("regions.csv")))
    ledger.load_organisations(admin, read_csv(demo_text("organisations.csv")))
    ledger.load_mediators(admin, read_csv(demo_text("mediators.csv")))
    return True
