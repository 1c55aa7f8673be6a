"""Appends to one access log from several writers (application/access_log.py): a writer that
loses the race to the log's next version builds on the winner's entry and tries again, so no
read fails and none is lost; two ledgers on one store stand for two server processes."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import application.access_log as access
from application.access_log import AccessLogBusy, Read, case_log, log_reads
from application.integrity import verify
from application.ledger import Ledger
from domain.access import AccessLog, ListingLog
from tests.integration.test_integrity import Rows
from tests.support import World


def _second_ledger(world: World) -> Ledger:
    return Ledger(settings=world.ledger.settings, clock=world.clock)


def test_two_processes_appending_to_one_case_log_lose_no_read(world: World) -> None:
    case_id = str(world.report().id)
    other = _second_ledger(world)
    auditor = world.actors["auditor"]
    try:

        def reads(ledger: Ledger) -> None:
            for _ in range(5):
                log_reads(ledger, auditor, [Read(case_id, False)], endpoint="test", purpose="核查")

        with ThreadPoolExecutor(16) as pool:
            list(pool.map(reads, [world.ledger, other] * 8))
    finally:
        other.close()
    entries = case_log(world.ledger, case_id)
    assert [e["sequence"] for e in entries] == list(range(2, 82))
    assert verify(world.ledger).intact


def test_a_writer_that_lost_the_race_appends_after_the_winner(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = str(world.report().id)
    auditor, supervisor = world.actors["auditor"], world.actors["supervisor"]
    log_reads(world.ledger, auditor, [Read(case_id, False)], endpoint="first", purpose="核查")
    other = _second_ledger(world)
    real_load = access._load
    raced = []

    def load_then_lose(ledger: Ledger, stream_id: Any) -> Any:
        log = real_load(ledger, stream_id)
        if not raced:  # another process appends between this writer's load and its save
            raced.append(True)
            log_reads(other, supervisor, [Read(case_id, False)], endpoint="winner", purpose="核查")
        return log

    monkeypatch.setattr(access, "_load", load_then_lose)
    try:
        log_reads(world.ledger, auditor, [Read(case_id, False)], endpoint="loser", purpose="核查")
    finally:
        other.close()
    assert [(e["sequence"], e["endpoint"]) for e in case_log(world.ledger, case_id)] == [
        (2, "first"), (3, "winner"), (4, "loser")
    ]  # fmt: skip
    assert verify(world.ledger).intact


def test_a_log_contended_past_the_deadline_is_busy_and_writes_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = str(world.report().id)
    auditor = world.actors["auditor"]
    log_reads(world.ledger, auditor, [Read(case_id, False)], endpoint="first", purpose="核查")
    before = world.event_count()
    monkeypatch.setattr(access, "DEADLINE_SECONDS", 0.0)
    # Every attempt builds on a head that another writer has already taken.
    monkeypatch.setattr(access, "_load", lambda ledger, stream_id: AccessLog.open(case_id))
    with pytest.raises(AccessLogBusy):
        log_reads(world.ledger, auditor, [Read(case_id, False)], endpoint="never", purpose="核查")
    assert world.event_count() == before


def test_a_listing_is_one_entry_in_the_readers_listing_log(world: World) -> None:
    ids = [str(world.report().id) for _ in range(3)]
    auditor = world.actors["auditor"]
    before = world.event_count()
    log_reads(
        world.ledger,
        auditor,
        [Read(i, i == ids[0]) for i in ids],
        endpoint="list",
        purpose="核查",
        listing=True,
    )
    log_reads(world.ledger, auditor, [Read(ids[1], False)], endpoint="list", purpose="核查", listing=True)
    assert world.event_count() - before == 3  # the log's opening and two entries
    events = list(world.ledger.events.get(ListingLog.create_id("auditor")))
    assert [type(e).__name__ for e in events] == ["Opened", "Listed", "Listed"]
    assert events[1].case_ids == ids and events[1].handled == [ids[0]]  # type: ignore[attr-defined]
    assert all(case_log(world.ledger, i) == [] for i in ids)  # no case's own log was touched
    report = verify(world.ledger)
    assert report.intact, report.summary()


def test_a_changed_listing_entry_in_the_store_is_named_by_the_integrity_check(world: World) -> None:
    ids = [str(world.report().id) for _ in range(2)]
    auditor = world.actors["auditor"]
    for purpose in ("督办核查", "责任倒查"):
        log_reads(
            world.ledger,
            auditor,
            [Read(i, False) for i in ids],
            endpoint="list",
            purpose=purpose,
            listing=True,
        )
    log_id = ListingLog.create_id("auditor")
    rows = Rows(world)
    rows.set_state(log_id, 2, rows.state(log_id, 2).replace("督办核查".encode(), "例行检查".encode()))
    report = verify(world.ledger)
    assert not report.intact
    assert str(log_id) in json.dumps(report.broken, default=str)
