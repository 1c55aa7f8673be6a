"""A store written before listing logs existed (tests/fixtures/store-v1.sqlite3: one read in a
case's own log, then a seal) still shows its reads per case, and its review bundle verifies."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from application.bundle.writer import write_bundle
from application.config import StoreSettings
from application.ledger import Ledger
from application.review import build_review
from domain.access import AccessLog
from projections.access import reads_of_case
from projections.runner import ViewRunner

FIXTURE = Path(__file__).parent.parent / "fixtures" / "store-v1.sqlite3"


def test_an_old_stores_reads_are_shown_per_case_and_bundle_intact(tmp_path: Path) -> None:
    copy = tmp_path / FIXTURE.name
    shutil.copy(FIXTURE, copy)
    ledger = Ledger(settings=StoreSettings(sqlite_path=str(copy), url=None, schema="public"))
    try:
        (opened,) = [
            n
            for n in ledger.recorder.select_notifications(start=1, limit=1000)
            if n.topic.endswith("AccessLog.Opened")
        ]
        case_id = ledger.mapper.to_domain_event(opened).case_id  # type: ignore[attr-defined]
        views = ViewRunner(ledger)
        try:
            views.catch_up()  # the views' new version rebuilds them from the first event
            with views.views.cursor() as cur:
                total, reads = reads_of_case(cur, case_id)
        finally:
            views.close()
        assert total == 1
        (read,) = reads
        assert (read["actor_id"], read["endpoint"], read["purpose"], read["handler"], read["cases"]) == (
            "supervisor",
            "cli",
            "annual check",
            False,
            1,
        )
        assert (read["log"], read["sequence"]) == (str(AccessLog.create_id(case_id)), 2)

        review = build_review(ledger, case_id, now=ledger.clock(), reads=reads)
        folder = tmp_path / "bundle"
        write_bundle(ledger, review, folder)
    finally:
        ledger.close()
    result = subprocess.run(
        [sys.executable, "-I", str(folder / "verify_bundle.py"), str(folder)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 reads checked" in result.stdout
