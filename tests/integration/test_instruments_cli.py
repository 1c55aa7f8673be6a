"""`ledger cards …` and `ledger villages …` on a real store (both): the same acts as the API,
attributed to the actor named by --as, refusals in one line with exit 2 and nothing written."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from application.config import StoreSettings, county_tz
from tests.integration.test_cli_inputs import ledger_cli
from tests.support import VILLAGE, World, use_store


def test_cards_and_villages_from_the_command_line(
    world: World, store: StoreSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_store(monkeypatch, store)
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nlevel = "yellow"\nindicator = "disputes_reported"\nlabel = "高"\nat_least = 0\n',
                     encoding="utf-8")  # fmt: skip
    monkeypatch.setenv("LEDGER_CARD_RULES", str(rules))
    today = datetime.now(county_tz()).date().isoformat()  # the CLI acts at the real now
    assert "城关镇" in ledger_cli("cards", "propose", "--period", "2026").output
    issued = ledger_cli("cards", "issue", "--town", "621199001", "--period", "2026", "--as", "supervisor").output
    assert "issued yellow card" in issued
    card_id = issued.split("card ")[1].split()[0]
    before = world.event_count()
    refused = ledger_cli("cards", "lift", card_id, "--reason", "复查", code=2).output
    assert "refused" in refused and world.event_count() == before
    ledger_cli("cards", "talk", card_id, "--held-on", today, "--minutes", "约谈", "--attendee", "镇长",
               "--attendee", "书记", "--as", "supervisor")  # fmt: skip
    ledger_cli("cards", "plan", card_id, "--plan", "整改方案", "--filed-on", today)
    shown = json.loads(ledger_cli("cards", "show", card_id).output)
    assert shown["status"] == "plan_filed" and shown["issued_by"] == "supervisor"
    assert shown["basis"]["figures"]["region_code"] == "621199001"
    summary = json.loads(ledger_cli("cards", "list", "--summary").output)
    assert (summary["towns_carded"], summary["open"]) == (1, 1)
    ledger_cli("villages", "enrol", VILLAGE, "--year", "2025", "--sponsor-code", "FY", "--sponsor-name", "县法院")
    year = today[:4]  # not ended yet: a provisional assessment, no naming on it
    ledger_cli("villages", "assess", VILLAGE, "--year", year)
    assert "refused" in ledger_cli("villages", "name", VILLAGE, "--year", year, code=2).output
    listed = json.loads(ledger_cli("villages", "list", "--year", year).output)
    assert listed["items"][0]["assessment"]["complete"] is False and listed["progress"]["enrolled"] == 1
