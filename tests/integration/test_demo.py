"""The demo county holds exactly the disputes asked for, even when some planned ones would have
been recorded only after the demo's end."""

from __future__ import annotations

from datetime import UTC, datetime

from application.demo import generate
from tests.support import World


def test_the_demo_records_exactly_the_disputes_asked_for(memory_world: World) -> None:
    # A week of disputes: reports entered days late often fall beyond the end and are replanned.
    generate(memory_world.ledger, disputes=40, years=7 / 365, seed=3, end=datetime(2026, 6, 1, tzinfo=UTC))
    notes = memory_world.ledger.recorder.select_notifications(start=1, limit=100_000)
    reported = [n for n in notes if n.topic.endswith("Case.Reported")]
    assert len(reported) == 40
