"""Commands over HTTP: a whole life, every command once, and the refusals that write nothing."""

from __future__ import annotations

from datetime import timedelta

from tests.support import COURT, OTHER_TOWN_VILLAGE, TOWN_COMMITTEE, VILLAGE_COMMITTEE
from tests.web.helpers import API, Http, assert_error, both_stores, report_body
from web.auth import mask_personal

LIFE = [
    ("assign", "recorder", "assigned"),
    ("accept", "mediator", "accepted"),
    ("hold-session", "mediator", "mediating"),
    ("record-agreement", "mediator", "agreed"),
    ("request-confirmation", "mediator", "confirmation_pending"),
    ("decide-confirmation", "judge", "confirmed"),
    ("record-performance", "mediator", "confirmed"),
    ("close", "mediator", "closed"),
    ("follow-up", "mediator", "closed"),
    ("archive", "supervisor", "archived"),
]


@both_stores
def test_a_dispute_lives_from_report_to_archive_over_http(http: Http, world) -> None:
    reported = http.report()
    case_id = reported.json["id"]
    assert reported.headers["Location"] == f"{API}/disputes/{case_id}"
    assert reported.headers["ETag"] == '"1"'
    assert reported.json["status"] == "reported" and reported.json["status_label"] == "已登记"
    assert reported.json["amount_in_dispute"] == "1200.50"
    assert reported.json["town_code"] == "621199001" and reported.json["county_code"] == "621199"
    assert [d["kind"] for d in reported.json["deadlines"]] == ["triage"]

    version, response = 1, reported
    for command, who, status in LIFE:
        world.clock.advance(hours=6)
        response = http.do(case_id, command, who, If_Match=f'"{version}"')
        assert response.status_code == 200, (command, response.json)
        version += 1
        assert (response.json["status"], response.json["version"]) == (status, version), command
        assert response.headers["ETag"] == f'"{version}"'
        assert int(response.headers["X-Ledger-Position"]) == response.json["position"]

    final = response.json
    assert final["resolution"] == "confirmed"
    # What the supervisor who archived it may still do (correcting details is the recorder's).
    assert final["allowed_commands"] == ["add-supervision-note", "assess-risk", "report-incident"]
    follow_up = [d for d in final["deadlines"] if d["kind"] == "follow_up"]
    assert follow_up and follow_up[0]["met_at"] is not None and not follow_up[0]["overdue"]
    # The views (after read-your-writes on the last position) say exactly what the command said.
    purpose = "%E7%9D%A3%E5%8A%9E"  # 督办, percent-encoded as HTTP headers require
    seen = http.get(
        f"/disputes/{case_id}",
        "supervisor",
        X_Ledger_Position=response.headers["X-Ledger-Position"],
        X_Access_Purpose=purpose,
    )
    assert seen.status_code == 200
    # The supervisor's archive answer masks the parties (no purpose declared); the read declared one.
    assert final["parties"][0]["name"] == "张**"
    assert mask_personal(seen.json) == final
    history = http.get(f"/disputes/{case_id}/history", "supervisor", X_Access_Purpose=purpose).json["events"]
    assert [e["command"] for e in history] == ["report"] + [c for c, _, _ in LIFE]
    assert [e["seq"] for e in history] == list(range(1, 12))
    assert all(e["prev_hash"] == p["hash"] for p, e in zip(history, history[1:], strict=False))


