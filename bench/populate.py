"""Fill a store quickly with realistic histories for benchmarks.

The demo generator goes through the Application one command at a time, as users do. For a
million events that takes too long, so here the same planned lives are applied to case
aggregates in memory (the same domain checks run) and saved many aggregates per transaction.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

from application.demo import DemoCounty, demo_actors
from application.ledger import Ledger
from application.reference_files import load_demo_reference
from domain.case import Act, Case

END = datetime(2026, 11, 1, tzinfo=UTC)


def populate(ledger: Ledger, events: int, *, seed: int = 7, chunk: int = 200, progress: Callable[[int], None] | None = None) -> int:
    """Record about ``events`` events; returns the exact number recorded."""
    load_demo_reference(ledger)
    rng = random.Random(seed)
    county = DemoCounty(ledger, rng)
    demo_actors(ledger, county)
    catalogue = ledger.regions()
    actors = {}
    begin = END - timedelta(days=730)
    recorded = 0
    pending: list[Case] = []
    index = 0
    while recorded < events:
        start = begin + timedelta(seconds=rng.uniform(0, 730 * 86400 - 3600))
        steps = county.plan(index, start, END)
        index += 1
        if not steps:
            continue
        case: Case | None = None
        for step in steps:
            actor = actors.get(step.actor) or actors.setdefault(step.actor, ledger.actor(step.actor))
            act = Act(actor.name, actor.role, step.occurred_at, step.recorded_at, rules=ledger.rules)
            args = dict(step.args)
            if step.command == "report":
                path = catalogue.path(args.pop("region_code"))
                case = Case.report(act, region_path=path, case_id=UUID(int=rng.getrandbits(128), version=4), **args)
            else:
                assert case is not None
                try:
                    getattr(case, step.command)(act, **args)
                except Exception:
                    continue  # e.g. a planned correction that changes nothing
        assert case is not None
        recorded += len(case.pending_events)
        pending.append(case)
        if len(pending) >= chunk:
            ledger.save(*pending)
            pending.clear()
            if progress:
                progress(recorded)
    if pending:
        ledger.save(*pending)
    return recorded
