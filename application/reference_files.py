"""Reading reference data from CSV: the demo county shipped in the package, or a user's own."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from importlib import resources
from pathlib import Path
from typing import Any

from application.ledger import Ledger
from domain.errors import InvalidValue
from domain.reference import Actor

_POPULATION = re.compile(r"^population_(\d{4})$")
_FLOATING = re.compile(r"^floating_(\d{4})$")
REGION_COLUMNS = ("code", "level", "name", "parent_code")
ORGANISATION_COLUMNS = ("code", "name", "kind", "region_code")
MEDIATOR_COLUMNS = ("id", "name", "organisation_code", "kind")


def read_csv(text: str) -> list[dict[str, str]]:
    try:
        return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    except csv.Error as e:  # a field longer than the csv module's limit, say
        raise InvalidValue("file", f"is not a CSV that can be read: {e}") from None


def table_rows(text: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """The file's rows, refused when it has none or lacks one of ``columns``."""
    table = read_csv(text)
    if not table:
        raise InvalidValue("file", "no rows")
    missing = [c for c in columns if c not in table[0]]
    if missing:
        raise InvalidValue("file", f"missing columns: {', '.join(missing)}")
    return table


def region_rows(text: str) -> list[dict[str, Any]]:
    """Rows of code, level, name, parent_code and any number of population_YYYY (常住人口) and
    floating_YYYY (流动人口) columns."""
    table = table_rows(text, REGION_COLUMNS)
    rows = []
    for raw in table:
        population = {m.group(1): v for k, v in raw.items() if k and (m := _POPULATION.match(k))}
        floating = {m.group(1): v for k, v in raw.items() if k and (m := _FLOATING.match(k))}
        rows.append({**{c: raw[c] for c in REGION_COLUMNS}, "population": population, "floating": floating})
    return rows


def decode_text(data: bytes, field: str = "file") -> str:
    """A user's file as text: UTF-8 (with or without a BOM) or GB18030, which covers the GBK
    that Chinese Excel writes. Anything else is refused rather than read as mojibake."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        not_text = _not_text(data, e.start)
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise InvalidValue(field, not_text) from None
        # GB18030 gives most byte pairs a character, so a Latin-1 or binary file may decode; it
        # decodes to control or private-use characters, which no CSV of ours holds.
        if _first_control(text) is not None:
            raise InvalidValue(field, not_text) from None
        return text
    odd = _first_control(text)
    if odd is not None:
        line, column = text.count("\n", 0, odd) + 1, odd - text.rfind("\n", 0, odd)
        raise InvalidValue(
            field, f"holds the control character {text[odd]!r} on line {line}, column {column}"
        )
    return text


def _first_control(text: str) -> int | None:
    return next(
        (i for i, ch in enumerate(text) if unicodedata.category(ch) in ("Cc", "Co") and ch not in "\t\r\n"),
        None,
    )


def _not_text(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    return (
        f"is neither UTF-8 nor GBK/GB18030 text (byte 0x{data[offset]:02x} on line {line}, "
        f"at offset {offset}); save it as CSV UTF-8"
    )


def read_file(path: str | Path) -> str:
    return decode_text(Path(path).read_bytes())


def demo_text(name: str) -> str:
    return (resources.files("application") / "demo_data" / name).read_text(encoding="utf-8")


def load_region_file(ledger: Ledger, path: str | Path, actor: Actor | None = None) -> int:
    return ledger.load_regions(actor or ledger.system_actor(), region_rows(read_file(path)))


def load_organisation_file(ledger: Ledger, path: str | Path, actor: Actor | None = None) -> int:
    rows = table_rows(read_file(path), ORGANISATION_COLUMNS)
    return ledger.load_organisations(actor or ledger.system_actor(), rows)


def load_mediator_file(ledger: Ledger, path: str | Path, actor: Actor | None = None) -> int:
    rows = table_rows(read_file(path), MEDIATOR_COLUMNS)
    return ledger.load_mediators(actor or ledger.system_actor(), rows)


def load_lead_unit_file(ledger: Ledger, path: str | Path, actor: Actor | None = None) -> int:
    from application.warning_desk import load_lead_units
    from domain.lead_units import COLUMNS

    rows = table_rows(read_file(path), COLUMNS[:3])
    return load_lead_units(ledger, actor or ledger.system_actor(), rows)


def load_demo_lead_units(ledger: Ledger) -> bool:
    """The lead units by category of DESIGN.md §10 (石泉's plan), unless a table is loaded."""
    from application.warning_desk import lead_units, load_lead_units

    if lead_units(ledger).rows:
        return False
    load_lead_units(ledger, ledger.system_actor(), read_csv(demo_text("lead_units.csv")))
    return True


def load_demo_reference(ledger: Ledger) -> bool:
    """Load the demo county's regions, organisations, mediators and lead units unless already there."""
    if ledger.regions().regions:
        return False
    admin = ledger.system_actor()
    ledger.load_regions(admin, region_rows(demo_text("regions.csv")))
    ledger.load_organisations(admin, read_csv(demo_text("organisations.csv")))
    ledger.load_mediators(admin, read_csv(demo_text("mediators.csv")))
    load_demo_lead_units(ledger)
    return True
