"""Importing a county's Excel 台账 as case histories (issue 16) on both stores: a real-looking
workbook, a dry run that writes nothing, a refused file naming each bad row, --skip-bad with its
rejects file, a second run that writes nothing, the indicators of the imported cases computed by
hand, and the round trip of a small demo county through the 台账 export."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from application.config import StoreSettings, county_tz
from application.demo import generate
from application.ledger import Ledger
from application.ledger_export import case_records
from application.ledger_import import import_ledger_file
from application.ledger_mapping import Mapping, default_mapping
from application.reference_files import load_demo_reference
from cli.main import main
from domain.codes import Source
from projections.indicators import indicator_table
from projections.runner import ViewRunner
from tests.ledger_files import BAD_ID, GOOD_ROWS, HEADER, ROWS, gbk_csv, workbook
from tests.support import COUNTY, TOWN, Clock, World, use_store
from web.exports.files import cases_file


def _import(world: World, data: bytes, name: str = "台账.xlsx", **options: Any) -> Any:
    return import_ledger_file(world.ledger, world.actors["admin"], data, name, **options)


def _bad_rows() -> list[list[Any]]:
    rows = [list(r) for r in ROWS]
    rows[0][5] = BAD_ID  # row 4: the id number's check digit
    rows[1][1] = "2025年13月40日"  # row 5: not a date
    rows[3][2] = "宠物扰民"  # row 7: a category no mapping knows
    return rows


def test_every_header_of_the_default_mapping_reads_as_its_field() -> None:
    mapping = default_mapping()
    for field, headers in mapping.columns.items():
        for header in headers:
            assert mapping.field_of(header) == field, header
            assert mapping.field_of(f" {header}\n") == field  # as a cell wraps it
    assert mapping.field_of("登记日期（年月日）") == "reported_on"  # a note in brackets is ignored
    assert mapping.field_of("备注") is None


def test_a_mapping_file_adds_headers_and_values_and_unknown_fields_are_refused() -> None:
    mine = default_mapping().merged(Mapping.parse('[columns]\ncategory = ["矛盾类别"]\n[values.category]\n"宠物扰民" = "neighbour"\n', "mine"))
    assert mine.field_of("矛盾类别") == "category" and mine.field_of("纠纷类型") == "category"
    with pytest.raises(Exception, match="unknown field"):
        default_mapping().merged(Mapping.parse('[columns]\nweather = ["天气"]\n', "mine"))


def test_a_real_looking_workbook_checks_then_imports_once(world: World, monkeypatch: Any) -> None:
    # Longer than the rows kept from the checking pass: the cases are built on a second read.
    monkeypatch.setattr("application.ledger_import.KEEP_ROWS", 2)
    data = workbook()
    before = world.event_count()
    dry = _import(world, data)
    assert (dry.header_row, dry.rows, dry.ok, dry.problems, dry.written) == (3, GOOD_ROWS, GOOD_ROWS, [], 0)
    assert world.event_count() == before  # a dry run writes nothing

    done = _import(world, data, dry_run=False)
    assert (done.written, done.problems, done.refused) == (GOOD_ROWS, [], False)
    assert world.event_count() == before + done.events

    again = _import(world, data, dry_run=False)
    assert (again.written, again.already_imported, again.ok) == (0, GOOD_ROWS, 0)
    assert world.event_count() == before + done.events

    records = case_records(world.ledger, TOWN)
    assert len(records) == GOOD_ROWS
    first = records[0]
    assert first["reported_at"].astimezone(county_tz()).date().isoformat() == "2025-02-12"  # the Excel serial
    history = world.ledger.history(first["id"])
    assert {e.note for e in history} == {f"历史台账导入：台账.xlsx 第5行，文件 SHA-256 {done.file_sha256}"}
    assert {e.actor_id for e in history} == {"admin"}
    assert all(e.timestamp == world.clock.now for e in history)  # recorded now, occurred then
    assert world.ledger.get_case(first["id"]).source == Source.MIGRATION.value == "migration"
    assert Source.MIGRATION.label == "历史台账导入"


def test_an_imported_open_case_is_not_overdue_the_day_it_arrives(memory_world: World) -> None:
    _import(memory_world, workbook(), dry_run=False)
    (open_case,) = [r for r in case_records(memory_world.ledger, TOWN) if r["outcome"] == "调解中"]
    case = memory_world.ledger.get_case(open_case["id"])
    pending = [d for d in case.deadlines if d.is_open]
    assert [d.kind for d in pending] == ["mediation"]
    # Counted from the import, not from April 2025: the old ledger's steps were not timed.
    assert pending[0].due_at > memory_world.clock.now and not pending[0].overdue_at(memory_world.clock.now)


def test_the_second_sheet_and_a_gbk_csv(memory_world: World) -> None:
    report = _import(memory_world, workbook(), sheet="2024年")
    assert (report.header_row, report.ok) == (1, 1)
    with pytest.raises(Exception, match="no sheet"):
        _import(memory_world, workbook(), sheet="2023年")
    rows = [r for r in ROWS if r[0] is not None and not isinstance(r[1], int | float) and r[1] is not None]
    rows = [[*r[:1], r[1] if isinstance(r[1], str) else "2025-04-01", *r[2:]] for r in rows]
    report = _import(memory_world, gbk_csv(rows), "台账.csv", dry_run=False)
    assert (report.ok, report.written, report.problems) == (3, 3, [])


def test_bad_rows_refuse_the_file_and_each_is_named(world: World) -> None:
    before = world.event_count()
    report = _import(world, workbook(_bad_rows()), dry_run=False)
    assert report.refused and report.written == 0
    assert world.event_count() == before
    named = {(p.row, p.column, p.rule) for p in report.problems}
    assert named == {(4, "身份证号", "id_number"), (5, "排查日期", "date_format"), (7, "纠纷类型", "unmapped")}
    assert report.as_dict()["unmapped"] == [{"column": "纠纷类型", "value": "宠物扰民", "rows": 1}]
    assert "check digit" in next(p.message for p in report.problems if p.rule == "id_number")


def test_skip_bad_imports_the_rest_and_writes_the_rejects(world: World, store: StoreSettings, monkeypatch: Any, tmp_path: Path) -> None:
    use_store(monkeypatch, store)
    source, rejects = tmp_path / "台账.xlsx", tmp_path / "rejects.csv"
    source.write_bytes(workbook(_bad_rows()))
    refused = CliRunner().invoke(main, ["import", "ledger", str(source)])
    assert refused.exit_code == 2, refused.output
    dry = CliRunner().invoke(main, ["import", "ledger", str(source), "--dry-run"])
    assert dry.exit_code == 0 and "row 4" in dry.output and "宠物扰民" in dry.output, dry.output
    done = CliRunner().invoke(main, ["import", "ledger", str(source), "--skip-bad", str(rejects)])
    assert done.exit_code == 0, done.output
    assert len(case_records(world.ledger, COUNTY)) == 1  # row 8 alone was good
    with open(rejects, encoding="utf-8-sig") as f:
        lines = list(csv.reader(f))
    assert lines[0][0] == "行号 row" and lines[0][1:-1] == HEADER
    assert [line[0] for line in lines[1:]] == ["4", "5", "7"]
    assert "id_number" in lines[1][-1]
    again = CliRunner().invoke(main, ["import", "ledger", str(source), "--skip-bad", str(rejects)])
    assert again.exit_code == 0 and "1 imported before" in again.output, again.output


def test_a_case_already_in_the_ledger_is_reported_as_a_duplicate(memory_world: World) -> None:
    from datetime import datetime

    from tests.support import report_body

    occurred = datetime(2025, 3, 7, 10, 0, tzinfo=county_tz())
    memory_world.ledger.report(memory_world.actors["admin"], occurred_at=occurred, **report_body())
    report = _import(memory_world, workbook(second=False))
    assert [(d["row"], d["rule"]) for d in report.duplicates] == [(4, "same_parties_and_date")]
    assert report.ok == GOOD_ROWS - 1


def _table(ledger: Ledger, period: str, clock: Clock) -> list[dict[str, Any]]:
    runner = ViewRunner(ledger)
    try:
        runner.catch_up()
        with runner.views.cursor() as cur:
            return list(indicator_table(cur, region=COUNTY, period=period, level="town", now=clock.now, tz=county_tz())["rows"])
    finally:
        runner.close()


def test_the_imported_cases_indicators_are_those_counted_by_hand(world: World) -> None:
    _import(world, workbook(second=False), dry_run=False)
    (town,) = [r for r in _table(world.ledger, "2025", world.clock) if r["region_code"] == TOWN]
    # Four reported and handed to mediation; two agreements (one confirmed), one failure closed.
    assert (town["disputes_reported"], town["disputes_assigned"], town["resolved_pre_litigation"]) == (4, 4, 2)
    assert town["resolution_rate"] == 0.5
    assert town["mediation_success_rate"] == pytest.approx(2 / 3)
    assert (town["confirmations_granted"], town["confirmation_rate"]) == (1, 0.5)
    # Both agreements followed up, one 满意 and one 基本满意.
    assert (town["follow_up_rate"], town["satisfaction_rate"], town["relapse_rate"]) == (1.0, 0.5, 0.0)


#: Indicators the 台账 does not carry, or that the import decides otherwise on purpose: online
#: sessions and applications (no column), the court-diversion rate (imported cases' source is
#: migration), overdue work (imported deadlines count from the import), and the court feed's own
#: figures (not part of the ledger's cases). The means are compared to the second.
NOT_CARRIED = ("online_", "court_referral_success_rate", "overdue_", "court_cases", "litigation_", "no_litigation_villages")


def test_round_trip_of_a_small_demo_county(world: World, tmp_path: Path) -> None:
    generate(world.ledger, disputes=60, seed=3, court_scale=0, end=world.clock.now)
    data = cases_file(case_records(world.ledger, COUNTY), "xlsx")
    empty = Ledger(settings=StoreSettings(sqlite_path=str(tmp_path / "empty.sqlite3"), url=None, schema="public"), clock=world.clock)
    try:
        load_demo_reference(empty)
        report = import_ledger_file(empty, empty.system_actor(), data, "export.xlsx", dry_run=False)
        assert (report.problems, report.written) == ([], 60)
        compared = 0
        for period in ("2024", "2025", "2026", "2024-Q3", "2025-Q1", "2025-Q4", "2025-06", "2026-02"):
            for before, after in zip(_table(world.ledger, period, world.clock), _table(empty, period, world.clock), strict=True):
                for name, value in before.items():
                    if name.startswith(NOT_CARRIED):
                        continue
                    if name.startswith("mean_days") and value is not None:
                        assert after[name] == pytest.approx(value, abs=2 / 86400), (period, before["region_code"], name)
                    else:
                        assert after[name] == value, (period, before["region_code"], name)
                    compared += 1
        assert compared > 1000
    finally:
        empty.close()


def test_the_sample_ledger_shipped_in_the_package_imports_clean(memory_world: World) -> None:
    from importlib import resources

    data = (resources.files("application") / "demo_data" / "sample_ledger.csv").read_bytes()
    report = _import(memory_world, data, "sample_ledger.csv", dry_run=False)
    assert (report.header_row, report.rows, report.written, report.problems) == (3, 6, 6, [])
    assert report.as_dict()["unmapped"] == []