def test_every_other_command_over_http(http: Http, world) -> None:
    lead = http.report().json["id"]
    case_id = http.report().json["id"]
    now = world.clock.now

    state = http.ok(case_id, "assess-risk", "supervisor", {"level": "high", "flags": ["mass", "extreme"]})
    assert (state["risk_level"], state["risk_flags"]) == ("high", ["extreme", "mass"])
    assert state["deadlines"][0]["due_at"] == (now + timedelta(days=1)).isoformat()
    state = http.ok(
        case_id,
        "add-supervision-note",
        "supervisor",
        {"instruction": "请加快调处", "due_at": (now + timedelta(days=5)).isoformat(), "note": "县督办"},
    )
    assert "supervision" in [d["kind"] for d in state["deadlines"]]
    state = http.ok(
        case_id,
        "report-incident",
        "supervisor",
        {"kind": "criminal_escalation", "description": "双方发生肢体冲突", "severity": "serious"},
    )
    state = http.ok(
        case_id,
        "correct-details",
        "recorder",
        {"field": "amount_in_dispute", "value": "99.00", "reason": "登记有误"},
    )
    assert state["amount_in_dispute"] == "99.00"
    state = http.ok(case_id, "link-to-lead-case", "recorder", {"lead_id": lead})
    assert state["lead_id"] == lead

    http.ok(case_id, "assign", "recorder")
    state = http.ok(case_id, "decline", "mediator", {"reason": "不属于本组织受理范围"})
    assert (state["status"], state["organisation_code"]) == ("reported", None)
    http.ok(
        case_id, "assign", "recorder", {"route": "peoples_mediation", "organisation_code": TOWN_COMMITTEE}
    )
    http.ok(case_id, "accept", "town-mediator")
    http.ok(case_id, "hold-session", "town-mediator")
    state = http.ok(case_id, "extend-deadline", "town-mediator", {"days": 10, "reason": "双方同意延长"})
    assert state["status"] == "mediating"
    again = http.do(case_id, "extend-deadline", "town-mediator", {"days": 5, "reason": "再次延长"})
    assert_error(again, 409, "rule_violation")
    assert http.ok(case_id, "record-failure", "town-mediator", {"reason": "分歧较大"})["status"] == "failed"
    state = http.ok(
        case_id,
        "file-in-court",
        "judge",
        {"court_code": COURT, "court_case_number": "(2026)甘1199民初1号", "reason": "起诉"},
    )
    assert (state["status"], state["route"]) == ("litigating", "litigation")
    http.ok(case_id, "record-court-outcome", "judge", {"outcome": "judgment", "summary": "判决"})
    assert http.ok(case_id, "close", "judge")["resolution"] == "adjudicated"
    state = http.ok(case_id, "reopen", "supervisor", {"reason": "回访发现纠纷反复"})
    assert (state["status"], state["resolution"]) == ("reported", None)
    state = http.ok(case_id, "withdraw", "recorder", {"reason": "当事人自行和解"})
    assert (state["status"], state["resolution"]) == ("closed", "withdrawn")


def test_an_illegal_transition_names_the_state_and_what_is_allowed(http: Http, world) -> None:
    case_id = http.report().json["id"]
    before = world.event_count()
    body = assert_error(http.do(case_id, "close", "judge", {"summary": "结案"}), 409, "illegal_transition")
    assert body["status"] == "reported"
    assert body["command"] == "close"
    assert "assign" in body["allowed"] and "file-in-court" in body["allowed"]
    assert world.event_count() == before


def test_if_match_refuses_a_stale_version_with_the_current_one(http: Http, world) -> None:
    case_id = http.report().json["id"]
    http.ok(case_id, "assign", "recorder", If_Match='"1"')
    before = world.event_count()
    body = assert_error(http.do(case_id, "accept", "mediator", If_Match='"1"'), 409, "version_conflict")
    assert body["current_version"] == 2
    assert_error(http.do(case_id, "accept", "mediator", If_Match="two"), 400, "bad_request")
    assert world.event_count() == before
    assert http.ok(case_id, "accept", "mediator", If_Match="2")["version"] == 3


