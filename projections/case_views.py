"""The projection that maintains every view from the ledger's events, a batch at a time.

A batch's rows and its tracking position commit in one transaction (exactly once). Within a
batch, case rows and deadlines are read once, changed in memory and written back together,
so the cost per event is a few dictionary operations rather than a few round trips.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from domain.case import EVENTS, Case, acting_mediator
from domain.codes import Resolution
from domain.deadlines import Deadline, settle
from domain.reference import RegionCatalogue
from projections.access import AccessRows
from projections.batch_views import BatchRows
from projections.bulletins import BulletinRows
from projections.case_facts import Tally
from projections.court_views import CourtRows
from projections.instruments import InstrumentRows
from projections.periods import day_of, parse_utc_text, utc_text
from projections.store import Cursor, ViewsMixin
from projections.suggestions import SuggestionRows
from projections.warning_views import WarningRows

CASE_COLUMNS = (
    "id", "version", "status", "source", "category", "region_code", "county_code", "town_code",
    "village_code", "route", "organisation_code", "mediator_id", "risk_level", "risk_flags",
    "people_involved", "amount_in_dispute", "summary", "reported_at", "last_occurred_at",
    "last_recorded_at", "resolution", "closed_at", "lead_id", "ever_litigated", "followable_close_at",
    "position", "agreement_terms", "agreement_amount", "agreed_at", "court_case_number", "court_outcome",
    "court_outcome_summary", "tally", "reopened_at", "joint_bodies", "entrusted_to",
)
DEADLINE_COLUMNS = (
    "case_id", "seq", "kind", "opened_at", "due_at", "met_at", "met_by", "met_seq", "cancelled_at", "effective_at",
    "superseded",
)
FOLLOWABLE = frozenset({Resolution.MEDIATED.value, Resolution.CONFIRMED.value})
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
    "INSERT INTO v_counts (village_code, town_code, county_code, category, source, day, kind, n, total) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (village_code, day, kind, category, source) "
    "DO UPDATE SET n = v_counts.n + excluded.n, total = v_counts.total + excluded.total"
)
ADD_MONTH_COUNTS = (
    "INSERT INTO v_counts_month (village_code, town_code, county_code, month, kind, court_diversion, n, total) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (village_code, month, kind, court_diversion) "
    "DO UPDATE SET n = v_counts_month.n + excluded.n, total = v_counts_month.total + excluded.total"
)
#: What places a case's facts in v_counts: the cell key less the day and kind.
_CELL = ("village_code", "town_code", "county_code", "category", "source")


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
        # Cells a correction took counts out of: emptied ones are deleted, so the table holds
        # exactly the rows a rebuild would.
        self.vacated: set[tuple[str, ...]] = set()

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

    def _fact(self, row: dict[str, Any], kind: str, position: int, when: datetime, recorded_at: str, value: float, life: int) -> None:
        day = day_of(when, self.tz)
        self.facts.append((position, kind, row["id"], life, day, utc_text(when), recorded_at, value))
        cell = self.counts[(*(row[c] for c in _CELL), day, kind)]
        cell[0] += 1
        cell[1] += value

    def _tally(self, row: dict[str, Any], name: str, e: Any, position: int, recorded: str) -> None:
        tally = Tally(row["tally"])
        for earned in tally.apply(name, e):
            self._fact(row, earned.kind, position, earned.when, recorded, earned.value, tally.life)
        row["tally"] = tally.text()

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
        if name != "Reported":
            self._tally(row, name, e, position, recorded)
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
        self._tally(row, "Reported", e, position, recorded)
        return row

    def _attrs(self, row: dict[str, Any], position: int, recorded: str) -> None:
        self.attrs.append((row["id"], position, recorded, row["category"], row["county_code"], row["town_code"], row["village_code"]))

    # -- per event type

    # The bodies handling a case besides the lead (as Case.handling_bodies): 联合调解's joint bodies,
    # the body a court entrusted after filing.

    def _on_Assigned(self, row: dict[str, Any], e: Any, position: int, recorded: str) -> None:
        row.update(route=e.route, organisation_code=e.organisation_code, mediator_id=e.mediator_id, joint_bodies=None)

    def _on_Declined(self, row: dict[str, Any], e: Any, position: int, recorded: str) -> None:
        row.update(route=None, organisation_code=None, mediator_id=None, joint_bodies=None)

    def _on_JointBodyAdded(self, row: dict[str, Any], e: Any, position: int, recorded: str) -> None:
        row["joint_bodies"] = ",".join(filter(None, (row["joint_bodies"], e.organisation_code)))

    def _on_MediationEntrusted(self, row: dict[str, Any], e: Any, position: int, recorded: str) -> None:
        row["entrusted_to"] = e.organisation_code

    def _on_FiledInCourt(self, row: dict[str, Any], e: Any, position: int, recorded: str) -> None:
        row.update(
            route="litigation", organisation_code=e.court_code, mediator_id=None, ever_litigated=1,
            court_case_number=e.court_case_number, joint_bodies=None, entrusted_to=None,
        )

    def _on_AgreementRecorded(self, row: dict[str, Any], e: Any, position: int, recorded: str) -> None:
        amount = None if e.amount is None else str(e.amount)
        row.update(agreement_terms=e.terms, agreement_amount=amount, agreed_at=utc_text(e.occurred_at))

    def _on_CourtOutcomeRecorded(self, row: dict[str, Any], e: Any, position: int, recorded: str) -> None:
        row.update(court_outcome=e.outcome, court_outcome_summary=e.summary)

    def _on_EntrustedAgreementRecorded(self, row: dict[str, Any], e: Any, position: int, recorded: str) -> None:
        self._on_AgreementRecorded(row, e, position, recorded)
        row.update(court_outcome=e.outcome, court_outcome_summary=e.terms)

    def _on_Closed(self, row: dict[str, Any], e: Any, position: int, recorded: str) -> None:
        row.update(resolution=e.resolution, closed_at=utc_text(e.occurred_at))
        if e.resolution in FOLLOWABLE:
            row["followable_close_at"] = utc_text(e.occurred_at)

    _on_Withdrawn = _on_Closed

    def _on_HandedOff(self, row: dict[str, Any], e: Any, position: int, recorded: str) -> None:
        row.update(route=e.route, organisation_code=e.organisation_code, mediator_id=None)
        self._on_Closed(row, e, position, recorded)

    def _on_FollowedUp(self, row: dict[str, Any], e: Any, position: int, recorded: str) -> None:
        row["followable_close_at"] = None

    def _on_Reopened(self, row: dict[str, Any], e: Any, position: int, recorded: str) -> None:
        # Whether the case was open at a past instant is then read from its events (projections/cases.py).
        row["reopened_at"] = utc_text(e.occurred_at)
        row.update(resolution=None, closed_at=None, followable_close_at=None, route=None, organisation_code=None, mediator_id=None)
        row.update(joint_bodies=None, entrusted_to=None)
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
            path = list(e.value) + [None, None]
            self._move_counts(
                row, region_code=e.value[-1], county_code=path[0], town_code=path[1], village_code=path[2]
            )
            self._attrs(row, position, recorded)
        elif e.field == "category":
            self._move_counts(row, category=e.value)
            self._attrs(row, position, recorded)
        elif e.field == "amount_in_dispute":
            row["amount_in_dispute"] = None if e.value is None else str(e.value)
        else:
            row[e.field] = e.value

    def _move_counts(self, row: dict[str, Any], **changes: Any) -> None:
        """A corrected region or category moves every count of the case to its new cells,
        retroactively."""
        self.flush_facts()
        facts = self.cur.all("SELECT kind, day, value FROM v_facts WHERE case_id = %s", (row["id"],))
        old = tuple(row[c] for c in _CELL)
        row.update(changes)
        new = tuple(row[c] for c in _CELL)
        for f in facts:
            self.vacated.add((old[0], f["day"], f["kind"], old[3], old[4]))
            for key, sign in ((old, -1), (new, 1)):
                cell = self.counts[(*key, f["day"], f["kind"])]
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
            # Registered floating population (流动人口) came with version 2; older loads have none.
            floating = r.get("floating") or {}
            for year in sorted(set(r["population"]) | set(floating), key=int):
                self.cur.execute(
                    _upsert("v_population", ("code", "year", "population", "floating"), ("code", "year")),
                    (code, int(year), r["population"].get(year), floating.get(year)),
                )

    # -- writing everything back

    def flush_facts(self) -> None:
        self.cur.executemany(
            "INSERT INTO v_facts (position, kind, case_id, life, day, occurred_at, recorded_at, value) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
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
        # The same changes by month, without category and source (whether the source is a court's
        # referral is kept: the court referral success rate needs it): what unfiltered tables read.
        months: dict[tuple[Any, ...], list[float]] = defaultdict(lambda: [0, 0.0])
        for (village, town, county, _, source, day, kind), (n, total) in self.counts.items():
            cell = months[(village, town, county, day[:7], kind, int(source == "court_diversion"))]
            cell[0] += n
            cell[1] += total
        cur.executemany(ADD_MONTH_COUNTS, [(*key, n, total) for key, (n, total) in months.items() if n or total])
        cur.executemany(
            "DELETE FROM v_counts WHERE village_code = %s AND day = %s AND kind = %s AND category = %s "
            "AND source = %s AND n = 0",
            sorted(self.vacated),
        )
        cur.executemany(
            "DELETE FROM v_counts_month WHERE village_code = %s AND month = %s AND kind = %s AND court_diversion = %s "
            "AND n = 0",
            sorted({(v, day[:7], kind, int(source == "court_diversion")) for v, day, kind, _, source in self.vacated}),
        )


class RowWriter(Protocol):
    def apply(self, event: Any, position: int) -> None: ...
    def flush(self) -> None: ...


#: The views kept beside the cases, each by its own writer, in the same transaction as the rest:
#: the access log, the court's filings, the warnings, the governance instruments, bulletins,
#: suggestions and batches.
ROW_WRITERS: tuple[Callable[[Cursor], RowWriter], ...] = (
    AccessRows, CourtRows, WarningRows, InstrumentRows, BulletinRows, SuggestionRows, BatchRows,
)  # fmt: skip


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
            writers = [writer(cur) for writer in ROW_WRITERS]
            court = next(w for w in writers if isinstance(w, CourtRows))
            court.prefetch(items)
            for event, position in items:
                batch.apply(event, position)
                for writer in writers:
                    writer.apply(event, position)
            batch.flush()
            for writer in writers:
                writer.flush()
            self.view.record_position(cur, items[-1][1])
