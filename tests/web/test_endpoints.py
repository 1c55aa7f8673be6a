"""Indicators, warnings, reference data, health, the OpenAPI document, audit, and error shapes."""

from __future__ import annotations

from typing import Any

import pytest
from eventsourcing.persistence import OperationalError

from tests.support import COUNTY, OTHER_TOWN, OTHER_TOWN_VILLAGE, TOWN
from tests.web.helpers import API, Http, assert_error, both_stores
from web import close_app, create_app
from web.disputes.schemas import COMMAND_BODIES


@pytest.fixture
def cases(http: Http) -> list[str]:
    """Three reports in March 2026, one of them failed mediation and went to court in town 2."""
    ids = [http.report().json["id"], http.report(category="labour").json["id"]]
    other = http.report("other-recorder", region_code=OTHER_TOWN_VILLAGE).json["id"]
    http.ok(
        other,
        "file-in-court",
        "judge",
        {"court_code": "ORGC-COURT", "court_case_number": "(2026)1号", "reason": "起诉"},
    )
    # A period under way counts its whole days elapsed: read the next day.
    http.world.clock.advance(days=1)
    return [*ids, other]


@both_stores
def test_the_indicator_table_of_a_county_by_town(http: Http, cases: list[str]) -> None:
    # On PostgreSQL the views follow; the position makes this read see the writes above.
    position = str(http.world.event_count())
    response = http.get("/indicators", "supervisor", {"period": "2026-03"}, X_Ledger_Position=position)
    assert response.status_code == 200, response.json
    table = response.json
    assert (table["period"], table["level"], table["region"]) == ("2026-03", "town", COUNTY)
    rows = {r["region_code"]: r for r in table["rows"]}
    assert rows[TOWN]["disputes_reported"] == 2 and rows[TOWN]["region_name"]
    assert rows[OTHER_TOWN]["ledger_court_filings"] == 1 and "court_filings" not in rows[OTHER_TOWN]
    # 万人成讼率 comes from the court feed only, and there is none in this store.
    assert rows[OTHER_TOWN]["litigation_per_10k"] is None and rows[OTHER_TOWN]["litigation_source"] == "none"
    assert (table["complete"], table["through"], table["days"]) == (False, "2026-03-02", 2)


def test_indicators_default_to_the_actors_region_and_stay_inside_it(http: Http, cases: list[str]) -> None:
    own = http.get("/indicators", "recorder", {"period": "2026-Q1"}).json
    assert [r["region_code"] for r in own["rows"]] == [TOWN]
    villages = http.get("/indicators", "recorder", {"period": "2026", "level": "village"}).json
    assert all(r["region_code"].startswith(TOWN) for r in villages["rows"]) and len(villages["rows"]) > 1
    assert_error(
        http.get("/indicators", "recorder", {"period": "2026", "region": OTHER_TOWN}), 403, "forbidden"
    )
    assert "period" in assert_error(http.get("/indicators", "recorder"), 422)["errors"]
    assert "period" in assert_error(http.get("/indicators", "recorder", {"period": "2026-13"}), 422)["errors"]
    assert (
        "level"
        in assert_error(http.get("/indicators", "recorder", {"period": "2026", "level": "galaxy"}), 422)[
            "errors"
        ]
    )
    reader = http.get("/indicators", "reader", {"period": "2026-03", "as_of": "2026-03-02T00:00:00Z"}).json
    assert sum(r["disputes_reported"] for r in reader["rows"]) == 0


def test_the_evidence_behind_a_cell(http: Http, cases: list[str]) -> None:
    cell = http.get(
        "/indicators/cell", "supervisor", {"period": "2026-03", "indicator": "disputes_reported"}
    ).json
    assert (cell["region_code"], cell["value"]) == (COUNTY, 3)
    assert {e["case_id"] for e in cell["components"]["cases"]["events"]} == set(cases)
    assert (
        "indicator"
        in assert_error(
            http.get("/indicators/cell", "supervisor", {"period": "2026-03", "indicator": "happiness"}), 422
        )["errors"]
    )


