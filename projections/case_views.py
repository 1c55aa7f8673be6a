"""The projection that maintains every view from the ledger's events, a batch at a time.

A batch's rows and its tracking position commit in one transaction (exactly once). Within a
batch, case rows and deadlines are read once, changed in memory and written back together,
so the cost per event is a few dictionary operations rather than a few round trips.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from domain.case import EVENTS, Case, acting_mediator
from domain.codes import Resolution
from domain.deadlines import Deadline, settle
from domain.reference import RegionCatalogue
from projections.access import AccessRows
from projections.instruments import InstrumentRows
from projections.periods import month_of, parse_utc_text, utc_text
from projections.store import Cursor, ViewsMixin

CASE_COLUMNS = (
    "id", "version", "status", "source", "category", "region_code", "county_code", "town_code",
    "village_code", "route", "organisation_code", "mediator_id", "risk_level", "risk_flags",
    "people_involved", "amount_in_dispute", "summary", "reported_at", "last_occurred_at",
    "last_recorded_at", "resolution", "closed_at", "lead_id", "ever_litigated", "followable_close_at",
    "position", "agreement_terms", "agreement_amount", "agreed_at", "court_case_number", "court_outcome",
    "court_outcome_summary",
)
DEADLINE_COLUMNS = (
    "case_id", "seq", "kind", "opened_at", "due_at", "met_at", "met_by", "met_seq", "cancelled_at", "effective_at",
    "superseded",
)
FOLLOWABLE = frozenset({Resolution.MEDIATED.value, Resolution.CONFIRMED.value})
#: Events counted as they are (one fact each), by the indicator count they feed.
SIMPLE_FACTS = {
    "AgreementRecorded": "agreements",
    "FailureRecorded": "failures",
    "FiledInCourt": "court_filings",
    "IncidentReported": "incidents",
}
_CHUNK = 500


class StalePosition(Exception):
    """Another writer moved the views since this batch was read; the batch is rolled back."""


def _upsert(table: str, columns: Sequence[str], key: Sequence[str]) -> str:
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
    )


UPSERT_CASE = _upsert("v_cases", CASE_COLUMNS, ("id",))
UPSERT_DEADLINE = _upsert("v_deadlines", DEADLINE_COLUMNS, ("case_id", "seq", "kind"))
ADD_COUNTS = (
    "INSERT INTO v_counts (village_code, town_code, county_code, month, kind, n, total) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (village_code, month, kind) "
    "DO UPDATE SET n = v_counts.n + excluded.n, total = v_counts.total + excluded.total"
)


def _text(when: datetime | None) -> str | None:
    return None if when is None else utc_text(when)


def _when(text: str | None) -> datetime | None:
    return None if text is None else parse_utc_text(text)


def _deadline_row(case_id: str, d: Deadline) -> tuple[Any, ...]:
    return (
        case_id, d.seq, d.kind, _text(d.opened_at), _text(d.due_at), _text(d.met_at),
        d.met_by, d.met_seq, _text(d.cancelled_at), _text(d.effective_at), int(d.superseded),
    )


def _deadline(row: dict[str, Any]) -> Deadline:
    return Deadline(
        kind=row["kind"],
        seq=row["seq"],
        opened_at=parse_utc_text(row["opened_at"]),
        due_at=parse_utc_text(row["due_at"]),
        met_at=_when(row["met_at"]),
        met_by=row["met_by"],
        met_seq=row["met_seq"],
        cancelled_at=_when(row["cancelled_at"]),
        effective_at=_when(row["effective_at"]),
        superseded=bool(row["superseded"]),
    )


class _Batch:
    def __init__(self, cur: Cursor, tz: ZoneInfo):
        self.cur, self.tz = cur, tz
        self.cases: dict[str, dict[str, Any]] = {}
        self.deadlines: dict[str, list[Deadline]] = {}
        self.parties: list[tuple[Any, ...]] = []
        self.events: list[tuple[Any, ...]] = []
        self.attrs: list[tuple[Any, ...]] = []
        self.facts: list[tuple[Any, ...]] = []
        self.counts: dict[tuple[str, ...], list[float]] = defaultdict(lambda: [0, 0.0])
        # Cells a region correction took counts out of: emptied ones are deleted, so the table
        # holds exactly the rows a rebuild would.
        self.vacated: set[tuple[str, str, str]] = set()

    # -- reading what the batch will change, in few queries

    def prefetch(self, case_ids: Iterable[str]) -> None:
        ids = sorted(set(case_ids))
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i : i + _CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            for row in self.cur.all(f"SELECT * FROM v_cases WHERE id IN ({marks})", chunk):
                self.cases[row["id"]] = row
                self.deadlines[row["id"]] = []
            for row in self.cur.all(f"SELECT * FROM v_deadlines WHERE case_id IN ({marks}) ORDER BY seq", chunk):
                self.deadlines[row["case_id"]].append(_deadline(row))

    # -- applying one event

    def apply(self, event: Any, position: int) -> None:
        if isinstance(event, Case.Event):
            self._case_event(event, position)
        elif isinstance(event, RegionCatalogue.RegionsLoaded):  # type: ignore[attr-defined]
            self._regions(event.rows)

    def _fact(self, row: dict[str, Any], kind: str, position: int, occurred_at: datetime, recorded_at: str, value: float = 0.0) -> None:
        month = month_of(occurred_at, self.tz)
        self.facts.append((position, kind, row["id"], month, utc_text(occurred_at), recorded_at, value))
        cell = self.counts[(row["village_code"], row["town_code"], row["county_code"], month, kind)]
        cell[0] += 1
        cell[1] += value

    def _case_event(self, e: Any, position: int) -> None:
        name = type(e).__name__
        case_id = str(e.originator_id)
        occurred, recorded = e.occurred_at, utc_text(e.timestamp)
        row = self._new_case(e, case_id, position, recorded) if name == "Reported" else self.cases[case_id]
        row.update(version=e.originator_version, last_occurred_at=utc_text(occurred), last_recorded_at=recorded, position=position)
        if hasattr(e, "status"):
            row["status"] = e.status
        self.events.append((position, case_id, e.originator_version, name, e.actor_id, e.actor_role, utc_text(occurred), recorded))
        self.deadlines[case_id] = settle(
            self.deadlines[case_id], EVENTS[name][0], e.originator_version, occurred, e.actor_id, getattr(e, "due", None)
        )
        row["mediator_id"] = acting_mediator(row["mediator_id"], EVENTS[name][0], e.actor_id, e.actor_role)
        if name in SIMPLE_FACTS:
            self._fact(row, SIMPLE_FACTS[name], position, occurred, recorded)
        handler = getattr(self, f"_on_{name}", None)
        if handler is not None:
            handler(row, e, position, recorded)

    def _new_case(self, e: Any, case_id: str, position: int, recorded: str) -> dict[str, Any]:
        path = list(e.region_path) + [None, None]
        row = dict.fromkeys(CASE_COLUMNS)
        row.update(
            id=case_id, status="reported", source=e.source, category=e.category, region_code=e.region_path[-1],
            county_code=path[0], town_code=path[1], village_code=path[2], risk_level="low", risk_flags="",
            people_involved=e.people_involved,
            amount_in_dispute=None if e.amount_in_dispute is None else str(e.amount_in_dispute),
            summary=e.summary, reported_at=utc_text(e.occurred_at), ever_litigated=0,
        )
        self.cases[case_id] = row
        self.deadlines[case_id] = []
        for i, p in enumerate(e.parties):
            self.parties.append((case_id, i, p["role"], p["kind"], p["name"], p.get("id_number"), p.get("phone")))
        self._attrs(row, position, recorded)
        self._fact(row, "reported", position, e.occurred_at, recorded)
        return row

    def _attrs(self, row: dict[str, Any], position: int, recorded: str) -> None:
        self.attrs.append((row["id"], position, recorded, row["category"], row["county_code"], row["town_code"], row["village_code"]))

    # -- per event type

    def _on_Assigned(self, row: dict[str, Any], e: Any, position: int, recorded: str) -> None:
        row.update(route=e.route, organisation_code=e.organisation_code, mediator_id=e.mediator_id)

    def _on_Declined(self, row: dict[str, Any], e: Any, position: int, recorded: str) -> None:
        row.update(route=None, organisation_code=None, mediator_id=None)

    def _on_ConfirmationDecided(self, row: dict[str, Any], e: Any, position: int, recorded: str) -> None:
        if e.granted:
            self._fact(row, "confirmations_granted", position, e.occurred_at, recorded)

    def _on_FiledInCourt(self, row: dict[str, Any], e: Any, position: int, recorded: str) -> None:
        row.update(
            route="litigation", organisation_code=e.court_code, mediator_id=None, ever_litigated=1,
            court_case_number=e.court_case_number,
        )

    def _on_AgreementRecorded(self, row: dict[str, Any], e: Any, position: int, recorded: str) -> None:
        amount = None if e.amount is None else str(e.amount)
        row.update(agreement_terms=e.terms, agreement_amount=amount, agreed_at=utc_text(e.occurred_at))

    def _on_CourtOutcomeRecorded(self, row: dict[str, Any], e: Any, position: int, recorded: str) -> None:
        row.update(court_outcome=e.outcome, court_outcome_summary=e.summary)

    def _on_Closed(self, row: dict[str, Any], e: Any, position: int, recorded: str) -> None:
        reported = parse_utc_text(row["reported_at"])
        # Whole seconds: sums of integers stay exact however they are added up or moved.
        seconds = round((e.occurred_at - reported).total_seconds())
        row.update(resolution=e.resolution, closed_at=utc_text(e.occurred_at))
        self._fact(row, "closes", position, e.occurred_at, recorded, seconds)
        if e.resolution in FOLLOWABLE:
            row["followable_close_at"] = utc_text(e.occurred_at)
            self._fact(row, "followable_closes", position, e.occurred_at, recorded)
            if not row["ever_litigated"]:
                self._fact(row, "resolved_pre_litigation", position, e.occurred_at, recorded)

    _on_Withdrawn = _on_Closed

    def _on_FollowedUp(self, row: dict[str, Any], e: Any, position: int, recorded: str) -> None:
        if row["followable_close_at"]:
            # Counted in the period of the close it follows up, known from the moment it is recorded.
            self._fact(row, "followed_up_closes", position, parse_utc_text(row["followable_close_at"]), recorded)
            row["followable_close_at"] = None

    def _on_Reopened(self, row: dict[str, Any], e: Any, position: int, recorded: str) -> None:
        row.update(resolution=None, closed_at=None, followable_close_at=None, route=None, organisation_code=None, mediator_id=None)
        # As the aggregate: a reopened case is handled afresh (domain/case.py _reopened).
        row.update(
            agreement_terms=None, agreement_amount=None, agreed_at=None, court_outcome=None, court_outcome_summary=None
        )

    def _on_RiskAssessed(self, row: dict[str, Any], e: Any, position: int, recorded: str) -> None:
        row.update(risk_level=e.level, risk_flags=",".join(e.flags))

    def _on_LinkedToLeadCase(self, row: dict[str, Any], e: Any, position: int, recorded: str) -> None:
        row["lead_id"] = e.lead_id

    def _on_DetailsCorrected(self, row: dict[str, Any], e: Any, position: int, recorded: str) -> None:
        if e.field == "region_code":
            self._move_counts(row, e.value)
            self._attrs(row, position, recorded)
        elif e.field == "category":
            # Counts are kept per region, not per category; the case's history of categories is
            # kept for as-of listings.
            row["category"] = e.value
            self._attrs(row, position, recorded)
        elif e.field == "amount_in_dispute":
            row["amount_in_dispute"] = None if e.value is None else str(e.value)
        else:
            row[e.field] = e.value

    def _move_counts(self, row: dict[str, Any], region_path: list[str]) -> None:
        """A corrected region moves every count of the case to the new cells, retroactively."""
        self.flush_facts()
        facts = self.cur.all("SELECT kind, month, value FROM v_facts WHERE case_id = %s", (row["id"],))
        old = (row["village_code"], row["town_code"], row["county_code"])
        path = list(region_path) + [None, None]
        row.update(region_code=region_path[-1], county_code=path[0], town_code=path[1], village_code=path[2])
        new = (row["village_code"], row["town_code"], row["county_code"])
        for f in facts:
            self.vacated.add((old[0], f["month"], f["kind"]))
            for (village, town, county), sign in ((old, -1), (new, 1)):
                cell = self.counts[(village, town, county, f["month"], f["kind"])]
                cell[0] += sign
                cell[1] += sign * (f["value"] or 0.0)

    def _regions(self, rows: list[dict[str, Any]]) -> None:
        for r in rows:
            code = r["code"]
            self.cur.execute(
                _upsert("v_regions", ("code", "level", "name", "parent_code", "county_code", "town_code", "village_code"), ("code",)),
                (code, r["level"], r["name"], r["parent_code"], code[:6], code[:9] if len(code) >= 9 else None,
                 code[:12] if len(code) >= 12 else None),
            )
            for year, population in r["population"].items():
                self.cur.execute(_upsert("v_population", ("code", "year", "population"), ("code", "year")), (code, int(year), population))

    # -- writing everything back

    def flush_facts(self) -> None:
        self.cur.executemany(
            "INSERT INTO v_facts (position, kind, case_id, month, occurred_at, recorded_at, value) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            self.facts,
        )
        self.facts = []

    def flush(self) -> None:
        cur = self.cur
        cur.executemany(UPSERT_CASE, [tuple(row[c] for c in CASE_COLUMNS) for row in self.cases.values()])
        cur.executemany(UPSERT_DEADLINE, [_deadline_row(cid, d) for cid, ds in self.deadlines.items() for d in ds])
        cur.executemany("INSERT INTO v_parties VALUES (%s, %s, %s, %s, %s, %s, %s)", self.parties)
        cur.executemany("INSERT INTO v_events VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", self.events)
        cur.executemany("INSERT INTO v_case_attrs VALUES (%s, %s, %s, %s, %s, %s, %s)", self.attrs)
        self.flush_facts()
        cur.executemany(ADD_COUNTS, [(*key, n, total) for key, (n, total) in self.counts.items() if n or total])
        cur.executemany(
            "DELETE FROM v_counts WHERE village_code = %s AND month = %s AND kind = %s AND n = 0",
            sorted(self.vacated),
        )


class LedgerViews(Projection[ViewsMixin]):
    """Every view, one transaction per batch of events."""

    name = "views"

    def __init__(self, view: ViewsMixin, tz: ZoneInfo):
        super().__init__(view)
        self.tz = tz

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:  # type: ignore[override]
        self.process_batch([(domain_event, tracking.notification_id)], expected_start=tracking.notification_id - 1)

    def process_batch(self, items: Sequence[tuple[Any, int]], *, expected_start: int | None = None) -> None:
        """Apply ``items`` (event, position) and record the last position, all or nothing.

        ``expected_start`` is the position the caller read from; if another writer has moved the
        views since, nothing is written and StalePosition is raised.
        """
        if not items:
            return
        with self.view.cursor(commit=True) as cur:
            self.view.lock_for_writing(cur)
            current = self.view.tracked_position(cur)
            if expected_start is not None and current != expected_start:
                raise StalePosition(f"views at {current}, batch expected {expected_start}")
            batch = _Batch(cur, self.tz)
            batch.prefetch(
                str(e.originator_id) for e, _ in items if isinstance(e, Case.Event) and type(e).__name__ != "Reported"
            )
            access = AccessRows(cur)
            instruments = InstrumentRows(cur)
            for event, position in items:
                batch.apply(event, position)
                access.apply(event, position)
                instruments.apply(event, position)
            batch.flush()
            access.flush()
            instruments.flush()
            self.view.record_position(cur, items[-1][1])
