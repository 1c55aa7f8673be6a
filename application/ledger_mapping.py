"""How a county's Excel dispute ledger is read: which header gives which field, and which code
each free-text value stands for. The defaults ship in demo_data/ledger_mapping.toml; a county's
own file (``--mapping``) adds to them. Organisation and village names are also looked up in the
reference data, so a ledger that writes them as the reference data does needs no mapping.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from application.table_files import header_name
from domain.codes import Category
from domain.errors import InvalidValue
from domain.reference import Directory, RegionCatalogue
from domain.warning_rules import normalised_name

#: Fields the import reads; a header row is the first row naming at least MIN_HEADERS of them.
MIN_HEADERS = 3
#: Rows looked at for the header (titles, a 填报单位 line and merged cells come above it).
HEADER_SEARCH_ROWS = 30
_SPACE = re.compile(r"\s+")
VALUE_KINDS = (
    "category",
    "outcome",
    "follow_up",
    "session_mode",
    "confirmation_result",
    "court_outcome",
    "organisation",
    "region",
)


def header_key(text: object) -> str:
    """A header as compared: no spaces or line breaks, no BOM, full-width folded."""
    return normalised_name(_SPACE.sub("", str(text or "").replace("\ufeff", "")))


def value_key(text: object) -> str:
    return normalised_name(_SPACE.sub("", str(text or "")))


@dataclass
class Mapping:
    """Headers by field, and value tables by kind (keys as value_key writes them)."""

    columns: dict[str, list[str]]
    values: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str, where: str) -> Mapping:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise InvalidValue("mapping", f"{where} is not TOML: {e}") from None
        stray = set(data) - {"columns", "values"}
        if stray:
            raise InvalidValue("mapping", f"{where}: unknown tables {', '.join(sorted(stray))} (columns, values)")
        columns = data.get("columns", {})
        values = data.get("values", {})
        if not isinstance(columns, dict) or not all(isinstance(v, list) for v in columns.values()):
            raise InvalidValue("mapping", f"{where}: [columns] gives each field a list of headers")
        unknown = set(values) - set(VALUE_KINDS)
        if unknown:
            raise InvalidValue("mapping", f"{where}: unknown [values.{sorted(unknown)[0]}]; one of {', '.join(VALUE_KINDS)}")
        return cls(
            columns={str(k): [str(h) for h in v] for k, v in columns.items()},
            values={kind: {value_key(k): v for k, v in table.items()} for kind, table in values.items()},
        )

    def merged(self, other: Mapping) -> Mapping:
        unknown = set(other.columns) - set(self.columns)
        if unknown:
            raise InvalidValue("mapping", f"unknown field {sorted(unknown)[0]!r}; fields: {', '.join(self.columns)}")
        return Mapping(
            columns={f: [*other.columns.get(f, []), *names] for f, names in self.columns.items()},
            values={k: {**self.values.get(k, {}), **other.values.get(k, {})} for k in VALUE_KINDS},
        )

    def field_of(self, header: object) -> str | None:
        key = header_key(header_name(header))
        full = header_key(header)
        for f, names in self.columns.items():
            keys = {header_key(n) for n in names}
            if full in keys or key in keys:
                return f
        return None


def default_mapping() -> Mapping:
    text = (resources.files("application") / "demo_data" / "ledger_mapping.toml").read_text(encoding="utf-8")
    return Mapping.parse(text, "the default mapping")


def load_mapping(path: str | Path | None) -> Mapping:
    base = default_mapping()
    if path is None:
        return base
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidValue("mapping", f"{path} cannot be read as UTF-8 text: {e}") from None
    return base.merged(Mapping.parse(text, str(path)))


class ValueCodes:
    """Free text → code, for one import: the mapping's tables and the reference data's names."""

    def __init__(self, mapping: Mapping, catalogue: RegionCatalogue, directory: Directory, within: list[str]):
        self.values = mapping.values
        categories: dict[str, str] = {}
        for c in Category:
            categories[value_key(c.label)] = c.value
            categories[value_key(c.value)] = c.value
        self.categories = {**categories, **{k: str(v) for k, v in mapping.values.get("category", {}).items()}}
        self.organisations: dict[str, str] = {}
        for org in directory.organisations.values():
            self.organisations[value_key(org.code)] = org.code
            self.organisations[value_key(org.name)] = org.code
        self.organisations.update({k: str(v) for k, v in mapping.values.get("organisation", {}).items()})
        # Villages inside the region the import is for, by code, by name and by town + name;
        # a name two villages share is ambiguous (None) unless the mapping says which.
        self.villages: dict[str, str | None] = {}
        inside = within[-1] if within else ""
        for code, r in catalogue.regions.items():
            if r.level not in ("village", "grid") or not code.startswith(inside):
                continue
            self.villages[value_key(code)] = code
            chain = [catalogue.regions[c].name for c in catalogue.path(code)[1:] if c in catalogue.regions]
            # The name alone, and with the names above it (town, village) as a ledger may write it.
            for i in range(len(chain)):
                key = value_key("".join(chain[i:]))
                self.villages[key] = None if key in self.villages and self.villages[key] != code else code
        self.villages.update({k: str(v) for k, v in mapping.values.get("region", {}).items()})

    def category(self, text: str) -> str | None:
        key = value_key(text)
        found = self.categories.get(key)
        if found is None:
            for suffix in ("纠纷", "类", "矛盾", "问题"):
                key = key.removesuffix(suffix)
            found = self.categories.get(key)
        return found

    def lookup(self, kind: str, text: str) -> Any:
        return self.values.get(kind, {}).get(value_key(text))
