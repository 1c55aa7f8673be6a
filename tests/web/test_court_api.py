"""POST /court-cases/imports and GET /court-cases: who may import, a refusal that names every
problem and writes nothing, and the list by region, period and kind."""

from __future__ import annotations

import base64
import io
from typing import Any

from tests.integration.test_court_import import ENGLISH, lines
from tests.support import COURT, OTHER_TOWN_VILLAGE, World
from tests.web.helpers import Http, assert_error, both_stores

CSV = "\n".join(
    [
        "案号,法院代码,案由,立案日期,原告住所地,被告住所地,原告为金融机构",
        f"(2026)甘1199民初1号,{COURT},离婚纠纷,2026-01-05,,621199001001,否",
        f"(2026)甘1199民初2号,{COURT},民间借贷纠纷,2026-02-10,,621199001002,否",
        f"(2026)甘1199民初3号,{COURT},信用卡纠纷,2026-02-11,,{OTHER_TOWN_VILLAGE},是",
        f"(2026)甘1199行初1号,{COURT},行政处罚,2026-03-01,,621199001,否",
        f"(2025)甘1199民初9号,{COURT},买卖合同纠纷,2025-11-20,,621199001001,否",
    ]
)


def _import(http: Http, who: str, body: dict[str, Any]) -> Any:
    return http.post("/court-cases/imports", who, body)


@both_stores
def test_an_admin_and_a_judge_import_and_the_same_file_again_writes_nothing(http: Http, world: World) -> None:
    first = _import(http, "admin", {"csv": CSV})
    assert first.status_code == 200, first.json
    assert (first.json["filed"], first.json["refused"], first.json["problems"]) == (5, False, [])
    position = world.event_count()
    again = _import(http, "judge", {"csv": CSV})
    assert again.status_code == 200, again.json
    assert (again.json["filed"], again.json["unchanged"]) == (0, 5)
    assert world.event_count() == position


def test_other_roles_may_not_import(http: Http, world: World) -> None:
    before = world.event_count()
    for who in ("recorder", "mediator", "supervisor", "auditor", "reader"):
        assert_error(_import(http, who, {"csv": CSV}), 403)
    assert_error(_import(http, None, {"csv": CSV}), 401)
    assert world.event_count() == before


@both_stores
def test_bad_records_answer_400_with_every_problem_and_write_nothing(http: Http, world: World) -> None:
    before = world.event_count()
    records = [
        {"case_number": "(2026)甘1199民初1号", "court_code": COURT, "cause": "离婚纠纷", "filed_on": "2026-01-05"},
        {"case_number": "(2026)甘1199刑初2号", "court_code": COURT, "cause": "离婚纠纷", "filed_on": "2026-01-05"},
        {"case_number": "(2026)甘1199民初3号", "court_code": "X", "cause": "离婚纠纷", "filed_on": "2026/2/30",
         "defendant_region": "621199999"},
    ]  # fmt: skip
    response = _import(http, "admin", {"records": records})
    body = assert_error(response, 400, "court_records_refused")
    assert body["refused"] is True and body["filed"] == 0 and body["rejected"] == 2
    assert [(p["row"], p["column"], p["rule"]) for p in body["problems"]] == [
        (2, "case_number", "case_number_kind"),
        (3, "court_code", "unknown_court"),
        (3, "filed_on", "date_format"),
        (3, "defendant_region", "unknown_region"),
    ]
    assert "row 3.filed_on" in body["errors"]
    assert world.event_count() == before

    skipped = _import(http, "admin", {"records": records, "skip_bad": True})
    assert skipped.status_code == 200 and skipped.json["filed"] == 1 and skipped.json["rejected"] == 2


def test_an_xlsx_upload_and_unreadable_bodies(http: Http) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(ENGLISH.split(","))
    for line in lines(3):
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    response = _import(
        http, "admin", {"xlsx_base64": base64.b64encode(buffer.getvalue()).decode(), "dry_run": True}
    )
    assert response.status_code == 200, response.json
    assert (response.json["filed"], response.json["dry_run"]) == (3, True)
    assert_error(_import(http, "admin", {"xlsx_base64": "not base64!"}), 422)
    assert_error(_import(http, "admin", {"csv": "a,b\n1,2"}), 422)
    assert_error(_import(http, "admin", {"csv": CSV, "records": []}), 422)
    assert_error(_import(http, "admin", {}), 422)


@both_stores
def test_the_list_is_filtered_by_region_period_and_kind_within_the_readers_scope(http: Http) -> None:
    imported = _import(http, "admin", {"csv": CSV})
    assert imported.status_code == 200
    written = imported.headers["X-Ledger-Position"]

    def numbers(who: str = "admin", **query: Any) -> list[str]:
        response = http.get("/court-cases", who, query, X_Ledger_Position=written)
        assert response.status_code == 200, response.json
        assert response.json["total"] == len(response.json["items"])
        return [item["case_number"] for item in response.json["items"]]

    assert numbers() == [
        "(2025)甘1199民初9号", "(2026)甘1199民初1号", "(2026)甘1199民初2号", "(2026)甘1199民初3号", "(2026)甘1199行初1号",
    ]  # fmt: skip
    assert numbers(period="2026") == [
        "(2026)甘1199民初1号",
        "(2026)甘1199民初2号",
        "(2026)甘1199民初3号",
        "(2026)甘1199行初1号",
    ]
    assert numbers(period="2026-02") == ["(2026)甘1199民初2号", "(2026)甘1199民初3号"]
    assert numbers(period="2026-Q1", region="621199001") == [
        "(2026)甘1199民初1号",
        "(2026)甘1199民初2号",
        "(2026)甘1199行初1号",
    ]
    assert numbers(region="621199001001") == ["(2025)甘1199民初9号", "(2026)甘1199民初1号"]
    assert numbers(region="621199001", kind="行初") == ["(2026)甘1199行初1号"]
    assert numbers(region="621199001", domicile="plaintiff") == []
    # A recorder of town 621199001 sees its own town's cases, and is refused another town.
    assert numbers("recorder", period="2026") == [
        "(2026)甘1199民初1号",
        "(2026)甘1199民初2号",
        "(2026)甘1199行初1号",
    ]
    assert_error(http.get("/court-cases", "recorder", {"region": "621199002"}), 403)
    assert_error(http.get("/court-cases", "admin", {"region": "621199999"}), 422)
    page = http.get("/court-cases", "admin", {"per_page": 2, "page": 2}).json
    assert page["total"] == 5 and len(page["items"]) == 2 and page["links"]["next"] and page["links"]["prev"]
    item = http.get("/court-cases", "admin", {"region": OTHER_TOWN_VILLAGE}).json["items"][0]
    assert item["category"] == "financial" and item["plaintiff_is_financial"] is True
