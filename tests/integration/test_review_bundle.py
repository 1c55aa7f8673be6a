"""A review bundle verifies with Python's standard library alone, and a changed bundle does not."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from click.testing import CliRunner

from application.bundle.writer import write_bundle
from application.integrity import seal
from application.review import build_review
from cli.main import main
from tests.support import World
from tests.web.helpers import Http
from web import close_app, create_app


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
    assert written == {"events.jsonl", "access.jsonl", "seal.json", "review.json", "verify_bundle.py"}
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


# -- a case whose personal data was read (issue 10 item 6) --------------------------------------

PURPOSE = "民转刑责任倒查"


def _ledger_cli(world: World, *args: str) -> str:
    settings = world.ledger.settings
    env = {"LEDGER_DB": settings.sqlite_path, "LEDGER_DATABASE_URL": "", "LEDGER_PG_SCHEMA": ""}
    if settings.is_postgres:
        env.update(LEDGER_DATABASE_URL=settings.url or "", LEDGER_PG_SCHEMA=settings.schema)
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _read_case(world: World, case_id: str) -> None:
    """Reads of the case's personal data through the API (its details; a list page that shows it
    and another case) and through the command line."""
    world.report()
    app = create_app({"TESTING": True, "STORE_SETTINGS": world.ledger.settings, "CLOCK": world.clock,
                      "INLINE_PROJECTION": True})  # fmt: skip
    try:
        http = Http(app.test_client(), world)
        assert http.get(f"/disputes/{case_id}", "auditor", X_Access_Purpose=quote(PURPOSE)).status_code == 200
        listed = http.get("/disputes", "supervisor", X_Access_Purpose=quote(PURPOSE))
        assert case_id in {item["id"] for item in listed.json["items"]} and listed.json["total"] == 2
    finally:
        close_app(app)
    _ledger_cli(world, "case", "history", case_id, "--purpose", PURPOSE)


def _tampered(folder: Path, name: str, change: Callable[[list[Any]], None], tmp_path: Path) -> Path:
    """A copy of the bundle with one file's records changed."""
    copy = tmp_path / f"tampered-{len(list(tmp_path.iterdir()))}"
    shutil.copytree(folder, copy)
    path = copy / name
    if name.endswith(".jsonl"):
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        change(records)
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    else:
        review = json.loads(path.read_text(encoding="utf-8"))
        change([review])
        path.write_text(json.dumps(review, ensure_ascii=False), encoding="utf-8")
    return copy


def test_a_read_case_bundles_and_verifies_and_a_changed_read_is_named(world: World, tmp_path: Path) -> None:
    case_id = _incident_case(world)
    _read_case(world, case_id)
    seal(world.ledger, world.actors["admin"])  # the access logs' heads are sealed too
    folder = tmp_path / "bundle"
    _ledger_cli(world, "review", case_id, "--bundle", str(folder), "--purpose", PURPOSE)

    ok = _run(folder)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "intact: 4 events" in ok.stdout and "3 reads checked" in ok.stdout
    review = json.loads((folder / "review.json").read_text(encoding="utf-8"))
    reads = review["access_log"]["before"] + review["access_log"]["after"]
    assert [(r["endpoint"], r["cases"]) for r in reads] == [
        ("GET /api/v1/disputes/<case_id>", 1), ("GET /api/v1/disputes", 2), ("cli ledger case history", 1)
    ]  # fmt: skip
    entries = [json.loads(line) for line in (folder / "access.jsonl").read_text(encoding="utf-8").splitlines()]
    own_log = reads[0]["log"]
    listing = next(i for i, e in enumerate(entries) if e["log"] == reads[1]["log"])
    assert [e["sequence"] for e in entries if e["log"] == own_log] == [1, 2, 3, 4]  # + the review's own read

    def edit_event(records: list[Any]) -> None:
        records[1]["canonical"] = records[1]["canonical"].replace("ORG621199001001", "ORG621199001002")

    def edit_own_read(records: list[Any]) -> None:
        records[1]["canonical"] = records[1]["canonical"].replace('"auditor"', '"auditos"', 1)

    def edit_listing(records: list[Any]) -> None:
        records[listing]["canonical"] = records[listing]["canonical"].replace(PURPOSE, "例行" + PURPOSE[2:])

    def drop_own_read(records: list[Any]) -> None:
        del records[2]

    def edit_review_claim(review: list[Any]) -> None:
        review[0]["access_log"]["before" if review[0]["access_log"]["before"] else "after"][1]["purpose"] = "例行检查"

    for name, change, named in (
        ("events.jsonl", edit_event, "event 2: content does not hash"),
        ("access.jsonl", edit_own_read, f"access log {own_log[:8]} entry 2: content does not hash"),
        ("access.jsonl", edit_listing, f"access log {reads[1]['log'][:8]} entry {reads[1]['sequence']}: content does not hash"),
        ("access.jsonl", drop_own_read, f"access log {own_log[:8]} of the case: entries missing"),
        ("review.json", edit_review_claim, "the review says purpose '例行检查'"),
    ):
        broken = _run(_tampered(folder, name, change, tmp_path))
        assert broken.returncode == 1, (name, broken.stdout)
        assert named in broken.stdout, (name, broken.stdout)
