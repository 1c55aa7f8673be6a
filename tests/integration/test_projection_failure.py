"""An event the projection cannot process stops the views just before it, loudly, and nothing else.

A fault makes the projection fail on one chosen event (in its handler, or when the batch holding
it is written; or the event cannot even be decoded). The runner must find that one event, commit
the events before it, record the failure (position, case, version, error) in the views' database,
keep running and retry it; `ledger project` must say so in one line and `--status` exit non-zero.
Once the fault is gone the views catch up, the record goes, and the views equal a rebuild: no
event applied twice or lost across the failure.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from eventsourcing.persistence import StoredEvent

from cli.main import main
from projections.runner import ProjectionFailed, ViewRunner
from tests.integration.test_projection_crash import PATIENCE, Follower, _assert_equals_rebuild, _env
from tests.projection_faults import failing_projection
from tests.support import World


def _wait(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.01)


def _cases(world: World, n: int) -> list[str]:
    ids = []
    for _ in range(n):
        case = world.report()
        world.do(
            case.id, "assign", "recorder", route="peoples_mediation", organisation_code="ORG621199001001"
        )
        ids.append(str(case.id))
    return ids


def _case_positions(runner: ViewRunner) -> list[int]:
    with runner.views.cursor() as cur:
        return [int(r["position"]) for r in cur.all("SELECT position FROM v_events ORDER BY position")]


def test_the_failing_event_is_found_recorded_and_retried_until_fixed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cases(world, 4)
    # Raised when the batch holding the event is written, so only splitting the batch finds it
    # (a fault in the event's own handler is in tests/web/test_health.py). The message is one
    # PostgreSQL text could not hold as it is: the record must still be written.
    fault = failing_projection(monkeypatch, ValueError("名字 bad\x00byte \ud800"), when="flush")
    bad = world.event_count() + 1
    poisoned = world.report()
    fault.fail_at(bad)
    _cases(world, 3)  # later events, in the same batch as the failing one
    head = world.event_count()
    runner = ViewRunner(world.ledger, first_retry=0.01, max_retry=0.05)
    stop = threading.Event()
    errors: list[BaseException] = []
    try:
        with pytest.raises(ProjectionFailed) as raised:
            runner.catch_up()
        failure = raised.value.failure
        assert (failure.position, failure.case_id, failure.version) == (bad, str(poisoned.id), 1)
        assert failure.error == "ValueError" and failure.topic.endswith("Case.Reported")
        assert "\x00" not in failure.message and failure.message.startswith("名字 bad")
        # Everything before it is in the views, nothing after it.
        assert runner.position() == bad - 1 == raised.value.position
        positions = _case_positions(runner)
        assert positions and max(positions) < bad
        assert runner.failure() == failure

        def follow() -> None:
            try:
                runner.follow(stop, poll=0.01)
            except BaseException as e:  # reported by the test below
                errors.append(e)

        thread = threading.Thread(target=follow, daemon=True)
        thread.start()
        attempts = failure.attempts
        _wait(lambda: (f := runner.failure()) is not None and f.attempts >= attempts + 2, "two more retries")
        assert thread.is_alive() and not errors, errors
        assert runner.position() == bad - 1

        fault.heal()
        _wait(
            lambda: runner.position() >= head or not thread.is_alive(),
            "the views to get past the fixed event",
        )
        assert thread.is_alive() and not errors, errors
        assert runner.failure() is None
        stop.set()
        thread.join(PATIENCE)
        assert _case_positions(runner)[-1] > bad
        _assert_equals_rebuild(runner)
    finally:
        stop.set()
        runner.close()


def test_an_event_that_cannot_be_decoded_is_named_and_the_cli_says_so(world: World) -> None:
    """A row the library cannot turn into an event (its type is unknown), written straight into
    the store; `ledger project` and `--rebuild` end with one line, `--status` exits 1."""
    reviewed = _cases(world, 2)[0]
    stranger = uuid.uuid4()
    world.ledger.recorder.insert_events(
        [
            StoredEvent(
                originator_id=stranger, originator_version=3, topic="domain.case:Case.Vanished", state=b"{}"
            )
        ]
    )
    bad = world.event_count()
    _cases(world, 1)
    # In this process (a subprocess would spend seconds importing), with the settings a shell has.
    cli = CliRunner(env=_env(world.ledger.settings))
    for args in (["project"], ["project", "--rebuild"]):
        done = cli.invoke(main, args)
        assert done.exit_code == 1 and isinstance(done.exception, SystemExit), done.output
        lines = done.stderr.splitlines()
        assert len(lines) == 1, done.stderr
        assert f"projection failed at position {bad} (case {stranger}, version 3): TopicError" in lines[0], (
            lines
        )
        assert lines[0].endswith(f"views at {bad - 1}"), lines
    # Commands that need the views say the same in one line rather than a traceback.
    review = cli.invoke(main, ["review", reviewed])
    assert review.exit_code == 1 and isinstance(review.exception, SystemExit), review.output
    assert len(review.stderr.splitlines()) == 1, review.stderr
    assert f"projection failed at position {bad} (case {stranger}, version 3)" in review.stderr
    status = cli.invoke(main, ["project", "--status"])
    assert status.exit_code == 1, status.output
    assert (
        f"failed\tposition {bad}\tcase {stranger}\tversion 3\tdomain.case:Case.Vanished\tTopicError"
        in status.stdout
    )
    assert "health\tdegraded" in status.stdout
    runner = ViewRunner(world.ledger)
    try:
        assert runner.position() == bad - 1
        failure = runner.failure()
        assert failure is not None and failure.attempts >= 1 and failure.position == bad
    finally:
        runner.close()


def test_two_runners_meeting_the_same_failure_double_count_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cases(world, 3)
    fault = failing_projection(monkeypatch)
    bad = world.event_count() + 1
    world.report()
    fault.fail_at(bad)
    _cases(world, 2)
    runners = [ViewRunner(world.ledger, batch_size=size, first_retry=0) for size in (3, 1000)]
    try:
        for runner in runners:
            with pytest.raises(ProjectionFailed):
                runner.catch_up()
            assert runner.position() == bad - 1
        failure = runners[0].failure()
        assert failure is not None and failure.attempts == 2
        fault.heal()
        assert runners[1].catch_up() > 0
        assert runners[0].catch_up() == 0 and runners[0].failure() is None
        _assert_equals_rebuild(runners[0])
    finally:
        for runner in runners:
            runner.close()


def _delete_row(world: World, position: int) -> None:
    """The operator's fix for a row nothing can decode: remove it from the store's table."""
    settings = world.ledger.settings
    if settings.is_postgres:
        import psycopg

        assert settings.url is not None
        with psycopg.connect(settings.url, autocommit=True) as conn:
            conn.execute(
                f'DELETE FROM "{settings.schema}".ledger_events WHERE notification_id = %s', (position,)
            )
    else:
        import sqlite3

        with sqlite3.connect(settings.sqlite_path, isolation_level=None) as conn:
            conn.execute("DELETE FROM stored_events WHERE rowid = ?", (position,))


def test_the_follower_process_lives_on_past_a_failing_event(world: World, tmp_path: Path) -> None:
    """`ledger project --follow` reports the failing event, lives on, picks up the rest once the
    row is fixed (its retries: the test above), and still stops cleanly on SIGTERM."""
    _cases(world, 2)
    world.ledger.recorder.insert_events(
        [
            StoredEvent(
                originator_id=uuid.uuid4(),
                originator_version=1,
                topic="domain.case:Case.Vanished",
                state=b"{}",
            )
        ]
    )
    bad = world.event_count()
    _cases(world, 2)
    head = world.event_count()
    runner = ViewRunner(world.ledger)
    follower = Follower(world.ledger.settings, tmp_path / "follower.log")
    try:
        _wait(
            lambda: (
                (f := runner.failure()) is not None and f.attempts >= 2 or follower.proc.poll() is not None
            ),
            "the follower to fail on the event and retry it",
        )
        assert follower.proc.poll() is None, follower.output()
        assert runner.position() == bad - 1
        _delete_row(world, bad)
        _wait(
            lambda: runner.position() >= head or follower.proc.poll() is not None,
            "the follower to get past it",
        )
        assert runner.failure() is None
        assert follower.stop() == 0, follower.output()
        output = follower.output()
        assert f"projection failed at position {bad}" in output and "retrying in" in output, output
        assert "Traceback" not in output, output
    finally:
        if follower.proc.poll() is None:
            follower.kill()
        runner.close()
