"""A review bundle verifies with Python's standard library alone, and a changed bundle does not."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from application.bundle.writer import write_bundle
from application.integrity import seal
from application.review import build_review
from tests.support import World


def _run(folder: Path) -> subprocess.CompletedProcess[str]:
    # -I: isolated mode, no site-packages and no project on the path: standard library only.
    return subprocess.run([sys.executable, "-I", str(folder / "verify_bundle.py"), str(folder)], capture_output=True, text=True)


def _incident_case(world: World) -> str:
    case = world.report()
    world.clock.advance(days=4)
    world.do(case.id, "assign", "recorder", route="peoples_mediation", organisation_code="ORG621199001001")
    world.clock.advance(days=3)
    world.do(case.id, "accept", "mediator")
    seal(world.ledger, world.actors["admin"])
    world.clock.advance(hours=1)
    world.do(case.id, "report_incident", "supervisor", kind="extreme_act", description="当事人持刀威胁", severity="major")
    return str(case.id)


def test_bundle_verifies_standalone_and_detects_changes(world: World, tmp_path: Path) -> None:
    case_id = _incident_case(world)
    review = build_review(world.ledger, case_id, now=world.clock.now)
    assert {d["kind"] for d in review["missed_deadlines"]} == {"triage", "acceptance"}
    folder = tmp_path / "bundle"
    written = {p.name for p in write_bundle(world.ledger, review, folder)}
    assert written == {"events.jsonl", "seal.json", "review.json", "verify_bundle.py"}
    ok = _run(folder)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "intact: 4 events" in ok.stdout

    lines = (folder / "events.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[1])
    record["canonical"] = record["canonical"].replace("ORG621199001001", "ORG621199001002")
    lines[1] = json.dumps(record, ensure_ascii=False)
    (folder / "events.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    broken = _run(folder)
    assert broken.returncode == 1
    assert "event 2: content does not hash" in broken.stdout


def test_a_review_citing_an_event_the_bundle_lacks_is_refused(world: World, tmp_path: Path) -> None:
    case_id = _incident_case(world)
    review = build_review(world.ledger, case_id, now=world.clock.now)
    review["timeline"][0]["hash"] = "0" * 64
    folder = tmp_path / "bundle"
    write_bundle(world.ledger, review, folder)
    result = _run(folder)
    assert result.returncode == 1 and "cites event 1" in result.stdout
