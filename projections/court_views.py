"""The court case views: one row per case number as it stands (v_court_cases) and one per
recorded version (v_court_case_versions, for "as the ledger knew it at T" counts).

Written in the same batch transaction as the other views (projections/case_views.py). Domicile
codes are split into their county, town and village prefixes (a region's code begins with its
parent's), NULL below the level the record knows. Dates are the county's local dates, as the
court gave them.

The link to a ledger case: the first ledger case whose FiledInCourt named a court case number
owns it (v_court_links). A court case is linked to the owner of its own number, else to the
owner of its 诉前调 number. Both orders are met: a court record imported after the ledger case
filed finds the link; a ledger filing after the import updates the court rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from domain.case import Case
from domain.court_case import CourtCase, number_key
from projections.periods import utc_text
from projections.store import Cursor

COLUMNS = (
    "case_number", "court_case_id", "kind", "court_code", "cause", "category", "filed_on", "filed_month",
    "plaintiff_region", "plaintiff_county", "plaintiff_town", "plaintiff_village",
    "defendant_region", "defendant_county", "defendant_town", "defendant_village",
    "plaintiff_is_financial", "concluded_on", "outcome", "pre_litigation_number", "dispute_id",
    "position", "recorded_at",
)  # fmt: skip
_UPDATES = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c != "case_number")
_MARKS = ", ".join(["%s"] * len(COLUMNS))
UPSERT = (
    f"INSERT INTO v_court_cases ({', '.join(COLUMNS)}) VALUES ({_MARKS}) "
    f"ON CONFLICT (case_number) DO UPDATE SET {_UPDATES}"
)
INSERT_VERSION = f"INSERT INTO v_court_case_versions ({', '.join(COLUMNS)}) VALUES ({_MARKS})"
_VALUES = itemgetter(*COLUMNS)
_CHUNK = 500


def _path(code: str | None) -> tuple[str | None, str | None, str | None]:
    if not code:
        return None, None, None
    return code[:6], code[:9] if len(code) >= 9 else None, code[:12] if len(code) >= 12 else None


class CourtRows:
    """The court rows one batch of events changes, read once and written back together."""

    def __init__(self, cur: Cursor):
        self.cur = cur
        self.rows: dict[str, dict[str, Any]] = {}  # by court_case_id
        self.versions: list[dict[str, Any]] = []
        self.links: dict[str, str | None] = {}  # court case number → owning ledger case (None: none)
        self.new_links: list[tuple[str, str]] = []

    def prefetch(self, items: Sequence[tuple[Any, int]]) -> None:
        ids: set[str] = set()
        numbers: set[str] = set()
        for e, _ in items:
            if isinstance(e, CourtCase.Filed):  # type: ignore[attr-defined]
                numbers.update(n for n in (e.case_number, e.pre_litigation_number) if n)
            elif isinstance(e, CourtCase.Event):
                ids.add(str(e.originator_id))
                changed = getattr(e, "changes", {}).get("pre_litigation_number")
                if changed:
                    numbers.add(changed)
            elif isinstance(e, Case.FiledInCourt):  # type: ignore[attr-defined]
                numbers.add(number_key(e.court_case_number))
        for chunk in _chunks(sorted(ids)):
            for row in self.cur.all(
                f"SELECT * FROM v_court_cases WHERE court_case_id IN ({_marks(chunk)})", chunk
            ):
                self.rows[row["court_case_id"]] = row
        for chunk in _chunks(sorted(numbers)):
            self.links.update(dict.fromkeys(chunk))
            sql = f"SELECT court_case_number, dispute_id FROM v_court_links WHERE court_case_number IN ({_marks(chunk)})"
            for row in self.cur.all(sql, chunk):
                self.links[row["court_case_number"]] = row["dispute_id"]

    def apply(self, e: Any, position: int) -> None:
        if isinstance(e, CourtCase.Event):
            self._court_event(e, position)
        elif isinstance(e, Case.FiledInCourt):  # type: ignore[attr-defined]
            self._link(number_key(e.court_case_number), str(e.originator_id))

    def _court_event(self, e: Any, position: int) -> None:
        case_id = str(e.originator_id)
        if isinstance(e, CourtCase.Filed):  # type: ignore[attr-defined]
            row: dict[str, Any] | None = dict.fromkeys(COLUMNS)
            assert row is not None
            row.update(court_case_id=case_id, case_number=e.case_number, kind=e.kind)
            self._set(row, {name: getattr(e, name) for name in _RECORD_FIELDS})
            self.rows[case_id] = row
        else:
            row = self.rows.get(case_id)
            if row is None:
                return  # a stream without its Filed: `ledger verify` names it; nothing to show
            if isinstance(e, CourtCase.Concluded):  # type: ignore[attr-defined]
                self._set(row, {"concluded_on": e.concluded_on, "outcome": e.outcome})
            else:
                self._set(row, dict(e.changes))
        row.update(position=position, recorded_at=utc_text(e.timestamp))
        self.versions.append(dict(row))

    def _set(self, row: dict[str, Any], changes: dict[str, Any]) -> None:
        row.update({k: v for k, v in changes.items() if k in row})
        if "plaintiff_is_financial" in changes:
            row["plaintiff_is_financial"] = int(bool(changes["plaintiff_is_financial"]))
        if "filed_on" in changes:
            row["filed_month"] = row["filed_on"][:7]
        for side in ("plaintiff", "defendant"):
            if f"{side}_region" in changes:
                county, town, village = _path(row[f"{side}_region"])
                row.update({f"{side}_county": county, f"{side}_town": town, f"{side}_village": village})
        if "pre_litigation_number" in changes or row["dispute_id"] is None:
            row["dispute_id"] = self.links.get(row["case_number"]) or self.links.get(
                row["pre_litigation_number"] or ""
            )

    def _link(self, number: str, dispute_id: str) -> None:
        """A ledger case filed in court under ``number``: the first to do so owns the number."""
        if self.links.get(number) is not None:
            return
        self.links[number] = dispute_id
        self.new_links.append((number, dispute_id))
        for table in ("v_court_cases", "v_court_case_versions"):
            self.cur.execute(
                f"UPDATE {table} SET dispute_id = %s WHERE case_number = %s", (dispute_id, number)
            )
            self.cur.execute(
                f"UPDATE {table} SET dispute_id = %s WHERE pre_litigation_number = %s AND dispute_id IS NULL",
                (dispute_id, number),
            )
        for row in [*self.rows.values(), *self.versions]:
            if row["case_number"] == number or (
                row["pre_litigation_number"] == number and row["dispute_id"] is None
            ):
                row["dispute_id"] = dispute_id

    def flush(self) -> None:
        self.cur.executemany(
            "INSERT INTO v_court_links (court_case_number, dispute_id) VALUES (%s, %s)", self.new_links
        )
        self.cur.executemany(UPSERT, [_VALUES(r) for r in self.rows.values()])
        self.cur.executemany(INSERT_VERSION, [_VALUES(r) for r in self.versions])
        self.versions, self.new_links = [], []


_RECORD_FIELDS = (
    "court_code", "cause", "category", "filed_on", "plaintiff_region", "defendant_region",
    "plaintiff_is_financial", "concluded_on", "outcome", "pre_litigation_number",
)  # fmt: skip


def _chunks(values: list[str]) -> list[list[str]]:
    return [values[i : i + _CHUNK] for i in range(0, len(values), _CHUNK)]


def _marks(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))
