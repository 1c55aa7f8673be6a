"""Queries over HTTP: lists, one case now and as of the past, history, masking, read-your-writes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support import OTHER_TOWN, OTHER_TOWN_VILLAGE, T0, TOWN
from tests.web.helpers import Http, assert_error, report_body


def test_the_list_filters_pages_and_stays_inside_the_actors_region(http: Http, world) -> None:
    first = http.report().json["id"]
    labour = http.report(category="labour").json["id"]
    elsewhere = http.report("other-recorder", region_code=OTHER_TOWN_VILLAGE).json["id"]
    http.ok(first, "assign", "recorder")
    http.ok(labour, "assess-risk", "supervisor", {"level": "high"})

    def ids(who: str = "supervisor", **query: object) -> list[str]:
        response = http.get("/disputes", who, query)
        assert response.status_code == 200, response.json
        return [item["id"] for item in response.json["items"]]

    assert set(ids()) == {first, labour, elsewhere}
    assert ids(status="assigned") == [first]
    assert ids(category="labour") == [labour]
    assert ids(risk="high") == [labour]
    assert ids(region=OTHER_TOWN) == [elsewhere]
    assert set(ids("recorder")) == {first, labour}
    assert ids("other-recorder") == [elsewhere]
    assert ids("other-recorder", region=TOWN) == []
    # High risk: triage within a day. A day and a half on, only that one is overdue.
    world.clock.advance(days=1, hours=12)
    assert ids(overdue="true") == [labour]
    assert set(ids(overdue="false")) == {first, elsewhere}

    page = http.get("/disputes", "supervisor", {"per_page": 2, "status": "reported"}).json
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (2, 1, 2, 2)
    page = http.get("/disputes", "supervisor", {"per_page": 1, "status": "reported"}).json
    assert page["links"]["prev"] is None
    assert page["links"]["next"] == "/api/v1/disputes?per_page=1&status=reported&page=2"
    second = http.client.get(page["links"]["next"], headers=http.auth("supervisor")).json
    assert second["links"] == {"next": None, "prev": "/api/v1/disputes?per_page=1&status=reported&page=1"}
    item = second["items"][0]
    # A supervisor handles none of these cases: a list shows their parties only for a declared purpose.
    assert item["parties"][0]["name"] == "张**" and item["deadlines"][0]["kind"] == "triage"
    declared = http.client.get(page["links"]["next"], headers=http.auth("supervisor", X_Access_Purpose="督办核查")).json
    assert declared["items"][0]["parties"][0]["name"] == "张建国"

    for query, field in (
        ({"per_page": 101}, "per_page"),
        ({"status": "done"}, "status"),
        ({"region": "62"}, "region"),
    ):
        assert field in assert_error(http.get("/disputes", "supervisor", query), 422)["errors"]


def test_one_case_now_and_outside_the_region(http: Http) -> None:
    case_id = http.report().json["id"]
    response = http.get(f"/disputes/{case_id}", "recorder")
    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'
    assert response.json["parties"][1] == {
        "role": "respondent",
        "role_label": "被申请人",
        "kind": "person",
        "kind_label": "自然人",
        "name": "李秀英",
        "id_number": None,
        "phone": None,
    }
    # Outside the actor's region a case is not found, as an id that names no case.
    assert_error(http.get(f"/disputes/{case_id}", "other-recorder"), 404, "not_found")
    assert_error(http.get(f"/disputes/{case_id}/history", "other-recorder"), 404, "not_found")
    assert_error(http.get("/disputes/7c9e6679-7425-40de-944b-e07fc1f90ae7"), 404, "not_found")
    assert_error(http.get("/disputes/nope/history"), 404, "not_found")
    assert_error(
        http.client.delete(f"/api/v1/disputes/{case_id}", headers=http.auth("admin")),
        405,
        "method_not_allowed",
    )


def test_a_case_as_of_a_recorded_or_an_occurred_instant(http: Http, world) -> None:
    case_id = http.report().json["id"]
    world.clock.advance(hours=1)
    # Assigned ten minutes after the report, recorded fifty minutes later.
    http.ok(
        case_id, "assign", "recorder", {**_assign(), "occurred_at": (T0 + timedelta(minutes=10)).isoformat()}
    )

    def state(**query: str) -> dict:
        response = http.get(f"/disputes/{case_id}", "supervisor", query, X_Access_Purpose="督办核查")
        assert response.status_code == 200, response.json
        return response.json

    half_hour = (T0 + timedelta(minutes=30)).isoformat()
    recorded = state(as_of=half_hour)
    assert (recorded["status"], recorded["version"], recorded["as_of"]) == ("reported", 1, half_hour)
    assert recorded["position"] is None
    assert (state(as_of_occurred=half_hour)["status"], state()["status"]) == ("assigned", "assigned")
    before = (T0 - timedelta(seconds=1)).isoformat()
    assert_error(http.get(f"/disputes/{case_id}", "supervisor", {"as_of": before}), 404, "not_found")
    both = http.get(f"/disputes/{case_id}", "supervisor", {"as_of": half_hour, "as_of_occurred": half_hour})
    assert "as_of_occurred" in assert_error(both, 422)["errors"]
    # Overdue is judged at the instant asked for: four days on, triage (3 days) was overdue.
    world.clock.advance(days=5)
    late = state(as_of_occurred=(T0 + timedelta(minutes=5)).isoformat())
    assert late["deadlines"] == [
        {"kind": "triage", "label": "分流交办", "reminder": False, "due_at": "2026-03-05T01:00:00+00:00", "met_at": None, "open": True, "overdue": False}
    ]
    stale = state(as_of=(T0 + timedelta(days=4)).isoformat())
    assert [d["overdue"] for d in stale["deadlines"]] == [False, True]


def _assign() -> dict:
    from tests.web.helpers import BODIES

    return dict(BODIES["assign"])


def test_history_lists_every_event_and_flags_late_entries(http: Http, world) -> None:
    case_id = http.report().json["id"]
    world.clock.advance(days=3)
    http.ok(
        case_id,
        "assign",
        "recorder",
        {**_assign(), "occurred_at": (T0 + timedelta(hours=1)).isoformat(), "note": "补录"},
    )
    response = http.get(f"/disputes/{case_id}/history", "auditor", X_Access_Purpose="审计")
    assert response.status_code == 200
    report, assign = response.json["events"]
    assert (report["type"], report["label"], report["late"], report["actor_id"]) == (
        "Reported",
        "登记",
        False,
        "recorder",
    )
    assert report["payload"]["parties"][0]["id_number"] == "11010519491231002X"
    assert report["payload"]["amount_in_dispute"] == "1200.50"
    assert (assign["label"], assign["late"], assign["note"], assign["seq"]) == ("分流交办", True, "补录", 2)
    assert assign["recorded_at"] == "2026-03-05T01:00:00+00:00"
    assert assign["payload"]["organisation_code"] == "ORG621199001001"
    assert assign["prev_hash"] == report["hash"]


def test_readers_see_personal_data_masked_everywhere(http: Http) -> None:
    case_id = http.report().json["id"]
    http.ok(case_id, "assign", "recorder")
    http.ok(case_id, "accept", "mediator")
    http.ok(case_id, "hold-session", "mediator")
    masked = {
        "role": "applicant",
        "kind": "person",
        "name": "张**",
        "id_number": "1101**********002X",
        "phone": "138****1234",
    }

    labels = {"kind_label": "自然人"}
    one = http.get(f"/disputes/{case_id}", "reader").json
    assert one["parties"] == [
        {**masked, **labels, "role_label": "申请人"},
        {"role": "respondent", "kind": "person", "name": "李**", "id_number": None, "phone": None, **labels, "role_label": "被申请人"},
    ]
    assert http.get("/disputes", "reader").json["items"][0]["parties"][0] == {**masked, **labels, "role_label": "申请人"}
    events = http.get(f"/disputes/{case_id}/history", "reader").json["events"]
    assert events[0]["payload"]["parties"][0] == masked
    assert events[-1]["payload"]["participants"] == ["张**", "李**"]
    # Anyone but the case's handlers (here the mediator) sees personal data only with a declared purpose.
    assert_error(http.get(f"/disputes/{case_id}", "auditor"), 403, "purpose_required")
    assert (
        http.get(f"/disputes/{case_id}", "auditor", X_Access_Purpose="责任倒查").json["parties"][0]["name"]
        == "张建国"
    )
    assert http.get(f"/disputes/{case_id}", "mediator").json["parties"][0]["phone"] == "13812341234"


def test_an_organisation_keeps_its_name_when_masked(http: Http) -> None:
    company = {"role": "respondent", "kind": "organisation", "name": "青山县某某有限公司"}
    case_id = http.report(parties=[report_body()["parties"][0], company]).json["id"]
    assert http.get(f"/disputes/{case_id}", "reader").json["parties"][1]["name"] == "青山县某某有限公司"


class TestFollowerMode:
    """Inline projection off (as on PostgreSQL, where `ledger project --follow` runs)."""

    @pytest.fixture
    def app_config(self) -> dict:
        return {"INLINE_PROJECTION": False, "READ_WAIT_SECONDS": 0.3}

    def test_a_client_reads_its_own_write_by_position(self, http: Http, world, app) -> None:
        reported = http.report()
        case_id, position = reported.json["id"], reported.headers["X-Ledger-Position"]
        # Nobody has projected the report yet.
        assert_error(http.get(f"/disputes/{case_id}", "recorder"), 404)
        seen = http.get(f"/disputes/{case_id}", "recorder", X_Ledger_Position=position)
        assert (seen.status_code, seen.json["version"]) == (200, 1)

        assigned = http.do(case_id, "assign", "recorder")
        stale = http.get("/disputes", "recorder", {"status": "assigned"}).json
        assert stale["total"] == 0
        fresh = http.get(
            "/disputes",
            "recorder",
            {"status": "assigned", "min_position": assigned.headers["X-Ledger-Position"]},
        )
        assert fresh.json["total"] == 1

    def test_a_position_the_views_cannot_reach_in_time_is_503(self, http: Http, world, app, monkeypatch) -> None:
        reported = http.report()
        position = reported.headers["X-Ledger-Position"]
        # A follower that has stalled: this worker cannot catch up either.
        monkeypatch.setattr(app.extensions["ledger_views"], "catch_up", lambda **_: 0)
        body = assert_error(
            http.get("/disputes", "recorder", X_Ledger_Position=position), 503, "projection_behind"
        )
        assert body["position"] < int(position)
        response = http.get("/disputes", "recorder", {"min_position": position})
        assert response.headers["Retry-After"] == "1"

    def test_a_position_no_write_has_reached_is_400_at_once(self, http: Http, world) -> None:
        http.report()
        beyond = str(world.event_count() + 100)
        body = assert_error(http.get("/disputes", "recorder", X_Ledger_Position=beyond), 400)
        assert "min_position" in body["errors"]
        assert_error(http.get("/disputes", "recorder", {"min_position": beyond}), 400)
        assert_error(http.get("/disputes", "recorder", X_Ledger_Position="soon"), 400)

    def test_a_follower_in_another_thread_keeps_the_views_up(self, http: Http, world, app) -> None:
        import threading
        import time

        from projections.runner import ViewRunner

        follower = ViewRunner(app.extensions["ledger"])
        stop = threading.Event()
        thread = threading.Thread(target=follower.follow, args=(stop,), kwargs={"poll": 0.02})
        thread.start()
        try:
            case_id = http.report().json["id"]
            position = world.event_count()
            deadline = time.monotonic() + 5
            while follower.position() < position and time.monotonic() < deadline:
                time.sleep(0.02)
            assert follower.position() >= position
            health = http.get("/healthz", None).json
            assert health["mode"] == "follower" and health["projection"]["behind"] == 0
            assert http.get(f"/disputes/{case_id}", "recorder").status_code == 200
        finally:
            stop.set()
            thread.join()
            follower.close()
