"""The read-access log (DESIGN.md §7, issue 5 item 4): every read of unmasked personal data is
appended to the case's hash-chained access log; reads without a purpose are refused for all but
the case's current handlers; readers never see the data and leave no entry."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from application.integrity import verify
from tests.web.helpers import Http, assert_error, both_stores

PURPOSE = "民转刑责任倒查"
ENCODED = quote(PURPOSE)  # HTTP headers carry Latin-1: Chinese text travels percent-encoded


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Queries catch up inline on PostgreSQL too, so each read sees the commands before it.
    return {"INLINE_PROJECTION": True}


def assigned_case(http: Http) -> str:
    case_id = http.report().json["id"]
    http.ok(case_id, "assign", "recorder")
    return case_id


def log_of(http: Http, case_id: str) -> list[dict[str, Any]]:
    response = http.get("/audit/access-log", "auditor", {"dispute": case_id, "per_page": 100})
    assert response.status_code == 200, response.json
    return response.json["items"]


@both_stores
def test_a_read_with_a_purpose_is_logged_and_one_without_is_refused_writing_nothing(
    http: Http, world
) -> None:
    case_id = assigned_case(http)
    before = world.event_count()

    refused = assert_error(http.get(f"/disputes/{case_id}", "supervisor"), 403, "purpose_required")
    assert "X-Access-Purpose" in refused["message"]
    assert world.event_count() == before

    read = http.get(f"/disputes/{case_id}", "supervisor", X_Access_Purpose=ENCODED)
    assert read.status_code == 200
    assert read.json["parties"][0]["id_number"] == "11010519491231002X"

    (entry,) = log_of(http, case_id)
    assert entry["actor_id"] == "supervisor" and entry["actor_role"] == "supervisor"
    assert entry["purpose"] == PURPOSE and entry["handler"] is False
    assert entry["endpoint"] == "GET /api/v1/disputes/<case_id>"
    assert len(entry["hash"]) == 64


def test_the_handling_mediator_reads_without_a_purpose_and_is_logged_as_handler(http: Http) -> None:
    case_id = assigned_case(http)
    assert http.get(f"/disputes/{case_id}", "mediator").json["parties"][0]["name"] == "张建国"
    # Another town's mediator body is not handling it.
    assert_error(http.get(f"/disputes/{case_id}", "town-mediator"), 403, "purpose_required")
    (entry,) = log_of(http, case_id)
    assert (entry["actor_id"], entry["handler"], entry["purpose"]) == ("mediator", True, None)


def test_readers_see_masked_data_and_leave_no_entry(http: Http, world) -> None:
    case_id = assigned_case(http)
    before = world.event_count()
    for path in (f"/disputes/{case_id}", f"/disputes/{case_id}/history", "/disputes"):
        response = http.get(path, "reader", X_Access_Purpose=ENCODED)
        assert response.status_code == 200
        assert "11010519491231002X" not in response.get_data(as_text=True)
    assert world.event_count() == before
    assert log_of(http, case_id) == []


def test_a_list_is_masked_without_a_purpose_and_logs_every_listed_case_with_one(http: Http, world) -> None:
    first, second = assigned_case(http), assigned_case(http)
    before = world.event_count()
    masked = http.get("/disputes", "supervisor").json["items"]
    assert {p["name"] for item in masked for p in item["parties"]} == {"张**", "李**"}
    assert world.event_count() == before

    shown = http.get("/disputes", "supervisor", X_Access_Purpose=ENCODED).json["items"]
    assert {item["parties"][0]["name"] for item in shown} == {"张建国"}
    for case_id in (first, second):
        assert [(e["endpoint"], e["purpose"]) for e in log_of(http, case_id)] == [
            ("GET /api/v1/disputes", PURPOSE)
        ]


def test_history_as_of_and_review_are_logged_reads(http: Http, world) -> None:
    case_id = assigned_case(http)
    as_of = world.clock.now.isoformat()
    for path, query in (
        (f"/disputes/{case_id}/history", None),
        (f"/disputes/{case_id}", {"as_of": as_of}),
        (f"/audit/reviews/{case_id}", None),
    ):
        assert http.get(path, "auditor", query).status_code == 403
        assert http.get(path, "auditor", query, X_Access_Purpose=ENCODED).status_code == 200
    endpoints = [e["endpoint"] for e in log_of(http, case_id)]
    assert endpoints == [
        "GET /api/v1/disputes/<case_id>/history",
        "GET /api/v1/disputes/<case_id>",
        "GET /api/v1/audit/reviews/<dispute_id>",
    ]
    # The review shows the reads before it, split at the incident (none here).
    review = http.get(f"/audit/reviews/{case_id}", "auditor", X_Access_Purpose=ENCODED).json
    assert [r["endpoint"] for r in review["access_log"]["before"]] == endpoints
    assert review["access_log"]["after"] == []


def test_command_answers_mask_for_non_handlers_and_are_not_reads_for_handlers(http: Http, world) -> None:
    case_id = assigned_case(http)
    accepted = http.ok(case_id, "accept", "mediator")
    assert accepted["parties"][0]["name"] == "张建国"
    noted = http.ok(
        case_id,
        "add-supervision-note",
        "supervisor",
        {"instruction": "三日内调处", "due_at": "2026-03-10T00:00:00+08:00"},
    )
    assert noted["parties"][0]["name"] == "张**"
    assert log_of(http, case_id) == []


def test_the_access_log_is_for_auditors_and_names_bad_input(http: Http) -> None:
    case_id = assigned_case(http)
    assert_error(http.get("/audit/access-log", "supervisor", {"dispute": case_id}), 403, "forbidden")
    assert_error(http.get("/audit/access-log", "auditor"), 422)
    assert_error(http.get("/audit/access-log", "auditor", {"dispute": "not-a-case"}), 422)
    assert_error(
        http.get("/audit/access-log", "auditor", {"dispute": "00000000-0000-4000-8000-000000000000"}), 404
    )
    too_long = quote("查" * 201)
    body = assert_error(http.get(f"/disputes/{case_id}", "supervisor", X_Access_Purpose=too_long), 422)
    assert "purpose" in body["errors"]


def test_the_log_is_hash_chained_and_verified_with_the_cases(http: Http, world) -> None:
    case_id = assigned_case(http)
    for _ in range(3):
        http.get(f"/disputes/{case_id}", "admin", X_Access_Purpose=ENCODED)
    entries = log_of(http, case_id)
    assert [e["sequence"] for e in entries] == [2, 3, 4]  # 1 opened the log
    assert len({e["hash"] for e in entries}) == 3
    report = verify(world.ledger)
    assert report.intact, report.summary()
    assert report.cases == 1
    notes = world.ledger.recorder.select_notifications(start=1, limit=100000)
    chained = [n for n in notes if n.topic.startswith(("domain.case:", "domain.access:"))]
    # the case's two events and the log's four (opened, three reads)
    assert len(chained) == 6 and report.streams["access log"] == 1
    assert report.events == world.event_count()  # verify reads every row
