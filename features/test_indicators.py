"""Indicator scenarios: a quarterly 万人成讼率 table from the court's own filings, and a
family-cases table grouped by category. Cases go through the Application, court records through
the court file import, and the figures are read as a supervisor reads them: GET /indicators."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from application.config import StoreSettings
from application.court_feed import CourtImportReport
from application.court_files import import_court_file, read_court_file
from domain.codes import Category
from features.conftest import by_label, village_code
from tests.support import COUNTY, World, make_world
from tests.web.helpers import Http
from web import close_app, create_app

scenarios("indicators")

TZ = ZoneInfo("Asia/Shanghai")
COURT = "ORGC-COURT"
VILLAGE_COMMITTEE = "ORG621199001001"
TOWN_COMMITTEE = "ORGT621199001"
KIND_OF_CASE = {"民初": "民初", "民特": "民特", "执": "执", "行初": "行初"}


@pytest.fixture
def store_world(tmp_path: Path) -> Iterator[World]:
    """A ledger on a SQLite file (the indicators read the views), demo county, standard actors."""
    w = make_world(StoreSettings(sqlite_path=str(tmp_path / "ledger.sqlite3"), url=None, schema="public"))
    yield w
    w.ledger.close()


@pytest.fixture
def http(store_world: World) -> Iterator[Http]:
    app = create_app(
        {"TESTING": True, "STORE_SETTINGS": store_world.ledger.settings, "CLOCK": store_world.clock, "INLINE_PROJECTION": True}
    )
    yield Http(app.test_client(), store_world)
    close_app(app)


@pytest.fixture
def court_file() -> dict[str, Any]:
    return {}


@pytest.fixture
def report() -> dict[str, CourtImportReport]:
    return {}


@pytest.fixture
def table() -> dict[str, Any]:
    return {}


def _local(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=TZ).astimezone(UTC)


def _town_code(world: World, name: str) -> str:
    found = [r.code for r in world.ledger.regions().regions.values() if r.name == name and r.level == "town"]
    assert len(found) == 1, f"expected one town named {name!r}, found {found}"
    return found[0]


def _rows(datatable: list[list[str]]) -> list[dict[str, str]]:
    header, *rows = datatable
    return [dict(zip([h.strip() for h in header], [c.strip() for c in row], strict=True)) for row in rows]


# ---------------------------------------------------------------------------- the clock


@given(parsers.parse('今天是"{day}"'))
def today_is(store_world: World, day: str) -> None:
    store_world.clock.now = _local(day, 9)


# ---------------------------------------------------------------------------- court records


def _court_csv(world: World, records: list[dict[str, str]]) -> bytes:
    """The court's export as Excel saves it in China: GBK, Chinese headers."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["案号", "法院代码", "案由", "立案日期", "原告住所地", "被告住所地", "原告为金融机构"])
    serials: dict[tuple[int, str], int] = {}
    for r in records:
        filed = date.fromisoformat(r["立案日期"])
        for _ in range(int(r["件数"])):
            key = (filed.year, r["案件类型"])
            serials[key] = serials.get(key, 0) + 1
            number = f"({filed.year})甘1199{r['案件类型']}{serials[key]}号"
            defendant = village_code(world, r["被告住所地"])
            writer.writerow([number, COURT, r["案由"], filed.isoformat(), "", defendant, "否"])
    return out.getvalue().encode("gbk")


@given(parsers.parse("法院导出了以下立案记录，保存为 Excel 默认的 GBK 编码表格"))
def court_export(store_world: World, court_file: dict[str, Any], datatable: list[list[str]]) -> None:
    court_file["data"] = _court_csv(store_world, _rows(datatable))


