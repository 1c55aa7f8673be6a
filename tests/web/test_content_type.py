"""A body sent without `Content-Type: application/json` is told so, instead of a 422 that calls
every required field missing."""

from __future__ import annotations

import json

from tests.support import VILLAGE_COMMITTEE, World
from tests.web.helpers import API, Http, assert_error, both_stores, report_body


@both_stores
def test_a_body_that_is_not_declared_json_is_refused_with_415_naming_the_header(
    http: Http, world: World
) -> None:
    count = world.event_count()
    text = json.dumps(report_body())
    sent = {
        "text/plain": {"data": text, "content_type": "text/plain"},
        "application/x-www-form-urlencoded": {"data": report_body(parties="x")},
        "none": {"data": text.encode()},
    }
    for content_type, request in sent.items():
        response = http.client.post(f"{API}/disputes", headers=http.auth("recorder"), **request)
        body = assert_error(response, 415, "unsupported_media_type")
        assert "Content-Type: application/json" in body["message"], body
        assert body["errors"] == {"Content-Type": [f"must be application/json, not {content_type}"]}
    assert world.event_count() == count


@both_stores
def test_a_command_without_a_body_still_needs_no_content_type(http: Http, world: World) -> None:
    case_id = http.report().json["id"]
    http.ok(
        case_id, "assign", "recorder", {"route": "peoples_mediation", "organisation_code": VILLAGE_COMMITTEE}
    )
    response = http.client.post(f"{API}/disputes/{case_id}/accept", headers=http.auth("mediator"))
    assert response.status_code == 200, response.json
    assert response.json["status"] == "accepted"


def test_the_415_is_documented_where_a_body_is_read(http: Http) -> None:
    paths = http.client.get(f"{API}/openapi.json").json["paths"]
    assert "415" in paths[f"{API}/disputes"]["post"]["responses"]
    assert "415" not in paths[f"{API}/disputes"]["get"]["responses"]
