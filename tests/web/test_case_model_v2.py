"""The case-model corrections of DESIGN.md §4 (version 2) over HTTP: hand-offs, routes that fit the
organisation, the parties' joint application for judicial confirmation at a competent court, and
its one extension; every refusal answers 4xx and writes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.support import COURT, VILLAGE_COMMITTEE, World
from tests.web.helpers import Http, assert_error, both_stores

BOTH = ["张建国", "李秀英"]


def _agreed(http: Http, world: World) -> str:
    case_id = http.report().json["id"]
    for command in ("assign", "accept", "record-agreement"):
        world.clock.advance(hours=2)
        assert http.do(case_id, command, "recorder" if command == "assign" else "mediator").status_code == 200
    return str(case_id)


def _refused(
    http: Http,
    world: World,
    case_id: str,
    command: str,
    who: str,
    body: dict[str, Any],
    status: int,
    field: str,
) -> None:
    before = world.event_count()
    answer = assert_error(http.do(case_id, command, who, body), status)
    assert not field or field in answer["errors"], answer
    assert answer["message_zh"]
    assert world.event_count() == before


@both_stores
def test_assigning_to_arbitration_hands_the_case_off_and_names_the_receiving_body(
    http: Http, world: World
) -> None:
    case_id = http.report().json["id"]
    answer = http.do(case_id, "assign", "recorder", {"route": "arbitration", "organisation_code": "ORGC-ARB"})
    assert answer.status_code == 200, answer.json
    assert answer.json["status"] == "closed" and answer.json["status_label"] == "办结"
    assert answer.json["resolution"] == "referred"
    assert answer.json["organisation_code"] == "ORGC-ARB" and answer.json["route"] == "arbitration"
    history = _history(http, case_id)
    assert history["events"][-1]["type"] == "HandedOff"


@both_stores
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"route": "litigation", "organisation_code": COURT}, "route"),
        ({"route": "peoples_mediation", "organisation_code": "ORGC-ARB"}, "organisation_code"),
        ({"route": "arbitration", "organisation_code": VILLAGE_COMMITTEE}, "organisation_code"),
        ({"route": "industry_mediation", "organisation_code": VILLAGE_COMMITTEE}, "organisation_code"),
    ],
    ids=[
        "litigation-assigned",
        "mediation-to-arbitration-body",
        "arbitration-to-committee",
        "industry-to-committee",
    ],
)
def test_a_route_that_does_not_fit_the_organisation_is_refused(
    http: Http, world: World, body: dict[str, Any], field: str
) -> None:
    case_id = http.report().json["id"]
    _refused(http, world, case_id, "assign", "recorder", body, 422, field)


@both_stores
def test_the_parties_apply_jointly_and_the_court_decides_within_an_extended_period(
    http: Http, world: World
) -> None:
    case_id = _agreed(http, world)
    body = {"court_code": COURT, "online": False, "applicants": BOTH}
    # One party alone, a stranger, or a court outside the mediating body's area: refused.
    _refused(
        http,
        world,
        case_id,
        "request-confirmation",
        "mediator",
        {**body, "applicants": ["张建国", "张建国"]},
        422,
        "applicants",
    )
    _refused(
        http,
        world,
        case_id,
        "request-confirmation",
        "mediator",
        {**body, "applicants": ["张建国", "王五"]},
        422,
        "applicants",
    )
    _refused(
        http,
        world,
        case_id,
        "request-confirmation",
        "mediator",
        {**body, "court_code": "ORGC-TRIB-01"},
        422,
        "court_code",
    )
    world.clock.advance(hours=2)
    requested = http.do(case_id, "request-confirmation", "mediator", body)
    assert requested.status_code == 200, requested.json
    (due,) = [
        d for d in requested.json["deadlines"] if d["kind"] == "confirmation_decision" and d["met_at"] is None
    ]
    history = _history(http, case_id)["events"]
    assert (
        history[-1]["payload"]["applicants"] == BOTH
        and history[-1]["payload"]["handed_over_by"] == "mediator"
    )

    world.clock.advance(days=10)
    extended = http.do(case_id, "extend-confirmation", "judge", {"reason": "案情复杂，经院长批准"})
    assert extended.status_code == 200, extended.json
    (moved,) = [
        d for d in extended.json["deadlines"] if d["kind"] == "confirmation_decision" and d["met_at"] is None
    ]
    assert _instant(moved["due_at"]) - _instant(due["due_at"]) == timedelta(days=10)
    before = world.event_count()
    again = http.do(case_id, "extend-confirmation", "judge", {"reason": "再次延长"})
    assert_error(again, 409)
    assert world.event_count() == before

    world.clock.advance(days=12)  # 22 days after the request: late for 15, in time for 25
    decided = http.do(case_id, "decide-confirmation", "judge", {"granted": True, "reason": "协议合法"})
    assert decided.status_code == 200 and decided.json["status"] == "confirmed"
    (met,) = [d for d in decided.json["deadlines"] if d["kind"] == "confirmation_decision" and d["met_at"]]
    assert not met["overdue"] and _instant(met["met_at"]) <= _instant(met["due_at"])
    assert _instant(met["met_at"]) > _instant(due["due_at"])  # the 15 days alone would have been missed


@both_stores
def test_a_withdrawal_after_the_parties_settle_is_settled_not_resolved_by_mediation(
    http: Http, world: World
) -> None:
    case_id = http.report().json["id"]
    answer = http.do(case_id, "withdraw", "recorder", {"reason": "双方自行和解", "settled": True})
    assert answer.status_code == 200 and answer.json["resolution"] == "settled"


def _instant(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text)


def _history(http: Http, case_id: str) -> Any:
    answer = http.get(f"/disputes/{case_id}/history", "admin", X_Access_Purpose="责任倒查")
    assert answer.status_code == 200, answer.json
    return answer.json


@both_stores
def test_an_entrusted_mediation_after_filing_ends_the_suit_as_court_mediation(http: Http, world: World) -> None:
    case_id = http.report(source="court_diversion").json["id"]
    filed = http.do(case_id, "file-in-court", "judge", {"court_code": COURT, "court_case_number": "(2026)甘1199民初5号", "reason": "起诉"})
    assert filed.status_code == 200, filed.json
    _refused(http, world, case_id, "accept", "admin", {}, 409, "")
    entrusted = http.do(case_id, "entrust-mediation", "judge", {"organisation_code": VILLAGE_COMMITTEE})
    assert entrusted.status_code == 200 and entrusted.json["status"] == "litigating"
    for command, body in [
        ("accept", {}),
        ("hold-session", {"mode": "onsite", "participants": BOTH, "summary": "受托调解"}),
        ("record-agreement", {"terms": "分期还款", "amount": "5000.00"}),
    ]:
        world.clock.advance(hours=3)
        answer = http.do(case_id, command, "mediator", body)
        assert answer.status_code == 200, (command, answer.json)
    assert answer.json["status"] == "adjudicated"
    assert answer.json["court_outcome"]["outcome"] == "court_mediation"


@both_stores
def test_an_unperformed_confirmed_agreement_goes_to_enforcement_and_an_intake_point_is_a_centre(
    http: Http, world: World
) -> None:
    before = world.event_count()
    assert_error(http.post("/disputes", "recorder", {**_report(), "intake_point": VILLAGE_COMMITTEE}), 422)
    assert world.event_count() == before
    case_id = http.post("/disputes", "recorder", {**_report(), "intake_point": "ORGC-GOV"}).json["id"]
    assert world.ledger.get_case(case_id).intake_point == "ORGC-GOV"
    for command, who, body in [
        ("assign", "recorder", None),
        ("accept", "mediator", None),
        ("record-agreement", "mediator", None),
        ("request-confirmation", "mediator", {"court_code": COURT, "online": False, "applicants": BOTH}),
        ("decide-confirmation", "judge", None),
        ("record-performance", "mediator", {"performed": "none"}),
    ]:
        world.clock.advance(hours=3)
        assert http.do(case_id, command, who, body).status_code == 200, command
    answer = http.do(case_id, "apply-for-enforcement", "mediator", {"court_code": COURT, "reason": "对方未履行"})
    assert answer.status_code == 200 and answer.json["status"] == "confirmed", answer.json
    assert world.ledger.get_case(case_id).enforcement_court == COURT


def _report() -> dict[str, Any]:
    from tests.web.helpers import report_body

    return report_body()


@both_stores
def test_a_case_the_court_referred_before_filing_carries_its_pre_litigation_number(http: Http, world: World) -> None:
    number = "(2026)甘1199民诉前调12号"
    before = world.event_count()
    assert_error(http.post("/disputes", "recorder", {**_report(), "pre_litigation_number": number}), 422)
    assert_error(http.post("/disputes", "recorder", {**_report(), "source": "court_diversion", "pre_litigation_number": "12"}), 422)
    assert world.event_count() == before
    case_id = http.post("/disputes", "recorder", {**_report(), "source": "court_diversion", "pre_litigation_number": number}).json["id"]
    assert world.ledger.get_case(case_id).pre_litigation_number == number


@both_stores
def test_a_joint_bodys_mediator_is_a_handler_in_lists_and_details(http: Http, world: World) -> None:
    """The views know every body of a 联合调解: the joint body's mediator sees what it may do next
    and reads the parties without declaring a purpose, as the lead's mediator does."""
    case_id = str(http.report().json["id"])
    assert http.do(case_id, "assign", "recorder").status_code == 200
    accepted = http.do(case_id, "accept", "mediator")
    assert accepted.status_code == 200

    def seen(who: str, written: Any) -> tuple[Any, Any]:
        at = {"X_Ledger_Position": written.headers["X-Ledger-Position"]}  # read the write back
        one = http.get(f"/disputes/{case_id}", who, **at)
        listed = http.get("/disputes", who, {"region": "621199001"}, **at)
        assert listed.status_code == 200, listed.json
        return one, next(r for r in listed.json["items"] if r["id"] == case_id)

    one, row = seen("town-mediator", accepted)
    assert one.status_code == 403 and one.json["code"] == "purpose_required"  # not handling it yet
    assert row["allowed_commands"] == []

    joined = http.do(case_id, "add-joint-body", "recorder", {"organisation_code": "ORGT621199001"})
    assert joined.status_code == 200
    one, row = seen("town-mediator", joined)
    assert one.status_code == 200, one.json
    assert one.json["parties"][0]["name"] == "张建国"  # a handler reads the parties unmasked
    assert "hold-session" in one.json["allowed_commands"] and "hold-session" in row["allowed_commands"]
    assert http.do(case_id, "hold-session", "town-mediator", {"mode": "onsite", "participants": BOTH,
                                                             "summary": "司法所与村委会联合调解"}).status_code == 200  # fmt: skip
