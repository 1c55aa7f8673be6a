"""Deadlines of DESIGN.md §5: due instants, re-dating, meeting, cancelling, and the overdue boundary."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from application.config import StoreSettings
from application.ledger import Ledger
from application.reference_files import load_demo_reference
from domain.codes import Status
from domain.deadlines import KINDS, REMINDER_KINDS, Deadline, DeadlineRules, past_due
from domain.errors import InvalidValue
from domain.lifecycle import PROGRESS
from tests.support import T0, TOWN_COMMITTEE, Clock, World
from tests.unit.drive import command_args, drive_to

US = timedelta(microseconds=1)


def deadlines(case, kind: str) -> list[Deadline]:
    return [d for d in case.deadlines if d.kind == kind]


def only_open(case, kind: str) -> Deadline:
    found = [d for d in case.open_deadlines() if d.kind == kind]
    assert len(found) == 1, f"expected one open {kind} deadline, got {case.deadlines}"
    return found[0]


# ------------------------------------------------------------------ triage


def test_triage_is_due_exactly_72_hours_after_the_report(memory_world) -> None:
    case = memory_world.report()
    triage = only_open(case, "triage")
    assert triage.opened_at == T0
    assert triage.due_at - triage.opened_at == timedelta(hours=72)
    assert triage.due_at == datetime(2026, 3, 5, 1, 0, tzinfo=UTC)
    assert not triage.overdue_at(triage.due_at)
    assert triage.overdue_at(triage.due_at + US)


def test_triage_counts_from_occurred_at_not_from_recording(memory_world) -> None:
    w = memory_world
    w.clock.advance(hours=30)
    happened = T0 + timedelta(hours=2)
    case = w.report(occurred_at=happened)
    assert only_open(case, "triage").due_at == happened + timedelta(days=3)


@pytest.mark.parametrize("level", ["high", "critical"])
def test_high_risk_before_assignment_redates_triage_from_the_report(memory_world, level: str) -> None:
    w = memory_world
    case = w.report()
    w.clock.advance(hours=5)
    case = w.do(case.id, "assess_risk", "recorder", level=level, flags=[])
    triage = only_open(case, "triage")
    assert triage.opened_at == T0
    assert triage.due_at == T0 + timedelta(days=1)
    # Re-dated from the assessment on: the three-day deadline was in force until then.
    earlier, current = deadlines(case, "triage")
    assert current == triage and current.effective_at == T0 + timedelta(hours=5)
    assert earlier.superseded and earlier.cancelled_at == T0 + timedelta(hours=5)
    assert earlier.due_at == T0 + timedelta(days=3)
    assert not triage.open_at(T0 + timedelta(hours=4)) and earlier.open_at(T0 + timedelta(hours=4))


@pytest.mark.parametrize("level", ["low", "medium"])
def test_lower_risk_keeps_three_days(memory_world, level: str) -> None:
    w = memory_world
    case = w.report()
    case = w.do(case.id, "assess_risk", "recorder", level=level, flags=[])
    assert only_open(case, "triage").due_at == T0 + timedelta(days=3)


def test_lowering_risk_again_restores_three_days(memory_world) -> None:
    w = memory_world
    case = w.report()
    w.do(case.id, "assess_risk", "recorder", level="critical", flags=["extreme"])
    case = w.do(case.id, "assess_risk", "recorder", level="medium", flags=[])
    assert only_open(case, "triage").due_at == T0 + timedelta(days=3)


def test_risk_after_assignment_does_not_touch_the_met_triage(memory_world) -> None:
    w = memory_world
    case = w.report()
    w.clock.advance(hours=2)
    w.do(case.id, "assign", "admin", **command_args(w, "assign"))
    case = w.do(case.id, "assess_risk", "recorder", level="high", flags=[])
    (triage,) = deadlines(case, "triage")
    assert triage.due_at == T0 + timedelta(days=3)
    assert triage.met_at == T0 + timedelta(hours=2)
    assert triage.met_by == "admin"
    assert triage.missed is False


def test_decline_opens_a_new_triage_with_the_current_risk(memory_world) -> None:
    w = memory_world
    case = w.report()
    w.do(case.id, "assess_risk", "recorder", level="high", flags=[])
    w.do(case.id, "assign", "admin", **command_args(w, "assign"))
    w.clock.advance(hours=6)
    case = w.do(case.id, "decline", "admin", reason="不属于本会")
    triage = only_open(case, "triage")
    assert triage.opened_at == T0 + timedelta(hours=6)
    assert triage.due_at == T0 + timedelta(hours=6, days=1)
    superseded, first, second = deadlines(case, "triage")
    assert superseded.superseded and superseded.due_at == T0 + timedelta(days=3)
    assert first.met_at == T0 and first.due_at == T0 + timedelta(days=1)
    assert second == triage


# ------------------------------------------------------------------ acceptance, mediation


def test_acceptance_is_due_two_days_after_assign(memory_world) -> None:
    w = memory_world
    case = w.report()
    w.clock.advance(hours=3)
    case = w.do(case.id, "assign", "admin", **command_args(w, "assign"))
    acceptance = only_open(case, "acceptance")
    assert acceptance.opened_at == T0 + timedelta(hours=3)
    assert acceptance.due_at == T0 + timedelta(hours=3, days=2)


def test_reassign_cancels_the_old_acceptance_and_opens_a_new_one(memory_world) -> None:
    w = memory_world
    case = w.report()
    w.do(case.id, "assign", "admin", **command_args(w, "assign"))
    w.clock.advance(days=1)
    case = w.do(case.id, "assign", "admin", route="peoples_mediation", organisation_code=TOWN_COMMITTEE)
    old, new = deadlines(case, "acceptance")
    assert old.cancelled_at == T0 + timedelta(days=1)
    assert old.met_at is None and not old.is_open
    assert old.missed is None
    assert not old.overdue_at(T0 + timedelta(days=30))
    assert new.is_open
    assert new.opened_at == T0 + timedelta(days=1)
    assert new.due_at == T0 + timedelta(days=3)
    assert only_open(case, "acceptance") == new
    # the new one is met by accept, the old one stays cancelled
    w.clock.advance(hours=1)
    case = w.do(case.id, "accept", "admin")
    old, new = deadlines(case, "acceptance")
    assert old.cancelled_at == T0 + timedelta(days=1) and old.met_at is None
    assert new.met_at == T0 + timedelta(days=1, hours=1)


def test_mediation_is_due_30_days_after_accept(memory_world) -> None:
    w = memory_world
    case = drive_to(w, Status.ACCEPTED)
    (mediation,) = deadlines(case, "mediation")
    assert mediation.due_at - mediation.opened_at == timedelta(days=30)
    accepted_at = only_open(case, "mediation").opened_at
    assert deadlines(case, "acceptance")[0].met_at == accepted_at


@pytest.mark.parametrize("days", [1, 17, 30])
def test_extend_deadline_adds_n_days_to_the_due_date(memory_world, days: int) -> None:
    w = memory_world
    case = drive_to(w, Status.MEDIATING)
    original = only_open(case, "mediation")
    w.clock.advance(days=20)
    case = w.do(case.id, "extend_deadline", "admin", days=days, reason="双方同意")
    extended = only_open(case, "mediation")
    assert extended.due_at == original.due_at + timedelta(days=days)
    assert extended.opened_at == original.opened_at
    assert extended.effective_at == w.clock.now
    superseded, current = deadlines(case, "mediation")
    assert current == extended
    assert superseded.superseded and superseded.due_at == original.due_at and superseded.cancelled_at == w.clock.now


@pytest.mark.parametrize("days", [0, 31, -1, "x"])
def test_extension_outside_one_to_thirty_days_is_refused(memory_world, days: object) -> None:
    w = memory_world
    case = drive_to(w, Status.MEDIATING)
    before = w.event_count()
    with pytest.raises(InvalidValue) as refused:
        w.do(case.id, "extend_deadline", "admin", days=days, reason="双方同意")
    assert refused.value.field == "days"
    assert w.event_count() == before


@pytest.mark.parametrize("outcome", ["record_agreement", "record_failure"])
def test_mediation_is_met_by_its_outcome(memory_world, outcome: str) -> None:
    w = memory_world
    case = drive_to(w, Status.MEDIATING)
    w.clock.advance(days=31)
    case = w.do(case.id, outcome, "admin", **command_args(w, outcome))
    (mediation,) = deadlines(case, "mediation")
    assert mediation.met_at == w.clock.now
    assert mediation.missed is True  # met, but a day late
    assert not mediation.overdue_at(w.clock.now + timedelta(days=100))


# ------------------------------------------------------------------ confirmation, follow-up


def test_confirmation_request_30_days_and_decision_15_days(memory_world) -> None:
    w = memory_world
    case = drive_to(w, Status.AGREED)
    request = only_open(case, "confirmation_request")
    assert request.due_at - request.opened_at == timedelta(days=30)
    w.clock.advance(days=3)
    case = w.do(case.id, "request_confirmation", "admin", **command_args(w, "request_confirmation"))
    assert deadlines(case, "confirmation_request")[0].met_at == w.clock.now
    decision = only_open(case, "confirmation_decision")
    assert decision.opened_at == w.clock.now
    assert decision.due_at == w.clock.now + timedelta(days=15)
    w.clock.advance(days=15)
    case = w.do(case.id, "decide_confirmation", "admin", **command_args(w, "decide_confirmation"))
    (decision,) = deadlines(case, "confirmation_decision")
    assert decision.met_at == decision.due_at
    assert decision.missed is False


def test_closing_without_confirmation_cancels_the_request_deadline(memory_world) -> None:
    w = memory_world
    case = drive_to(w, Status.AGREED)
    w.clock.advance(days=40)
    case = w.do(case.id, "close", "admin", summary="当场履行完毕")
    (request,) = deadlines(case, "confirmation_request")
    assert request.cancelled_at == w.clock.now
    assert not request.overdue_at(w.clock.now + timedelta(days=1))
    # Past its due date before the close, and still not overdue: the parties' window is a reminder.
    assert request.due_at < w.clock.now - US
    assert not request.overdue_at(w.clock.now - US)


def test_the_confirmation_window_never_makes_a_case_overdue(memory_world) -> None:
    """DESIGN.md §5: the parties' 30-day window is shown as a reminder, never as an obligation."""
    w = memory_world
    case = drive_to(w, Status.AGREED)
    w.clock.advance(days=45)
    request = only_open(case, "confirmation_request")
    assert request.due_at < w.clock.now
    assert not request.overdue_at(w.clock.now)
    assert not past_due("confirmation_request", request.due_at, None, w.clock.now)
    assert past_due("mediation", request.due_at, None, w.clock.now)
    assert {"confirmation_request"} == REMINDER_KINDS
    # Requested after the window: a fact about the parties, never overdue work of the body.
    case = w.do(case.id, "request_confirmation", "admin", **command_args(w, "request_confirmation"))
    (request,) = deadlines(case, "confirmation_request")
    assert request.missed is True
    assert not request.overdue_at(w.clock.now - US)


