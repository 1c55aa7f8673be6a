"""Rows of v_warnings (one per warning, current state) and v_warning_cases (a mass warning's
evidence), written in the views' batch transaction like every other view."""

from __future__ import annotations

from typing import Any

from domain.mass_warning import MassWarning, MissedDeadline, common_prefix
from projections.periods import utc_text
from projections.store import Cursor

COLUMNS = (
    "id", "kind", "status", "rule", "subject", "category", "region_path", "region_code", "case_id",
    "deadline_kind", "due_at", "organisation_code", "mediator_id", "evidence", "lead_code", "lead_name",
    "handling_due_at", "raised_at", "last_recorded_at", "version", "position",
)
UPSERT = (
    f"INSERT INTO v_warnings ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))}) "
    "ON CONFLICT (id) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c != "id")
)


class WarningRows:
    def __init__(self, cur: Cursor):
        self.cur = cur
        self.rows: dict[str, dict[str, Any]] = {}
        self.cases: list[tuple[str, str, int]] = []

    def _row(self, warning_id: str) -> dict[str, Any]:
        if warning_id not in self.rows:
            found = self.cur.one("SELECT * FROM v_warnings WHERE id = %s", (warning_id,))
            assert found is not None, f"warning {warning_id} has no row"
            self.rows[warning_id] = found
        return self.rows[warning_id]

    def apply(self, event: Any, position: int) -> None:
        e: Any = event
        if not isinstance(event, MassWarning.Event | MissedDeadline.Event):
            return
        name = type(event).__name__
        wid = str(event.originator_id)
        if name == "Raised":
            row = dict.fromkeys(COLUMNS)
            row.update(id=wid, raised_at=utc_text(event.occurred_at), evidence=0)
            if isinstance(event, MassWarning.Raised):  # type: ignore[attr-defined]
                row.update(kind="mass", rule=event.rule, subject=event.subject, category=event.category)
                path: list[str] = []
                for item in event.evidence:
                    path = self._evidence(row, path, item, position)
            else:
                path = list(e.region_path)
                row.update(
                    kind="deadline", subject=e.deadline_kind, category=e.category, case_id=e.case_id,
                    deadline_kind=e.deadline_kind, due_at=utc_text(e.due_at),
                    organisation_code=e.organisation_code, mediator_id=e.mediator_id,
                )
            row.update(region_path="/".join(path), region_code=path[-1] if path else "")
            self.rows[wid] = row
        else:
            row = self._row(wid)
        row.update(status=getattr(event, "status", row["status"]) or "raised", version=event.originator_version,
                   position=position, last_recorded_at=utc_text(event.timestamp))
        if name == "Raised":
            row["status"] = "raised"
        elif name == "EvidenceAdded":
            path = self._evidence(row, row["region_path"].split("/") if row["region_path"] else [], {
                "case_id": event.case_id, "region_path": event.region_path}, position)
            row.update(region_path="/".join(path), region_code=path[-1] if path else "")
        elif name == "JointHandlingOrdered":
            row.update(lead_code=event.lead_code, lead_name=event.lead_name, handling_due_at=utc_text(event.due_at))

    def _evidence(self, row: dict[str, Any], path: list[str], item: dict[str, Any], position: int) -> list[str]:
        row["evidence"] = (row["evidence"] or 0) + 1
        self.cases.append((row["id"], item["case_id"], position))
        return list(item["region_path"]) if row["evidence"] == 1 else common_prefix([path, list(item["region_path"])])

    def flush(self) -> None:
        self.cur.executemany(UPSERT, [tuple(r[c] for c in COLUMNS) for r in self.rows.values()])
        self.cur.executemany(
            "INSERT INTO v_warning_cases (warning_id, case_id, position) VALUES (%s, %s, %s) "
            "ON CONFLICT (warning_id, case_id) DO NOTHING",
            self.cases,
        )


def list_warnings(
    cur: Cursor, *, scope: str | None, kind: str | None, region: str | None, status: str | None,
    limit: int = 100, offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """Warnings newest first; ``scope`` is the actor's region code (None: everything)."""
    where, params = [], []
    for column, value in (("region_code", scope), ("region_code", region)):
        if value:
            where.append(f"{column} LIKE %s")
            params.append(value + "%")
    if kind:
        where.append("kind = %s")
        params.append(kind)
    if status:
        where.append("status = %s")
        params.append(status)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    total = cur.scalar(f"SELECT count(*) AS n FROM v_warnings{clause}", params)
    rows = cur.all(f"SELECT * FROM v_warnings{clause} ORDER BY raised_at DESC, id LIMIT %s OFFSET %s", [*params, limit, offset])
    return int(total or 0), rows
