"""Tampering with the real tables behind the library is detected and named (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from application.integrity import BrokenStore, seal, verify
from tests.support import World


def _life(world: World) -> Any:
    case = world.report()
    world.clock.advance(hours=2)
    world.do(case.id, "assign", "recorder", route="peoples_mediation", organisation_code="ORG621199001001")
    world.clock.advance(hours=3)
    world.do(case.id, "accept", "mediator")
    world.clock.advance(hours=4)
    world.do(case.id, "hold_session", "mediator", mode="onsite", participants=["张建国", "李秀英"], summary="面对面调解")
    world.clock.advance(days=1)
    return world.do(case.id, "record_agreement", "mediator", terms="分期赔偿", amount="800.00")


class Rows:
    """Direct access to the stored events table of either store, as an intruder would have."""

    def __init__(self, world: World):
        self.settings = world.ledger.settings

    def _connect(self) -> Any:
        if self.settings.is_postgres:
            import psycopg

            conn = psycopg.connect(self.settings.url, autocommit=True)
            conn.execute(f"SET search_path TO {self.settings.schema}")
            return conn
        import sqlite3

        return sqlite3.connect(self.settings.sqlite_path, isolation_level=None)

    @property
    def table(self) -> str:
        return "ledger_events" if self.settings.is_postgres else "stored_events"

    def _id(self, case_id: Any) -> Any:
        return case_id if self.settings.is_postgres else case_id.hex

    def _mark(self) -> str:
        return "%s" if self.settings.is_postgres else "?"

    def state(self, case_id: Any, version: int) -> bytes:
        m = self._mark()
        with self._connect() as conn:
            row = conn.execute(
                f"SELECT state FROM {self.table} WHERE originator_id = {m} AND originator_version = {m}",
                (self._id(case_id), version),
            ).fetchone()
        return bytes(row[0])

    def set_state(self, case_id: Any, version: int, state: bytes) -> None:
        m = self._mark()
        with self._connect() as conn:
            conn.execute(
                f"UPDATE {self.table} SET state = {m} WHERE originator_id = {m} AND originator_version = {m}",
                (state, self._id(case_id), version),
            )

    def delete(self, case_id: Any, version: int) -> None:
        m = self._mark()
        with self._connect() as conn:
            conn.execute(
                f"DELETE FROM {self.table} WHERE originator_id = {m} AND originator_version = {m}",
                (self._id(case_id), version),
            )


def _first_break(world: World) -> dict[str, Any]:
    report = verify(world.ledger)
    assert not report.intact
    return report.broken[0]


def test_a_clean_store_verifies_intact(world: World) -> None:
    _life(world)
    world.report(summary="另一起纠纷")
    report = verify(world.ledger)
    assert report.intact, report.broken
    # Every row is read: the two cases' events and the reference data and actors before them.
    assert (report.events, report.cases) == (world.event_count(), 2)
    assert report.streams["case"] == 2 and report.streams["actor"] == len(world.actors) + 1  # + system
    assert not report.legacy
    assert report.summary().startswith(f"intact, {report.events} events, 2 cases")


def _edit(pattern: bytes, replacement: bytes) -> Callable[[bytes], bytes]:
    def change(state: bytes) -> bytes:
        changed = re.sub(pattern, replacement, state, count=1)
        assert changed != state
        return changed

    return change


@pytest.mark.parametrize(
    ("what", "version", "change"),
    [
        ("one payload byte", 2, _edit(rb"peoples_mediation", b"peoples_mediatioN")),
        ("the occurred_at timestamp", 3, _edit(rb'"occurred_at":\{"_type_":"datetime_iso","_data_":"2026', b'"occurred_at":{"_type_":"datetime_iso","_data_":"2025')),
        ("the recorded_at timestamp", 3, _edit(rb'"timestamp":\{"_type_":"datetime_iso","_data_":"2026', b'"timestamp":{"_type_":"datetime_iso","_data_":"2025')),
        ("the actor", 2, _edit(rb'"actor_id":"recorder"', b'"actor_id":"supervisor"')),
    ],
)
def test_a_changed_event_breaks_the_chain_at_that_case(world: World, what: str, version: int, change: Any) -> None:
    case = _life(world)
    rows = Rows(world)
    rows.set_state(case.id, version, change(rows.state(case.id, version)))
    report = verify(world.ledger)
    assert not report.intact
    # The link from the changed event to its successor no longer holds.
    chain = [b for b in report.broken if f"between sequence {version} and {version + 1}" in b["problem"]]
    assert [(b["case_id"], b["sequence"]) for b in chain] == [(str(case.id), version + 1)]
    if what == "the actor":
        # ... and the event claims a role its (registered) actor does not have.
        assert "'supervisor' acted as recorder but is registered as supervisor" in report.broken[0]["problem"]


def test_an_unreadable_event_is_named(world: World) -> None:
    case = _life(world)
    rows = Rows(world)
    rows.set_state(case.id, 3, rows.state(case.id, 3)[:-5])
    broken = _first_break(world)
    assert (broken["case_id"], broken["sequence"]) == (str(case.id), 3)
    assert "cannot be read" in broken["problem"]


def test_a_deleted_event_inside_a_case_is_named(world: World) -> None:
    case = _life(world)
    Rows(world).delete(case.id, 3)
    broken = _first_break(world)
    assert (broken["case_id"], broken["sequence"]) == (str(case.id), 4)
    assert "jumps from 2 to 4" in broken["problem"]


def test_two_swapped_events_are_named(world: World) -> None:
    case = _life(world)
    rows = Rows(world)
    second, third = rows.state(case.id, 2), rows.state(case.id, 3)
    rows.set_state(case.id, 2, third)
    rows.set_state(case.id, 3, second)
    broken = _first_break(world)
    assert (broken["case_id"], broken["sequence"]) == (str(case.id), 2)


def test_a_truncated_tail_after_a_seal_is_named(world: World) -> None:
    case = _life(world)
    sealed, report = seal(world.ledger, world.actors["admin"])
    assert report.intact and sealed.heads[str(case.id)][0] == case.version
    Rows(world).delete(case.id, case.version)
    # The chain that remains is consistent: only the seal can tell that something is missing.
    broken = _first_break(world)
    assert (broken["case_id"], broken["sequence"]) == (str(case.id), case.version)
    assert f"sealed but only {case.version - 1} remain" in broken["problem"]


def test_a_changed_head_after_a_seal_is_named(world: World) -> None:
    case = _life(world)
    seal(world.ledger, world.actors["admin"])
    rows = Rows(world)
    rows.set_state(case.id, case.version, rows.state(case.id, case.version).replace("分期赔偿".encode(), "一次赔偿".encode()))
    broken = _first_break(world)
    assert (broken["case_id"], broken["sequence"]) == (str(case.id), case.version)
    assert "sealed head" in broken["problem"]


def test_events_after_a_seal_still_verify_and_a_broken_store_cannot_be_sealed(world: World) -> None:
    case = _life(world)
    seal(world.ledger, world.actors["admin"])
    world.clock.advance(hours=1)
    world.do(case.id, "close", "mediator", summary="已履行")
    report = verify(world.ledger)
    assert report.intact and report.last_seal is not None
    Rows(world).delete(case.id, 2)
    with pytest.raises(BrokenStore):
        seal(world.ledger, world.actors["admin"])


def _read_twice(world: World) -> tuple[Any, Any]:
    """A case whose personal data was read twice: its access log holds opened + two reads."""
    from application.access_log import Read, log_reads
    from domain.access import AccessLog

    case = _life(world)
    for purpose in ("督办核查", "责任倒查"):
        log_reads(world.ledger, world.actors["auditor"], [Read(str(case.id), False)], endpoint="test", purpose=purpose)
    return case, AccessLog.create_id(str(case.id))


def test_a_changed_read_in_an_access_log_is_named_by_its_case(world: World) -> None:
    """Named by the case's id, which every command accepts; the log's own id is kept beside it."""
    from application.integrity import verify

    case, log_id = _read_twice(world)
    rows = Rows(world)
    rows.set_state(log_id, 2, rows.state(log_id, 2).replace("督办核查".encode(), "例行检查".encode()))
    broken = _first_break(world)
    assert (broken["case_id"], broken["log_id"], broken["stream"], broken["sequence"]) == (
        str(case.id),
        str(log_id),
        "access log",
        3,
    )
    assert verify(world.ledger).summary().startswith(f"BROKEN at access log of case {case.id} sequence 3:")


def test_a_read_removed_from_an_access_log_after_a_seal_is_named(world: World) -> None:
    _, log_id = _read_twice(world)
    seal(world.ledger, world.actors["admin"])
    Rows(world).delete(log_id, 3)
    broken = _first_break(world)
    assert broken["sequence"] == 3 and str(log_id) in (broken["case_id"], broken.get("log_id"))
    assert "sealed but only 2 remain" in broken["problem"]


def test_scheduled_seals_seal_only_when_something_new_was_recorded(world: World) -> None:
    import threading
    import time

    from application.integrity import latest_seal
    from application.sealing import seal_if_new, start_sealing

    case = _life(world)
    first = seal_if_new(world.ledger)
    assert first is not None and first.heads[str(case.id)][0] == case.version
    assert seal_if_new(world.ledger) is None
    world.do(case.id, "close", "mediator", summary="已履行")
    second = seal_if_new(world.ledger)
    assert second is not None and second.previous_seal == first.root

    world.do(case.id, "follow_up", "mediator", satisfaction="satisfied", relapse=False)
    stop = threading.Event()
    thread = start_sealing(world.ledger, stop, interval=0.05)
    assert thread is not None
    try:
        deadline = time.monotonic() + 10
        while latest_seal(world.ledger).position < world.event_count() - 1 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(5)
    assert latest_seal(world.ledger).heads[str(case.id)][0] == case.version + 2
    assert verify(world.ledger).intact
    assert start_sealing(world.ledger, stop, interval=0) is None
