"""The warning process killed at random moments raises every warning exactly once.

Real `ledger project --follow` processes (which run the warning process beside the views) are
killed with SIGKILL at random moments while wage claims against several employers arrive; at
the end every employer with five claims in the window has exactly one warning holding each of
its claims once, and a rebuild of the process (its state dropped, the whole stream read again)
writes nothing and ends with the same state."""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

from domain.mass_warning import MassWarning
from projections.warning_process import STATE_TABLES, WarningProcess
from tests.integration.test_projection_crash import Follower, _wait
from tests.support import World

EMPLOYERS = [f"青山县第{i}建筑劳务有限公司" for i in range(1, 7)]


def _claim(world: World, employer: str, i: int) -> str:
    case = world.report(
        category="migrant_wages", people_involved=1,
        parties=[{"role": "applicant", "kind": "person", "name": f"务工人员{i}"},
                 {"role": "respondent", "kind": "organisation", "name": employer}],
    )
    world.clock.advance(hours=3)
    return str(case.id)


def _state(process: WarningProcess) -> dict[str, list[tuple[Any, ...]]]:
    with process.views.cursor() as cur:
        return {
            "w_cases": sorted(tuple(r.values()) for r in cur.all("SELECT * FROM w_cases")),
            "w_keys": sorted(tuple(r.values()) for r in cur.all("SELECT * FROM w_keys")),
        }


def _warning_events(world: World) -> list[Any]:
    out = []
    for n in world.ledger.recorder.select_notifications(start=1, limit=1_000_000):
        e: Any = world.ledger.mapper.to_domain_event(n)
        if isinstance(e, MassWarning.Event) and type(e).__qualname__.startswith("MassWarning."):
            out.append(e)
    return out


def test_warning_process_killed_at_random_moments_raises_each_warning_once(world: World, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("LEDGER_WARNINGS", "1")
    monkeypatch.setenv("LEDGER_WARNING_SWEEP_SECONDS", "0")
    # All the claims are in one village: the village rule is off so that each employer's
    # claims raise their own warning.
    rules = tmp_path / "rules.toml"
    rules.write_text("[village_category]\ncases = 0\n", encoding="utf-8")
    monkeypatch.setenv("LEDGER_WARNING_RULES", str(rules))
    settings = world.ledger.settings
    rng = random.Random(13)
    claims: dict[str, list[str]] = {e: [] for e in EMPLOYERS}
    process = WarningProcess(world.ledger)
    started: list[Follower] = []
    try:
        for n in range(6):
            started.append(follower := Follower(settings, tmp_path / f"follower-{n}.log"))
            for _ in range(12):
                employer = rng.choice(EMPLOYERS)
                claims[employer].append(_claim(world, employer, len(claims[employer])))
                time.sleep(rng.uniform(0, 0.08))
            time.sleep(rng.uniform(0.1, 1.5))
            follower.kill()
        started.append(follower := Follower(settings, tmp_path / "follower-last.log"))

        def caught_up() -> bool:
            head = world.ledger.recorder.max_notification_id() or 0
            return process.position() >= head or follower.proc.poll() is not None

        _wait(caught_up, "the warning process to catch up")
        _wait(lambda: "following" in follower.output() or follower.proc.poll() is not None, "the follower to follow")
        time.sleep(1.5)  # a round of the warning thread after the last write
        _wait(caught_up, "the warning process to catch up again")
        assert follower.proc.poll() is None, follower.output()
        assert follower.stop() == 0, follower.output()
    finally:
        for f in started:
            if f.proc.poll() is None:
                f.kill()

    events = _warning_events(world)
    raised = [e for e in events if type(e).__name__ == "Raised"]
    entered = Counter(
        [item["case_id"] for e in raised for item in e.evidence]
        + [e.case_id for e in events if type(e).__name__ == "EvidenceAdded"]
    )
    assert entered and max(entered.values()) == 1, "a case entered a warning twice"
    by_key = Counter((e.rule, e.key) for e in raised)
    assert max(by_key.values()) == 1, f"a key raised twice: {by_key}"
    for employer, ids in claims.items():
        mine = [e for e in raised if e.key == f"name:{employer}"]
        if len(ids) >= 5:
            [warning] = mine
            held = {item["case_id"] for item in warning.evidence} | {
                e.case_id for e in events if type(e).__name__ == "EvidenceAdded" and e.originator_id == warning.originator_id
            }
            assert held == set(ids), employer
        else:
            assert mine == []

    # The rebuild: the process's state dropped and the stream read again from the start.
    before, head = _state(process), world.event_count()
    with process.views.cursor(commit=True) as cur:
        for table in STATE_TABLES:
            cur.execute(f"DELETE FROM {table}")
    process.catch_up()
    assert world.event_count() == head, "a replay wrote warning events"
    assert _state(process) == before
    process.close()
