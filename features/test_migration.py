"""Historic ledger scenarios: a town's Excel 台账 imported as case histories (issue 16)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import Workbook
from pytest_bdd import parsers, scenarios, step, then

from application.ledger_export import case_records
from application.ledger_import import LedgerImportReport, import_ledger_file
from domain.codes import Source
from tests.support import TOWN, World

scenarios("migration")


@pytest.fixture
def ledger_table() -> list[list[str]]:
    return []


@pytest.fixture
def import_reports() -> list[LedgerImportReport]:
    return []


@step("城关镇的历史台账（标题行和填报单位行在表头之上）有以下纠纷")
def town_ledger(ledger_table: list[list[str]], datatable: list[list[str]]) -> None:
    ledger_table[:] = [list(row) for row in datatable]


@step(parsers.parse('台账第 {serial:d} 条纠纷的纠纷类型写作"{text}"'))
def change_category(ledger_table: list[list[str]], serial: int, text: str) -> None:
    ledger_table[serial][ledger_table[0].index("纠纷类型")] = text


def _workbook(table: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["青山县城关镇矛盾纠纷排查化解台账"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(table[0]))
    sheet.append(["填报单位：城关镇综治中心"])
    for row in table:
        sheet.append([cell or None for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _run(world: World, table: list[list[str]], reports: list[LedgerImportReport], *, dry_run: bool) -> None:
    reports.append(import_ledger_file(world.ledger, world.actors["admin"], _workbook(table), "城关镇台账.xlsx", dry_run=dry_run))


@step("管理员试导入该台账")
def dry_run(ledger_world: World, ledger_table: list[list[str]], import_reports: list[LedgerImportReport]) -> None:
    _run(ledger_world, ledger_table, import_reports, dry_run=True)


@step("管理员导入该台账")
def real_run(ledger_world: World, ledger_table: list[list[str]], import_reports: list[LedgerImportReport]) -> None:
    _run(ledger_world, ledger_table, import_reports, dry_run=False)


@then(parsers.parse("可导入 {ok:d} 行，有问题的 {bad:d} 行"))
def counts(import_reports: list[LedgerImportReport], ok: int, bad: int) -> None:
    assert (import_reports[-1].ok, len(import_reports[-1].bad_rows), import_reports[-1].written) == (ok, bad, 0)


@then(parsers.parse('写入 {written:d} 件案件，来源均为"{label}"'))
def written_cases(ledger_world: World, import_reports: list[LedgerImportReport], written: int, label: str) -> None:
    assert import_reports[-1].written == written
    records = case_records(ledger_world.ledger, TOWN)
    assert len(records) == written
    assert {Source(ledger_world.ledger.get_case(r["id"]).source).label for r in records} == {label}


@then(parsers.parse("写入 {written:d} 件案件，此前已导入 {before:d} 行"))
def nothing_again(import_reports: list[LedgerImportReport], written: int, before: int) -> None:
    assert (import_reports[-1].written, import_reports[-1].already_imported) == (written, before)


@then(parsers.parse('导入被拒绝，第{row:d}行"{column}"列违反"{rule}"规则'))
def refused(import_reports: list[LedgerImportReport], row: int, column: str, rule: str) -> None:
    report: Any = import_reports[-1]
    assert report.refused and report.written == 0
    assert [(p.row, p.column, p.rule) for p in report.problems] == [(row, column, rule)]
