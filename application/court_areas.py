"""Which courts may confirm a mediation agreement (司法确认): the basic court of the mediating
body's county, and the people's tribunals (人民法庭) whose area covers its town.

Tribunal areas are reference data kept beside the directory: a CSV of tribunal_code,town_code
named by LEDGER_TRIBUNAL_AREAS (default: the demo county's, application/demo_data/tribunal_areas.csv).
A tribunal with no row covers the town it sits in.
"""

from __future__ import annotations

import csv
import io
import os
from functools import cache
from pathlib import Path

from domain.reference import Directory, RegionCatalogue

_DEMO = Path(__file__).with_name("demo_data") / "tribunal_areas.csv"


@cache
def _areas(path: str) -> dict[str, frozenset[str]]:
    rows = csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8").lstrip("\ufeff")))
    areas: dict[str, set[str]] = {}
    for row in rows:
        areas.setdefault(row["tribunal_code"].strip(), set()).add(row["town_code"].strip())
    return {code: frozenset(towns) for code, towns in areas.items()}


def tribunal_areas() -> dict[str, frozenset[str]]:
    return _areas(os.environ.get("LEDGER_TRIBUNAL_AREAS", "").strip() or str(_DEMO))


def competent_courts(directory: Directory, regions: RegionCatalogue, organisation_code: str | None) -> frozenset[str]:
    """The codes of the courts and tribunals competent for a body's agreements; empty when the
    body or its region is unknown (the request is then refused, naming no court)."""
    org = directory.organisations.get(organisation_code or "")
    if org is None or org.region_code not in regions.regions:
        return frozenset()
    path = regions.path(org.region_code)
    areas = tribunal_areas()
    found = set()
    for court in directory.organisations.values():
        if court.kind == "court" and court.region_code in path:
            found.add(court.code)
        elif court.kind == "tribunal":
            covered = areas.get(court.code) or frozenset({court.region_code})
            if covered & set(path[1:2]):
                found.add(court.code)
    return frozenset(found)
