"""Court feed scenarios: importing the court's own filings (DESIGN.md §9)."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_bdd import parsers, scenarios, step, then

from application.court_feed import CourtImportReport
from application.court_files import import_court_file, read_court_file
from domain.codes import Category
from domain.court_case import CourtCase
from tests.support import World

scenarios("court")


@pytest.fixture
def court_table() -> list[list[str]]:
    return []


@pytest.fixture
def import_report() -> dict[str, CourtImportReport]:
    return {}


@step("法院导出的收案表（GBK编码，中文表头）有以下案件")
def court_export(court_table: list[list[str]], datatable: list[list[str]]) -> None:
    court_table[:] = [list(row) for row in datatable]


@step(parsers.parse('收案表中"{number}"的立案日期改为"{day}"'))
def change_filing_date(court_table: list[list[str]], number: str, day: str) -> None:
    column = court_table[0].index("立案日期")
    [row] = [r for r in court_table if r[0] == number]
    row[column] = day


@step("管理员导入该收案表")
def import_table(ledger_world: World, court_table: list[list[str]], import_report: dict[str, Any]) -> None:
    data = "\r\n".join(",".join(row) for row in court_table).encode("gbk")
    import_report["last"] = import_court_file(
        ledger_world.ledger, ledger_world.actors["admin"], read_court_file(data)
    )


@then(parsers.parse("新收 {filed:d} 件，更正 {corrected:d} 件，结案 {concluded:d} 件，未变 {unchanged:d} 件"))
def counts(
    import_report: dict[str, CourtImportReport], filed: int, corrected: int, concluded: int, unchanged: int
) -> None:
    report = import_report["last"]
    assert not report.refused, report.problems
    assert (report.filed, report.corrected, report.concluded, report.unchanged) == (
        filed,
        corrected,
        concluded,
        unchanged,
    )


@then(parsers.parse('案件"{number}"的纠纷类型为"{label}"'))
def category_of(ledger_world: World, number: str, label: str) -> None:
    case: Any = ledger_world.ledger.repository.get(CourtCase.create_id(number))
    assert Category(case.category).label == label


@then(parsers.parse('导入被拒绝，第{row:d}行"{column}"列违反"{rule}"规则'))
def refused(import_report: dict[str, CourtImportReport], row: int, column: str, rule: str) -> None:
    report = import_report["last"]
    assert report.refused and report.filed == 0
    assert [(p.row, p.column, p.rule) for p in report.problems] == [(row, column, rule)]
