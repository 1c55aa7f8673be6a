"""无讼村创建 through the API: enrolment with a sponsor, assessment with frozen evidence (from the
court feed when present, else the ledger's filings, and which one is said), naming on a complete
passing year, revocation when a later year fails; coverage progress; refusals write nothing."""

from __future__ import annotations

from typing import Any

import pytest

from application.integrity import verify
from tests.support import OTHER_TOWN_VILLAGE, VILLAGE, World
from tests.web.helpers import Http, assert_error, both_stores
from tests.web.test_cards import file_in_court


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"INLINE_PROJECTION": True}


def enrol(http: Http, village: str = VILLAGE, **overrides: Any) -> Any:
    body = {"village_code": village, "year": 2026, "sponsor_code": "ORGC-COURT", "sponsor_name": "县法院", **overrides}
    return http.post("/villages/no-litigation", "supervisor", body)


@both_stores
def test_a_village_is_enrolled_assessed_named_and_revoked(
    http: Http, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGER_NO_LITIGATION_TARGET_YEAR", "2028")
    enrolled = enrol(http)
    assert enrolled.status_code == 201, enrolled.json
    path = f"/villages/no-litigation/{VILLAGE}"
    assert enrolled.json["status"] == "enrolled" and enrolled.json["village_name"]
    assert_error(enrol(http), 422, "invalid_value")  # enrolled once
    # The year has not ended: a provisional assessment, and no naming on it.
    provisional = http.post(f"{path}/assess", "supervisor", {"year": 2026}).json
    assert provisional["assessments"][-1]["complete"] is False
    before = world.event_count()
    assert_error(http.post(f"{path}/name", "supervisor", {"year": 2026}), 409, "rule_violation")
    assert_error(http.post(f"{path}/revoke", "supervisor", {"year": 2026, "reason": "x"}), 409, "illegal_transition")
    assert world.event_count() == before
    world.clock.advance(days=310)  # 2027-01-07
    assessed = http.post(f"{path}/assess", "supervisor", {"year": 2026}).json
    evidence = assessed["assessments"][-1]["evidence"]
    assert assessed["assessments"][-1]["passed"] is True
    assert evidence["court_source"] == "ledger_filings" and evidence["court_cases"] == {"count": 0, "items": []}
    named = http.post(f"{path}/name", "supervisor", {"year": 2026}).json
    assert (named["status"], named["named_year"]) == ("named", 2026)
    listing = http.get("/villages/no-litigation", "supervisor", {"year": 2026}).json
    assert listing["progress"]["named"] == 1 and listing["progress"]["target_year"] == 2028
    assert [(i["village_code"], i["status"], i["assessment"]["passed"]) for i in listing["items"]] == [
        (VILLAGE, "named", True)
    ]
    case_id = file_in_court(http, VILLAGE, 7)
    world.clock.advance(days=365)  # 2028-01-07
    failed = http.post(f"{path}/assess", "supervisor", {"year": 2027}).json["assessments"][-1]
    assert failed["passed"] is False
    assert failed["evidence"]["court_cases"] == {
        "count": 1,
        "items": [{"case_id": case_id, "case_number": "(2026)甘1199民初7号"}],
    }
    revoked = http.post(f"{path}/revoke", "supervisor", {"year": 2027, "reason": "2027年度发生诉讼案件"}).json
    assert (revoked["status"], revoked["revoked_year"]) == ("revoked", 2027)
    history = http.get(f"{path}/history", "auditor").json["events"]
    assert [e["label"] for e in history] == ["纳入创建", "年度评估", "年度评估", "命名", "年度评估", "撤销命名"]
    assert verify(world.ledger, witness=None).intact


def test_scope_and_roles(http: Http, world: World) -> None:
    world.actor("town2-supervisor", "supervisor", "621199002")
    assert enrol(http).status_code == 201
    before = world.event_count()
    other = {"village_code": VILLAGE, "year": 2026, "sponsor_code": "XJCY", "sponsor_name": "县检察院"}
    assert_error(http.post("/villages/no-litigation", "town2-supervisor", other), 403)
    assert_error(http.post("/villages/no-litigation", "recorder", {**other, "village_code": OTHER_TOWN_VILLAGE}), 403)
    assert_error(http.get(f"/villages/no-litigation/{VILLAGE}", "town2-supervisor"), 404)
    assert_error(http.post(f"/villages/no-litigation/{VILLAGE}/name", "town2-supervisor", {"year": 2026}), 404)
    assert_error(enrol(http, "621199"), 422)
    assert world.event_count() == before