@pytest.mark.parametrize(
    ("path", "resolution"),
    [
        (["close"], "mediated"),
        (["request_confirmation", "decide_confirmation", "close"], "confirmed"),
    ],
    ids=["mediated", "confirmed"],
)
def test_follow_up_due_30_days_after_a_mediated_close(memory_world, path: list[str], resolution: str) -> None:
    w = memory_world
    case = drive_to(w, Status.AGREED)
    for command in path:
        w.clock.advance(hours=1)
        case = w.do(case.id, command, "admin", **command_args(w, command))
    assert case.resolution == resolution
    follow_up = only_open(case, "follow_up")
    assert follow_up.opened_at == w.clock.now
    assert follow_up.due_at == w.clock.now + timedelta(days=30)
    w.clock.advance(days=30)
    case = w.do(case.id, "follow_up", "admin", satisfaction="neutral", relapse=False)
    (follow_up,) = deadlines(case, "follow_up")
    assert follow_up.met_at == follow_up.due_at and follow_up.missed is False


@pytest.mark.parametrize(
    ("state", "closing", "resolution"),
    [
        (Status.ADJUDICATED, "close", "adjudicated"),
        (Status.FAILED, "close", "unresolvable"),
        (Status.REPORTED, "withdraw", "withdrawn"),
    ],
    ids=["after-litigation", "unresolvable", "withdrawn"],
)
def test_no_follow_up_when_not_resolved_by_mediation(memory_world, state, closing, resolution) -> None:
    w = memory_world
    case = drive_to(w, state)
    case = w.do(case.id, closing, "admin", **command_args(w, closing))
    assert case.status == Status.CLOSED
    assert case.resolution == resolution
    assert deadlines(case, "follow_up") == []
    assert case.open_deadlines() == []


