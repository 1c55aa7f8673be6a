"""`ledger suggestions …` on a real store (both): the same acts as the API, attributed to the
actor named by --as; refusals in one line with exit 2 and nothing written; list and indicators."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from application.config import StoreSettings, county_tz
from tests.integration.test_cli_inputs import ledger_cli
from tests.support import COUNTY, COURT, World, use_store


def test_suggestions_from_the_command_line(world: World, store: StoreSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    use_store(monkeypatch, store)
    world.actor("judge-reviewer", "judge", COUNTY)
    today = datetime.now(county_tz()).date()  # the CLI acts at the real now
    case_id = str(world.report(category="migrant_wages").id)
    drafted = ledger_cli(
        "suggestions", "draft", "--kind", "judicial", "--issuer", COURT, "--recipient", "县人社局", "--superior",
        "县人民政府", "--title", "欠薪治理司法建议", "--problem", "欠薪纠纷集中", "--proposals", "建立保证金制度",
        "--category", "migrant_wages", "--region", COUNTY, "--case", case_id, "--as", "judge",
    ).output  # fmt: skip
    sid = drafted.split("suggestion ")[1].split()[0].rstrip(":")
    before = world.event_count()
    refused = ledger_cli("suggestions", "reply", sid, "--outcome", "adopted", "--measures", "x", "--on",
                         today.isoformat(), "--as", "judge", code=2).output  # fmt: skip
    assert "refused" in refused and world.event_count() == before
    ledger_cli("suggestions", "review", sid, "--opinion", "同意", "--as", "judge-reviewer")
    issued = ledger_cli("suggestions", "issue", sid, "--as", "judge").output
    assert f"({today.year})甘1199司建1号" in issued
    ledger_cli("suggestions", "deliver", sid, "--on", today.isoformat(), "--proof", "送达回证", "--as", "judge")
    ledger_cli("suggestions", "remind", sid, "--content", "请按期反馈", "--as", "supervisor")
    shown = json.loads(ledger_cli("suggestions", "show", sid, "--as", "auditor").output)
    assert (shown["status"], shown["reminders"], shown["reply"], shown["drafted_by"]) == ("delivered", 1, "due", "judge")
    listed = json.loads(ledger_cli("suggestions", "list", "--json", "--as", "supervisor").output)
    assert [i["id"] for i in listed] == [sid]
    figures = json.loads(ledger_cli("suggestions", "indicators", "--period", str(today.year), "--as", "auditor").output)
    assert (figures["issued"], figures["delivered"], figures["replied"], figures["reply_rate"]) == (1, 1, 0, 0.0)
    assert "refused" in ledger_cli("suggestions", "list", "--as", "reader", code=2).output
