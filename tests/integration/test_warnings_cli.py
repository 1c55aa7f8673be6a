"""`ledger lead-units` and `ledger warnings` on both stores, in process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from application.warning_desk import lead_units
from cli.main import main
from tests.support import World, use_store

EMPLOYER = {"role": "respondent", "kind": "organisation", "name": "青山县宏达建筑劳务有限公司"}


def ledger(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args))
    return result


def test_lead_units_load_reads_gbk_and_refuses_a_bad_file(world: World, tmp_path: Path, monkeypatch: Any) -> None:
    use_store(monkeypatch, world.ledger.settings)
    good = tmp_path / "lead.csv"
    good.write_bytes("category,lead_code,lead_name,partner_code,partner_name\nlabour,rsj,人社局,,\n*,sfj,司法局,,\n".encode("gbk"))
    result = ledger("lead-units", "load", str(good))
    assert result.exit_code == 0, result.output
    assert "2 categories loaded" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("category,lead_code,lead_name\nlabour,rsj,人社局\n", encoding="utf-8")
    head = world.event_count()
    refused = ledger("lead-units", "load", str(bad))
    assert refused.exit_code == 2 and "category *" in refused.output
    assert world.event_count() == head
    listing = ledger("lead-units", "list")
    assert "人社局" in listing.output and "sfj" in listing.output
    assert lead_units(world.ledger).rows["labour"].lead.code == "rsj"


def test_warnings_run_list_acknowledge_and_order(world: World, monkeypatch: Any) -> None:
    use_store(monkeypatch, world.ledger.settings)
    for i in range(5):
        world.report(category="migrant_wages", people_involved=1,
                     parties=[{"role": "applicant", "kind": "person", "name": f"工人{i}"}, EMPLOYER])
        world.clock.advance(hours=6)
    run = ledger("warnings", "run", "--no-sweep")
    assert run.exit_code == 0, run.output
    assert "1 warnings" in ledger("warnings", "list", "--kind", "mass").output
    listed = ledger("warnings", "list", "--kind", "mass", "--json")
    [row] = [json.loads(line) for line in listed.output.splitlines()]
    assert (row["status"], row["evidence"]) == ("raised", 5)
    warning_id = row["id"]
    assert ledger("warnings", "dismiss", warning_id, "--reason", "未签收").exit_code == 2  # 409: not acknowledged
    ack = ledger("warnings", "acknowledge", warning_id, "--as", "recorder")
    assert ack.exit_code == 0 and "acknowledged" in ack.output, ack.output
    outside = ledger("warnings", "acknowledge", warning_id, "--as", "other-recorder")
    assert outside.exit_code == 2 and "no warning" in outside.output
    order = ledger("warnings", "order-joint-handling", warning_id, "--as", "supervisor", "--due", "2026-12-31T18:00:00+08:00")
    assert order.exit_code == 0 and "joint_handling" in order.output, order.output
    shown = ledger("warnings", "show", warning_id)
    assert '"rsj"' in shown.output and "人社局" in shown.output
    history = ledger("warnings", "history", warning_id)
    assert len(history.output.strip().splitlines()) == 3
