"""Importing the court's own case records (一审新收案件, DESIGN.md §9) as CourtCase events.

The whole batch is checked before anything is written. Without ``skip_bad`` one bad record
refuses the batch and every problem is reported (row, column, rule, value); with it the good
records are written and the bad ones reported. A record already imported with the same facts
writes nothing; one whose facts changed becomes one Corrected event naming the changed fields;
a conclusion first given becomes Concluded.

Existing court cases are found in one pass over the store's CourtCase events (filtered by
topic, decoded only for the case numbers in the batch), not one read per record, and new
events are saved SAVE_CHUNK at a time, one transaction each (application/court_bulk.py), so
a million records is one scan and a hundred commits. Two imports of the same cases at once:
the second to commit a chunk is refused (the chunks saved before stay; running it again completes it, writing nothing twice).

The link to a ledger case (a case whose FiledInCourt names this case number or its 诉前调
number) is made by the projection, which sees both streams in store order
(projections/court_views.py); the events say only what the court said.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, StoredEvent

from application.config import county_tz, earliest
from application.court_bulk import FilingEncoder, Insert, bulk_insert
from application.ledger import Ledger, _topics_of
from domain.causes import CauseTable
from domain.codes import Role
from domain.court_case import FIELDS, Checks, CourtCase, Problem, check_record
from domain.errors import AccessDenied, InvalidValue, LedgerError
from domain.reference import COURT_KINDS, Actor

#: Events saved per transaction: large enough that commits are not the cost, small enough
#: that a chunk's stored events are a few MB (and PostgreSQL's table lock is held briefly).
SAVE_CHUNK = 10000
IMPORT_ROLES = frozenset({Role.ADMIN.value, Role.JUDGE.value})
_COURT_TOPICS = _topics_of(CourtCase)
_values_of = attrgetter(*FIELDS)


@dataclass(frozen=True, slots=True)
class CourtRecord:
    """One record of the court's export. A reader that cannot read a date or a boolean passes
    the text as it was, and the check names it (date_format, boolean)."""

    case_number: str
    court_code: str
    cause: str
    filed_on: date | str
    plaintiff_region: str | None
    defendant_region: str | None
    plaintiff_is_financial: bool | str = False
    concluded_on: date | str | None = None
    outcome: str | None = None
    pre_litigation_number: str | None = None
    #: The record's row as its file counts rows (the header is row 1); 0: its place in the batch.
    row: int = 0


@dataclass
class CourtImportReport:
    filed: int = 0
    corrected: int = 0
    concluded: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: The batch was refused: nothing was written (without skip_bad, any problem refuses it).
    refused: bool = False
    dry_run: bool = False
    #: The rows written past (skip_bad) or refused, each once, in order.
    rejected_rows: list[int] = field(default_factory=list)
    records: int = 0

    @property
    def rejected(self) -> int:
        return len(self.rejected_rows)

    def as_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "filed": self.filed,
            "corrected": self.corrected,
            "concluded": self.concluded,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "refused": self.refused,
            "dry_run": self.dry_run,
            "problems": [
                {"row": p.row, "column": p.column, "rule": p.rule, "value": p.value, "message": p.message}
                for p in self.problems
            ],
        }


class ImportRace(LedgerError):
    """Another writer saved some of the same court cases while this import ran."""


def cause_table() -> CauseTable:
    """The 案由 → category table: the defaults (domain/causes.py), with the entries of the file
    LEDGER_CAUSE_CATEGORIES names (CSV ``cause,category`` or TOML ``[causes]``) over them."""
    path = os.environ.get("LEDGER_CAUSE_CATEGORIES", "").strip()
    table = CauseTable()
    if not path:
        return table
    data = Path(path).read_bytes()
    if path.lower().endswith(".toml"):
        try:
            causes = tomllib.loads(data.decode("utf-8")).get("causes", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise InvalidValue("LEDGER_CAUSE_CATEGORIES", f"{path} is not TOML: {e}") from None
        if not isinstance(causes, dict):
            raise InvalidValue("LEDGER_CAUSE_CATEGORIES", f"{path}: [causes] must be a table")
        return table.overridden({str(k): str(v) for k, v in causes.items()})
    from application.reference_files import decode_text, table_rows

    rows = table_rows(decode_text(data, "LEDGER_CAUSE_CATEGORIES"), ("cause", "category"))
    return table.overridden({r["cause"] or "": r["category"] or "" for r in rows})


def _checks(ledger: Ledger) -> Checks:
    """What records are checked against, read once per import."""
    catalogue = ledger.regions()
    courts = {
        org.code: org.region_code[:6]
        for org in ledger.directory().organisations.values()
        if org.kind in COURT_KINDS
    }
    regions = {code for code, r in catalogue.regions.items() if r.level in ("county", "town", "village")}
    zone = county_tz()
    return Checks(
        court_counties=courts,
        regions=regions,
        earliest=earliest().astimezone(zone).date(),
        today=ledger.clock().astimezone(zone).date(),
        causes=cause_table(),
    )


def _in_scope(ledger: Ledger, actor: Actor) -> set[str]:
    """The courts whose cases ``actor`` may import: all for an admin, those inside a judge's region."""
    catalogue = ledger.regions()
    return {
        org.code
        for org in ledger.directory().organisations.values()
        if org.kind in COURT_KINDS
        and (actor.role == Role.ADMIN or actor.covers(catalogue.path(org.region_code)))
    }