@given(parsers.parse('法院今年上半年新收被告住在"{village}"的"{cause1}"{n1:d} 件、"{cause2}"{n2:d} 件'))
def court_filings_this_half(store_world: World, village: str, cause1: str, n1: int, cause2: str, n2: int) -> None:
    rows = [
        {"案由": cause1, "立案日期": "2026-01-15", "被告住所地": village, "案件类型": "民初", "件数": str(n1)},
        {"案由": cause2, "立案日期": "2026-06-20", "被告住所地": village, "案件类型": "民初", "件数": str(n2)},
    ]
    data = _court_csv(store_world, rows)
    result = import_court_file(store_world.ledger, store_world.actors["judge"], read_court_file(data, "court.csv"))
    assert not result.problems and result.filed == n1 + n2, result.as_dict()


@when("法院将这张表格导入台账")
@when("法院再次导入同一张表格")
def import_court_export(store_world: World, court_file: dict[str, Any], report: dict[str, CourtImportReport]) -> None:
    court = read_court_file(court_file["data"], "一审新收案件.csv")
    report["last"] = import_court_file(store_world.ledger, store_world.actors["judge"], court)


@then(parsers.parse("导入报告显示新收 {n:d} 件记录，没有错误行"))
def imported(report: dict[str, CourtImportReport], n: int) -> None:
    result = report["last"]
    assert result.problems == [] and not result.refused, result.as_dict()
    assert result.filed == n, result.as_dict()


@then("导入报告显示没有写入任何记录")
def nothing_imported(store_world: World, report: dict[str, CourtImportReport]) -> None:
    result = report["last"]
    assert (result.filed, result.corrected, result.concluded) == (0, 0, 0), result.as_dict()
    assert result.unchanged == result.records


# ---------------------------------------------------------------------------- ledger cases


def _mediate(world: World, case_id: Any, organisation: str, when_: datetime, *, agree: bool) -> datetime:
    world.do(case_id, "assign", "admin", route="peoples_mediation", organisation_code=organisation, occurred_at=when_)
    when_ += timedelta(hours=2)
    world.do(case_id, "accept", "admin", occurred_at=when_)
    when_ += timedelta(days=1)
    if agree:
        world.do(case_id, "record_agreement", "admin", terms="双方达成和解，按约履行", occurred_at=when_)
    else:
        world.do(case_id, "record_failure", "admin", reason="双方分歧较大，调解不成", occurred_at=when_)
    return when_ + timedelta(hours=1)


@given(parsers.parse('城关镇"{village}"今年登记并办理了以下纠纷'))
def cases_this_year(store_world: World, village: str, datatable: list[list[str]]) -> None:
    w = store_world
    code = village_code(w, village)
    when_ = _local("2026-02-02")
    filed = 0
    for row in _rows(datatable):
        category = by_label(Category, row["纠纷类型"]).value
        for _ in range(int(row["件数"])):
            case = w.report(actor="admin", category=category, region_code=code, occurred_at=when_)
            path = row["办理经过"]
            if path == "调解成功":
                when_ = _mediate(w, case.id, VILLAGE_COMMITTEE, when_ + timedelta(hours=1), agree=True)
            elif path == "村里调解不成，镇里调成":
                when_ = _mediate(w, case.id, VILLAGE_COMMITTEE, when_ + timedelta(hours=1), agree=False)
                when_ = _mediate(w, case.id, TOWN_COMMITTEE, when_, agree=True)
            elif path == "调解不成后起诉":
                when_ = _mediate(w, case.id, VILLAGE_COMMITTEE, when_ + timedelta(hours=1), agree=False)
                filed += 1
                w.do(case.id, "file_in_court", "admin", court_code=COURT, reason="调解不成，当事人起诉",
                     court_case_number=f"(2026)甘1199民初{900 + filed}号", occurred_at=when_)
            else:
                raise AssertionError(f"unknown path {path!r}")
            when_ += timedelta(days=2)
    assert when_ < _local("2026-07-01"), "the scenario's cases must fall in the first half"


# ---------------------------------------------------------------------------- the tables


def _indicators(http: Http, **query: str) -> dict[str, Any]:
    response = http.get("/indicators", "supervisor", query)
    assert response.status_code == 200, response.json
    return response.json  # type: ignore[no-any-return]


@when(parsers.parse('督办人员查看全县各乡镇"{period}"的指标表'))
def county_table(http: Http, table: dict[str, Any], period: str) -> None:
    table["answer"] = _indicators(http, region=COUNTY, period=period, level="town")


