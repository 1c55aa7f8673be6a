"""Demonstration batches through the API, on both stores: a batch from opening to close with its
figures, the case list's ``batch=`` and ``lead_id=`` filters, and refusals as JSON errors that
write nothing."""

from __future__ import annotations

import uuid
from typing import Any

from tests.integration.test_batch_transitions import CREDIT_CODE, EMPLOYER
from tests.support import COURT, OTHER_TOWN_VILLAGE, TOWN, World
from tests.web.helpers import Http, assert_error, both_stores

WORKER = {"role": "applicant", "kind": "person", "name": "马建军", "phone": "13912345678"}
RESPONDENT = {"role": "respondent", "kind": "organisation", "name": EMPLOYER, "id_number": CREDIT_CODE}


def wage_claim(http: Http, **overrides: Any) -> str:
    body = {"category": "migrant_wages", "summary": "追索劳动报酬", "parties": [WORKER, RESPONDENT], **overrides}
    return str(http.report(**body).json["id"])


def open_body(**overrides: Any) -> dict[str, Any]:
    return {"title": "青山建筑拖欠工资系列纠纷", "subject_kind": "respondent", "subject_name": EMPLOYER,
            "credit_code": CREDIT_CODE, "region_code": TOWN, **overrides}  # fmt: skip


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json  # type: ignore[no-any-return]


@both_stores
def test_a_batch_from_opening_to_close(http: Http, world: World) -> None:
    lead, *others = [wage_claim(http) for _ in range(4)]
    opened = ok(http.post("/batches", "recorder", open_body()), 201)
    path = f"/batches/{opened['id']}"
    assert opened["status"] == "collecting" and opened["subject_kind_label"] == "共同被申请人"
    ok(http.post(f"{path}/add-cases", "recorder", {"case_ids": [lead, *others]}))
    chosen = ok(http.post(f"{path}/choose-lead", "recorder", {"case_id": lead}))
    assert chosen["lead_id"] == lead and "adopt-standard" in chosen["allowed_commands"]

    # Before the lead is decided nothing is adopted or offered: 409, nothing written.
    before = world.event_count()
    refused = assert_error(http.post(f"{path}/adopt-standard", "recorder", {}), 409, "rule_violation")
    assert "not decided" in refused["message"]
    assert_error(http.post(f"{path}/offer", "recorder", {}), 409, "illegal_transition")
    assert world.event_count() == before

    http.ok(lead, "file-in-court", "judge", {"court_code": COURT, "court_case_number": "(2026)甘1199民初7号", "reason": "示范诉讼"})
    http.ok(lead, "record-court-outcome", "judge", {"outcome": "judgment", "summary": "被告支付原告工资12000元"})
    adopted = ok(http.post(f"{path}/adopt-standard", "judge", {}))
    assert adopted["standard"]["kind"] == "judgment" and adopted["standard"]["kind_label"] == "判决"
    assert adopted["standard"]["terms"] == "被告支付原告工资12000元"
    offered = ok(http.post(f"{path}/offer", "recorder", {}, Idempotency_Key="offer-1"))
    assert offered["indicators"]["offered"] == 3 and offered["version"] == adopted["version"] + 3
    # One command, three events, one receipt: a retry answers the same and writes nothing.
    written = world.event_count()
    again = http.post(f"{path}/offer", "recorder", {}, Idempotency_Key="offer-1")
    assert again.headers["Idempotent-Replayed"] == "true" and ok(again)["version"] == offered["version"]
    assert world.event_count() == written
    ok(http.post(f"{path}/record-acceptance", "recorder", {"case_id": others[0]}))
    ok(http.post(f"{path}/record-refusal", "recorder", {"case_id": others[1], "reason": "要求另计加班费"}))
    filed = http.do(others[1], "file-in-court", "judge", {"court_code": COURT, "court_case_number": "(2026)甘1199民初8号", "reason": "起诉"})
    # Reads wait for the views to reach a write they name (a follower projects on PostgreSQL).
    seen = {"X_Ledger_Position": ok(filed) and filed.headers["X-Ledger-Position"]}

    page = ok(http.get(path, "supervisor", **seen))
    assert page["indicators"] == {
        "cases": 4, "parallel_cases": 3, "offered": 3, "settled_on_lead_terms": 1, "refused": 1,
        "awaiting_answer": 1, "went_to_court": 1, "still_open": 1, "settlement_rate": 1 / 3,
    }  # fmt: skip
    answers = {c["case_id"]: (c["answer"], c["answered_by"]) for c in page["cases"]}
    assert answers[others[0]] == ("accepted", "recorder") and answers[others[2]] == (None, None)
    history = ok(http.get(f"{path}/history", "auditor"))["events"]
    offers = [e for e in history if e["type"] == "Offered"]
    assert [e["payload"]["case_id"] for e in offers] == others and {e["actor_id"] for e in offers} == {"recorder"}
    assert all(e["hash"] and e["label"] for e in history)

    listed = ok(http.get("/batches", "judge", {"case": others[1]}, **seen))["items"]
    assert [b["id"] for b in listed] == [opened["id"]] and listed[0]["indicators"] == page["indicators"]
    in_batch = ok(http.get("/disputes", "recorder", {"batch": opened["id"]}))
    parallel = ok(http.get("/disputes", "recorder", {"lead_id": lead}))
    assert {c["id"] for c in in_batch["items"]} == {lead, *others}
    assert {c["id"] for c in parallel["items"]} == set(others)

    closed = ok(http.post(f"{path}/close", "recorder", {"reason": "批次处理完毕"}))
    assert closed["status"] == "closed" and closed["allowed_commands"] == []
    assert_error(http.post(f"{path}/record-acceptance", "recorder", {"case_id": others[2]}), 409, "illegal_transition")