@both_stores
def test_a_retry_with_the_same_idempotency_key_returns_the_first_answer_and_writes_nothing(
    http: Http, world
) -> None:
    first = http.post("/disputes", "recorder", report_body(), Idempotency_Key="k-1")
    assert first.status_code == 201
    count = world.event_count()
    world.clock.advance(minutes=5)
    retry = http.post("/disputes", "recorder", report_body(), Idempotency_Key="k-1")
    assert retry.status_code == 201
    assert retry.get_data() == first.get_data()
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["ETag"] == first.headers["ETag"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert world.event_count() == count

    case_id = first.json["id"]
    assigned = http.do(case_id, "assign", "recorder", Idempotency_Key="k-2")
    again = http.do(case_id, "assign", "recorder", Idempotency_Key="k-2")
    assert (again.status_code, again.get_data()) == (200, assigned.get_data())
    assert world.event_count() == count + 2  # the assignment and its key's receipt, saved together


def test_an_idempotency_key_reused_for_another_request_is_refused(http: Http, world) -> None:
    http.post("/disputes", "recorder", report_body(), Idempotency_Key="k-1")
    count = world.event_count()
    body = assert_error(
        http.post("/disputes", "recorder", report_body(summary="另一起纠纷"), Idempotency_Key="k-1"),
        422,
        "idempotency_key_reused",
    )
    assert "Idempotency-Key" in body["errors"]
    assert world.event_count() == count
    # Keys belong to their actor: the same key from someone else is a different request.
    other = http.post(
        "/disputes", "other-recorder", report_body(region_code=OTHER_TOWN_VILLAGE), Idempotency_Key="k-1"
    )
    assert other.status_code == 201
    assert world.event_count() == count + 2  # the report and its key's receipt


def test_a_refused_request_does_not_use_up_its_idempotency_key(http: Http, world) -> None:
    refused = http.post(
        "/disputes", "recorder", report_body(region_code="621199001999"), Idempotency_Key="k-3"
    )
    assert_error(refused, 422, "invalid_value")
    assert http.post("/disputes", "recorder", report_body(), Idempotency_Key="k-3").status_code == 201


def test_roles_and_regions_are_enforced_and_nothing_is_written(http: Http, world) -> None:
    case_id = http.report().json["id"]
    count = world.event_count()
    assert_error(http.post("/disputes", "reader", report_body()), 403, "forbidden")
    assert_error(http.post("/disputes", "mediator", {"anything": 1}), 403, "forbidden")
    assert_error(http.do(case_id, "assign", "judge"), 403, "forbidden")
    # A recorder of town 2 may not act on, nor report in, town 1; its cases are not found there.
    assert_error(http.do(case_id, "assign", "other-recorder"), 404, "not_found")
    assert_error(http.post("/disputes", "other-recorder", report_body()), 403, "forbidden")
    # A mediator acts only on cases handed to the mediator's own organisation.
    http.ok(
        case_id, "assign", "recorder", {"route": "peoples_mediation", "organisation_code": VILLAGE_COMMITTEE}
    )
    assert_error(http.do(case_id, "accept", "town-mediator"), 403, "forbidden")
    assert world.event_count() == count + 1


def test_without_a_valid_token_the_answer_is_401_before_anything_else(http: Http, world) -> None:
    count = world.event_count()
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic cmVhZGVyOng="}):
        response = http.client.post(f"{API}/disputes", json={"bogus": True}, headers=headers)
        assert_error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert_error(http.client.get(f"{API}/disputes", headers=headers), 401, "unauthorized")
    assert world.event_count() == count


def test_unknown_cases_and_commands_are_404(http: Http) -> None:
    case_id = http.report().json["id"]
    missing = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    assert_error(http.do(missing, "assign", "recorder"), 404, "not_found")
    assert_error(http.do("not-a-uuid", "assign", "recorder"), 404, "not_found")
    body = assert_error(http.do(case_id, "frobnicate", "recorder", {}), 404, "unknown_command")
    assert "hold-session" in body["errors"]["command"][0]
    assert "hold-session" in assert_error(http.do(case_id, "hold_session", "mediator", {}), 404)["message"]


def test_a_body_over_one_mebibyte_is_413(http: Http, world) -> None:
    count = world.event_count()
    response = http.post("/disputes", "recorder", report_body(summary="纠" * 400_000))
    assert_error(response, 413, "payload_too_large")
    assert world.event_count() == count
