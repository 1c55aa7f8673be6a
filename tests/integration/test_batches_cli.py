"""`ledger batches …` on a real store (both): the same acts as the API, attributed to the actor
named by --as, refusals in one line with exit 2 and nothing written."""

from __future__ import annotations

import json

import pytest

from application.config import StoreSettings
from tests.integration.test_batch_transitions import CREDIT_CODE, EMPLOYER, wage_case
from tests.integration.test_cli_inputs import ledger_cli
from tests.support import COURT, TOWN, World, use_store


def test_a_batch_from_the_command_line(world: World, store: StoreSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    use_store(monkeypatch, store)
    lead, first, second = (wage_case(world, n) for n in range(3))
    opened = ledger_cli("batches", "open", "--title", "欠薪系列纠纷", "--subject-kind", "respondent", "--subject-name",
                        EMPLOYER, "--credit-code", CREDIT_CODE, "--region", TOWN, "--as", "recorder").output  # fmt: skip
    batch_id = opened.split("batch ")[1].split(":")[0]
    ledger_cli("batches", "add", batch_id, lead, first, second, "--as", "recorder")
    ledger_cli("batches", "lead", batch_id, lead)
    before = world.event_count()
    assert "refused" in ledger_cli("batches", "adopt", batch_id, code=2).output
    assert "refused" in ledger_cli("batches", "offer", batch_id, code=2).output
    assert world.event_count() == before
    world.do(lead, "file_in_court", "judge", court_code=COURT, court_case_number="(2026)甘1199民初5号", reason="示范")
    world.do(lead, "record_court_outcome", "judge", outcome="court_mediation", summary="分期支付工资")
    ledger_cli("batches", "adopt", batch_id, "--as", "judge")
    ledger_cli("batches", "offer", batch_id, "--as", "recorder")
    ledger_cli("batches", "accept", batch_id, first, "--as", "recorder")
    ledger_cli("batches", "refuse", batch_id, second, "--reason", "金额不认可", "--as", "recorder")
    shown = json.loads(ledger_cli("batches", "show", batch_id).output)
    assert shown["standard"]["kind"] == "court_mediation" and shown["indicators"]["settled_on_lead_terms"] == 1
    assert [c["answered_by"] for c in shown["cases"]] == [None, "recorder", "recorder"]
    listed = json.loads(ledger_cli("batches", "list", "--case", second, "--json").output)
    assert [b["id"] for b in listed] == [batch_id] and listed[0]["indicators"]["refused"] == 1
    other = ledger_cli("batches", "open", "--title", "另一批", "--subject-kind", "employer", "--subject-name", EMPLOYER,
                       "--region", TOWN).output.split("batch ")[1].split(":")[0]  # fmt: skip
    before = world.event_count()
    assert "already in open batch" in ledger_cli("batches", "add", other, first, code=2).output
    assert world.event_count() == before
