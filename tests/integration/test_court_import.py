"""Importing the court's own case records (DESIGN.md §9) on both stores: files as courts save
them, refusals that write nothing, re-imports that write nothing, corrections, rejects, XLSX,
the hash chain over court cases, and views that a rebuild reproduces row for row."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from application.court_feed import CourtRecord, import_court_records
from application.court_files import import_court_file, read_court_file
from application.integrity import seal, verify
from cli.main import main
from domain.court_case import CourtCase
from projections.runner import ViewRunner
from tests.integration.test_projection_rebuild import dump_differences, dump_views
from tests.integration.test_tampering import Table, _named
from tests.support import COURT, World, use_store

CHINESE = "案号,法院代码,案由,立案日期,原告住所地,被告住所地,原告为金融机构,结案日期,结案方式,诉前调解案号"
ENGLISH = (
    "case_number,court_code,cause,filed_on,plaintiff_region,defendant_region,plaintiff_is_financial,"
    "concluded_on,outcome,pre_litigation_number"
)
CAUSES = ("民间借贷纠纷", "离婚纠纷", "信用卡纠纷", "买卖合同纠纷", "土地承包经营权纠纷")
VILLAGES = ("621199001001", "621199001002", "621199002001", "621199002", "")


def lines(count: int, *, start: int = 1) -> list[str]:
    """Good rows of the demo county (filed in January and February 2026; the clock is 2 March)."""
    out = []
    for i in range(start, start + count):
        day = date(2026, 1 + i % 2, 1 + i % 28)
        out.append(
            f"（2026）甘1199民初{i}号,{COURT},{CAUSES[i % 5]},{day:%Y/%-m/%-d},{VILLAGES[(i + 1) % 5]},"
            f"{VILLAGES[i % 5]},{'是' if i % 7 == 0 else '否'},,,"
        )
    return out


def gbk_file(rows: list[str], header: str = CHINESE) -> bytes:
    return "\r\n".join([header, *rows]).encode("gbk")


def position(world: World) -> int:
    return world.event_count()


def court_rows(world: World) -> dict[str, dict[str, Any]]:
    runner = ViewRunner(world.ledger)
    try:
        runner.catch_up()
        with runner.views.cursor() as cur:
            return {r["case_number"]: r for r in cur.all("SELECT * FROM v_court_cases")}
    finally:
        runner.close()


def test_a_gbk_file_with_chinese_headers_imports_and_projects(world: World) -> None:
    court_file = read_court_file(gbk_file(lines(20)), "收案.csv")
    report = import_court_file(world.ledger, world.actors["admin"], court_file)
    assert (report.filed, report.corrected, report.concluded, report.unchanged, report.problems) == (
        20,
        0,
        0,
        0,
        [],
    )
    rows = court_rows(world)
    assert len(rows) == 20
    row = rows["(2026)甘1199民初1号"]
    assert row["kind"] == "民初" and row["category"] == "family" and row["cause"] == "离婚纠纷"
    assert (row["filed_on"], row["filed_month"]) == ("2026-02-02", "2026-02")
    assert (row["defendant_region"], row["defendant_county"], row["defendant_town"], row["defendant_village"]) == (
        "621199001002", "621199", "621199001", "621199001002",
    )  # fmt: skip
    assert (row["plaintiff_county"], row["plaintiff_town"], row["plaintiff_village"]) == (
        "621199",
        "621199002",
        "621199002001",
    )
    town = rows["(2026)甘1199民初3号"]
    assert (town["defendant_town"], town["defendant_village"]) == ("621199002", None)
    unknown = rows["(2026)甘1199民初4号"]
    assert (unknown["defendant_region"], unknown["defendant_county"]) == (None, None)
    assert rows["(2026)甘1199民初7号"]["plaintiff_is_financial"] == 1
    first: Any = next(iter(world.ledger.events.get(CourtCase.create_id("(2026)甘1199民初1号"))))
    assert (first.actor_id, first.row, first.file_sha256) == ("admin", 2, court_file.sha256)


def test_a_file_with_three_bad_rows_imports_nothing_and_names_the_three(world: World) -> None:
    rows = lines(8)
    rows[1] = rows[1].replace("（2026）", "（2024）")  # row 3: the number's year is not the filing year
    rows[3] = rows[3].replace(COURT, "ORG-NOBODY")  # row 5: no such court
    rows[5] = rows[5].replace("2026/1/7", "2026/1/32")  # row 7: no such date
    before = position(world)
    report = import_court_file(world.ledger, world.actors["admin"], read_court_file(gbk_file(rows)))
    assert report.refused and report.filed == 0
    assert [(p.row, p.column, p.rule) for p in report.problems] == [
        (3, "case_number", "case_number_year"),
        (5, "court_code", "unknown_court"),
        (7, "filed_on", "date_format"),
    ]
    assert report.rejected_rows == [3, 5, 7]
    assert position(world) == before


def test_re_import_writes_nothing_and_a_changed_filing_date_is_one_correction(world: World) -> None:
    admin = world.actors["admin"]
    data = gbk_file(lines(10))
    import_court_file(world.ledger, admin, read_court_file(data))
    after_first = position(world)
    again = import_court_file(world.ledger, admin, read_court_file(data))
    assert (again.filed, again.corrected, again.concluded, again.unchanged) == (0, 0, 0, 10)
    assert position(world) == after_first

    rows = lines(10)
    rows[2] = rows[2].replace("2026/2/4", "2026/2/5")
    changed = import_court_file(world.ledger, admin, read_court_file(gbk_file(rows)))
    assert (changed.filed, changed.corrected, changed.concluded, changed.unchanged) == (0, 1, 0, 9)
    assert position(world) == after_first + 1
    events: list[Any] = list(world.ledger.events.get(CourtCase.create_id("(2026)甘1199民初3号")))
    assert [type(e).__name__ for e in events] == ["Filed", "Corrected"]
    assert events[1].changes == {"filed_on": "2026-02-05"}
    assert court_rows(world)["(2026)甘1199民初3号"]["filed_on"] == "2026-02-05"

    rows[4] = rows[4].replace(",,,", ",2026-02-20,判决,")
    concluded = import_court_file(world.ledger, admin, read_court_file(gbk_file(rows)))
    assert (concluded.corrected, concluded.concluded, concluded.unchanged) == (0, 1, 9)
    row = court_rows(world)["(2026)甘1199民初5号"]
    assert (row["concluded_on"], row["outcome"]) == ("2026-02-20", "判决")


def test_a_dry_run_counts_and_writes_nothing(world: World) -> None:
    before = position(world)
    report = import_court_file(
        world.ledger, world.actors["admin"], read_court_file(gbk_file(lines(5))), dry_run=True
    )
    assert (report.filed, report.dry_run) == (5, True)
    assert position(world) == before


def test_only_an_admin_or_a_judge_imports(world: World) -> None:
    from domain.errors import AccessDenied

    record = CourtRecord("(2026)甘1199民初1号", COURT, "离婚纠纷", date(2026, 2, 1), None, None)
    with pytest.raises(AccessDenied):
        import_court_records(world.ledger, world.actors["recorder"], [record])
    assert import_court_records(world.ledger, world.actors["judge"], [record]).filed == 1


def test_skip_bad_on_the_command_line_writes_the_good_rows_and_a_rejects_file(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_store(monkeypatch, world.ledger.settings)
    rows = lines(6)
    rows[0] = rows[0].replace("离婚纠纷", "")
    rows[4] = rows[4].replace("621199001001", "621199999999")
    source = tmp_path / "收案登记.csv"
    source.write_bytes(gbk_file(rows))
    before = position(world)

    refused = CliRunner().invoke(main, ["court", "import", str(source)])
    assert refused.exit_code == 2, refused.output
    assert "row 2 cause: required" in refused.output and "row 6" in refused.output
    assert position(world) == before and not (tmp_path / "收案登记.rejects.csv").exists()

    dry = CliRunner().invoke(main, ["court", "import", str(source), "--skip-bad", "--dry-run"])
    assert dry.exit_code == 0 and "4 filed" in dry.output and "dry run: nothing written" in dry.output
    assert position(world) == before and not (tmp_path / "收案登记.rejects.csv").exists()

    done = CliRunner().invoke(main, ["court", "import", str(source), "--skip-bad"])
    assert done.exit_code == 0, done.output
    assert "4 filed" in done.output and "2 rejected" in done.output
    rejects = (tmp_path / "收案登记.rejects.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rejects[0].startswith("行号 row,案号,法院代码")
    assert [r.split(",")[0] for r in rejects[1:]] == ["2", "6"]
    assert "unknown_region" in rejects[2] and rows[4].split(",")[0] in rejects[2]
    assert set(court_rows(world)) == {f"(2026)甘1199民初{i}号" for i in (2, 3, 4, 6)}

    again = CliRunner().invoke(
        main, ["court", "import", str(source), "--skip-bad", "--rejects", str(tmp_path / "r.csv")]
    )
    assert again.exit_code == 0 and "4 unchanged" in again.output
    assert (tmp_path / "r.csv").exists() and "r.csv" in again.output


def test_an_xlsx_export_with_date_cells_and_numeric_codes_imports(world: World) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        [
            "案号",
            "法院",
            "案由",
            "立案日期",
            "原告住所地",
            "被告住所地（区划代码）",
            "原告为金融机构",
            "结案日期",
            "结案方式",
        ]
    )
    sheet.append(
        [
            "(2026)甘1199民初1号",
            COURT,
            "金融借款合同纠纷",
            datetime(2026, 2, 1),
            621199001001,
            621199002001,
            "是",
            None,
            None,
        ]
    )
    sheet.append(
        [
            "(2026)甘1199民初2号",
            COURT,
            "物业服务合同纠纷",
            "2026-02-03",
            None,
            "621199001",
            0,
            datetime(2026, 2, 27),
            "调解",
        ]
    )
    sheet.append([None] * 9)
    buffer = io.BytesIO()
    book.save(buffer)
    report = import_court_file(
        world.ledger, world.actors["admin"], read_court_file(buffer.getvalue(), "export.xlsx")
    )
    assert (report.filed, report.problems) == (2, [])
    rows = court_rows(world)
    first, second = rows["(2026)甘1199民初1号"], rows["(2026)甘1199民初2号"]
    assert (first["category"], first["plaintiff_is_financial"], first["defendant_village"]) == (
        "financial",
        1,
        "621199002001",
    )
    assert (second["category"], second["concluded_on"], second["defendant_town"]) == (
        "property_management",
        "2026-02-27",
        "621199001",
    )


def test_court_cases_are_chained_sealed_and_an_edited_one_is_named(world: World) -> None:
    admin = world.actors["admin"]
    import_court_file(world.ledger, admin, read_court_file(gbk_file(lines(3))))
    report = verify(world.ledger, witness=None)
    assert report.intact, report.broken
    seal(world.ledger, admin, witness=None)
    stream = CourtCase.create_id("(2026)甘1199民初2号")
    Table(world).edit(stream, 1, rb'"filed_on":"2026-01-03"', b'"filed_on":"2026-01-04"')
    [named] = _named(verify(world.ledger, witness=None), "differs from the sealed head")
    assert (named["case_id"], named["stream"], named["sequence"]) == (str(stream), "court case", 1)


def test_court_views_link_ledger_cases_and_a_rebuild_equals_incremental_catch_up(world: World) -> None:
    """Ledger cases filed in court before and after the court's records arrive; records linked by
    their own number or by their 诉前调 number; corrections in between; tiny batches."""
    admin, judge = world.actors["admin"], world.actors["judge"]
    runner = ViewRunner(world.ledger, batch_size=3)
    other: ViewRunner | None = None
    try:
        early = world.report()
        world.do(
            early.id,
            "file_in_court",
            "judge",
            court_code=COURT,
            court_case_number="(2026)甘1199民初2号",
            reason="起诉",
        )
        diverted = world.report()
        world.do(
            diverted.id,
            "file_in_court",
            "judge",
            court_code=COURT,
            court_case_number="(2026)甘1199诉前调7号",
            reason="起诉",
        )
        runner.catch_up()
        rows = lines(6)
        rows[5] = rows[5][: -len(",,,")] + ",,,(2026)甘1199诉前调7号"
        import_court_file(world.ledger, admin, read_court_file(gbk_file(rows)))
        runner.catch_up(until=runner.position() + 2)
        late = world.report()
        world.do(
            late.id,
            "file_in_court",
            "judge",
            court_code=COURT,
            court_case_number="（2026）甘1199民初4号",
            reason="起诉",
        )
        rows[0] = rows[0].replace("离婚纠纷", "赡养纠纷")
        import_court_file(world.ledger, judge, read_court_file(gbk_file([*rows, *lines(3, start=7)])))
        runner.catch_up()
        incremental = dump_views(runner)
        with runner.views.cursor() as cur:
            linked = {r["case_number"]: r["dispute_id"] for r in cur.all("SELECT * FROM v_court_cases")}
            versions = cur.all(
                "SELECT case_number FROM v_court_case_versions WHERE case_number = %s",
                ("(2026)甘1199民初1号",),
            )
        assert linked["(2026)甘1199民初2号"] == str(early.id)  # the ledger filed first
        # The court's record came first; the ledger wrote the number with full-width brackets.
        assert linked["(2026)甘1199民初4号"] == str(late.id)
        assert linked["(2026)甘1199民初6号"] == str(diverted.id)  # by its 诉前调 number
        assert linked["(2026)甘1199民初1号"] is None
        assert len(versions) == 2

        runner.rebuild()
        rebuilt = dump_views(runner)
        other = ViewRunner(world.ledger)
        other.rebuild()
        rebuilt_in_large_batches = dump_views(other)
    finally:
        runner.close()
        if other is not None:
            other.close()
    problems = dump_differences(incremental, rebuilt) + dump_differences(
        incremental, rebuilt_in_large_batches
    )
    assert not problems, "\n".join(problems)
    assert json.dumps(incremental["v_court_cases"][1], default=str)


def test_an_import_racing_another_is_refused_and_running_it_again_completes_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import application.court_feed as feed
    from application.court_feed import ImportRace

    admin = world.actors["admin"]
    import_court_file(world.ledger, admin, read_court_file(gbk_file(lines(3))))
    # As if another import had saved these cases after this one looked for them.
    monkeypatch.setattr(feed, "existing_cases", lambda ledger, ids: {})
    with pytest.raises(ImportRace):
        import_court_file(world.ledger, admin, read_court_file(gbk_file(lines(4))))
    monkeypatch.undo()
    again = import_court_file(world.ledger, admin, read_court_file(gbk_file(lines(4))))
    assert (again.filed, again.unchanged) == (1, 3)
