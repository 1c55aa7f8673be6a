"""What the case state shows of what happened (issue 12 item 3): the mediator once one acts,
the agreement and the court outcome, and deadlines that mean the same in the list and in the
detail. The command answer (the aggregate) and the reads (the views) agree, on both stores."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import COURT, VILLAGE_COMMITTEE, World
from tests.web.helpers import BODIES, Http, both_stores

PURPOSE = {"X_Access_Purpose": "%E7%9D%A3%E5%8A%9E"}  # 督办


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"INLINE_PROJECTION": True}


def _detail(http: Http, case_id: str, who: str = "supervisor") -> dict[str, Any]:
    response = http.get(f"/disputes/{case_id}", who, **PURPOSE)
    assert response.status_code == 200, response.json
    return dict(response.json)


def _item(http: Http, case_id: str, who: str = "supervisor") -> dict[str, Any]:
    items = http.get("/disputes", who, {"per_page": 100}).json["items"]
    (item,) = [i for i in items if i["id"] == case_id]
    return dict(item)


def _same_in_views(http: Http, answer: dict[str, Any], *keys: str) -> None:
    detail = _detail(http, answer["id"])
    for key in keys:
        assert detail[key] == answer[key], key


@both_stores
def test_the_mediator_who_acts_and_the_agreement_show_on_the_state(http: Http, world: World) -> None:
    case_id = http.report().json["id"]
    assigned = http.ok(case_id, "assign", "recorder")  # no mediator named
    assert assigned["mediator_id"] is None and assigned["agreement"] is None
    accepted = http.ok(case_id, "accept", "mediator")
    assert accepted["mediator_id"] == "mediator"
    assert accepted["mediator_name"] is None  # an actor the directory of mediators does not know
    agreed = http.ok(case_id, "record-agreement", "mediator")
    assert agreed["agreement"]["terms"] == "分三期赔偿"
    assert agreed["agreement"]["amount"] == "800.00"
    assert agreed["agreement"]["agreed_at"] is not None
    _same_in_views(http, agreed, "mediator_id", "mediator_name", "agreement", "court_outcome")
    item = _item(http, case_id)
    assert (item["mediator_id"], item["agreement"]) == ("mediator", agreed["agreement"])


def test_the_mediator_the_assignment_names_stays_and_has_its_directory_name(http: Http, world: World) -> None:
    mediator = next(
        m for m in world.ledger.directory().mediators.values() if m.organisation_code == VILLAGE_COMMITTEE
    )
    case_id = http.report().json["id"]
    body = {**BODIES["assign"], "mediator_id": mediator.id}
    assert http.ok(case_id, "assign", "recorder", body)["mediator_name"] == mediator.name
    accepted = http.ok(case_id, "accept", "mediator")
    assert (accepted["mediator_id"], accepted["mediator_name"]) == (mediator.id, mediator.name)
    _same_in_views(http, accepted, "mediator_id", "mediator_name")


@both_stores
def test_the_court_outcome_shows_on_the_state(http: Http, world: World) -> None:
    case_id = http.report().json["id"]
    filed = {"court_code": COURT, "court_case_number": "(2026)甘0111民初7号", "reason": "起诉"}
    assert http.ok(case_id, "file-in-court", "judge", filed)["court_outcome"] is None
    judged = http.ok(case_id, "record-court-outcome", "judge", {"outcome": "judgment", "summary": "判决赔偿"})
    assert judged["court_outcome"] == {
        "outcome": "judgment",
        "outcome_label": "判决",
        "summary": "判决赔偿",
        "court_case_number": "(2026)甘0111民初7号",
    }
    assert judged["mediator_id"] is None
    _same_in_views(http, judged, "court_outcome", "mediator_id")
    assert _item(http, case_id)["court_outcome"] == judged["court_outcome"]


def test_a_reopened_case_is_handled_afresh(http: Http, world: World) -> None:
    case_id = http.report().json["id"]
    for command, who in [("assign", "recorder"), ("accept", "mediator"), ("record-agreement", "mediator"),
                         ("close", "mediator")]:  # fmt: skip
        http.ok(case_id, command, who)
    reopened = http.ok(case_id, "reopen", "supervisor", {"reason": "纠纷反复"})
    assert (reopened["mediator_id"], reopened["agreement"]) == (None, None)
    _same_in_views(http, reopened, "mediator_id", "agreement")


def test_agreed_terms_are_masked_for_readers_where_they_name_a_party(http: Http, world: World) -> None:
    case_id = http.report().json["id"]
    for command, who in [("assign", "recorder"), ("accept", "mediator")]:
        http.ok(case_id, command, who)
    http.ok(case_id, "record-agreement", "mediator", {"terms": "张建国分三期赔偿李秀英", "amount": "800.00"})
    for state in (http.get(f"/disputes/{case_id}", "reader").json, _item(http, case_id, "reader")):
        assert "张建国" not in state["agreement"]["terms"] and "李秀英" not in state["agreement"]["terms"]
        assert state["agreement"]["amount"] == "800.00"
    assert _detail(http, case_id)["agreement"]["terms"] == "张建国分三期赔偿李秀英"


@both_stores
def test_deadlines_mean_the_same_in_the_list_and_the_detail(http: Http, world: World) -> None:
    case_id = http.report().json["id"]
    http.ok(case_id, "assign", "recorder")  # meets triage, opens acceptance
    world.clock.advance(days=30)  # acceptance is now past due
    detail = _detail(http, case_id)["deadlines"]
    assert [(d["kind"], d["open"], d["overdue"]) for d in detail] == [
        ("triage", False, False),
        ("acceptance", True, True),
    ]
    assert _item(http, case_id)["deadlines"] == detail