def test_red_and_yellow_cards_are_for_supervision_roles(http: Http, cases: list[str]) -> None:
    http.world.clock.advance(days=-1)
    incident = {"kind": "criminal_escalation", "description": "冲突升级", "severity": "major"}
    http.ok(cases[-1], "report-incident", "supervisor", incident)
    http.world.clock.advance(days=1)
    cards = http.get("/indicators/warnings", "supervisor", {"period": "2026-03"}).json
    assert cards["county"] == COUNTY
    towns = {t["region_code"]: t for t in cards["towns"]}
    assert towns[OTHER_TOWN]["card"] == "red"
    assert towns[OTHER_TOWN]["reasons"][0]["indicator"] == "serious_incidents"
    assert (
        http.get("/indicators/warnings", "auditor", {"period": "2026-03", "county": COUNTY}).status_code
        == 200
    )
    assert_error(http.get("/indicators/warnings", "recorder", {"period": "2026-03"}), 403, "forbidden")
    assert_error(http.get("/indicators/warnings", "reader", {"period": "2026-03"}), 403, "forbidden")
    assert (
        "county"
        in assert_error(
            http.get("/indicators/warnings", "admin", {"period": "2026", "county": "999999"}), 422
        )["errors"]
    )


def test_reference_data_with_chinese_labels(http: Http) -> None:
    categories = http.get("/reference/categories", "reader").json["items"]
    assert {"code": "neighbour", "label": "相邻关系"} in categories
    assert {"code": "grid_patrol", "label": "网格排查"} in http.get("/reference/sources", "reader").json[
        "items"
    ]
    assert {"code": "litigation", "label": "诉讼"} in http.get("/reference/routes", "reader").json["items"]
    regions = http.get("/reference/regions", "reader").json["items"]
    county = next(r for r in regions if r["code"] == COUNTY)
    assert (county["level"], county["parent_code"]) == ("county", None)
    village = next(r for r in regions if r["level"] == "village")
    assert village["population"] and all(k.isdigit() for k in village["population"])
    towns = http.get("/reference/regions", "reader", {"level": "town", "parent": COUNTY}).json["items"]
    assert TOWN in [t["code"] for t in towns] and all(t["level"] == "town" for t in towns)
    organisations = http.get("/reference/organisations", "reader").json["items"]
    court = next(o for o in organisations if o["code"] == "ORGC-COURT")
    assert court["kind"] == "court" and court["kind_label"] == "人民法院"
    mediators = http.get("/reference/mediators", "reader", {"organisation": "ORG621199001001"}).json["items"]
    assert mediators and all(
        m["organisation_code"] == "ORG621199001001" and m["kind_label"] for m in mediators
    )
    assert_error(http.get("/reference/regions", None), 401)


def test_health_needs_no_token_and_reports_the_lag(http: Http, world, app: Any, monkeypatch) -> None:
    http.report()
    for path in ("/api/v1/healthz", "/healthz"):
        health = http.client.get(path).json
        assert (health["status"], health["store"], health["mode"]) == ("ok", "reachable", "inline")
        assert health["projection"]["head"] == world.event_count()

    def unreachable() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(app.extensions["ledger_views"], "lag", unreachable)
    body = assert_error(http.client.get("/healthz"), 503, "store_unreachable")
    assert body["status"] == "error" and body["store"].startswith("unreachable")


def test_the_openapi_document_lists_every_path(http: Http) -> None:
    response = http.client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"] == "3.0.3"
    paths = set(spec["paths"])
    assert {f"{API}/disputes/{{case_id}}/{c}" for c in COMMAND_BODIES} <= paths
    assert {
        f"{API}/disputes",
        f"{API}/disputes/{{case_id}}",
        f"{API}/disputes/{{case_id}}/history",
        f"{API}/indicators",
        f"{API}/indicators/cell",
        f"{API}/indicators/warnings",
        f"{API}/healthz",
        f"{API}/audit/integrity",
    } <= paths
    assign = spec["paths"][f"{API}/disputes/{{case_id}}/assign"]["post"]
    assert "422" in assign["responses"] and "409" in assign["responses"]
    assert spec["paths"][f"{API}/healthz"]["get"]["security"] == []