def existing_cases(ledger: Ledger, ids: set[UUID]) -> dict[UUID, CourtCase]:
    """The court cases among ``ids`` already in the store, from one pass over CourtCase events."""
    found: dict[UUID, Any] = {}
    if not ids:
        return found
    for notification in ledger.scan(_COURT_TOPICS):
        if notification.originator_id in ids:
            e: Any = ledger.mapper.to_domain_event(notification)
            found[e.originator_id] = e.mutate(found.get(e.originator_id))
    return found


def import_court_records(
    ledger: Ledger,
    actor: Actor,
    records: Iterable[CourtRecord],
    *,
    skip_bad: bool = False,
    file_sha256: str = "",
    dry_run: bool = False,
) -> CourtImportReport:
    """Check every record, then (unless refused or ``dry_run``) write what is new or changed."""
    if actor.role not in IMPORT_ROLES:
        raise AccessDenied(f"role {actor.role} may not import court cases (admin or judge)")
    checks = _checks(ledger)
    scope = _in_scope(ledger, actor)
    report = CourtImportReport(dry_run=dry_run)
    accepted: dict[str, tuple[UUID, int, dict[str, Any]]] = {}
    bad_rows: dict[int, None] = {}
    for index, record in enumerate(records, start=1):
        report.records += 1
        row = record.row or index
        fields, problems = check_record(dict(zip(FIELDS, _values_of(record), strict=True)), checks)
        if fields is not None and fields["court_code"] not in scope:
            problems = [("court_code", "court_outside_scope", fields["court_code"])]
            fields = None
        if fields is not None:
            earlier = accepted.get(fields["case_number"])
            if earlier is not None and earlier[2] != fields:
                problems = [("case_number", "duplicate", fields["case_number"])]
                fields = None
            elif earlier is not None:
                report.unchanged += 1  # the same record twice in one batch says nothing new
                continue
        if fields is None:
            report.problems.extend(Problem(row, column, rule, value) for column, rule, value in problems)
            bad_rows[row] = None
            continue
        accepted[fields["case_number"]] = (CourtCase.create_id(fields["case_number"]), row, fields)
    report.rejected_rows = list(bad_rows)
    if report.problems and not skip_bad:
        report.refused = True
        report.unchanged = 0
        return report

    known = existing_cases(ledger, {case_id for case_id, _, _ in accepted.values()})
    at = ledger.clock()
    filings = FilingEncoder(ledger, actor_id=actor.name, file_sha256=file_sha256, at=at)
    to_stored = ledger.mapper.to_stored_event
    insert = bulk_insert(ledger)
    pending: list[StoredEvent] = []
    for case_id, row, fields in accepted.values():
        case = known.pop(case_id, None)
        if case is None:
            pending.append(filings.stored(case_id, row, fields))
            report.filed += 1
        else:
            written = case.update(fields, actor_id=actor.name, file_sha256=file_sha256, row=row, at=at)
            report.corrected += "Corrected" in written
            report.concluded += "Concluded" in written
            report.unchanged += not written
            pending.extend(map(to_stored, case.collect_events()))
        if len(pending) >= SAVE_CHUNK:
            _save(insert, pending, dry_run)
            pending = []
    _save(insert, pending, dry_run)
    return report


def _save(insert: Insert, events: Sequence[StoredEvent], dry_run: bool) -> None:
    """Record the chunk in one transaction, as ``Ledger.save`` would (application/court_bulk.py
    says why not through it)."""
    if dry_run or not events:
        return
    try:
        insert(events)
    except IntegrityError:
        raise ImportRace(
            "another import saved some of these court cases at the same time; run the import again "
            "(what is already written is not written twice)"
        ) from None