def test_reopen_cancels_a_pending_follow_up(memory_world) -> None:
    w = memory_world
    case = drive_to(w, Status.CLOSED)
    w.clock.advance(days=2)
    case = w.do(case.id, "reopen", "admin", reason="纠纷复发")
    (follow_up,) = deadlines(case, "follow_up")
    assert follow_up.cancelled_at == w.clock.now
    assert only_open(case, "triage").due_at == w.clock.now + timedelta(days=3)


# ------------------------------------------------------------------ supervision


def test_supervision_note_uses_its_own_due_date_and_is_met_by_the_next_step(memory_world) -> None:
    w = memory_world
    case = w.report()
    due = T0 + timedelta(days=2, hours=7, microseconds=5)
    w.clock.advance(hours=1)
    case = w.do(case.id, "add_supervision_note", "supervisor", instruction="尽快交办", due_at=due)
    note = only_open(case, "supervision")
    assert note.due_at == due
    assert note.opened_at == T0 + timedelta(hours=1)
    # an any-state command is not a step on the case: the note stays open
    w.clock.advance(hours=1)
    case = w.do(case.id, "assess_risk", "recorder", level="medium", flags=[])
    case = w.do(case.id, "report_incident", "recorder", kind="extreme_act", description="扬言报复", severity="serious")
    assert only_open(case, "supervision").met_at is None
    w.clock.advance(hours=1)
    case = w.do(case.id, "assign", "recorder", **command_args(w, "assign"))
    (note,) = deadlines(case, "supervision")
    assert note.met_at == T0 + timedelta(hours=3)
    assert note.met_by == "recorder"
    assert note.missed is False


