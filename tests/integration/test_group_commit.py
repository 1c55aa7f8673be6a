"""Group commit (application/group_commit.py): saves waiting at the same moment share one
transaction, and each still gets exactly the answer it would have had alone.

The commit lock is held by the test while the threads line up, so that the batch is certain to
form; then it is let go and the first thread commits everyone's events."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from application.errors import VersionConflict
from application.ledger import Ledger
from application.receipts import RequestKey, request_hash
from tests.support import World, report_body


def _lined_up(world: World, calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` in threads that all reach the commit together; answers (or errors) in order."""
    ledger = world.ledger
    sizes_before = len(ledger.batch_sizes)

    def attempt(call: Callable[[], Any]) -> Any:
        try:
            return call()
        except Exception as e:  # noqa: BLE001 - compared by the test
            return e

    with ThreadPoolExecutor(len(calls)) as pool:
        with ledger._commit_lock:
            futures = [pool.submit(attempt, call) for call in calls]
            deadline = time.monotonic() + 30
            while len(ledger._waiting) < len(calls):
                assert time.monotonic() < deadline, f"only {len(ledger._waiting)} saves lined up"
                time.sleep(0.005)
        answers = [f.result(timeout=60) for f in futures]
    world.batches = ledger.batch_sizes[sizes_before:]  # type: ignore[attr-defined]
    return answers


def test_reports_at_once_share_one_transaction_and_each_gets_its_own_position(world: World) -> None:
    recorder = world.actors["recorder"]
    before = world.event_count()
    calls = [
        (lambda i=i: world.ledger.report(recorder, **report_body(summary=f"第{i}起相邻纠纷")))
        for i in range(12)
    ]
    results = _lined_up(world, calls)
    assert world.batches == [12]  # type: ignore[attr-defined]
    assert world.event_count() - before == 12
    positions = [r.position for r in results]
    assert sorted(positions) == list(range(before + 1, before + 13))
    for i, result in enumerate(results):
        # The position each answered is that of its own case's event.
        [notification] = world.ledger.recorder.select_notifications(start=result.position, limit=1)
        assert notification.originator_id == result.case.id
        assert world.ledger.get_case(result.case.id).summary == f"第{i}起相邻纠纷"


def test_a_conflict_in_the_batch_fails_only_its_own_save(world: World) -> None:
    case = world.report()
    supervisor, recorder = world.actors["supervisor"], world.actors["recorder"]
    note = {"instruction": "尽快回访", "due_at": world.clock() + timedelta(days=3)}

    def noted(expected: int | None) -> Callable[[], Any]:
        return lambda: world.ledger.execute(
            supervisor, case.id, "add_supervision_note", expected_version=expected, **note
        )

    calls = [
        noted(1),  # If-Match 1: the first to save gets it
        noted(1),
        noted(None),  # no If-Match: re-run on the case as it then is
        lambda: world.ledger.report(recorder, **report_body()),
    ]
    answers = _lined_up(world, calls)
    # The batch was refused whole (two saves of version 2), then committed save by save.
    assert world.batches[0] == 1  # type: ignore[attr-defined]
    conflicts = [a for a in answers[:2] if isinstance(a, VersionConflict)]
    assert len(conflicts) == 1, answers
    assert not isinstance(answers[2], Exception) and not isinstance(answers[3], Exception), answers
    assert world.ledger.get_case(case.id).version == 3
    assert answers[3].case.id != case.id and world.ledger.get_case(answers[3].case.id).version == 1


def test_the_same_idempotency_key_twice_in_a_batch_writes_once(world: World) -> None:
    recorder = world.actors["recorder"]
    key = RequestKey(str(recorder.id), "group-commit-key", request_hash(b"POST /disputes", b"{}"))
    before = world.event_count()
    answers = _lined_up(world, [lambda: world.ledger.report(recorder, key=key, **report_body())] * 2)
    assert not any(isinstance(a, Exception) for a in answers), answers
    assert answers[0].case.id == answers[1].case.id
    written = [n.topic for n in world.ledger.recorder.select_notifications(start=before + 1, limit=100)]
    assert len(written) == 2, written  # one report and its receipt


def test_it_can_be_switched_off(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_GROUP_COMMIT", "0")
    ledger = Ledger(settings=world.ledger.settings, clock=world.clock)
    try:
        ledger.report(world.actors["recorder"], **report_body())
        assert ledger.batch_sizes == []
    finally:
        ledger.close()


def test_a_thread_beyond_one_batch_is_committed_by_the_next(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("application.group_commit.MAX_BATCH", 3)
    recorder = world.actors["recorder"]
    results = _lined_up(world, [lambda: world.ledger.report(recorder, **report_body())] * 7)
    assert world.batches == [3, 3, 1]  # type: ignore[attr-defined]
    assert len({r.case.id for r in results}) == 7