def test_what_one_actor_did_in_a_window(http: Http, world) -> None:
    case_id = http.report().json["id"]
    world.clock.advance(days=1)
    http.ok(case_id, "assign", "recorder")
    http.report("other-recorder", region_code=OTHER_TOWN_VILLAGE)

    def actions(who: str = "auditor", **query: str) -> Any:
        return http.get("/audit/actors/recorder/actions", who, query)

    page = actions().json
    assert page["actor"] == "recorder" and page["total"] == 2
    assert [(a["command"], a["label"], a["case_id"]) for a in page["items"]] == [
        ("report", "登记", case_id),
        ("assign", "分流交办", case_id),
    ]
    assert [a["command"] for a in actions(**{"from": "2026-03-02T12:00:00+00:00"}).json["items"]] == [
        "assign"
    ]
    assert actions(to="2026-03-02T12:00:00+00:00", per_page="1").json["links"]["next"] is None
    assert actions(per_page="1").json["links"]["next"].endswith("page=2")
    assert_error(http.get("/audit/actors/nobody/actions", "admin"), 404, "not_found")
    assert_error(actions("supervisor"), 403, "forbidden")


def test_an_accountability_review_cites_the_events(http: Http, world) -> None:
    case_id = http.report().json["id"]
    http.ok(case_id, "assess-risk", "supervisor", {"level": "critical", "flags": ["criminal_escalation"]})
    world.clock.advance(days=2)
    incident = {"kind": "criminal_escalation", "description": "当事人持械伤人", "severity": "major"}
    http.ok(case_id, "report-incident", "supervisor", incident)
    review = http.get(f"/audit/reviews/{case_id}", "supervisor", X_Access_Purpose="民转刑责任倒查")
    assert review.status_code == 200, review.json
    body = review.json
    history = http.get(f"/disputes/{case_id}/history", "supervisor", X_Access_Purpose="民转刑责任倒查").json["events"]
    assert body["head"] == {"sequence": 3, "hash": history[-1]["hash"]}
    assert [i["kind"] for i in body["incidents"]] == ["criminal_escalation"]
    assert [t["hash"] for t in body["timeline"]] == [e["hash"] for e in history]
    assert body["missed_deadlines"][0]["kind"] == "triage"
    assert_error(http.get(f"/audit/reviews/{case_id}", "recorder"), 403, "forbidden")
    assert_error(http.get("/audit/reviews/7c9e6679-7425-40de-944b-e07fc1f90ae7", "auditor"), 404, "not_found")


def test_the_integrity_check_over_http(http: Http) -> None:
    http.report()
    http.report()
    report = http.get("/audit/integrity", "auditor").json
    assert (report["intact"], report["cases"], report["first_broken"]) == (True, 2, None)
    assert report["summary"].startswith("intact")
    assert_error(http.get("/audit/integrity", "supervisor"), 403, "forbidden")


def test_unknown_paths_are_json_404(http: Http) -> None:
    assert_error(http.client.get(f"{API}/nothing-here"), 404, "not_found")


def test_an_unexpected_failure_is_a_json_500_without_internals(world, store) -> None:
    app = create_app({"STORE_SETTINGS": store, "CLOCK": world.clock, "PROPAGATE_EXCEPTIONS": False})

    def broken() -> None:
        raise RuntimeError("secret internals")

    app.add_url_rule(f"{API}/broken", "broken", broken)
    try:
        response = app.test_client().get(f"{API}/broken")
        body = assert_error(response, 500, "internal_error")
        text = response.get_data(as_text=True)
        assert "secret" not in text and "Traceback" not in text and "<html" not in text.lower()
        assert body["errors"] == {}
    finally:
        close_app(app)