def test_supervision_is_met_by_every_progress_command_and_only_those() -> None:
    assert KINDS["supervision"].met_by == PROGRESS


def test_supervision_note_due_must_follow_the_note(memory_world) -> None:
    w = memory_world
    case = w.report()
    before = w.event_count()
    with pytest.raises(InvalidValue) as refused:
        w.do(case.id, "add_supervision_note", "supervisor", instruction="尽快交办", due_at=w.clock.now)
    assert refused.value.field == "due_at"
    with pytest.raises(InvalidValue) as refused:
        w.do(
            case.id,
            "add_supervision_note",
            "supervisor",
            instruction="尽快交办",
            due_at=(w.clock.now + timedelta(days=1)).replace(tzinfo=None),
        )
    assert refused.value.field == "due_at"
    assert w.event_count() == before


# ------------------------------------------------------------------ the overdue boundary


def _deadline(**kw) -> Deadline:
    base = {"kind": "triage", "seq": 1, "opened_at": T0, "due_at": T0 + timedelta(days=3)}
    return Deadline(**{**base, **kw})


def test_overdue_boundary_is_exclusive_of_the_due_instant() -> None:
    d = _deadline()
    assert d.overdue_at(d.due_at) is False
    assert d.overdue_at(d.due_at + US) is True
    assert d.overdue_at(d.due_at - US) is False


def test_not_overdue_before_it_opened() -> None:
    d = _deadline(due_at=T0 + timedelta(hours=1))
    assert d.overdue_at(T0 - US) is False
    assert d.open_at(T0 - US) is False
    assert d.open_at(T0) is True


def test_met_deadlines_are_not_overdue() -> None:
    in_time = _deadline(met_at=T0 + timedelta(days=3), met_by="x", met_seq=2)
    late = _deadline(met_at=T0 + timedelta(days=4), met_by="x", met_seq=2)
    later = T0 + timedelta(days=100)
    assert in_time.overdue_at(later) is False
    assert late.overdue_at(later) is False
    assert in_time.missed is False
    assert late.missed is True
    # between due and a late meeting, it was overdue
    assert late.overdue_at(T0 + timedelta(days=3) + US) is True
    assert late.overdue_at(T0 + timedelta(days=4)) is False


def test_cancelled_deadlines_are_not_overdue() -> None:
    d = _deadline(cancelled_at=T0 + timedelta(days=1))
    assert d.is_open is False
    assert d.missed is None
    assert d.overdue_at(T0 + timedelta(days=10)) is False


def test_open_deadline_has_no_verdict_yet() -> None:
    assert _deadline().missed is None


def test_overdue_follows_the_clock_on_a_real_case(memory_world) -> None:
    w = memory_world
    case = w.report()
    triage = only_open(case, "triage")
    w.clock.advance(days=3)
    assert triage.overdue_at(w.clock.now) is False
    w.clock.advance(microseconds=1)
    assert triage.overdue_at(w.clock.now) is True


# ------------------------------------------------------------------ configurable rules


def test_defaults_are_those_of_the_design() -> None:
    r = DeadlineRules()
    assert (r.triage_days, r.triage_high_risk_days, r.acceptance_days, r.mediation_days) == (3, 1, 2, 30)
    assert (r.extension_max_days, r.confirmation_request_days, r.confirmation_decision_days) == (30, 30, 15)
    assert r.follow_up_days == 30


