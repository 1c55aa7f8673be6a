"""Suggestions through the API: the whole life by the roles that act, refusals as JSON errors
that write nothing (a reply before delivery is 409), the number given at issue, idempotent
retries, indicators and the OpenAPI document; ``ledger verify`` stays intact."""

from __future__ import annotations

from typing import Any

import pytest

from application.integrity import verify
from tests.support import COUNTY, COURT, OTHER_TOWN, World
from tests.web.helpers import Http, assert_error, both_stores


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"INLINE_PROJECTION": True}


def draft_body(http: Http, **overrides: Any) -> dict[str, Any]:
    case_id = http.report(category="migrant_wages").json["id"]
    return {
        "kind": "judicial", "issuer_code": COURT, "recipient": "县人社局", "recipient_superior": "县人民政府",
        "title": "关于治理欠薪纠纷的司法建议", "problem": "欠薪纠纷集中", "proposals": "建立工资保证金制度",
        "category": "migrant_wages", "region_code": COUNTY, "case_ids": [case_id], **overrides,
    }  # fmt: skip


def post(http: Http, sid: str, command: str, who: str, body: dict[str, Any] | None = None, **headers: str) -> Any:
    return http.post(f"/suggestions/{sid}/{command}", who, body or {}, **headers)


@both_stores
def test_a_suggestion_from_draft_to_archive_through_the_api(http: Http, world: World) -> None:
    world.actor("judge-reviewer", "judge", COUNTY)
    drafted = http.post("/suggestions", "judge", draft_body(http))
    assert drafted.status_code == 201, drafted.json
    sid = drafted.json["id"]
    assert drafted.json["status"] == "drafted" and drafted.json["number"] is None
    assert drafted.json["allowed_commands"] == ["review"]
    # A reply before delivery: 409, nothing written.
    before = world.event_count()
    reply = {"outcome": "adopted", "measures": "出台办法", "replied_on": "2026-03-02"}
    assert_error(post(http, sid, "record-reply", "judge", reply), 409, "illegal_transition")
    assert world.event_count() == before
    assert post(http, sid, "review", "judge-reviewer", {"opinion": "同意"}).status_code == 200
    issued = post(http, sid, "issue", "judge")
    assert issued.status_code == 200, issued.json
    assert issued.json["number"] == "(2026)甘1199司建1号" and issued.headers["ETag"] == '"3"'
    delivered = post(http, sid, "deliver", "judge", {"delivered_on": "2026-03-02", "proof_of_service": "送达回证"})
    assert delivered.json["reply_due_on"] == "2026-05-01" and delivered.json["reply"] == "due"
    # Supervisors follow the reply; escalation before the due date is refused.
    assert_error(post(http, sid, "escalate", "supervisor", {"reason": "逾期"}), 409, "rule_violation")
    assert_error(post(http, sid, "escalate", "judge", {"reason": "逾期"}), 403)
    assert post(http, sid, "remind", "supervisor", {"content": "请按期反馈"}).status_code == 200
    world.clock.advance(days=62)
    page = http.get(f"/suggestions/{sid}", "auditor").json
    assert page["reply"] == "overdue" and page["reminders"] == 1
    assert [i["id"] for i in http.get("/suggestions", "supervisor", {"overdue": "true"}).json["items"]] == [sid]
    assert http.get("/suggestions", "supervisor", {"overdue": "false"}).json["items"] == []
    escalated = post(http, sid, "escalate", "supervisor", {"reason": "逾期未反馈"})
    assert escalated.json["escalated_to"] == "县人民政府", escalated.json
    replied = post(http, sid, "record-reply", "supervisor", {**reply, "replied_on": "2026-05-03"})
    assert replied.json["reply"] == "replied_late" and replied.json["outcome_label"] == "采纳"
    assert post(http, sid, "revisit", "judge", {"visited_on": "2026-05-03", "findings": "已落实"}).status_code == 200
    archived = post(http, sid, "archive", "judge", {"archive_number": "2026-01"}, If_Match='"1"')
    assert_error(archived, 409, "version_conflict")
    assert post(http, sid, "archive", "judge", {"archive_number": "2026-01"}).json["status"] == "archived"
    history = http.get(f"/suggestions/{sid}/history", "auditor").json
    assert [e["command"] for e in history["events"]] == [
        "draft", "review", "issue", "deliver", "remind", "escalate", "record-reply", "revisit", "archive",
    ]  # fmt: skip
    listed = http.get("/suggestions", "supervisor", {"kind": "judicial"}).json["items"]
    assert [(i["id"], i["status"], i["reply"]) for i in listed] == [(sid, "archived", "replied_late")]
    figures = http.get("/suggestions/indicators", "auditor", {"period": "2026-Q1"}).json
    assert (figures["issued"], figures["replied"], figures["reply_rate"], figures["replied_late"]) == (1, 1, 1.0, 1)
    assert verify(world.ledger, witness=None).intact