@when(parsers.parse('督办人员按纠纷类型分组查看"{town}""{period}"的指标表'))
def category_table(store_world: World, http: Http, table: dict[str, Any], town: str, period: str) -> None:
    table["answer"] = _indicators(http, region=_town_code(store_world, town), period=period, level="town", group="category")


@when(parsers.parse('督办人员只看"{label}"类，按乡镇查看全县"{period}"的指标表'))
def filtered_table(http: Http, table: dict[str, Any], label: str, period: str) -> None:
    category = by_label(Category, label).value
    table["answer"] = _indicators(http, region=COUNTY, period=period, level="town", category=category)


def _row(store_world: World, table: dict[str, Any], name: str) -> dict[str, Any]:
    rows = table["answer"]["rows"]
    by_region = [r for r in rows if r.get("region_name") == name]
    if by_region:
        return by_region[0]
    category = by_label(Category, name).value
    found = [r for r in rows if r.get("category") == category]
    assert found, f"no row {name!r} in {[r.get('region_name') or r.get('category') for r in rows]}"
    return found[0]


@then(parsers.parse("指标表注明统计期已结束，共 {days:d} 天"))
def complete_period(table: dict[str, Any], days: int) -> None:
    answer = table["answer"]
    assert answer["complete"] is True and answer["days"] == days, {k: answer[k] for k in ("complete", "through", "days")}


@then(parsers.parse('"{town}"一审民事行政新收 {now:d} 件，去年同期 {before:d} 件，同比 {change}%'))
def court_cases_row(store_world: World, table: dict[str, Any], town: str, now: int, before: int, change: str) -> None:
    row = _row(store_world, table, town)
    assert (row["court_cases"], row["court_cases_last_year"]) == (now, before), row
    assert f"{row['court_cases_yoy'] * 100:+.2f}" == change, row["court_cases_yoy"]


@then("每个乡镇的万人成讼率等于一审民事行政新收 ÷ 该乡镇人口 × 10000，来源为法院一审新收")
def rates_from_court_cases(table: dict[str, Any]) -> None:
    for row in table["answer"]["rows"]:
        assert row["litigation_source"] == "court_feed", row
        assert row["population"], row
        assert row["litigation_per_10k"] == pytest.approx(row["court_cases"] / row["population"] * 10000), row


@then(parsers.parse('"{town}"纠纷成讼 {n:d} 件'))
def ledger_filings(store_world: World, table: dict[str, Any], town: str, n: int) -> None:
    row = _row(store_world, table, town)
    assert row["ledger_court_filings"] == n and "court_filings" not in row, row


@then(parsers.parse('"{name}"一行：新发纠纷 {reported:d} 件，诉前化解 {resolved:d} 件，调解成功率 {rate}%，一审新收 {court:d} 件'))
def category_row(store_world: World, table: dict[str, Any], name: str, reported: int, resolved: int, rate: str, court: int) -> None:
    row = _row(store_world, table, name)
    assert (row["disputes_reported"], row["resolved_pre_litigation"], row["court_cases"]) == (reported, resolved, court), {k: v for k, v in row.items() if "court" in k or "litigation" in k}
    assert f"{row['mediation_success_rate'] * 100:.2f}" == rate, row["mediation_success_rate"]


@then(parsers.parse('"{name}"一行：新发纠纷 {reported:d} 件，诉前化解 {resolved:d} 件，一审新收 {court:d} 件'))
def filtered_row(store_world: World, table: dict[str, Any], name: str, reported: int, resolved: int, court: int) -> None:
    row = _row(store_world, table, name)
    assert (row["disputes_reported"], row["resolved_pre_litigation"], row["court_cases"]) == (reported, resolved, court), {k: v for k, v in row.items() if "court" in k or "litigation" in k}
    others = [r for r in table["answer"]["rows"] if r is not row]
    assert all(r["disputes_reported"] == 0 for r in others), "cases of other towns or categories leaked in"
