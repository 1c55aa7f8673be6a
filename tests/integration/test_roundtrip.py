"""Round trip through SQLite and PostgreSQL: a case with a long life, reloaded by a fresh
Ledger on the same store, must be the same aggregate, with every instant intact."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from application.ledger import Ledger
from domain.case import Case
from domain.codes import Status
from domain.values import Party
from tests.support import COUNTY, COURT, TOWN, VILLAGE_COMMITTEE, World

BEIJING = timezone(timedelta(hours=8))

# Every event's (type, occurred_at, recorded_at), in the order written, as the test saw them.
Trail = list[tuple[str, datetime, datetime]]


def _step(w: World, trail: Trail, case_id: Any, command: str, actor: str, event: str, **args: Any) -> Case:
    """Run one command at a new clock instant with sub-second precision, noting its instants."""
    w.clock.advance(hours=5, seconds=7, microseconds=123457)
    occurred_at = args.pop("occurred_at", None)
    case = w.do(case_id, command, actor, occurred_at=occurred_at, **args)
    trail.append((event, occurred_at or w.clock.now, w.clock.now))
    return case


def _long_life(w: World) -> tuple[Case, Trail]:
    trail: Trail = []
    w.clock.advance(microseconds=654321)
    # a late entry in Beijing time: it happened two days before it was recorded
    happened = (w.clock.now - timedelta(days=2, microseconds=17)).astimezone(BEIJING)
    case = w.report(
        occurred_at=happened,
        amount_in_dispute="1234.5",
        people_involved=3,
        parties=[
            {"role": "applicant", "kind": "person", "name": "张建国", "id_number": "11010519491231002x", "phone": "138 1234 1234"},
            {"role": "respondent", "kind": "organisation", "name": "青山物业公司", "id_number": "91350100M000100Y43"},
            {"role": "third_party", "kind": "person", "name": "李秀英", "phone": "0931-8123456"},
        ],
    )
    trail.append(("Reported", happened, w.clock.now))
    cid = case.id
    _step(w, trail, cid, "assess_risk", "supervisor", "RiskAssessed", level="high", flags=["mass", "extreme"])
    note_due = w.clock.now + timedelta(days=1, microseconds=1)
    _step(w, trail, cid, "add_supervision_note", "supervisor", "SupervisionNoteAdded", instruction="当日交办", due_at=note_due)
    _step(
        w, trail, cid, "correct_details", "recorder", "DetailsCorrected",
        field="region_code", value="621199001002", reason="登记时选错社区",
    )  # fmt: skip
    _step(
        w, trail, cid, "assign", "recorder", "Assigned",
        route="peoples_mediation", organisation_code=VILLAGE_COMMITTEE, mediator_id="M0020",
    )  # fmt: skip
    _step(w, trail, cid, "accept", "mediator", "Accepted")
    _step(
        w, trail, cid, "hold_session", "mediator", "SessionHeld",
        mode="onsite", participants=["张建国", "物业经理"], summary="现场调解",
    )  # fmt: skip
    _step(w, trail, cid, "extend_deadline", "mediator", "DeadlineExtended", days=12, reason="双方同意延期")
    _step(w, trail, cid, "record_agreement", "mediator", "AgreementRecorded", terms="物业公司赔偿1000元", amount="1000")
    _step(w, trail, cid, "request_confirmation", "mediator", "ConfirmationRequested", court_code=COURT, online=False,
          applicants=["张建国", "青山物业公司"])
    _step(w, trail, cid, "decide_confirmation", "judge", "ConfirmationDecided", granted=True, reason="协议合法有效")
    _step(w, trail, cid, "record_performance", "judge", "PerformanceRecorded", performed="partial")
    _step(w, trail, cid, "close", "mediator", "Closed", summary="司法确认后履行")
    _step(w, trail, cid, "follow_up", "mediator", "FollowedUp", satisfaction="satisfied", relapse=False)
    _step(w, trail, cid, "report_incident", "recorder", "IncidentReported", kind="extreme_act", description="扬言报复", severity="serious")
    # archived, with its occurred_at given explicitly, in another offset, equal to the previous event's instant
    last = trail[-1][1].astimezone(BEIJING)
    case = _step(w, trail, cid, "archive", "supervisor", "Archived", archive_number="DA-2026-0042", occurred_at=last)
    return case, trail


@pytest.fixture
def lived(world: World):  # type: ignore[no-untyped-def]
    case, trail = _long_life(world)
    fresh = Ledger(settings=world.ledger.settings, clock=world.clock)
    yield world, case, trail, fresh
    fresh.close()


def test_the_long_life_ends_where_expected(lived) -> None:  # type: ignore[no-untyped-def]
    _, case, trail, _ = lived
    assert case.status == Status.ARCHIVED
    assert case.version == len(trail) == 16
    assert case.resolution == "confirmed"


def test_reloaded_aggregate_equals_the_original(lived) -> None:  # type: ignore[no-untyped-def]
    world, original, _, fresh = lived
    reloaded = fresh.get_case(original.id)
    assert reloaded is not original

    assert reloaded.status == original.status == Status.ARCHIVED
    assert reloaded.region_path == original.region_path == [COUNTY, TOWN, "621199001002"]
    assert reloaded.town_code == TOWN
    assert reloaded.parties == original.parties
    assert reloaded.parties == (
        Party("applicant", "person", "张建国", "11010519491231002X", "13812341234"),
        Party("respondent", "organisation", "青山物业公司", "91350100M000100Y43", None),
        Party("third_party", "person", "李秀英", None, "0931-8123456"),
    )
    assert isinstance(reloaded.amount_in_dispute, Decimal)
    assert reloaded.amount_in_dispute == original.amount_in_dispute == Decimal("1234.50")
    assert str(reloaded.amount_in_dispute) == "1234.50"
    assert (reloaded.risk_level, reloaded.risk_flags) == (original.risk_level, original.risk_flags) == (
        "high",
        ("extreme", "mass"),
    )
    assert reloaded.deadlines == original.deadlines
    # The high-risk assessment and the extension supersede the first triage and mediation deadlines.
    assert [(d.kind, d.superseded) for d in reloaded.deadlines] == [
        ("triage", True), ("triage", False), ("supervision", False), ("acceptance", False),
        ("mediation", True), ("mediation", False), ("confirmation_request", False),
        ("confirmation_decision", False), ("follow_up", False),
    ]  # fmt: skip
    assert all(not d.is_open for d in reloaded.deadlines)
    assert reloaded.version == original.version == 16
    assert reloaded.resolution == original.resolution == "confirmed"
    assert reloaded.incidents == original.incidents
    # and everything else the aggregate holds, attribute by attribute
    assert vars(reloaded) == vars(original)


def test_deadline_instants_survive_exactly(lived) -> None:  # type: ignore[no-untyped-def]
    _, original, _, fresh = lived
    reloaded = fresh.get_case(original.id)
    for mine, theirs in zip(original.deadlines, reloaded.deadlines, strict=True):
        for name in ("opened_at", "due_at", "met_at", "cancelled_at", "effective_at"):
            a, b = getattr(mine, name), getattr(theirs, name)
            assert a == b, (mine.kind, name)
            if a is not None:
                assert a.utcoffset() == b.utcoffset(), (mine.kind, name)
                assert a.microsecond == b.microsecond
    (mediation,) = [d for d in reloaded.deadlines if d.kind == "mediation" and not d.superseded]
    assert mediation.due_at == mediation.opened_at + timedelta(days=42)


def test_recorded_at_and_occurred_at_survive_exactly(lived) -> None:  # type: ignore[no-untyped-def]
    _, original, trail, fresh = lived
    events = list(fresh.events.get(original.id))
    assert [type(e).__name__ for e in events] == [t[0] for t in trail]
    for event, (name, occurred_at, recorded_at) in zip(events, trail, strict=True):
        assert event.occurred_at == occurred_at, name
        assert event.occurred_at.utcoffset() == occurred_at.utcoffset(), name
        assert event.timestamp == recorded_at, name
        assert event.timestamp.utcoffset() == recorded_at.utcoffset(), name
    reported, archived = events[0], events[-1]
    assert reported.timestamp - reported.occurred_at == timedelta(days=2, microseconds=17)
    assert reported.occurred_at.utcoffset() == timedelta(hours=8)
    assert archived.occurred_at == events[-2].occurred_at
    assert archived.timestamp > archived.occurred_at
    assert fresh.get_case(original.id).reported_at == trail[0][1]


def test_actors_and_reference_data_survive(lived) -> None:  # type: ignore[no-untyped-def]
    world, original, _, fresh = lived
    assert fresh.authenticate(world.tokens["mediator"]).organisation_code == VILLAGE_COMMITTEE
    assert fresh.regions().path("621199001002") == [COUNTY, TOWN, "621199001002"]
    assert COURT in fresh.directory().organisations
    # the fresh ledger carries on the case where the first left it
    world.clock.advance(hours=1)
    case = fresh.execute(fresh.actor("supervisor"), original.id, "assess_risk", level="low", flags=[]).case
    assert case.version == original.version + 1
    assert world.ledger.get_case(original.id).risk_level == "low"


@pytest.mark.parametrize(
    ("path", "final"),
    [
        (["file_in_court", "record_court_outcome", "close"], Status.CLOSED),
        (["assign", "decline"], Status.REPORTED),
        (["assign", "accept", "record_failure", "assign"], Status.ASSIGNED),
        (["withdraw", "reopen"], Status.REPORTED),
    ],
    ids=["litigated", "declined", "escalated", "reopened"],
)
def test_other_lives_round_trip(world: World, path: list[str], final: Status) -> None:
    from tests.unit.drive import command_args

    w = world
    case = w.report(amount_in_dispute="0.1")
    for command in path:
        w.clock.advance(hours=1, microseconds=1)
        case = w.do(case.id, command, "admin", **command_args(w, command))
    assert case.status == final
    fresh = Ledger(settings=w.ledger.settings, clock=w.clock)
    try:
        reloaded = fresh.get_case(case.id)
        assert vars(reloaded) == vars(case)
        assert str(reloaded.amount_in_dispute) == "0.10"
    finally:
        fresh.close()