def test_refusals_are_json_errors_that_write_nothing(http: Http, world: World) -> None:
    body = draft_body(http)
    before = world.event_count()
    assert_error(http.post("/suggestions", "judge", {**body, "case_ids": ["nope"]}), 422, "invalid_value")
    assert_error(http.post("/suggestions", "judge", {**body, "kind": "memo"}), 422)
    assert_error(http.post("/suggestions", "judge", {**body, "surprise": 1}), 422)
    assert_error(http.post("/suggestions", "supervisor", body), 403)
    assert_error(http.post("/suggestions", "reader", body), 403)
    assert world.event_count() == before
    sid = http.post("/suggestions", "judge", body).json["id"]
    before = world.event_count()
    assert_error(post(http, sid, "issue", "judge"), 409, "illegal_transition")  # not reviewed
    assert_error(post(http, sid, "review", "judge", {"opinion": "同意"}), 409, "rule_violation")  # its drafter
    assert_error(http.get("/suggestions/00000000-0000-0000-0000-000000000000", "auditor"), 404)
    assert_error(http.get(f"/suggestions/{sid}", "reader"), 403)
    assert_error(http.get("/suggestions/indicators", "auditor", {"period": "2026-Q9"}), 422)
    assert_error(http.get("/suggestions/indicators", "auditor", {"period": "2026", "region": "999999"}), 422)
    assert world.event_count() == before


def test_an_idempotent_issue_replays_its_number(http: Http, world: World) -> None:
    world.actor("judge-reviewer", "judge", COUNTY)
    sid = http.post("/suggestions", "judge", draft_body(http, region_code=OTHER_TOWN)).json["id"]
    post(http, sid, "review", "judge-reviewer", {"opinion": "同意"})
    first = post(http, sid, "issue", "judge", Idempotency_Key="issue-1")
    before = world.event_count()
    again = post(http, sid, "issue", "judge", Idempotency_Key="issue-1")
    assert again.headers["Idempotent-Replayed"] == "true" and again.json["number"] == first.json["number"]
    assert world.event_count() == before


def test_the_openapi_document_describes_every_operation_and_the_codes(http: Http) -> None:
    document = http.client.get("/api/v1/openapi.json").json
    paths = {p for p in document["paths"] if p.startswith("/api/v1/suggestions")}
    commands = {f"/api/v1/suggestions/{{suggestion_id}}/{c}" for c in (
        "review", "issue", "deliver", "remind", "escalate", "record-reply", "revisit", "archive")}  # fmt: skip
    assert paths == {"/api/v1/suggestions", "/api/v1/suggestions/indicators", "/api/v1/suggestions/{suggestion_id}",
                     "/api/v1/suggestions/{suggestion_id}/history", *commands}  # fmt: skip
    reply = document["paths"]["/api/v1/suggestions/{suggestion_id}/record-reply"]["post"]
    assert {"200", "403", "404", "409"} <= set(reply["responses"]) and reply["summary"].startswith("Record")
    assert "SuggestionDraftBody" in document["components"]["schemas"]
    # The kinds and outcomes are reference codes with their Chinese labels.
    kinds = http.get("/reference/suggestion-kinds", "reader").json["items"]
    assert [k["label"] for k in kinds] == ["监察建议书", "司法建议书", "检察建议书", "公安提示函"]
    outcomes = http.get("/reference/reply-outcomes", "reader").json["items"]
    assert {"code": "partly", "label": "部分采纳"} in outcomes
