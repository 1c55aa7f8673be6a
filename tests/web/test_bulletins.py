"""Bulletins (涉诉情况通报) through the API: every figure is the indicators endpoint's for the same
town and period; the PDF's text layer and the XLSX cells say the same; the hash verifies; a
correction after compiling gives version 2 with the changes listed while version 1 stays; the
state machine and every refusal write nothing."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from application.court_feed import CourtRecord, import_court_records
from application.integrity import verify
from application.readable import figure
from tests.support import COUNTY, COURT, OTHER_TOWN_VILLAGE, TOWN, VILLAGE, World
from tests.web.helpers import Http, assert_error, both_stores

PERIOD = "2026-Q1"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"INLINE_PROJECTION": True}


def _record(n: int, filed_on: date, defendant: str) -> CourtRecord:
    return CourtRecord(
        case_number=f"({filed_on.year})甘1199民初{n}号", court_code=COURT, cause="民间借贷纠纷", filed_on=filed_on,
        plaintiff_region=OTHER_TOWN_VILLAGE, defendant_region=defendant, plaintiff_is_financial=False,
    )


def a_quarter(http: Http, world: World) -> list[str]:
    """Three disputes in 城关镇 and one elsewhere, one filed in court, and a court feed from
    January 2025 to March 2026 (so 万人成讼率 and its comparisons are known); then 10 March."""
    world.clock.now = datetime(2026, 3, 5, 1, 0, tzinfo=UTC)
    result = import_court_records(world.ledger, world.actors["admin"], [
        _record(1, date(2025, 1, 3), "621199008"), _record(2, date(2025, 2, 10), VILLAGE),
        _record(3, date(2026, 2, 3), VILLAGE), _record(4, date(2026, 3, 2), VILLAGE),
    ])  # fmt: skip
    assert not result.problems, result.problems
    ids = [http.report(category=c).json["id"] for c in ("neighbour", "family", "family")]
    http.report(region_code=OTHER_TOWN_VILLAGE, who="admin")
    body = {"court_code": COURT, "court_case_number": "(2026)甘1199民初9号", "reason": "当事人起诉"}
    assert http.do(ids[0], "file-in-court", "judge", body).status_code == 200
    world.clock.now = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)
    return ids


def compile_one(http: Http, **overrides: Any) -> Any:
    return http.post("/bulletins", "supervisor", {"town": TOWN, "period": PERIOD, **overrides})


@both_stores
def test_a_bulletin_states_the_indicators_is_frozen_and_versioned(http: Http, world: World) -> None:
    ids = a_quarter(http, world)
    response = compile_one(http)
    assert response.status_code == 201, response.get_data(as_text=True)
    bulletin = response.json
    path = f"/bulletins/{bulletin['id']}"
    figures = bulletin["figures"]
    # Every figure is the endpoint's, for the same town and period; ranks from the county's towns.
    own = http.get("/indicators", "supervisor", {"region": TOWN, "period": PERIOD}).json
    assert figures["indicators"] == own["rows"] and len(own["rows"]) == 1
    towns = http.get("/indicators", "supervisor", {"region": COUNTY, "period": PERIOD, "level": "town"}).json["rows"]
    rank = {r["indicator"]: r for r in figures["rank"]}["litigation_per_10k"]
    ours = next(t for t in towns if t["region_code"] == TOWN)["litigation_per_10k"]
    assert rank["value"] == ours and rank["rank"] == 1 + sum(1 for t in towns if (t["litigation_per_10k"] or 0) > ours)
    by_category = http.get("/indicators", "supervisor", {"region": TOWN, "period": PERIOD, "group": "category"}).json
    family = next(r for r in by_category["rows"] if r["category"] == "family")
    assert figures["top_categories"][0]["category"] == "family"
    assert figures["top_categories"][0]["disputes_reported"] == family["disputes_reported"] == 2
    assert figures["indicators"][0]["court_cases"] == 2 and figures["indicators"][0]["litigation_per_10k"] > 0
    # Frozen: the hash is SHA-256 over the canonical JSON of the figures, and verifies.
    canonical = json.dumps(figures, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert bulletin["figures_hash"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert bulletin["hash_verifies"] and bulletin["number"] == 1 and bulletin["status"] == "compiled"

    # The XLSX's cells are the JSON's values; the header is frozen and the formats typed.
    xlsx = http.get(f"{path}/document", "auditor", {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(xlsx.data))["指标"]
    assert sheet.freeze_panes == "A2"
    cells = {row[2]: row for row in sheet.iter_rows(min_row=2, values_only=True) if row[2]}
    row = figures["indicators"][0]
    for name in ("litigation_per_10k", "court_cases", "disputes_reported", "resolution_rate"):
        assert cells[name][3] == row[name], name
    assert cells["court_cases"][4] == row["court_cases_last_year"] and cells["court_cases"][5] == row["court_cases_yoy"]
    by_name = {sheet.cell(row=i, column=3).value: sheet.cell(row=i, column=4) for i in range(2, sheet.max_row + 1)}
    assert by_name["litigation_per_10k"].number_format == "#,##0.00" and by_name["resolution_rate"].number_format == "0.0%"

    # A correction after compiling: the issued version 1 stays; version 2 lists what changed.
    issued = http.post(f"{path}/issue", "supervisor", {"recipients": ["城关镇党委", "县委政法委"]})
    assert issued.status_code == 200 and issued.json["status"] == "issued"
    before = world.event_count()
    assert_error(http.post(f"{path}/issue", "supervisor", {"recipients": ["城关镇党委"]}), 409, "illegal_transition")
    assert_error(http.post(f"{path}/recompile", "supervisor", {}), 409, "rule_violation")  # nothing changed
    assert world.event_count() == before
    fix = {"field": "region_code", "value": OTHER_TOWN_VILLAGE, "reason": "登记时村别有误"}
    assert http.do(ids[1], "correct-details", "admin", fix).status_code == 200
    second = http.post(f"{path}/recompile", "supervisor", {})
    assert second.status_code == 200, second.get_data(as_text=True)
    v2 = second.json
    assert (v2["number"], v2["status"], v2["previous_hash"]) == (2, "compiled", bulletin["figures_hash"])
    changed = {c["figure"]: (c["old"], c["new"]) for c in v2["changes"]}
    assert changed[f"indicators[{TOWN}].disputes_reported"] == (3, 2)
    assert v2["figures"]["indicators"] == http.get("/indicators", "supervisor", {"region": TOWN, "period": PERIOD}).json["rows"]
    first = http.get(path, "auditor", {"version": 1}).json
    assert first["figures"] == figures and first["figures_hash"] == bulletin["figures_hash"] and first["hash_verifies"]
    assert first["issues"][0]["recipients"] == ["城关镇党委", "县委政法委"]
    versions = http.get(f"{path}/versions", "auditor").json["versions"]
    assert [(v["number"], v["hash_verifies"], bool(v["issues"])) for v in versions] == [(1, True, True), (2, True, False)]
    history = http.get(f"{path}/history", "auditor").json["events"]
    assert [e["label"] for e in history] == ["编制", "印发", "更正重编"]
    listed = http.get("/bulletins", "auditor", {"period": PERIOD}).json["items"]
    assert [(b["id"], b["number"], b["issued_number"]) for b in listed] == [(bulletin["id"], 2, 1)]
    assert verify(world.ledger, witness=None).intact


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (Debian's poppler-utils) is not installed")
def test_the_pdf_text_layer_names_the_town_and_its_litigation_rate(http: Http, world: World) -> None:
    a_quarter(http, world)
    bulletin = compile_one(http).json
    pdf = http.get(f"/bulletins/{bulletin['id']}/document", "supervisor", {"format": "pdf"})
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True).stdout.decode()
    rate = bulletin["figures"]["indicators"][0]["litigation_per_10k"]
    assert "城关镇" in text and "万人成讼率" in text
    assert figure("litigation_per_10k", rate) in text
    markdown = http.get(f"/bulletins/{bulletin['id']}/document", "supervisor", {"format": "md"})
    assert markdown.mimetype == "text/markdown" and f"| 万人成讼率 | {figure('litigation_per_10k', rate)} |" in markdown.get_data(as_text=True)


def test_the_family_edition_counts_the_family_categories_only(http: Http, world: World) -> None:
    a_quarter(http, world)
    response = compile_one(http, edition="family")
    assert response.status_code == 201, response.get_data(as_text=True)
    figures = response.json["figures"]
    rows = http.get("/indicators", "supervisor", {"region": TOWN, "period": PERIOD, "group": "category"}).json["rows"]
    assert figures["indicators"] == [r for r in rows if r["category"] in ("family", "elder_support", "child_support")]
    assert [c["category"] for c in figures["top_categories"]] == ["family"]
    # One bulletin per town, period and edition: the general one is a separate stream.
    assert compile_one(http).status_code == 201


def test_refusals_write_nothing(http: Http, world: World) -> None:
    a_quarter(http, world)
    before = world.event_count()
    assert_error(compile_one(http, town="621199999"), 422, "invalid_value")
    assert_error(compile_one(http, period="2026-Q2"), 400, "period_not_begun")
    assert_error(http.post("/bulletins", "reader", {"town": TOWN, "period": PERIOD}), 403)
    assert_error(http.post("/bulletins", "auditor", {"town": TOWN, "period": PERIOD}), 403)
    assert_error(compile_one(http, edition="weekly"), 422)
    assert world.event_count() == before
    first = compile_one(http).json
    before = world.event_count()
    assert_error(compile_one(http), 422, "invalid_value")  # exists: recompile it
    assert_error(http.post(f"/bulletins/{first['id']}/issue", "supervisor", {"recipients": []}), 422)
    assert_error(http.post(f"/bulletins/{first['id']}/issue", "auditor", {"recipients": ["县委"]}), 403)
    assert_error(http.post(f"/bulletins/{first['id']}/issue", "supervisor", {"recipients": ["县委"]}, If_Match='"7"'), 409)
    assert_error(http.get(f"/bulletins/{first['id']}", "reader"), 403)
    assert_error(http.get("/bulletins/not-an-id", "auditor"), 404)
    assert_error(http.get(f"/bulletins/{first['id']}", "auditor", {"version": 2}), 422)
    assert world.event_count() == before


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (Debian's poppler-utils) is not installed")
def test_the_review_as_a_pdf_says_what_its_markdown_says(http: Http, world: World) -> None:
    case_id = http.report().json["id"]
    incident = {"kind": "criminal_escalation", "description": "双方发生肢体冲突", "severity": "major"}
    assert http.do(case_id, "report-incident", "supervisor", incident).status_code == 200
    path = f"/audit/reviews/{case_id}/document"
    assert_error(http.get(path, "auditor"), 403, "purpose_required")
    pdf = http.get(path, "auditor", {"format": "pdf"}, X_Access_Purpose="%E5%B9%B4%E5%BA%A6%E6%8A%BD%E6%9F%A5")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf", pdf.get_data(as_text=True)[:300]
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True).stdout.decode()
    assert "责任倒查报告" in text and case_id in text and "民转刑" in text and "第1页" in text.replace(" ", "")
    markdown = http.get(path, "auditor", {"format": "md"}, X_Access_Purpose="check").get_data(as_text=True)
    assert markdown.startswith(f"# 责任倒查报告 — 案件 {case_id}")


def test_a_bulletin_as_of_an_instant_shows_the_versions_known_then(http: Http, world: World) -> None:
    ids = a_quarter(http, world)
    bulletin = compile_one(http).json
    compiled_at = world.clock.now
    path = f"/bulletins/{bulletin['id']}"
    world.clock.advance(hours=2)
    fix = {"field": "region_code", "value": OTHER_TOWN_VILLAGE, "reason": "登记时村别有误"}
    assert http.do(ids[1], "correct-details", "admin", fix).status_code == 200
    assert http.post(f"{path}/recompile", "supervisor", {}).json["number"] == 2
    then = http.get(path, "auditor", {"as_of": (compiled_at + timedelta(hours=1)).isoformat()}).json
    assert (then["latest_number"], then["number"], len(then["versions"])) == (1, 1, 1)
    assert then["figures_hash"] == bulletin["figures_hash"]
    assert http.get(path, "auditor").json["latest_number"] == 2
    assert_error(http.get(path, "auditor", {"as_of": (compiled_at - timedelta(hours=1)).isoformat()}), 404, "not_found")


def test_incidents_cards_and_warnings_of_the_period_are_listed(
    http: Http, world: World, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from domain.mass_warning import MissedDeadline

    ids = a_quarter(http, world)
    incident = {"kind": "extreme_act", "description": "当事人扬言报复", "severity": "major"}
    assert http.do(ids[2], "report-incident", "supervisor", incident).status_code == 200
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nlevel = "yellow"\nindicator = "disputes_reported"\nlabel = "新发纠纷达到1件"\nat_least = 1\n',
                     encoding="utf-8")  # fmt: skip
    monkeypatch.setenv("LEDGER_CARD_RULES", str(rules))
    card = http.post("/cards", "supervisor", {"target_kind": "town", "target_code": TOWN, "period": PERIOD}).json
    ledger = world.ledger
    ledger.save(MissedDeadline.raise_(
        ledger._act(ledger.system_actor(), None, None), case_id=ids[1], deadline_kind="triage", deadline_seq=1,
        due_at=world.clock.now - timedelta(hours=1), organisation_code=None, mediator_id=None,
        region_path=[COUNTY, TOWN, VILLAGE], category="family",
    ))  # fmt: skip
    world.clock.advance(days=1)  # what happened today counts from tomorrow
    figures = compile_one(http).json["figures"]
    [listed] = figures["incidents"]
    assert (listed["case_id"], listed["kind"], listed["kind_label"], listed["severity"]) == (ids[2], "extreme_act", "个人极端事件", "major")
    assert [(c["id"], c["level"], c["status"]) for c in figures["cards"]] == [(card["id"], "yellow", "issued")]
    assert (figures["warnings"]["deadline"], figures["warnings"]["deadline_by_status"]) == (1, {"raised": 1})
    assert figures["indicators"][0]["serious_incidents"] == 1
    text = http.get(f"/bulletins/{compile_one(http, edition='family').json['id']}/document", "supervisor").get_data(as_text=True)
    assert "个人极端事件（" in text and "超期预警 1 条（已预警 1）" in text
