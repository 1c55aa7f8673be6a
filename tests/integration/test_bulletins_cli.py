"""`ledger bulletin` and `ledger review --format pdf` on a real store: compiled once, unchanged
while the figures are, recompiled as version 2 after a correction (version 1 still rendered as
it was), issued; Markdown printed, XLSX and PDF written; refusals in one line, nothing written."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from application.config import StoreSettings
from tests.integration.test_cli_inputs import ledger_cli
from tests.support import OTHER_TOWN_VILLAGE, World, use_store

TOWN = "621199001"


def test_a_bulletin_from_the_command_line(world: World, store: StoreSettings, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    use_store(monkeypatch, store)
    case = world.report(category="family")
    world.report(category="family")
    args = ("bulletin", "--region", TOWN, "--period", "2026-Q1", "--as", "supervisor")
    before = world.event_count()
    assert "refused" in ledger_cli("bulletin", "--region", TOWN, "--period", "2026-Q1", "--as", "reader", code=2).output
    assert "refused" in ledger_cli("bulletin", "--region", "621199999", "--period", "2026-Q1", code=2).output
    assert "refused" in ledger_cli("bulletin", "--region", TOWN, "--period", "2099-Q1", code=2).output
    assert world.event_count() == before
    first = ledger_cli(*args)
    assert first.stdout.startswith("# 城关镇涉诉情况通报（2026年第一季度）")
    assert "| 新发纠纷 | 2 |" in first.stdout and "compiled version 1" in first.output
    assert "unchanged: version 1" in ledger_cli(*args).output
    world.do(case.id, "correct_details", "admin", field="region_code", value=OTHER_TOWN_VILLAGE, reason="村别有误")
    second = ledger_cli(*args, "--issue-to", "城关镇党委")
    assert "recompiled: version 2" in second.output and "| 新发纠纷 | 1 |" in second.stdout
    assert "disputes_reported：2 → 1" in second.stdout and "印发至：城关镇党委" in second.stdout
    assert "| 新发纠纷 | 2 |" in ledger_cli(*args, "--version", "1").stdout
    xlsx = tmp_path / "通报.xlsx"
    ledger_cli(*args, "--version", "1", "--format", "xlsx", "--output", str(xlsx))
    cells = {r[2]: r[3] for r in load_workbook(xlsx)["指标"].iter_rows(min_row=2, values_only=True) if r[2]}
    assert cells["disputes_reported"] == 2
    if shutil.which("pdftotext"):
        pdf = tmp_path / "通报.pdf"
        ledger_cli(*args, "--format", "pdf", "--output", str(pdf))
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
        assert "城关镇涉诉情况通报" in text
        review = tmp_path / "review.pdf"
        ledger_cli("review", str(case.id), "--format", "pdf", "--output", str(review))
        text = subprocess.run(["pdftotext", str(review), "-"], capture_output=True, check=True).stdout.decode()
        assert "责任倒查报告" in text and str(case.id) in text
