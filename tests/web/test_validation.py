"""Every body that breaks a rule gets 422 naming the field, and the store stays as it was."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support import COURT, VILLAGE_COMMITTEE
from tests.web.helpers import PERSON, Http, assert_error, report_body

CASES = [
    ("assign", "recorder", {"route": "by_pigeon", "organisation_code": VILLAGE_COMMITTEE}, "route"),
    ("assign", "recorder", {"organisation_code": VILLAGE_COMMITTEE}, "route"),
    (
        "assign",
        "recorder",
        {"route": "peoples_mediation", "organisation_code": "ORG-NOWHERE"},
        "organisation_code",
    ),
    ("accept", "mediator", {"occurred_at": "yesterday"}, "occurred_at"),
    ("decline", "mediator", {}, "reason"),
    ("hold-session", "mediator", {"mode": "onsite", "participants": [], "summary": "调解"}, "participants"),
    ("extend-deadline", "mediator", {"days": 0, "reason": "延长"}, "days"),
    ("extend-deadline", "mediator", {"days": "10", "reason": "延长"}, "days"),
    ("record-agreement", "mediator", {"terms": "赔偿", "amount": 12.5}, "amount"),
    ("record-agreement", "mediator", {"terms": "赔偿", "amount": "12.345"}, "amount"),
    ("record-failure", "mediator", {"reason": ""}, "reason"),
    ("request-confirmation", "mediator", {"court_code": COURT, "online": "yes", "applicants": ["张建国", "李秀英"]}, "online"),
    ("decide-confirmation", "judge", {"granted": True}, "reason"),
    ("file-in-court", "judge", {"court_code": COURT, "reason": "起诉"}, "court_case_number"),
    ("record-court-outcome", "judge", {"outcome": "won", "summary": "判决"}, "outcome"),
    ("record-performance", "mediator", {"performed": "most"}, "performed"),
    ("close", "mediator", {"summary": "结案", "colour": "red"}, "colour"),
    ("follow-up", "mediator", {"satisfaction": "satisfied"}, "relapse"),
    ("archive", "supervisor", {}, "archive_number"),
    ("reopen", "supervisor", {"reason": None}, "reason"),
    ("withdraw", "recorder", {"reason": 5}, "reason"),
    ("assess-risk", "supervisor", {"level": "low", "flags": ["angry"]}, "flags[0]"),
    (
        "add-supervision-note",
        "supervisor",
        {"instruction": "督办", "due_at": "2026-03-10T00:00:00"},
        "due_at",
    ),
    ("report-incident", "supervisor", {"kind": "riot", "description": "冲突", "severity": "grave"}, "kind"),
    ("correct-details", "recorder", {"field": "colour", "value": "x", "reason": "更正"}, "field"),
    ("correct-details", "recorder", {"field": "amount_in_dispute", "value": 10.5, "reason": "更正"}, "value"),
    ("link-to-lead-case", "recorder", {"lead_id": "not-a-uuid"}, "lead_id"),
    ("link-to-lead-case", "recorder", {"lead_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7"}, "lead_id"),
]


@pytest.mark.parametrize(("command", "who", "body", "field"), CASES, ids=[f"{c[0]}-{c[3]}" for c in CASES])
def test_a_command_body_that_breaks_a_rule_is_422_for_its_field(
    http: Http, world, command, who, body, field
) -> None:
    case_id = http.report().json["id"]
    count = world.event_count()
    error = assert_error(http.do(case_id, command, who, body), 422)
    assert field in error["errors"], error
    assert all(isinstance(m, str) for messages in error["errors"].values() for m in messages)
    assert world.event_count() == count


REPORTS = [
    ({"source": "pigeon"}, "source"),
    ({"category": None}, "category"),
    ({"people_involved": 0}, "people_involved"),
    ({"parties": []}, "parties"),
    ({"parties": [{**PERSON, "kind": "alien"}]}, "parties[0].kind"),
    ({"parties": [{**PERSON, "id_number": "110105194912310021"}]}, "parties[0].id_number"),
    ({"parties": [{**PERSON, "phone": "12345"}]}, "parties[0].phone"),
    ({"amount_in_dispute": 1200.5}, "amount_in_dispute"),
    ({"amount_in_dispute": "-3"}, "amount_in_dispute"),
    ({"region_code": "621199001999"}, "region_code"),
    ({"region_code": "621199001"}, "region_code"),
    ({"occurred_at": "2026-03-01T09:00:00"}, "occurred_at"),
    ({"surprise": 1}, "surprise"),
]


@pytest.mark.parametrize(("overrides", "field"), REPORTS, ids=[r[1] + str(i) for i, r in enumerate(REPORTS)])
def test_a_report_that_breaks_a_rule_is_422_for_its_field(http: Http, world, overrides, field) -> None:
    count = world.event_count()
    error = assert_error(http.post("/disputes", "recorder", report_body(**overrides)), 422)
    assert field in error["errors"], error
    assert world.event_count() == count


def test_a_report_names_every_broken_field_at_once(http: Http, world) -> None:
    count = world.event_count()
    error = assert_error(
        http.post("/disputes", "recorder", {"source": "x", "parties": [{"role": "x"}]}),
        422,
        "validation_error",
    )
    assert {
        "source",
        "category",
        "region_code",
        "summary",
        "people_involved",
        "parties[0].role",
        "parties[0].name",
    } <= set(error["errors"])
    assert world.event_count() == count


def test_times_in_the_future_or_before_the_last_event_are_refused(http: Http, world) -> None:
    future = (world.clock.now + timedelta(hours=1)).isoformat()
    assert (
        "occurred_at"
        in assert_error(http.post("/disputes", "recorder", report_body(occurred_at=future)), 422)["errors"]
    )
    case_id = http.report().json["id"]
    count = world.event_count()
    earlier = (world.clock.now - timedelta(days=1)).isoformat()
    body = {"route": "peoples_mediation", "organisation_code": VILLAGE_COMMITTEE, "occurred_at": earlier}
    assert (
        "occurred_at"
        in assert_error(http.do(case_id, "assign", "recorder", body), 422, "invalid_value")["errors"]
    )
    assert world.event_count() == count


def test_a_body_that_is_not_json_is_400(http: Http, world) -> None:
    count = world.event_count()
    response = http.client.post(
        "/api/v1/disputes", data="{not json", content_type="application/json", headers=http.auth("recorder")
    )
    assert "body" in assert_error(response, 400, "bad_request")["errors"]
    assert world.event_count() == count
