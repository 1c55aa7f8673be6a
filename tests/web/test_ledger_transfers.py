"""POST /imports (a county's Excel 台账) and GET /exports/cases|indicators (files) through the API."""

from __future__ import annotations

import base64
import csv
import io
from typing import Any
from urllib.parse import quote

from openpyxl import load_workbook

from tests.ledger_files import GOOD_ID, GOOD_ROWS, workbook
from tests.support import COUNTY, TOWN, World
from tests.web.helpers import Http, assert_error

XLSX = base64.b64encode(workbook(second=False)).decode()


def _csv(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_a_dry_run_is_the_default_and_only_an_admin_imports(http: Http, world: World) -> None:
    before = world.event_count()
    dry = http.post("/imports", "admin", {"xlsx_base64": XLSX, "name": "城关镇台账.xlsx"})
    assert dry.status_code == 200, dry.json
    assert (dry.json["dry_run"], dry.json["ok"], dry.json["written"], dry.json["header_row"]) == (True, GOOD_ROWS, 0, 3)
    assert world.event_count() == before
    assert_error(http.post("/imports", "recorder", {"xlsx_base64": XLSX}), 403)
    assert_error(http.post("/imports", "admin", {"xlsx_base64": "not base64!"}), 422)
    assert_error(http.post("/imports", "admin", {}), 422)
    assert_error(http.post("/imports", "admin", {"csv": "天气,温度\n晴,20"}), 422)
    assert_error(http.post("/imports", "admin", {"xlsx_base64": XLSX, "mapping": "[columns\n"}), 422)

    done = http.post("/imports", "admin", {"xlsx_base64": XLSX, "dry_run": False})
    assert (done.status_code, done.json["written"]) == (200, GOOD_ROWS), done.json
    again = http.post("/imports", "admin", {"xlsx_base64": XLSX, "dry_run": False})
    assert (again.json["written"], again.json["already_imported"]) == (0, GOOD_ROWS)


def test_a_bad_file_answers_400_naming_each_row_and_writes_nothing(http: Http, world: World) -> None:
    text = "排查日期,纠纷类型,所在村（社区）,当事人,身份证号\n2025-03-07,邻里纠纷,北关社区,张三,110105194912310021\n2025-03-08,天气,北关社区,李四,\n"
    before = world.event_count()
    refused = http.post("/imports", "admin", {"csv": text, "dry_run": False})
    assert_error(refused, 400, "ledger_rows_refused")
    assert {(p["row"], p["column"], p["rule"]) for p in refused.json["problems"]} == {(2, "身份证号", "id_number"), (3, "纠纷类型", "unmapped")}
    assert world.event_count() == before
    skipped = http.post("/imports", "admin", {"csv": text, "dry_run": False, "skip_bad": True})
    assert (skipped.status_code, skipped.json["written"]) == (200, 0)  # both rows were bad


def test_the_case_export_is_masked_unless_disclosed_and_a_disclosed_one_is_logged(http: Http, world: World) -> None:
    assert http.post("/imports", "admin", {"xlsx_base64": XLSX, "dry_run": False}).status_code == 200
    query = {"region": TOWN, "format": "csv", "period": "2025"}
    reader = http.get("/exports/cases", "reader", query)
    assert reader.status_code == 200 and reader.mimetype == "text/csv"
    assert "filename*=UTF-8''" + quote("台账-621199001-2025") in reader.headers["Content-Disposition"]
    rows = _csv(reader)
    assert rows[0][:4] == ["序号", "登记日期", "纠纷类型", "所在村（社区）"] and len(rows) == 1 + GOOD_ROWS
    text = reader.get_data().decode("utf-8-sig")
    assert GOOD_ID not in text and "张建国" not in text and "张**" in text

    masked = http.get("/exports/cases", "supervisor", query)
    assert "张建国" not in masked.get_data().decode("utf-8-sig")
    shown = http.get("/exports/cases", "supervisor", query, X_Access_Purpose=quote("年度台账报送"))
    assert GOOD_ID in shown.get_data().decode("utf-8-sig")
    case_id = rows[2][-1]  # 案件编号 of the row with the id number (the second by report date)
    log = http.get("/audit/access-log", "auditor", {"dispute": case_id, "per_page": 100}).json["items"]
    assert [(e["actor_id"], e["endpoint"]) for e in log] == [("supervisor", "GET /api/v1/exports/cases")]

    book = load_workbook(io.BytesIO(http.get("/exports/cases", "reader", {"region": TOWN}).get_data()))
    sheet = book.active
    assert sheet.freeze_panes == "A2" and sheet.max_row == 1 + GOOD_ROWS
    assert_error(http.get("/exports/cases", "other-recorder", {"region": TOWN}), 403)
    assert_error(http.get("/exports/cases", "reader", {"region": "999999"}), 422)


def test_the_indicator_export_has_the_api_names_one_row_per_region_and_totals_in_xlsx(http: Http) -> None:
    assert http.post("/imports", "admin", {"xlsx_base64": XLSX, "dry_run": False}).status_code == 200
    api = http.get("/indicators", "reader", {"region": COUNTY, "period": "2025", "level": "town"}).json["rows"]
    rows = _csv(http.get("/exports/indicators", "reader", {"region": COUNTY, "period": "2025", "format": "csv"}))
    assert rows[0] == list(api[0]) and len(rows) == 1 + len(api)
    town = dict(zip(rows[0], next(r for r in rows if r[0] == TOWN), strict=True))
    assert (town["disputes_reported"], town["resolution_rate"]) == ("4", "0.5")

    book = load_workbook(io.BytesIO(http.get("/exports/indicators", "reader", {"region": COUNTY, "period": "2025"}).get_data()))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    totals = [c.value for c in sheet[sheet.max_row]]
    assert sheet.freeze_panes == "A2" and sheet.max_row == 2 + len(api)
    assert totals[header.index("region_name")].startswith("合计") and totals[header.index("disputes_reported")] == 4
    rate = sheet.cell(row=2, column=header.index("resolution_rate") + 1)
    assert rate.number_format == "0.0%"


def test_imported_history_is_not_a_late_entry_but_a_live_late_one_still_is(http: Http, world: World) -> None:
    from datetime import timedelta

    assert http.post("/imports", "admin", {"xlsx_base64": XLSX, "dry_run": False}).status_code == 200
    case_id = _csv(http.get("/exports/cases", "admin", {"region": TOWN, "format": "csv"}))[1][-1]
    history = http.get(f"/disputes/{case_id}/history", "admin", X_Access_Purpose="audit").json["events"]
    assert len(history) > 3 and not any(e["late"] for e in history)
    actions = http.get("/audit/actors/admin/actions", "auditor", {"per_page": 100}).json["items"]
    assert actions and not any(a["late"] for a in actions)
    live = http.report(occurred_at=(world.clock.now - timedelta(days=5)).isoformat()).json["id"]
    assert http.get(f"/disputes/{live}/history", "admin", X_Access_Purpose="audit").json["events"][0]["late"]


def test_a_case_reported_through_the_api_cannot_claim_to_be_imported(http: Http) -> None:
    assert_error(http.post("/disputes", "recorder", {**_report_body(), "source": "migration"}), 422)


def _report_body() -> dict[str, Any]:
    from tests.support import report_body

    return report_body()