def test_refusals_are_json_errors_and_write_nothing_and_the_document_lists_it_all(http: Http, world: World) -> None:
    case = wage_claim(http)
    theirs = wage_claim(http, region_code=OTHER_TOWN_VILLAGE, who="other-recorder")
    first = ok(http.post("/batches", "recorder", open_body()), 201)
    ok(http.post(f"/batches/{first['id']}/add-cases", "recorder", {"case_ids": [case]}))
    second = ok(http.post("/batches", "recorder", open_body(title="第二批")), 201)
    before = world.event_count()
    path = f"/batches/{second['id']}"

    in_other = assert_error(http.post(f"{path}/add-cases", "recorder", {"case_ids": [case]}), 409, "rule_violation")
    assert first["id"] in in_other["message"]
    for unknown in (str(uuid.uuid4()), theirs):
        assert_error(http.post(f"{path}/add-cases", "recorder", {"case_ids": [unknown]}), 422, "invalid_value")
    assert_error(http.post(f"{path}/add-cases", "recorder", {"case_ids": ["x"]}), 422)
    assert_error(http.post(f"{path}/add-cases", "recorder", {"case_ids": [case], "extra": 1}), 422)
    assert_error(http.post("/batches", "recorder", open_body(credit_code="91621199MA01ABCD08")), 422, "invalid_value")
    assert_error(http.post("/batches", "recorder", open_body(subject_kind="bank")), 422)
    assert_error(http.post("/batches", "supervisor", open_body()), 403, "forbidden")
    assert_error(http.post("/batches", "other-recorder", open_body()), 403, "forbidden")
    assert_error(http.get(path, "reader"), 403, "forbidden")
    assert_error(http.get(path, "other-recorder"), 404, "not_found")
    assert_error(http.post(f"{path}/close", "other-recorder", {"reason": "x"}), 404, "not_found")
    assert_error(http.get(f"/batches/{uuid.uuid4()}", "recorder"), 404, "not_found")
    assert ok(http.get("/batches", "other-recorder"))["items"] == []
    assert_error(http.get("/batches", "other-recorder", {"region": TOWN}), 403, "forbidden")
    assert_error(http.get("/batches", "recorder", {"region": "999999"}), 422, "invalid_value")
    assert len(ok(http.get("/batches", "recorder", {"region": TOWN}))["items"]) == 2
    assert world.event_count() == before

    # Every operation is in the OpenAPI document, and so are the case list's filters.
    document = ok(http.get("/openapi.json", None))
    paths = {p.removeprefix("/api/v1") for p in document["paths"]}
    commands = ("add-cases", "choose-lead", "adopt-standard", "offer", "record-acceptance", "record-refusal", "close")
    assert {"/batches", "/batches/{batch_id}", "/batches/{batch_id}/history"} <= paths
    assert {f"/batches/{{batch_id}}/{c}" for c in commands} <= paths
    listing = document["paths"]["/api/v1/disputes"]["get"]["parameters"]
    assert {"lead_id", "batch"} <= {p["name"] for p in listing}


def test_a_cases_page_shows_its_batches_offer_and_answer(http: Http, world: World) -> None:
    from tests.web.pages import sign_in

    lead, parallel = wage_claim(http), wage_claim(http)
    batch = ok(http.post("/batches", "recorder", open_body()), 201)["id"]
    ok(http.post(f"/batches/{batch}/add-cases", "recorder", {"case_ids": [lead, parallel]}))
    ok(http.post(f"/batches/{batch}/choose-lead", "recorder", {"case_id": lead}))
    http.ok(lead, "file-in-court", "judge", {"court_code": COURT, "court_case_number": "(2026)甘1199民初7号", "reason": "示范"})
    http.ok(lead, "record-court-outcome", "judge", {"outcome": "judgment", "summary": "支付工资"})
    ok(http.post(f"/batches/{batch}/adopt-standard", "judge", {}))
    ok(http.post(f"/batches/{batch}/offer", "recorder", {}))
    ok(http.post(f"/batches/{batch}/record-refusal", "recorder", {"case_id": parallel, "reason": "不认可"}))
    client = http.client
    sign_in(client, world, "supervisor")
    page = client.get(f"/ui/cases/{parallel}").get_data(as_text=True)
    assert "示范批次" in page and "青山建筑拖欠工资系列纠纷" in page and "平行案件" in page
    assert "拒绝示范标准" in page and "（recorder）" in page
    assert "示范案件" in client.get(f"/ui/cases/{lead}").get_data(as_text=True)
