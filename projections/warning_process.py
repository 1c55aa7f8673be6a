"""The warning process: follows the ledger's events and raises warnings (DESIGN.md §10).

Mass-dispute warnings: each reported case is filed under its rule keys (its organisation
respondents; its village and category); when N cases of one key not yet in a warning fall
within D days, a MassWarning is raised with them as evidence, and while it stays open each
later case of the key is added to it. Missed deadlines: time passing is no event, so a sweep
(every LEDGER_WARNING_SWEEP_SECONDS, with the process's injectable clock) looks in v_deadlines
for obligations that passed unmet, checks each against the case itself, and raises one
MissedDeadline per (case, deadline seq, kind). Reminders (the parties' confirmation window)
never raise one.

Exactly once: the process's own tables (w_*) and its position commit in one transaction of the
views' database per page of events, and every warning event it writes is idempotent on replay:
a warning's id derives from its rule, key and generation (or case, seq and kind), so raising it
again finds it in the store (the version-1 insert collides), and adding a case it already holds
writes nothing. A process killed between writing a warning and committing its position replays
the page and writes nothing new. Its tables are never dropped with the views: a views rebuild
does not make the process start again (it would write nothing if it did).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from application.ledger import Ledger
from application.warning_settings import sweep_seconds, warning_rules
from domain.case import Case
from domain.codes import Category
from domain.deadlines import REMINDER_KINDS
from domain.errors import IllegalTransition
from domain.mass_warning import MassWarning, MissedDeadline
from domain.warning_rules import (
    RESPONDENT,
    RULE_LABELS,
    VILLAGE_CATEGORY,
    WarningRules,
    densest,
    respondent_keys,
    village_key,
)
from projections.periods import parse_utc_text, utc_text
from projections.store import Cursor, ViewsMixin, open_views

log = logging.getLogger("ledger.warnings")
NAME = "warnings"
PAGE = 500

STATE_TABLES = {
    "w_progress": "name TEXT PRIMARY KEY, position BIGINT",
    "w_cases": """
        rule TEXT, key TEXT, case_id TEXT, reported_at TEXT, region_path TEXT, warning_id TEXT,
        PRIMARY KEY (rule, key, case_id)""",
    "w_keys": "rule TEXT, key TEXT, generation INTEGER, open_warning TEXT, PRIMARY KEY (rule, key)",
    "w_missed": "id TEXT PRIMARY KEY",
}
_TOPICS = sorted(
    get_topic(cls)
    for cls in (Case.Reported, MassWarning.Dismissed, MassWarning.Closed)  # type: ignore[attr-defined]
)


class WarningProcess:
    def __init__(
        self,
        ledger: Ledger,
        *,
        views: ViewsMixin | None = None,
        rules: WarningRules | None = None,
        clock: Callable[[], datetime] | None = None,
    ):
        self.ledger = ledger
        self.rules = rules or warning_rules()
        self.clock = clock or ledger.clock
        self._own_views = views is None
        self.views: ViewsMixin = views or open_views(ledger.settings)
        self._lock = threading.Lock()
        self._swept_at: datetime | None = None
        with self.views.cursor(commit=True) as cur:
            for table, columns in STATE_TABLES.items():
                cur.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
            cur.execute("CREATE INDEX IF NOT EXISTS w_cases_case ON w_cases (case_id)")
            # The row every page's transaction locks (SQLite: its first write takes the file's lock).
            cur.execute("INSERT INTO w_progress (name, position) VALUES (%s, 0) ON CONFLICT (name) DO NOTHING", (NAME,))

    def close(self) -> None:
        if self._own_views:
            self.views.datastore.close()  # type: ignore[attr-defined]

    def position(self) -> int:
        with self.views.cursor() as cur:
            return int(cur.scalar("SELECT position FROM w_progress WHERE name = %s", (NAME,)) or 0)

    # ------------------------------------------------------------------ following events

    def catch_up(self, *, until: int | None = None) -> int:
        """Process every case report (and warning closure) recorded so far; returns how many.

        A page is decided in memory (its warnings written as it goes: no write transaction of the
        views may be open then, SQLite having one writer per file), then its state and position
        commit together; if another process committed that page first, this one's state is
        dropped (its writes found the same warnings and wrote nothing)."""
        with self._lock:
            head = until if until is not None else self.ledger.recorder.max_notification_id() or 0
            done = 0
            while True:
                position = self.position()
                if position >= head:
                    return done
                page = self.ledger.recorder.select_notifications(
                    start=position + 1, limit=PAGE, stop=head, topics=_TOPICS
                )
                end = page[-1].id if len(page) == PAGE else head
                state = _PageState(self.views)
                for n in page:
                    self._apply(state, self.ledger.mapper.to_domain_event(n))
                with self.views.cursor(commit=True) as cur:
                    self._lock_state(cur)
                    if self._position(cur) != position:
                        continue  # another process committed this page meanwhile
                    state.commit(cur)
                    cur.execute(
                        "INSERT INTO w_progress (name, position) VALUES (%s, %s) "
                        "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                        (NAME, end),
                    )
                done += len(page)

    def _lock_state(self, cur: Cursor) -> None:
        if cur.sqlite:
            cur.execute("UPDATE w_progress SET position = position WHERE name = %s", (NAME,))
        else:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"warnings:{self.views.schema}",))

    @staticmethod
    def _position(cur: Cursor) -> int:
        return int(cur.scalar("SELECT position FROM w_progress WHERE name = %s", (NAME,)) or 0)

    def _apply(self, state: _PageState, e: Any) -> None:
        if isinstance(e, MassWarning.Event):
            state.closed(str(e.originator_id))
            return
        case_id = str(e.originator_id)
        keys = [(RESPONDENT, key, subject) for key, subject in respondent_keys(e.parties)]
        village = village_key(e.region_path, e.category)
        if village is not None:
            label = Category.parse("category", e.category).label
            region = self.ledger.regions().regions.get(e.region_path[2])
            keys.append((VILLAGE_CATEGORY, village, f"{region.name if region else e.region_path[2]} {label}"))
        for rule, key, subject in keys:
            threshold = self.rules.thresholds[rule]
            if threshold.active:
                self._file(state, rule, key, subject, threshold.cases, threshold.days, case_id, e)

    def _file(self, state: _PageState, rule: str, key: str, subject: str, cases: int, days: float, case_id: str, e: Any) -> None:
        filed = state.file(rule, key, case_id, e.occurred_at, list(e.region_path))
        if filed.warning_id is not None:
            return  # a replayed page: this case was filed and decided before
        generation, open_warning = state.key(rule, key)
        if open_warning:
            if self._add_evidence(open_warning, case_id, list(e.region_path), e.occurred_at):
                state.attach(rule, key, [case_id], open_warning)
                return
            state.set_key(rule, key, generation, None)
        span = timedelta(days=days)
        near = [c for c in state.unattached(rule, key) if abs(c.reported_at - e.occurred_at) <= span]
        # A case already in a warning under another rule does not raise a second one: thirty
        # wage claims against one employer in one village are one warning, not two.
        taken = state.in_warning([c.case_id for c in near])
        near = [c for c in near if c.case_id not in taken]
        ids = densest([(c.reported_at, c.case_id) for c in near], e.occurred_at, span)
        if len(ids) < cases:
            return
        found = {c.case_id: c for c in near}
        evidence = [
            {"case_id": cid, "region_path": found[cid].region_path, "reported_at": found[cid].reported_at}
            for cid in ids
        ]
        warning = MassWarning.raise_(
            self._act(),
            rule=rule,
            key=key,
            generation=generation + 1,
            subject=f"{RULE_LABELS[rule]}: {subject}",
            category=e.category,
            threshold=cases,
            window_days=days,
            evidence=evidence,
        )
        # Raised before a crash, or by another follower: the same warning, already there.
        with contextlib.suppress(IntegrityError):
            self.ledger.save(warning)
        state.set_key(rule, key, generation + 1, str(warning.id))
        state.attach(rule, key, ids, str(warning.id))

    def _add_evidence(self, warning_id: str, case_id: str, region_path: list[str], reported_at: datetime) -> bool:
        """True when the open warning holds the case (now or already); False when it is no
        longer open (dismissed or closed meanwhile), so the case counts towards a new one."""
        for _ in range(8):
            warning: MassWarning = self.ledger.repository.get(MassWarning.create_id_from(warning_id))
            try:
                if not warning.add_evidence(self._act(), case_id=case_id, region_path=region_path, reported_at=reported_at):
                    return True
            except IllegalTransition:
                return False
            try:
                self.ledger.save(warning)
                return True
            except IntegrityError:
                continue  # someone acknowledged it (or another follower added the case): look again
        raise RuntimeError(f"warning {warning_id} kept changing while a case was added")

    def _act(self) -> Any:
        return self.ledger._act(self.ledger.system_actor(), self.clock(), None)

    # ------------------------------------------------------------------ missed deadlines

    def sweep(self, now: datetime | None = None) -> int:
        """Raise a MissedDeadline for each obligation that passed unmet by ``now``; how many."""
        now = now or self.clock()
        reminders = sorted(REMINDER_KINDS)
        marks = ", ".join(["%s"] * len(reminders))
        with self.views.cursor() as cur:
            rows = cur.all(
                "SELECT d.case_id, d.seq, d.kind, d.due_at FROM v_deadlines d "
                f"WHERE d.kind NOT IN ({marks}) AND d.due_at < %s "
                "AND COALESCE(d.effective_at, d.opened_at) <= d.due_at "
                "AND (d.met_at IS NULL OR d.met_at > d.due_at) "
                "AND (d.cancelled_at IS NULL OR d.cancelled_at > d.due_at) "
                "AND NOT EXISTS (SELECT 1 FROM w_missed m WHERE m.id = d.case_id || ':' || d.seq || ':' || d.kind) "
                "ORDER BY d.due_at, d.case_id",
                [*reminders, utc_text(now)],
            )
        raised = 0
        for r in rows:
            raised += self._missed(r["case_id"], int(r["seq"]), r["kind"], now)
            with self.views.cursor(commit=True) as cur:
                cur.execute(
                    "INSERT INTO w_missed (id) VALUES (%s) ON CONFLICT (id) DO NOTHING",
                    (f"{r['case_id']}:{r['seq']}:{r['kind']}",),
                )
        self._swept_at = now
        return raised

    def _missed(self, case_id: str, seq: int, kind: str, now: datetime) -> int:
        """Check the deadline against the case itself (the views may lag) and raise its warning."""
        case = self.ledger.get_case(case_id)
        match = [d for d in case.deadlines if d.seq == seq and d.kind == kind]
        if not match or kind in REMINDER_KINDS:
            return 0
        d = match[0]
        if not (d.in_force_from <= d.due_at < now and d.open_at(d.due_at)):
            return 0
        then = self.ledger.case_as_of(case_id, occurred_at=d.due_at) or case
        warning = MissedDeadline.raise_(
            self._act(),
            case_id=case_id,
            deadline_kind=kind,
            deadline_seq=seq,
            due_at=d.due_at,
            organisation_code=then.organisation_code,
            mediator_id=then.mediator_id,
            region_path=list(then.region_path),
            category=then.category,
        )
        try:
            self.ledger.save(warning)
        except IntegrityError:
            return 0
        return 1

    def sweep_due(self) -> bool:
        interval = sweep_seconds()
        if interval <= 0:
            return False
        return self._swept_at is None or (self.clock() - self._swept_at).total_seconds() >= interval

    def run_once(self, *, sweep: bool | None = None) -> tuple[int, int]:
        done = self.catch_up()
        raised = self.sweep() if (self.sweep_due() if sweep is None else sweep) else 0
        return done, raised


class _Filed:
    __slots__ = ("case_id", "reported_at", "region_path", "warning_id", "new")

    def __init__(self, case_id: str, reported_at: datetime, region_path: list[str], warning_id: str | None, new: bool):
        self.case_id, self.reported_at, self.region_path = case_id, reported_at, region_path
        self.warning_id, self.new = warning_id, new


class _PageState:
    """The process's state for one page: read from its tables as needed, changed in memory,
    written back in the page's transaction."""

    def __init__(self, views: ViewsMixin):
        self.views = views
        self.cases: dict[tuple[str, str], dict[str, _Filed]] = {}
        self.keys: dict[tuple[str, str], tuple[int, str | None]] = {}
        self.attached: dict[tuple[str, str, str], str] = {}
        self.changed_keys: set[tuple[str, str]] = set()
        self.closed_ids: set[str] = set()

    def _load(self, rule: str, key: str) -> dict[str, _Filed]:
        if (rule, key) not in self.cases:
            with self.views.cursor() as cur:
                rows = cur.all(
                    "SELECT case_id, reported_at, region_path, warning_id FROM w_cases WHERE rule = %s AND key = %s",
                    (rule, key),
                )
            self.cases[(rule, key)] = {
                r["case_id"]: _Filed(
                    r["case_id"], parse_utc_text(r["reported_at"]), r["region_path"].split("/"), r["warning_id"], False
                )
                for r in rows
            }
        return self.cases[(rule, key)]

    def file(self, rule: str, key: str, case_id: str, reported_at: datetime, region_path: list[str]) -> _Filed:
        filed = self._load(rule, key)
        if case_id not in filed:
            filed[case_id] = _Filed(case_id, reported_at, region_path, None, True)
        return filed[case_id]

    def in_warning(self, case_ids: list[str]) -> set[str]:
        """Which of ``case_ids`` are evidence of a warning under any rule."""
        taken = {cid for (_, _, cid) in self.attached if cid in set(case_ids)}
        rest = sorted(set(case_ids) - taken)
        for i in range(0, len(rest), 500):
            chunk = rest[i : i + 500]
            with self.views.cursor() as cur:
                rows = cur.all(
                    f"SELECT DISTINCT case_id FROM w_cases WHERE warning_id IS NOT NULL "
                    f"AND case_id IN ({', '.join(['%s'] * len(chunk))})",
                    chunk,
                )
            taken |= {r["case_id"] for r in rows}
        return taken

    def unattached(self, rule: str, key: str) -> list[_Filed]:
        return [c for c in self._load(rule, key).values() if c.warning_id is None]

    def key(self, rule: str, key: str) -> tuple[int, str | None]:
        if (rule, key) not in self.keys:
            with self.views.cursor() as cur:
                row = cur.one("SELECT generation, open_warning FROM w_keys WHERE rule = %s AND key = %s", (rule, key))
            open_warning = row["open_warning"] if row and row["open_warning"] not in self.closed_ids else None
            self.keys[(rule, key)] = (int(row["generation"]), open_warning) if row else (0, None)
        return self.keys[(rule, key)]

    def set_key(self, rule: str, key: str, generation: int, open_warning: str | None) -> None:
        self.keys[(rule, key)] = (generation, open_warning)
        self.changed_keys.add((rule, key))

    def attach(self, rule: str, key: str, case_ids: list[str], warning_id: str) -> None:
        filed = self._load(rule, key)
        for cid in case_ids:
            filed[cid].warning_id = warning_id
            self.attached[(rule, key, cid)] = warning_id

    def closed(self, warning_id: str) -> None:
        """A warning was dismissed or closed: its key has no open warning any more."""
        for k, (generation, open_warning) in list(self.keys.items()):
            if open_warning == warning_id:
                self.set_key(k[0], k[1], generation, None)
        self.closed_ids.add(warning_id)

    def commit(self, cur: Cursor) -> None:
        cur.executemany(
            "INSERT INTO w_cases (rule, key, case_id, reported_at, region_path, warning_id) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (rule, key, case_id) DO NOTHING",
            [
                (rule, key, c.case_id, utc_text(c.reported_at), "/".join(c.region_path), c.warning_id)
                for (rule, key), filed in self.cases.items()
                for c in filed.values()
                if c.new
            ],
        )
        cur.executemany(
            "UPDATE w_cases SET warning_id = %s WHERE rule = %s AND key = %s AND case_id = %s",
            [(wid, rule, key, cid) for (rule, key, cid), wid in self.attached.items()],
        )
        cur.executemany(
            "UPDATE w_keys SET open_warning = NULL WHERE open_warning = %s", [(wid,) for wid in sorted(self.closed_ids)]
        )
        cur.executemany(
            "INSERT INTO w_keys (rule, key, generation, open_warning) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (rule, key) DO UPDATE SET generation = excluded.generation, open_warning = excluded.open_warning",
            [(rule, key, *self.keys[(rule, key)]) for rule, key in sorted(self.changed_keys)],
        )


def start_warnings(
    ledger: Ledger,
    stop: threading.Event,
    *,
    poll: float = 0.5,
    before: Callable[[], Any] | None = None,
) -> threading.Thread:
    """A daemon thread running the warning process until ``stop`` is set. ``before`` runs first
    in every round (the server's views catch-up, so the sweep sees recent deadlines)."""
    process = WarningProcess(ledger)

    def run() -> None:
        delay = poll
        while not stop.is_set():
            try:
                if before is not None:
                    before()
                process.run_once()
                delay = poll
            except Exception as e:  # noqa: BLE001 - a follower keeps going; the next round retries
                log.warning("warning process will retry: %s: %s", type(e).__name__, e)
                delay = min(delay * 2, 60.0)
            stop.wait(delay)
        process.close()

    thread = threading.Thread(target=run, name="ledger-warnings", daemon=True)
    thread.start()
    return thread
