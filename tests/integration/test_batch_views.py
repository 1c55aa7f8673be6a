"""The batch views rebuilt from the first event equal what one-event catch-ups built, and a
batch is a hash-chained stream: an acceptance moved to another case is named by `ledger verify` (at the
next event, whose link no longer matches)."""

from __future__ import annotations

from application.integrity import verify
from projections.runner import ViewRunner
from tests.integration.test_batch_transitions import batch_with_lead, command
from tests.integration.test_projection_rebuild import dump_differences, dump_views
from tests.integration.test_tampering import Table, _named
from tests.support import World


def test_rebuilt_batch_views_equal_event_by_event_catch_ups(world: World) -> None:
    runner = ViewRunner(world.ledger, batch_size=1)
    try:
        opened, lead, others = batch_with_lead(world, runner, parallel=3)
        command(world, runner, opened.id, "adopt_standard")
        command(world, runner, opened.id, "offer", case_ids=others[:2])
        command(world, runner, opened.id, "record_acceptance", case_id=others[0])
        runner.catch_up()
        command(world, runner, opened.id, "record_refusal", case_id=others[1], reason="不同意")
        command(world, runner, opened.id, "close", reason="结束")
        runner.catch_up()
        incremental = dump_views(runner)
        assert len(incremental["v_batches"][1]) == 1 and len(incremental["v_batch_cases"][1]) == 4
        runner.rebuild()
        assert not dump_differences(incremental, dump_views(runner))
    finally:
        runner.close()


def test_an_answer_moved_to_another_case_is_named(world: World) -> None:
    runner = ViewRunner(world.ledger)
    try:
        opened, lead, others = batch_with_lead(world, runner)
        command(world, runner, opened.id, "adopt_standard")
        command(world, runner, opened.id, "offer")
        accepted = command(world, runner, opened.id, "record_acceptance", case_id=others[0])
        command(world, runner, opened.id, "close", reason="结束")  # the next event holds the edited one's hash
    finally:
        runner.close()
    assert verify(world.ledger, witness=None).intact
    Table(world).edit(opened.id, accepted.version, others[0].encode(), others[1].encode())
    [broken] = _named(verify(world.ledger, witness=None), "")
    assert (broken["case_id"], broken["stream"], broken["sequence"]) == (str(opened.id), "batch", accepted.version + 1)
