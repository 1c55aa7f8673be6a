"""Red/yellow cards through the API: issued on the proposal the server computes (figures frozen
with the views' position), talks, rectification plan (late filing visible), escalation, lift;
the frozen basis beside today's figures; refusals write nothing; tampering is found by verify."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from application.integrity import verify
from tests.support import COUNTY, OTHER_TOWN_VILLAGE, TOWN, VILLAGE, World
from tests.web.helpers import Http, assert_error, both_stores

#: A rule on a figure that indicator rows of version 1 and 2 both carry from the ledger alone
#: (v2 computes 万人成讼率 only from a court feed).
YELLOW_ONLY = """
[[rule]]
level = "yellow"
indicator = "disputes_reported"
label = "新发纠纷达到 1 件"
at_least = 1
"""


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"INLINE_PROJECTION": True}


@pytest.fixture(autouse=True)
def yellow_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = tmp_path / "card-rules.toml"
    rules.write_text(YELLOW_ONLY, encoding="utf-8")
    monkeypatch.setenv("LEDGER_CARD_RULES", str(rules))


def file_in_court(http: Http, village: str = VILLAGE, number: int = 1) -> str:
    case_id = http.report(region_code=village).json["id"]
    body = {"court_code": "ORGC-COURT", "court_case_number": f"(2026)甘1199民初{number}号", "reason": "当事人起诉"}
    response = http.do(case_id, "file-in-court", "judge", body)
    assert response.status_code == 200, response.json
    # A period under way counts its whole days elapsed: today's report counts from tomorrow.
    http.world.clock.advance(days=1)
    return case_id


def issue(http: Http, **overrides: Any) -> Any:
    body = {"target_kind": "town", "target_code": TOWN, "period": "2026-Q1", **overrides}
    return http.post("/cards", "supervisor", body)


def test_a_proposal_is_issued_with_its_figures_frozen(http: Http, world: World) -> None:
    file_in_court(http)
    proposals = http.get("/cards/proposals", "supervisor", {"period": "2026-Q1"}).json
    town = next(t for t in proposals["towns"] if t["region_code"] == TOWN)
    assert town["card"] == "yellow" and town["reasons"][0]["indicator"] == "disputes_reported"
    # A town with nothing proposed gets no card; a client cannot hand in figures nor go harsher.
    assert_error(issue(http, target_code="621199002"), 422, "invalid_value")
    assert_error(issue(http, basis={"figures": {}}), 422)
    assert_error(issue(http, level="red"), 422, "invalid_value")
    response = issue(http)
    assert response.status_code == 201, response.json
    card = response.json
    assert card["level"] == "yellow" and card["status"] == "issued" and card["target_name"] == "城关镇"
    assert card["basis"]["figures"] == town["figures"] and card["basis"]["reasons"] == town["reasons"]
    assert card["basis"]["views_position"] > 0
    assert card["plan_due_on"] == "2026-04-02"  # 30 days after 3 March (LEDGER_RECTIFICATION_DAYS)
    assert response.headers["ETag"] == '"1"'


@both_stores
def test_a_card_lives_talk_late_plan_escalation_lift(http: Http, world: World) -> None:
    file_in_court(http)
    issued = issue(http, plan_due_on="2026-03-10")
    assert issued.status_code == 201, issued.get_data(as_text=True)
    card = issued.json
    path = f"/cards/{card['id']}"
    before = world.event_count()
    assert_error(http.post(f"{path}/lift", "supervisor", {"reason": "已整改"}), 409, "illegal_transition")
    assert_error(http.post(f"{path}/hold-talk", "recorder", {"held_on": "2026-03-03", "minutes": "x", "attendees": ["甲"]}), 403)
    assert world.event_count() == before
    talk = {"held_on": "2026-03-03", "minutes": "约谈镇党委书记，指出问题", "attendees": ["镇党委书记", "县委政法委副书记"]}
    assert http.post(f"{path}/hold-talk", "supervisor", talk).json["status"] == "talked"
    world.clock.advance(days=12)  # 14 March: the plan was due on 10 March
    assert http.get(path, "supervisor").json["rectification"] == "overdue"
    summary = http.get("/cards/summary", "supervisor", {"period": "2026-Q1"}).json
    assert (summary["towns_carded"], summary["open"], summary["rectification_overdue"]) == (1, 1, 1)
    filed = http.post(f"{path}/file-plan", "supervisor", {"plan": "整改方案", "filed_on": "2026-03-14"}).json
    assert (filed["status"], filed["rectification"]) == ("plan_filed", "filed_late")
    escalated = http.post(f"{path}/escalate", "supervisor", {"reason": "整改不力"}, If_Match='"3"').json
    assert (escalated["status"], escalated["level"], escalated["issued_level"]) == ("escalated", "red", "yellow")
    assert_error(http.post(f"{path}/escalate", "supervisor", {"reason": "再升级"}), 409)
    lifted = http.post(f"{path}/lift", "supervisor", {"reason": "复查整改到位"}).json
    assert lifted["status"] == "lifted" and lifted["allowed_commands"] == []
    history = http.get(f"{path}/history", "auditor").json["events"]
    assert [e["label"] for e in history] == ["发牌", "约谈", "报送整改方案", "黄牌升级红牌", "摘牌"]
    listed = http.get("/cards", "supervisor", {"period": "2026-Q1"}).json["items"]
    assert [(c["id"], c["status"], c["rectification"]) for c in listed] == [(card["id"], "lifted", "filed_late")]
    assert verify(world.ledger, witness=None).intact


@both_stores
def test_a_correction_after_issue_changes_todays_figures_not_the_basis(http: Http, world: World) -> None:
    case_id = file_in_court(http)
    card = issue(http).json
    frozen = card["basis"]
    correction = {"field": "region_code", "value": OTHER_TOWN_VILLAGE, "reason": "登记时村别有误"}
    assert http.do(case_id, "correct-details", "admin", correction).status_code == 200
    shown = http.get(f"/cards/{card['id']}", "supervisor").json
    assert shown["basis"] == frozen
    assert frozen["figures"]["disputes_reported"] == 1
    assert shown["today"]["figures"]["disputes_reported"] == 0


def test_a_second_yellow_within_a_year_is_proposed_red(http: Http, world: World) -> None:
    file_in_court(http)
    first = issue(http).json
    town = next(t for t in http.get("/cards/proposals", "supervisor", {"period": "2026-Q1"}).json["towns"]
                if t["region_code"] == TOWN)  # fmt: skip
    assert town["card"] == "red"
    assert town["reasons"][-1]["indicator"] == "repeat_yellow" and town["reasons"][-1]["card_id"] == first["id"]


def test_scope_roles_and_unknown_ids(http: Http, world: World) -> None:
    file_in_court(http)
    card = issue(http).json
    world.actor("other-supervisor", "supervisor", "621199002")
    assert_error(http.get(f"/cards/{card['id']}", "other-supervisor"), 404, "not_found")
    assert_error(http.get("/cards/not-a-card", "supervisor"), 404)
    assert_error(http.get(f"/cards/{card['id']}", "reader"), 403)
    assert http.get(f"/cards/{card['id']}", "auditor").status_code == 200
    before = world.event_count()
    assert_error(http.post("/cards", "recorder", {"target_kind": "town", "target_code": TOWN, "period": "2026-Q1"}), 403)
    assert world.event_count() == before
    assert COUNTY


def test_a_department_card_states_its_grounds(http: Http, world: World) -> None:
    body = {"target_kind": "department", "target_code": "rsj", "target_name": "县人社局", "period": "2026-Q1",
            "level": "yellow"}  # fmt: skip
    assert_error(http.post("/cards", "supervisor", body), 422)
    card = http.post("/cards", "supervisor", {**body, "grounds": "欠薪纠纷联动处置不力"})
    assert card.status_code == 201, card.json
    assert card.json["basis"]["source"] == "grounds" and card.json["today"]["figures"] is None
    # The department is one of the lead units by category, named as the reference data names it.
    assert card.json["target_name"] == "县人力资源和社会保障局(人社局)"
    assert "target_code" in assert_error(http.post("/cards", "supervisor", {**body, "target_code": "RSJ", "grounds": "x"}), 422)["errors"]
    summary = http.get("/cards/summary", "supervisor", {"period": "2026-Q1"}).json
    assert summary["departments_carded"] == 1


@both_stores
def test_an_idempotency_key_replays_the_first_answer_and_writes_nothing(http: Http, world: World) -> None:
    file_in_court(http)
    first = http.post("/cards", "supervisor", {"target_kind": "town", "target_code": TOWN, "period": "2026-Q1"},
                      Idempotency_Key="issue-1")  # fmt: skip
    assert first.status_code == 201, first.json
    before = world.event_count()
    again = http.post("/cards", "supervisor", {"target_kind": "town", "target_code": TOWN, "period": "2026-Q1"},
                      Idempotency_Key="issue-1")  # fmt: skip
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json["id"] == first.json["id"] and world.event_count() == before
    path = f"/cards/{first.json['id']}/escalate"
    assert http.post(path, "supervisor", {"reason": "整改不力"}, Idempotency_Key="esc-1").status_code == 200
    before = world.event_count()
    replay = http.post(path, "supervisor", {"reason": "整改不力"}, Idempotency_Key="esc-1")
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    assert world.event_count() == before
    assert_error(http.post(path, "supervisor", {"reason": "别的理由"}, Idempotency_Key="esc-1"), 422, "idempotency_key_reused")
    assert verify(world.ledger, witness=None).intact


def test_a_card_as_of_an_instant_is_the_card_the_ledger_knew_then(http: Http, world: World) -> None:
    file_in_court(http)
    issued_at = world.clock.now
    card = issue(http, plan_due_on="2026-03-10").json
    path = f"/cards/{card['id']}"
    world.clock.advance(days=2)
    talk = {"held_on": "2026-03-04", "minutes": "约谈", "attendees": ["镇长"]}
    assert http.post(f"{path}/hold-talk", "supervisor", talk).status_code == 200
    world.clock.advance(days=10)  # 15 March: the plan is overdue now; on 4 March it was due
    then = http.get(path, "supervisor", {"as_of": (issued_at.replace(microsecond=0) + timedelta(days=1)).isoformat()}).json
    assert (then["status"], then["version"], then["talks"], then["rectification"]) == ("issued", 1, [], "due")
    assert then["events"] == ["发牌"] and then["today"]["as_of"] is not None
    assert then["today"]["figures"]["disputes_reported"] == 1
    now = http.get(path, "supervisor").json
    assert (now["status"], now["rectification"], now["today"]["as_of"]) == ("talked", "overdue", None)
    assert_error(http.get(path, "supervisor", {"as_of": (issued_at - timedelta(days=1)).isoformat()}), 404, "not_found")