def test_load_toml_with_a_deadlines_table(tmp_path) -> None:
    path = tmp_path / "deadlines.toml"
    path.write_text("[deadlines]\ntriage_days = 5\nacceptance_days = 0.5\n", encoding="utf-8")
    rules = DeadlineRules.load(path)
    assert rules.triage_days == 5
    assert rules.acceptance_days == 0.5
    assert rules.mediation_days == 30
    assert rules.after("acceptance", T0) == T0 + timedelta(hours=12)
    assert rules.triage(T0, "low") == T0 + timedelta(days=5)


def test_load_toml_flat(tmp_path) -> None:
    path = tmp_path / "deadlines.toml"
    path.write_text("mediation_days = 45\nextension_max_days = 15\n", encoding="utf-8")
    rules = DeadlineRules.load(str(path))
    assert rules.mediation_days == 45
    assert rules.extension_max_days == 15


def test_load_json(tmp_path) -> None:
    path = tmp_path / "deadlines.json"
    path.write_text(json.dumps({"triage_high_risk_days": 0.25, "follow_up_days": 60}), encoding="utf-8")
    rules = DeadlineRules.load(path)
    assert rules.triage(T0, "critical") == T0 + timedelta(hours=6)
    assert rules.after("follow_up", T0) == T0 + timedelta(days=60)
    nested = tmp_path / "nested.json"
    nested.write_text(json.dumps({"deadlines": {"confirmation_decision_days": 10}}), encoding="utf-8")
    assert DeadlineRules.load(nested).confirmation_decision_days == 10


@pytest.mark.parametrize("suffix", ["toml", "json"])
def test_load_rejects_unknown_keys(tmp_path, suffix: str) -> None:
    path = tmp_path / f"deadlines.{suffix}"
    if suffix == "toml":
        path.write_text("[deadlines]\ntriage_days = 2\ntriage_dayz = 4\n", encoding="utf-8")
    else:
        path.write_text(json.dumps({"triage_days": 2, "triage_dayz": 4}), encoding="utf-8")
    with pytest.raises(ValueError, match="triage_dayz"):
        DeadlineRules.load(path)


def test_load_rejects_unknown_keys_beside_the_deadlines_table(tmp_path) -> None:
    """A stray top-level key next to [deadlines] is just as unknown as one inside it."""
    path = tmp_path / "deadlines.json"
    path.write_text(json.dumps({"deadlines": {"triage_days": 2}, "mediaton_days": 60}), encoding="utf-8")
    with pytest.raises(ValueError, match="mediaton_days"):
        DeadlineRules.load(path)


@pytest.mark.parametrize("value", ['"three"', "-1"])
def test_load_rejects_durations_that_are_not_positive_numbers(tmp_path, value: str) -> None:
    path = tmp_path / "deadlines.toml"
    path.write_text(f"triage_days = {value}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="triage_days"):
        DeadlineRules.load(path)


def test_a_ledger_applies_its_configured_rules(tmp_path) -> None:
    path = tmp_path / "deadlines.toml"
    path.write_text("[deadlines]\ntriage_days = 7\nacceptance_days = 1\nextension_max_days = 10\n", encoding="utf-8")
    clock = Clock()
    ledger = Ledger(
        {"PERSISTENCE_MODULE": "eventsourcing.popo"},
        settings=StoreSettings(sqlite_path="", url=None, schema="public"),
        clock=clock,
        rules=DeadlineRules.load(path),
    )
    try:
        load_demo_reference(ledger)
        w = World(ledger, clock)
        w.standard_actors()
        case = w.report()
        assert only_open(case, "triage").due_at == T0 + timedelta(days=7)
        case = w.do(case.id, "assign", "admin", **command_args(w, "assign"))
        assert only_open(case, "acceptance").due_at == T0 + timedelta(days=1)
        w.do(case.id, "accept", "admin")
        w.do(case.id, "hold_session", "admin", **command_args(w, "hold_session"))
        with pytest.raises(InvalidValue) as refused:
            w.do(case.id, "extend_deadline", "admin", days=11, reason="双方同意")
        assert refused.value.field == "days"
        assert "10" in refused.value.rule
    finally:
        ledger.close()


def test_past_due_is_strictly_after_the_due_instant_and_never_once_met() -> None:
    from datetime import UTC, datetime, timedelta

    from domain.deadlines import past_due

    due = datetime(2026, 3, 4, 8, tzinfo=UTC)
    assert not past_due("mediation", due, None, due)
    assert past_due("mediation", due, None, due + timedelta(seconds=1))
    assert not past_due("mediation", due, due + timedelta(days=1), due + timedelta(days=2))
