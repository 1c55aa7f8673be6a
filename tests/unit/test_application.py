"""The Ledger application: roles, regions, actors, bad input and optimistic concurrency.

Every refusal must leave the event store as it was: each test compares the stored event count
before and after.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from application.errors import CaseNotFound, UnknownActor, VersionConflict
from application.ledger import Ledger
from domain.codes import Role, Status
from domain.errors import AccessDenied, IllegalTransition, InvalidValue
from domain.lifecycle import ANY_STATE, COMMANDS, TRANSITIONS
from domain.permissions import ROLE_COMMANDS, may_issue
from tests.support import (
    COUNTY,
    OTHER_TOWN,
    OTHER_TOWN_VILLAGE,
    T0,
    TOWN,
    TOWN_COMMITTEE,
    VILLAGE,
    VILLAGE_COMMITTEE,
    World,
    report_body,
)
from tests.unit.drive import command_args, drive_to

# ------------------------------------------------------------------ the role table


def _cmds(text: str) -> frozenset[str]:
    return frozenset(c.strip().replace("-", "_") for c in text.split(",") if c.strip())


# DESIGN.md §2, transcribed.
DESIGN_ROLES: dict[Role, frozenset[str]] = {
    Role.RECORDER: _cmds(
        "report, assess-risk, assign, withdraw, correct-details, link-to-lead-case, report-incident, add-joint-body"
    ),
    Role.MEDIATOR: _cmds(
        "accept, decline, hold-session, extend-deadline, record-agreement, record-failure, "
        "request-confirmation, apply-for-enforcement, record-performance, close, follow-up"
    ),
    Role.JUDGE: _cmds(
        "decide-confirmation, extend-confirmation, entrust-mediation, apply-for-enforcement, file-in-court, "
        "record-court-outcome, "
        "record-performance, close"
    ),
    Role.SUPERVISOR: _cmds("add-supervision-note, assess-risk, report-incident, reopen, archive"),
    Role.AUDITOR: frozenset(),
    Role.READER: frozenset(),
    Role.ADMIN: COMMANDS,
}
STANDARD_ACTOR = {
    Role.RECORDER: "recorder",
    Role.MEDIATOR: "mediator",
    Role.JUDGE: "judge",
    Role.SUPERVISOR: "supervisor",
    Role.AUDITOR: "auditor",
    Role.READER: "reader",
    Role.ADMIN: "admin",
}


def test_every_design_command_is_known() -> None:
    for role, commands in DESIGN_ROLES.items():
        assert commands <= COMMANDS, (role, commands - COMMANDS)
    assert set(ROLE_COMMANDS) == set(Role)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_may_issue_matches_the_design(role: Role) -> None:
    for command in sorted(COMMANDS):
        assert may_issue(role, command) == (command in DESIGN_ROLES[role]), f"{role.value} {command}"


def _state_for(command: str) -> Status:
    """The first state (in Status order) where ``command`` is allowed."""
    if command in ANY_STATE:
        return Status.REPORTED
    return next(s for s in Status if command in TRANSITIONS[s])


def _role_matrix() -> list[Any]:
    return [
        pytest.param(role, command, id=f"{role.value}-{command}")
        for role in Role
        for command in sorted(COMMANDS)
    ]


@pytest.mark.parametrize(("role", "command"), _role_matrix())
def test_ledger_obeys_may_issue(memory_world: World, role: Role, command: str) -> None:
    """Each role issues each command on a case where the state machine allows it."""
    w = memory_world
    actor = w.actors[STANDARD_ACTOR[role]]
    if command == "report":
        before = w.event_count()
        if may_issue(role, command):
            case = w.ledger.report(actor, **report_body()).case
            assert case.status == Status.REPORTED and case.reported_by == actor.name
            assert w.event_count() == before + 1
        else:
            with pytest.raises(AccessDenied) as refused:
                w.ledger.report(actor, **report_body())
            assert role.value in str(refused.value) and "report" in str(refused.value)
            assert w.event_count() == before
        return

    case = drive_to(w, _state_for(command))
    args = command_args(w, command)
    before = w.event_count()
    if may_issue(role, command):
        after = w.ledger.execute(actor, case.id, command, **args).case
        assert after.version == case.version + 1
        assert w.event_count() == before + 1
    else:
        with pytest.raises(AccessDenied) as refused:
            w.ledger.execute(actor, case.id, command, **args)
        assert str(refused.value) == f"role {role.value} may not {command}"
        assert w.event_count() == before
        assert w.ledger.get_case(case.id).version == case.version


@pytest.mark.parametrize(
    ("actor", "command", "state"),
    [
        ("recorder", "accept", Status.ASSIGNED),
        ("mediator", "assign", Status.REPORTED),
        ("judge", "withdraw", Status.REPORTED),
        ("supervisor", "close", Status.AGREED),
        ("auditor", "assess_risk", Status.REPORTED),
        ("reader", "add_supervision_note", Status.REPORTED),
    ],
)
def test_one_real_refusal_per_role(memory_world: World, actor: str, command: str, state: Status) -> None:
    w = memory_world
    case = drive_to(w, state)
    args = command_args(w, command)
    before = w.event_count()
    with pytest.raises(AccessDenied, match=rf"may not {command}"):
        w.do(case.id, command, actor, **args)
    assert w.event_count() == before
    # and the same command is fine from the admin: the refusal was about the role
    w.do(case.id, command, "admin", **args)
    assert w.event_count() == before + 1


# ------------------------------------------------------------------ regions and organisations


def test_other_town_recorder_cannot_report_in_the_first_town(memory_world: World) -> None:
    w = memory_world
    before = w.event_count()
    with pytest.raises(AccessDenied) as refused:
        w.report(actor="other-recorder", region_code=VILLAGE)
    assert VILLAGE in str(refused.value) and "other-recorder" in str(refused.value)
    assert w.event_count() == before
    case = w.report(actor="other-recorder", region_code=OTHER_TOWN_VILLAGE)
    assert case.region_path == [COUNTY, OTHER_TOWN, OTHER_TOWN_VILLAGE]
    assert w.event_count() == before + 1


@pytest.mark.parametrize("command", sorted(ROLE_COMMANDS[Role.RECORDER] - {"report"}))
def test_other_town_recorder_cannot_act_on_a_first_town_case(memory_world: World, command: str) -> None:
    w = memory_world
    case = drive_to(w, _state_for(command))
    args = command_args(w, command)
    before = w.event_count()
    # Outside the region the case is not found, in the words used for an id that names no case.
    with pytest.raises(CaseNotFound, match=f"^no dispute case {case.id}$"):
        w.do(case.id, command, "other-recorder", **args)
    assert w.event_count() == before
    with pytest.raises(CaseNotFound, match=f"^no dispute case {case.id}$"):
        w.ledger.read_case(w.actors["other-recorder"], case.id)
    # the first town's recorder may
    w.do(case.id, command, "recorder", **args)
    assert w.event_count() == before + 1


@pytest.mark.parametrize(
    ("role", "command", "state"),
    [("judge", "file_in_court", Status.REPORTED), ("supervisor", "add_supervision_note", Status.REPORTED)],
)
def test_region_scope_binds_judges_and_supervisors(memory_world: World, role: str, command: str, state: Status) -> None:
    w = memory_world
    w.actor(f"east-{role}", role, OTHER_TOWN)
    case = drive_to(w, state)
    args = command_args(w, command)
    before = w.event_count()
    with pytest.raises(CaseNotFound):
        w.do(case.id, command, f"east-{role}", **args)
    assert w.event_count() == before


def test_a_grid_case_is_inside_its_town(memory_world: World) -> None:
    w = memory_world
    case = w.report(region_code="621199001001001")
    assert case.region_path == [COUNTY, TOWN, VILLAGE, "621199001001001"]
    assert case.region_code == "621199001001001" and case.village_code == VILLAGE
    w.do(case.id, "assess_risk", "recorder", level="medium", flags=[])
    with pytest.raises(CaseNotFound):
        w.do(case.id, "assess_risk", "other-recorder", level="medium", flags=[])


def test_mediator_cannot_act_on_a_case_assigned_to_another_organisation(memory_world: World) -> None:
    w = memory_world
    case = w.report()
    w.do(case.id, "assign", "recorder", route="peoples_mediation", organisation_code=TOWN_COMMITTEE)
    before = w.event_count()
    for command, args in [("accept", {}), ("decline", {"reason": "不是我们的"})]:
        with pytest.raises(AccessDenied) as refused:
            w.do(case.id, command, "mediator", **args)
        assert TOWN_COMMITTEE in str(refused.value) and VILLAGE_COMMITTEE in str(refused.value)
    assert w.event_count() == before
    assert w.do(case.id, "accept", "town-mediator").status == Status.ACCEPTED


@pytest.mark.parametrize("command", sorted(ROLE_COMMANDS[Role.MEDIATOR]))
def test_town_mediator_cannot_act_on_a_village_committee_case(memory_world: World, command: str) -> None:
    w = memory_world
    case = drive_to(w, _state_for(command))
    assert case.organisation_code == VILLAGE_COMMITTEE
    args = command_args(w, command)
    before = w.event_count()
    with pytest.raises(AccessDenied, match=f"handled by {VILLAGE_COMMITTEE}, not by {TOWN_COMMITTEE}"):
        w.do(case.id, command, "town-mediator", **args)
    assert w.event_count() == before
    w.do(case.id, command, "mediator", **args)
    assert w.event_count() == before + 1


def test_mediator_cannot_act_on_an_unassigned_case(memory_world: World) -> None:
    w = memory_world
    case = w.report()
    before = w.event_count()
    with pytest.raises(AccessDenied, match="handled by nobody"):
        w.do(case.id, "decline", "mediator", reason="x")
    assert w.event_count() == before


def test_escalation_moves_the_case_away_from_the_village_mediator(memory_world: World) -> None:
    w = memory_world
    case = drive_to(w, Status.FAILED)
    w.do(case.id, "assign", "recorder", route="peoples_mediation", organisation_code=TOWN_COMMITTEE)
    before = w.event_count()
    with pytest.raises(AccessDenied):
        w.do(case.id, "accept", "mediator")
    assert w.event_count() == before
    w.do(case.id, "accept", "town-mediator")


# ------------------------------------------------------------------ actors


def test_unknown_actor_token(memory_world: World) -> None:
    w = memory_world
    before = w.event_count()
    for token in ["not-a-token", "", w.tokens["recorder"] + "x"]:
        with pytest.raises(UnknownActor):
            w.ledger.authenticate(token)
    with pytest.raises(UnknownActor, match="ghost"):
        w.ledger.actor("ghost")
    assert w.event_count() == before
    assert w.ledger.authenticate(w.tokens["recorder"]).name == "recorder"
    assert w.ledger.authenticate(w.tokens["mediator"]).organisation_code == VILLAGE_COMMITTEE


def test_actors_are_validated_when_added(memory_world: World) -> None:
    w = memory_world
    before = w.event_count()
    cases = [
        ({"name": "x", "role": "janitor"}, "role"),
        ({"name": "has space", "role": "reader"}, "name"),
        ({"name": "m2", "role": "mediator", "region_code": TOWN}, "organisation"),
        ({"name": "m3", "role": "mediator", "organisation_code": "ORG-NOPE"}, "organisation"),
        ({"name": "r2", "role": "recorder", "region_code": "621199999"}, "region"),
        ({"name": "recorder", "role": "recorder"}, "name"),
    ]
    for kwargs, field in cases:
        with pytest.raises(InvalidValue) as refused:
            w.ledger.add_actor(**kwargs)
        assert refused.value.field == field, kwargs
    assert w.event_count() == before


# ------------------------------------------------------------------ bad input, refused with nothing written


def _mutate_parties(**change: Any) -> list[dict[str, Any]]:
    parties = report_body()["parties"]
    return [{**parties[0], **change}, parties[1]]


BAD_REPORTS = [
    ("unknown-category", {"category": "weather"}, "category", "one of:"),
    ("unknown-source", {"source": "rumour"}, "source", "one of:"),
    ("unknown-region", {"region_code": "621199999999"}, "region_code", "unknown region"),
    ("malformed-region", {"region_code": "abc"}, "region_code", "unknown region"),
    ("town-not-village", {"region_code": TOWN}, "region_code", "village or grid"),
    ("bad-id-check-digit", {"parties": _mutate_parties(id_number="110105194912310021")}, "parties[0].id_number", "check digit"),
    ("bad-id-length", {"parties": _mutate_parties(id_number="1101051949123100")}, "parties[0].id_number", "17 digits"),
    ("bad-phone", {"parties": _mutate_parties(phone="12345")}, "parties[0].phone", "mobile"),
    ("no-applicant", {"parties": [report_body()["parties"][1]]}, "parties", "applicant"),
    ("no-parties", {"parties": []}, "parties", "at least one"),
    ("negative-amount", {"amount_in_dispute": "-1"}, "amount_in_dispute", "negative"),
    ("non-numeric-amount", {"amount_in_dispute": "abc"}, "amount_in_dispute", "not a decimal"),
    ("float-amount", {"amount_in_dispute": 12.5}, "amount_in_dispute", "float"),
    ("three-place-amount", {"amount_in_dispute": "12.345"}, "amount_in_dispute", "two decimal places"),
    ("empty-summary", {"summary": ""}, "summary", "must not be empty"),
    ("blank-summary", {"summary": "   "}, "summary", "must not be empty"),
    ("zero-people", {"people_involved": 0}, "people_involved", "between"),
    ("unknown-field", {"colour": "red"}, "colour", "not a field of report"),
]


@pytest.mark.parametrize(("overrides", "field", "words"), [pytest.param(*c[1:], id=c[0]) for c in BAD_REPORTS])
def test_bad_report_is_refused_naming_field_and_rule(memory_world: World, overrides, field: str, words: str) -> None:
    w = memory_world
    before = w.event_count()
    with pytest.raises(InvalidValue) as refused:
        w.report(**overrides)
    assert refused.value.field == field
    assert words in refused.value.rule
    assert str(refused.value).startswith(f"{field}: ")
    assert w.event_count() == before


def test_report_missing_a_required_field(memory_world: World) -> None:
    w = memory_world
    body = report_body()
    del body["summary"]
    before = w.event_count()
    with pytest.raises(InvalidValue) as refused:
        w.ledger.report(w.actors["recorder"], **body)
    assert refused.value.field == "summary" and refused.value.rule == "is required"
    assert w.event_count() == before


def test_report_occurred_in_the_future(memory_world: World) -> None:
    w = memory_world
    before = w.event_count()
    with pytest.raises(InvalidValue) as refused:
        w.report(occurred_at=w.clock.now + timedelta(microseconds=1))
    assert refused.value.field == "occurred_at"
    assert "future" in refused.value.rule
    with pytest.raises(InvalidValue) as refused:
        w.report(occurred_at=w.clock.now.replace(tzinfo=None))
    assert refused.value.field == "occurred_at"
    assert "time zone" in refused.value.rule
    assert w.event_count() == before
    # exactly now is fine
    assert w.report(occurred_at=w.clock.now).reported_at == w.clock.now


def test_command_occurred_before_the_previous_event(memory_world: World) -> None:
    w = memory_world
    case = w.report(occurred_at=T0 - timedelta(hours=2))
    w.clock.advance(hours=1)
    before = w.event_count()
    with pytest.raises(InvalidValue) as refused:
        w.do(case.id, "assess_risk", "recorder", level="high", flags=[], occurred_at=T0 - timedelta(hours=2, microseconds=1))
    assert refused.value.field == "occurred_at"
    assert "previous event" in refused.value.rule
    with pytest.raises(InvalidValue) as refused:
        w.do(case.id, "assess_risk", "recorder", level="high", flags=[], occurred_at=w.clock.now + timedelta(seconds=1))
    assert refused.value.field == "occurred_at"
    assert "future" in refused.value.rule
    assert w.event_count() == before
    # at the very instant of the previous event is allowed
    case = w.do(case.id, "assess_risk", "recorder", level="high", flags=[], occurred_at=T0 - timedelta(hours=2))
    assert case.last_occurred_at == T0 - timedelta(hours=2)


BAD_COMMANDS = [
    ("unknown-command", Status.REPORTED, "report", {}, "command", "unknown command"),
    ("unknown-route", Status.REPORTED, "assign", {"route": "telepathy", "organisation_code": VILLAGE_COMMITTEE}, "route", "one of:"),
    ("unknown-organisation", Status.REPORTED, "assign", {"route": "peoples_mediation", "organisation_code": "ORG-NOPE"}, "organisation_code", "unknown organisation"),
    ("foreign-mediator", Status.REPORTED, "assign", {"route": "peoples_mediation", "organisation_code": VILLAGE_COMMITTEE, "mediator_id": "M0001"}, "mediator_id", "does not belong"),
    ("unknown-mediator", Status.REPORTED, "assign", {"route": "peoples_mediation", "organisation_code": VILLAGE_COMMITTEE, "mediator_id": "M9999"}, "mediator_id", "unknown mediator"),
    ("extra-argument", Status.REPORTED, "assign", {"route": "peoples_mediation", "organisation_code": VILLAGE_COMMITTEE, "priority": 1}, "priority", "not a field of assign"),
    ("missing-argument", Status.REPORTED, "withdraw", {}, "reason", "is required"),
    ("not-a-court", Status.AGREED, "request_confirmation", {"court_code": VILLAGE_COMMITTEE, "online": True, "applicants": ["张建国", "李秀英"]}, "court_code", "not a known court"),
    ("online-not-bool", Status.AGREED, "request_confirmation", {"court_code": "ORGC-COURT", "online": "yes", "applicants": ["张建国", "李秀英"]}, "online", "true or false"),
    ("unknown-mode", Status.ACCEPTED, "hold_session", {"mode": "carrier_pigeon", "participants": ["张"], "summary": "s"}, "mode", "one of:"),
    ("no-participants", Status.ACCEPTED, "hold_session", {"mode": "onsite", "participants": [], "summary": "s"}, "participants", "at least one"),
    ("empty-terms", Status.MEDIATING, "record_agreement", {"terms": " "}, "terms", "must not be empty"),
    ("negative-agreed-amount", Status.MEDIATING, "record_agreement", {"terms": "t", "amount": "-5"}, "amount", "negative"),
    ("granted-not-bool", Status.CONFIRMATION_PENDING, "decide_confirmation", {"granted": "yes", "reason": "r"}, "granted", "true or false"),
    ("rejected-without-reason", Status.CONFIRMATION_PENDING, "decide_confirmation", {"granted": False}, "reason", "must not be empty"),
    ("unknown-court-outcome", Status.LITIGATING, "record_court_outcome", {"outcome": "duel", "summary": "s"}, "outcome", "one of:"),
    ("unknown-satisfaction", Status.CLOSED, "follow_up", {"satisfaction": "ecstatic", "relapse": False}, "satisfaction", "one of:"),
    ("empty-withdraw-reason", Status.REPORTED, "withdraw", {"reason": ""}, "reason", "must not be empty"),
    ("unknown-risk-level", Status.REPORTED, "assess_risk", {"level": "apocalyptic", "flags": []}, "level", "one of:"),
    ("unknown-risk-flag", Status.REPORTED, "assess_risk", {"level": "high", "flags": ["zombies"]}, "flags", "one of:"),
    ("unknown-incident-kind", Status.REPORTED, "report_incident", {"kind": "gossip", "description": "d", "severity": "grave"}, "kind", "one of:"),
    ("unknown-correctable-field", Status.REPORTED, "correct_details", {"field": "parties", "value": "x", "reason": "r"}, "field", "one of:"),
    ("correct-to-unknown-category", Status.REPORTED, "correct_details", {"field": "category", "value": "weather", "reason": "r"}, "value", "one of:"),
    ("correct-to-unknown-region", Status.REPORTED, "correct_details", {"field": "region_code", "value": "621199999999", "reason": "r"}, "value", "unknown region"),
    ("correct-to-negative-amount", Status.REPORTED, "correct_details", {"field": "amount_in_dispute", "value": "-1", "reason": "r"}, "value", "negative"),
    ("correct-to-same-value", Status.REPORTED, "correct_details", {"field": "category", "value": "neighbour", "reason": "r"}, "value", "must change"),
    ("correct-without-reason", Status.REPORTED, "correct_details", {"field": "category", "value": "family", "reason": ""}, "reason", "must not be empty"),
]


@pytest.mark.parametrize(
    ("state", "command", "args", "field", "words"), [pytest.param(*c[1:], id=c[0]) for c in BAD_COMMANDS]
)
def test_bad_command_is_refused_naming_field_and_rule(
    memory_world: World, state: Status, command: str, args: dict[str, Any], field: str, words: str
) -> None:
    w = memory_world
    case = drive_to(w, state)
    before = w.event_count()
    with pytest.raises(InvalidValue) as refused:
        w.do(case.id, command, "admin", **args)
    assert refused.value.field == field
    assert words in refused.value.rule
    assert w.event_count() == before
    assert w.ledger.get_case(case.id).version == case.version


def test_missing_case(memory_world: World) -> None:
    w = memory_world
    before = w.event_count()
    for case_id in [uuid4(), "not-a-uuid"]:
        with pytest.raises(CaseNotFound):
            w.do(case_id, "assess_risk", "recorder", level="high", flags=[])
    assert w.event_count() == before


# ------------------------------------------------------------------ lead cases and corrections


def test_link_to_missing_lead_case_is_refused(memory_world: World) -> None:
    w = memory_world
    case = w.report()
    before = w.event_count()
    for lead_id in [uuid4(), "not-a-uuid", None]:
        with pytest.raises(InvalidValue) as refused:
            w.do(case.id, "link_to_lead_case", "recorder", lead_id=lead_id)
        assert refused.value.field == "lead_id"
        assert "no case" in refused.value.rule
    # an actor aggregate's id is not a case either
    with pytest.raises(InvalidValue) as refused:
        w.do(case.id, "link_to_lead_case", "recorder", lead_id=w.actors["admin"].id)
    assert refused.value.field == "lead_id"
    with pytest.raises(InvalidValue) as refused:
        w.do(case.id, "link_to_lead_case", "recorder", lead_id=case.id)
    assert refused.value.field == "lead_id" and "own lead" in refused.value.rule
    assert w.event_count() == before


def test_a_lead_case_outside_the_region_is_refused_as_if_it_did_not_exist(memory_world: World) -> None:
    w = memory_world
    elsewhere = w.report(actor="other-recorder", region_code=OTHER_TOWN_VILLAGE)
    case = w.report()
    before = w.event_count()
    refusals = []
    for lead_id in (elsewhere.id, uuid4()):
        with pytest.raises(InvalidValue) as refused:
            w.do(case.id, "link_to_lead_case", "recorder", lead_id=lead_id)
        refusals.append((refused.value.field, refused.value.rule.replace(str(lead_id), "<id>")))
    assert refusals[0] == refusals[1] == ("lead_id", "no case '<id>'")
    assert w.event_count() == before
    # the admin, whose scope is everything, may link them
    linked = w.do(case.id, "link_to_lead_case", "admin", lead_id=elsewhere.id)
    assert linked.lead_id == str(elsewhere.id)


def test_link_to_lead_case(memory_world: World) -> None:
    w = memory_world
    lead = w.report(summary="示范案件")
    case = w.report()
    case = w.do(case.id, "link_to_lead_case", "recorder", lead_id=str(lead.id))
    assert case.lead_id == str(lead.id)


@pytest.mark.parametrize(
    ("actor", "new_code", "path"),
    [
        ("recorder", "621199001002", [COUNTY, TOWN, "621199001002"]),
        ("recorder", "621199001002001", [COUNTY, TOWN, "621199001002", "621199001002001"]),
        ("admin", OTHER_TOWN_VILLAGE, [COUNTY, OTHER_TOWN, OTHER_TOWN_VILLAGE]),
    ],
)
def test_correct_region_code_moves_the_region_path(memory_world: World, actor: str, new_code: str, path) -> None:
    w = memory_world
    case = w.report()
    case = w.do(case.id, "correct_details", actor, field="region_code", value=new_code, reason="登记时选错村")
    assert case.region_path == path
    assert case.region_code == new_code
    assert case.town_code == path[1]
    stored = w.ledger.get_case(case.id)
    assert stored.region_path == path


def test_a_case_moved_to_another_town_leaves_the_first_towns_scope(memory_world: World) -> None:
    w = memory_world
    case = w.report()
    w.do(case.id, "correct_details", "admin", field="region_code", value=OTHER_TOWN_VILLAGE, reason="登记时选错镇")
    with pytest.raises(CaseNotFound):
        w.do(case.id, "assess_risk", "recorder", level="high", flags=[])
    w.do(case.id, "assess_risk", "other-recorder", level="high", flags=[])


def test_recorder_cannot_move_a_case_out_of_its_own_region(memory_world: World) -> None:
    """A recorder may not report into another town (see above); moving a case there by a
    correction is the same act, and must be refused in the same way."""
    w = memory_world
    case = w.report()
    before = w.event_count()
    with pytest.raises(AccessDenied):
        w.do(case.id, "correct_details", "recorder", field="region_code", value=OTHER_TOWN_VILLAGE, reason="改到东关")
    assert w.event_count() == before
    assert w.ledger.get_case(case.id).town_code == TOWN


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("category", "family", "family"),
        ("summary", "  新的简要情况 ", "新的简要情况"),
        ("people_involved", "7", 7),
        ("amount_in_dispute", "1500.5", "1500.50"),
    ],
)
def test_correct_details(memory_world: World, field: str, value: str, expected: object) -> None:
    w = memory_world
    case = w.report()
    case = w.do(case.id, "correct_details", "recorder", field=field, value=value, reason="更正")
    got = getattr(case, field)
    assert (str(got) if field == "amount_in_dispute" else got) == expected


# ------------------------------------------------------------------ concurrency


def test_expected_version_mismatch(memory_world: World) -> None:
    w = memory_world
    case = w.report()
    case = w.do(case.id, "assess_risk", "recorder", level="medium", flags=[])
    assert case.version == 2
    before = w.event_count()
    for stale in (1, 3):
        with pytest.raises(VersionConflict) as conflict:
            w.ledger.execute(w.actors["recorder"], case.id, "assess_risk", expected_version=stale, level="high", flags=[])
        assert conflict.value.expected == stale
        assert conflict.value.current == 2
        assert "version 2" in str(conflict.value)
    assert w.event_count() == before
    result = w.ledger.execute(w.actors["recorder"], case.id, "assess_risk", expected_version=2, level="high", flags=[])
    assert result.case.version == 3


def _second_ledger(world: World, clock=None) -> Ledger:  # type: ignore[no-untyped-def]
    return Ledger(settings=world.ledger.settings, clock=clock or world.clock)


def test_stale_second_ledger_gets_version_conflict(world: World) -> None:
    w = world
    case = w.report()
    other = _second_ledger(w)
    try:
        loaded = other.get_case(case.id)
        assert loaded.version == 1
        w.do(case.id, "assess_risk", "recorder", level="high", flags=[])
        before = w.event_count()
        with pytest.raises(VersionConflict) as conflict:
            other.execute(
                other.actor("recorder"), case.id, "assess_risk", expected_version=loaded.version, level="low", flags=[]
            )
        assert (conflict.value.expected, conflict.value.current) == (1, 2)
        assert w.event_count() == before
    finally:
        other.close()


def _racing_ledger(world: World, case_id: Any) -> tuple[Ledger, list[int]]:
    """A second ledger whose clock, read after it has loaded the case and before it saves,
    lets the first ledger save a change to the same case: a real lost-update race."""
    fired: list[int] = []

    def clock():  # type: ignore[no-untyped-def]
        if not fired:
            fired.append(world.do(case_id, "assess_risk", "recorder", level="high", flags=["mass"]).version)
        return world.clock()

    return _second_ledger(world, clock), fired


def test_two_ledgers_saving_the_same_case_the_second_is_run_again_on_the_new_state(world: World) -> None:
    """Without an expected version the loser of a race is not refused: its command runs again
    on the case as the winner left it."""
    w = world
    case = w.report()
    w.clock.advance(minutes=1)
    other, fired = _racing_ledger(w, case.id)
    try:
        retried = other.execute(other.actor("recorder"), case.id, "assess_risk", level="low", flags=[]).case
        assert fired == [2]
        assert retried.version == 3
        assert [e.level for e in w.ledger.history(case.id)[1:]] == ["high", "low"]  # winner's, then loser's
        for ledger in (w.ledger, other):
            stored = ledger.get_case(case.id)
            assert stored.version == 3
            assert stored.risk_level == "low" and stored.risk_flags == ()
    finally:
        other.close()


def test_a_command_run_again_after_a_race_is_checked_against_the_new_state(world: World) -> None:
    """The winner withdrew the case: the loser's assignment, run again, is an illegal transition."""
    w = world
    case = w.report()
    fired: list[int] = []

    def clock():  # type: ignore[no-untyped-def]
        if not fired:
            fired.append(w.do(case.id, "withdraw", "recorder", reason="双方已和解").version)
        return w.clock()

    other = _second_ledger(w, clock)
    try:
        before = w.event_count()
        with pytest.raises(IllegalTransition):
            other.execute(
                other.actor("recorder"),
                case.id,
                "assign",
                route="peoples_mediation",
                organisation_code=VILLAGE_COMMITTEE,
            )
        assert fired == [2]
        assert w.event_count() == before + 1  # only the withdrawal
    finally:
        other.close()


def test_with_an_expected_version_the_loser_of_a_race_gets_version_conflict(world: World) -> None:
    w = world
    case = w.report()
    other, fired = _racing_ledger(w, case.id)
    try:
        before = w.event_count()
        with pytest.raises(VersionConflict):
            other.execute(other.actor("recorder"), case.id, "assess_risk", expected_version=1, level="low", flags=[])
        assert fired == [2]
        assert w.event_count() == before + 1  # only the winner's event
        assert w.ledger.get_case(case.id).risk_level == "high"
    finally:
        other.close()


def test_race_conflict_reports_the_version_the_loser_loaded(world: World) -> None:
    """VersionConflict(expected, current): the loser worked on version 1, the store is at 2."""
    w = world
    case = w.report()
    other, _ = _racing_ledger(w, case.id)
    try:
        with pytest.raises(VersionConflict) as conflict:
            other.execute(other.actor("recorder"), case.id, "assess_risk", expected_version=1, level="low", flags=[])
        assert conflict.value.current == 2
        assert conflict.value.expected == 1, str(conflict.value)
        assert str(conflict.value) == "the case is at version 2, not 1"
    finally:
        other.close()
