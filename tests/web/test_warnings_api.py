"""/api/v1/warnings and /api/v1/reference/lead-units through the test client, on both stores."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from projections.warning_process import WarningProcess
from tests.support import World
from tests.web.helpers import Http, assert_error, both_stores, report_body


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Views caught up by every read on PostgreSQL too: the process writes beside the app."""
    return {"INLINE_PROJECTION": True}


EMPLOYER = {"role": "respondent", "kind": "organisation", "name": "青山县宏达建筑劳务有限公司"}


def raise_one(http: Http, world: World, n: int = 5) -> str:
    for i in range(n):
        body = report_body(
            category="migrant_wages", people_involved=1,
            parties=[{"role": "applicant", "kind": "person", "name": f"工人{i}"}, EMPLOYER],
        )
        assert http.post("/disputes", "recorder", body).status_code == 201
        world.clock.advance(hours=10)
    process = WarningProcess(world.ledger)
    process.catch_up()
    process.close()
    page = http.get("/warnings", "supervisor", {"kind": "mass"}).json
    assert page["total"] == 1
    return str(page["items"][0]["id"])


@both_stores
def test_list_read_acknowledge_order_and_history(http: Http, world: World) -> None:
    wid = raise_one(http, world)
    item = http.get("/warnings", "recorder").json["items"][0]
    assert (item["kind"], item["status"], item["evidence"], item["rule"]) == ("mass", "raised", 5, "respondent")
    # Outside the region: not found, as an unknown id; auditors read everything.
    assert http.get("/warnings", "other-recorder").json["total"] == 0
    assert_error(http.get(f"/warnings/{wid}", "other-recorder"), 404, "not_found")
    assert http.get(f"/warnings/{wid}", "auditor").json["status"] == "raised"
    assert_error(http.get(f"/warnings/{wid}", "reader"), 403, "forbidden")
    assert_error(http.get("/warnings/not-a-uuid", "auditor"), 404, "not_found")
    assert_error(http.get("/warnings", None), 401)
    # Refused in this state: 409, nothing written.
    head = world.event_count()
    assert_error(http.post(f"/warnings/{wid}/dismiss", "supervisor", {"reason": "不是"}), 409)
    assert_error(http.post(f"/warnings/{wid}/dismiss", "recorder", {"reason": "不是"}), 403)
    assert_error(http.post(f"/warnings/{wid}/dismiss", "supervisor", {"reason": "a\x00b"}), 422)
    assert world.event_count() == head
    ack = http.post(f"/warnings/{wid}/acknowledge", "recorder", {})
    assert ack.status_code == 200, ack.json
    assert ack.json["status"] == "acknowledged" and ack.headers["ETag"] == '"2"'
    assert_error(http.post(f"/warnings/{wid}/acknowledge", "recorder", {}, If_Match='"2"'), 409)
    due = (world.clock.now + timedelta(days=15)).isoformat()
    stale = http.post(f"/warnings/{wid}/order-joint-handling", "supervisor", {"due_at": due}, If_Match='"1"')
    assert_error(stale, 409)
    ordered = http.post(f"/warnings/{wid}/order-joint-handling", "supervisor", {"due_at": due}, If_Match='"2"')
    assert ordered.status_code == 200, ordered.json
    assert ordered.json["lead_unit"]["code"] == "rsj" and ordered.json["status"] == "joint_handling"
    listed = http.get("/warnings", "supervisor", {"status": "joint_handling"}).json["items"]
    assert [r["lead_code"] for r in listed] == ["rsj"]
    history = http.get(f"/warnings/{wid}/history", "auditor").json["events"]
    assert [e["command"] for e in history] == ["raise", "acknowledge", "order-joint-handling"]
    assert [e["actor_id"] for e in history] == ["system", "recorder", "supervisor"]


def test_lead_units_reference(http: Http) -> None:
    items: list[dict[str, Any]] = http.get("/reference/lead-units", "reader").json["items"]
    by_category = {i["category"]: i for i in items}
    assert "人社局" in by_category["migrant_wages"]["lead_name"]
    assert "农业农村局" in by_category["land_contract"]["partner_name"]
    assert by_category["*"]["lead_code"] == "sfj"


def test_the_openapi_document_names_the_warning_operations(http: Http) -> None:
    spec = http.get("/openapi.json", None).json
    operations = {op["operationId"] for path in spec["paths"].values() for op in path.values() if isinstance(op, dict) and "operationId" in op}
    assert {"list_warnings", "get_warning", "get_warning_history", "warning_acknowledge", "warning_dismiss",
            "warning_order_joint_handling", "warning_answer", "list_lead_units"} <= operations
