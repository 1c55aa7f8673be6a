"""Inputs that once answered 500, or were stored and then broke every read (issue 10): each is
refused with 4xx naming what is wrong, the store keeps its position, and afterwards the list,
the case, its history and the indicators still answer 200 — on SQLite and on PostgreSQL, with
the views caught up inline so a stored poison event would reach every projection."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from tests.support import VILLAGE_COMMITTEE
from tests.web.helpers import API, PERSON, Http, assert_error, both_stores, report_body

PURPOSE = {"X_Access_Purpose": "poison-test"}


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"INLINE_PROJECTION": True}


def raw_post(http: Http, path: str, who: str, data: str | bytes, **headers: str) -> Any:
    return http.client.post(
        API + path, data=data, content_type="application/json", headers=http.auth(who, **headers)
    )


def reads_answer(http: Http, case_id: str) -> None:
    for path, query in (
        ("/disputes", {}),
        ("/disputes", {"overdue": "true"}),
        (f"/disputes/{case_id}", {}),
        (f"/disputes/{case_id}/history", {}),
        ("/indicators", {"period": "2026"}),
        ("/indicators", {"period": "2026-03", "level": "village"}),
        ("/indicators/warnings", {"period": "2026-Q1"}),
    ):
        response = http.get(path, "admin", query, **PURPOSE)
        assert response.status_code == 200, (path, query, response.get_data(as_text=True)[:300])


def deep(levels: int) -> str:
    return '{"summary": ' + "[" * levels + "]" * levels + "}"


#: (path, body: dict → JSON, str → sent as it is; who; status; the field the errors must name)
def poison_commands(case_id: str) -> list[tuple[str, Any, str, int, str]]:
    report = "/disputes"
    note = f"/disputes/{case_id}/add-supervision-note"
    session = f"/disputes/{case_id}/hold-session"
    good_report = json.dumps(report_body(), ensure_ascii=False)
    return [
        (report, report_body(occurred_at="0001-01-01T00:00:00+14:00"), "recorder", 422, "occurred_at"),
        (report, report_body(occurred_at="9999-12-31T23:59:59-14:00"), "recorder", 422, "occurred_at"),
        (report, report_body(occurred_at="1989-12-31T23:59:59+08:00"), "recorder", 422, "occurred_at"),
        (note, {"instruction": "督办", "due_at": "9999-12-31T23:59:59-14:00"}, "supervisor", 422, "due_at"),
        (note, {"instruction": "督办", "due_at": "2036-03-03T00:00:00+08:00"}, "supervisor", 422, "due_at"),
        (report, report_body(summary="纠纷\u0000摘要"), "recorder", 422, "summary"),
        (report, report_body(parties=[{**PERSON, "name": "张\u0000"}]), "recorder", 422, "parties[0].name"),
        (
            report,
            report_body(parties=[{**PERSON, "phone": "138\u000012341234"}]),
            "recorder",
            422,
            "parties[0].phone",
        ),
        (report, report_body(summary="响铃\u0007"), "recorder", 422, "summary"),
        (report, report_body(note="备注\u009b"), "recorder", 422, "note"),
        (report, good_report.replace("两户", "\\ud800"), "recorder", 400, "body"),
        (report, good_report.replace("两户", "\\udfff"), "recorder", 400, "body"),
        (report, report_body(parties=[PERSON] * 51), "recorder", 422, "parties"),
        (report, report_body(summary="字" * 2001), "recorder", 422, "summary"),
        (report, report_body(amount_in_dispute="1e3"), "recorder", 422, "amount_in_dispute"),
        (report, report_body(amount_in_dispute="+12"), "recorder", 422, "amount_in_dispute"),
        (report, report_body(amount_in_dispute=" 12"), "recorder", 422, "amount_in_dispute"),
        (report, report_body(amount_in_dispute="NaN"), "recorder", 422, "amount_in_dispute"),
        (report, good_report.replace('"1200.50"', "NaN"), "recorder", 400, "body"),
        (report, good_report.replace('"1200.50"', "1e999"), "recorder", 400, "body"),
        (
            report,
            good_report.replace('"people_involved": 2', '"people_involved": ' + "9" * 5000),
            "recorder",
            400,
            "body",
        ),
        (report, json.dumps(report_body(people_involved=10**30)), "recorder", 422, "people_involved"),
        (report, good_report[:-1] + ', "summary": "另一个摘要"}', "recorder", 400, "summary"),
        (report, deep(10_000), "recorder", 400, "body"),
        (report, deep(40), "recorder", 400, "body"),
        (
            session,
            {"mode": "onsite", "participants": ["张"] * 101, "summary": "调解"},
            "mediator",
            422,
            "participants",
        ),
        (
            session,
            {"mode": "onsite", "participants": ["张\u0000"], "summary": "调解"},
            "mediator",
            422,
            "participants[0]",
        ),
    ]


@both_stores
def test_poison_commands_are_refused_and_write_nothing(http: Http, world) -> None:
    case_id = http.report().json["id"]
    http.ok(case_id, "assign", "recorder")
    http.ok(case_id, "accept", "mediator")
    world.clock.advance(hours=1)
    reads_answer(http, case_id)
    for path, body, who, status, field in poison_commands(case_id):
        count = world.event_count()
        if isinstance(body, str):
            response = raw_post(http, path, who, body.encode())
        else:
            response = http.post(path, who, body)
        error = assert_error(response, status)
        assert field in error["errors"], (path, str(body)[:120], error)
        assert world.event_count() == count, (path, str(body)[:120])
    reads_answer(http, case_id)


@both_stores
def test_poison_headers_and_queries_are_refused_and_reads_still_answer(http: Http, world) -> None:
    case_id = http.report().json["id"]
    count = world.event_count()
    body = {"route": "peoples_mediation", "organisation_code": VILLAGE_COMMITTEE}
    refusals: list[tuple[Any, int, str]] = [
        (http.do(case_id, "assign", "recorder", body, If_Match="9" * 5000), 400, "If-Match"),
        (http.do(case_id, "assign", "recorder", body, If_Match='"' + "9" * 30 + '"'), 400, "If-Match"),
        (http.do(case_id, "assign", "recorder", body, Idempotency_Key="k" * 5000), 400, "Idempotency-Key"),
        (http.get(f"/disputes/{case_id}", "admin", X_Ledger_Position="9" * 5000), 400, "X-Ledger-Position"),
        (http.get(f"/disputes/{case_id}", "admin", {"min_position": "9" * 5000}), 422, "min_position"),
        (http.get(f"/disputes/{case_id}", "admin", X_Access_Purpose="%07"), 422, "purpose"),
        (http.get(f"/disputes/{case_id}", "admin", X_Access_Purpose="x" * 5000), 400, "X-Access-Purpose"),
    ]
    for query, field in (
        ({"as_of": "0001-01-01T00:00:00+14:00"}, "as_of"),
        ({"as_of": "9999-12-31T23:59:59-14:00"}, "as_of"),
        ({"as_of_occurred": "0001-01-01T00:00:00+14:00"}, "as_of_occurred"),
        ({"as_of": "1970-01-01T00:00:00+00:00"}, "as_of"),
    ):
        refusals.append((http.get(f"/disputes/{case_id}", "admin", query, **PURPOSE), 422, field))
    for query, field in (
        ({"period": "2026", "as_of": "0001-01-01T00:00:00+14:00"}, "as_of"),
        ({"period": "2026", "as_of": "9999-12-31T23:59:59-14:00"}, "as_of"),
        ({"period": "9999"}, "period"),
        ({"period": "0001-Q1"}, "period"),
        ({"period": "10000"}, "period"),
    ):
        refusals.append((http.get("/indicators", "admin", query), 422, field))
    refusals += [
        (
            http.get("/indicators/cell", "admin", {"period": "9999-12", "indicator": "disputes_reported"}),
            422,
            "period",
        ),
        (http.get("/indicators/warnings", "admin", {"period": "0001"}), 422, "period"),
        (
            http.get("/audit/actors/admin/actions", "auditor", {"from": "0001-01-01T00:00:00+14:00"}),
            422,
            "from",
        ),
        (http.get("/disputes", "admin", {"region": "621199\x00"}), 400, "region"),
        (http.get("/audit/actors/ad%00min/actions", "auditor"), 400, "path"),
    ]
    for response, status, field in refusals:
        error = assert_error(response, status)
        assert field in error["errors"], (field, error)
    assert world.event_count() == count
    reads_answer(http, case_id)


@both_stores
def test_a_body_too_large_is_413_in_the_error_shape(http: Http, world) -> None:
    count = world.event_count()
    big = json.dumps(report_body(summary="字" * 400_000), ensure_ascii=False).encode()
    assert len(big) > 1024 * 1024
    error = assert_error(raw_post(http, "/disputes", "recorder", big), 413, "payload_too_large")
    assert error["message"]
    assert world.event_count() == count


def test_the_edges_of_the_window_are_accepted(http: Http, world) -> None:
    """The bounds themselves are inside: LEDGER_EARLIEST (default 1990-01-01 in the county's
    zone), now for occurred_at, ten years ahead for a due date."""
    case_id = http.report(occurred_at="1990-01-01T00:00:00+08:00").json["id"]
    ten_years = world.clock.now.replace(year=world.clock.now.year + 10)
    body = {"instruction": "十年内回复", "due_at": ten_years.isoformat()}
    assert http.ok(case_id, "add-supervision-note", "supervisor", body)["version"] == 2
    too_late = (ten_years + timedelta(seconds=1)).isoformat()
    error = assert_error(
        http.do(case_id, "add-supervision-note", "supervisor", {"instruction": "督办", "due_at": too_late}),
        422,
    )
    assert "ten years" in " ".join(error["errors"]["due_at"]) or "10 years" in " ".join(
        error["errors"]["due_at"]
    )
    reads_answer(http, case_id)


def test_ledger_earliest_moves_the_lower_bound(http: Http, world, monkeypatch, store) -> None:
    from web import close_app, create_app

    monkeypatch.setenv("LEDGER_EARLIEST", "2020-01-01")
    app = create_app({"TESTING": True, "STORE_SETTINGS": store, "CLOCK": world.clock})
    try:
        moved = Http(app.test_client(), world)
        error = assert_error(
            moved.post("/disputes", "recorder", report_body(occurred_at="2019-12-31T23:59:59+08:00")), 422
        )
        assert "2020-01-01" in error["errors"]["occurred_at"][0]
        assert moved.report(occurred_at="2020-01-01T00:00:00+08:00").status_code == 201
        assert "period" in assert_error(moved.get("/indicators", "admin", {"period": "2019"}), 422)["errors"]
    finally:
        close_app(app)
