"""The suggestion's state machine as a matrix generated from its table (every state × every
command) on both stores; refusals write nothing; numbers are given once, in order, also when
issues race."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from application import suggestions as acts
from domain import suggestion
from domain.errors import AccessDenied, IllegalTransition, InvalidValue, RuleViolation
from tests.suggestion_support import ARGS, PATHS, act, draft, prepare, walk
from tests.support import COUNTY, World

#: Allowed by the table, refused by a rule on this path: a reply due in 60 days is not late yet.
RULES = {("delivered", "escalate")}


def test_every_state_of_a_suggestion_answers_every_command(world: World) -> None:
    assert set(PATHS) == set(suggestion.TRANSITIONS)
    case_ids = [str(world.report(category="migrant_wages").id)]
    for state, path in PATHS.items():
        for command in suggestion.COMMANDS:
            before = walk(world, path, case_ids=case_ids)
            assert before.status == state
            events = world.event_count()
            moves = suggestion.TRANSITIONS[state]
            try:
                after = act(world, before.id, command)
            except (IllegalTransition, RuleViolation) as refused:
                assert (command not in moves) == isinstance(refused, IllegalTransition), (state, command)
                assert command not in moves or (state, command) in RULES, (state, command)
                assert world.event_count() == events, (state, command)
                continue
            assert command in moves and (state, command) not in RULES, (state, command)
            assert after.status == (moves[command] or state), (state, command)
            assert after.version == before.version + 1


def test_a_reply_before_delivery_is_refused_and_writes_nothing(world: World) -> None:
    issued = walk(world, PATHS["issued"])
    events = world.event_count()
    with pytest.raises(IllegalTransition):
        act(world, issued.id, "record_reply")
    assert world.event_count() == events
    assert acts.read_suggestion(world.ledger, world.actors["auditor"], issued.id).replied_on is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"case_ids": ["00000000-0000-0000-0000-000000000000"]}, "case_ids[0]"),
        ({"case_ids": ["not-an-id"]}, "case_ids[0]"),
        ({"region_code": "999999"}, "region_code"),
        ({"kind": "memo"}, "kind"),
        ({"category": "unknown"}, "category"),
        ({"issuer_code": "ORG621199001001"}, "issuer_code"),  # a 司法建议书 from a village committee
    ],
)
def test_a_bad_draft_is_refused_and_writes_nothing(world: World, overrides: dict[str, Any], field: str) -> None:
    prepare(world)
    case_ids = [str(world.report(category="migrant_wages").id)]
    events = world.event_count()
    with pytest.raises(InvalidValue) as refused:
        draft(world, **{"case_ids": case_ids, **overrides})
    assert refused.value.field == field
    assert world.event_count() == events


def test_roles_draft_follow_and_read_as_the_brief_says(world: World) -> None:
    drafted = draft(world)
    events = world.event_count()
    for role, command in (("supervisor", "review"), ("recorder", "review"), ("judge", "remind")):
        with pytest.raises(AccessDenied):
            acts.suggestion_command(world.ledger, world.actors[role], drafted.id, command, **ARGS[command])
    with pytest.raises(AccessDenied):
        acts.draft_suggestion(world.ledger, world.actors["supervisor"], kind="judicial", issuer_code="ORGC-COURT",
                              recipient="x", title="t", problem="p", proposals="q", category="labour",
                              region_code=COUNTY, case_ids=[])  # fmt: skip
    with pytest.raises(AccessDenied):
        acts.read_suggestion(world.ledger, world.actors["reader"], drafted.id)
    assert acts.read_suggestion(world.ledger, world.actors["auditor"], drafted.id).status == "drafted"
    # Its own drafter may not review it.
    with pytest.raises(RuleViolation):
        acts.suggestion_command(world.ledger, world.actors["judge"], drafted.id, "review", **ARGS["review"])
    assert world.event_count() == events


def test_a_late_reply_is_escalated_once_to_the_superior(world: World) -> None:
    delivered = walk(world, PATHS["delivered"])
    assert delivered.reply_due_on == "2026-05-01"  # 60 days after 2026-03-02
    world.clock.advance(days=61)
    escalated = act(world, delivered.id, "escalate", superior=None)
    assert (escalated.status, escalated.escalated_to) == ("delivered", "县人民政府")
    events = world.event_count()
    with pytest.raises(RuleViolation):
        act(world, delivered.id, "escalate")
    assert world.event_count() == events


def test_numbers_run_per_county_kind_and_year_without_gaps(world: World) -> None:
    case_ids = [str(world.report(category="migrant_wages").id)]
    numbers = [walk(world, PATHS["issued"], case_ids=case_ids).number for _ in range(3)]
    police = walk(world, PATHS["issued"], case_ids=case_ids, kind="police", issuer_code="GA-621199",
                  issuer_name="青山县公安局").number  # fmt: skip
    assert numbers == ["(2026)甘1199司建1号", "(2026)甘1199司建2号", "(2026)甘1199司建3号"]
    assert police == "(2026)甘1199公提1号"
    # A draft never issued takes no number: the next issue is 4.
    draft(world, case_ids=case_ids)
    assert walk(world, PATHS["issued"], case_ids=case_ids).number == "(2026)甘1199司建4号"


def test_an_issue_that_read_a_stale_serial_takes_the_next_number(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    first = walk(world, PATHS["reviewed"])
    second = walk(world, PATHS["reviewed"], case_ids=first.case_ids)
    act(world, first.id, "issue")
    stale = iter([1])  # as if read before the first issue was saved
    real = acts.next_serial
    monkeypatch.setattr(acts, "next_serial", lambda *a: next(stale, None) or real(*a))
    assert act(world, second.id, "issue").number == "(2026)甘1199司建2号"


def test_issues_at_once_give_each_number_once(world: World) -> None:
    reviewed = [walk(world, PATHS["reviewed"]) for _ in range(4)]
    reviewed.append(reviewed[0])  # two clicks on one suggestion
    start = threading.Barrier(len(reviewed))
    outcomes: list[Any] = []

    def issue(found: Any) -> None:
        start.wait()
        try:
            outcomes.append(act(world, found.id, "issue").number)
        except (IllegalTransition, acts.VersionConflict) as refused:
            outcomes.append(refused)

    threads = [threading.Thread(target=issue, args=(r,)) for r in reviewed]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    numbers = sorted(o for o in outcomes if isinstance(o, str))
    assert numbers == sorted(f"(2026)甘1199司建{n}号" for n in range(1, 5))
    assert sum(1 for o in outcomes if not isinstance(o, str)) == 1
    auditor = world.actors["auditor"]
    assert sorted(str(acts.read_suggestion(world.ledger, auditor, r.id).number) for r in reviewed[:4]) == numbers


def test_an_edited_reply_or_number_claim_is_named_by_verify(world: World) -> None:
    from application.integrity import seal, verify
    from domain.suggestion import SuggestionNumber
    from tests.integration.test_tampering import Table, _named

    replied = walk(world, PATHS["replied"])
    assert verify(world.ledger, witness=None).intact
    seal(world.ledger, world.actors["admin"], witness=None)  # a stream's last event is held by the seal
    table = Table(world)
    table.edit(replied.id, 2, rb'"opinion":"[^"]*"', '"opinion":"不同意"'.encode())
    table.edit(replied.id, 5, rb'"outcome":"partly"', b'"outcome":"adopted"')
    table.edit(SuggestionNumber.create_id(str(replied.number)), 1, "司建1号".encode(), "司建9号".encode())
    found = {(b["stream"], b["sequence"]) for b in _named(verify(world.ledger, witness=None), "")}
    # The review (2) is named where the chain breaks, at the event after it; the last event and
    # the single claim by the seal.
    assert {("suggestion", 3), ("suggestion", 5), ("suggestion number", 1)} <= found, found


def test_the_reply_falls_due_after_the_configured_days_or_on_the_day_set(
    memory_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGER_SUGGESTION_REPLY_DAYS", "30")
    issued = walk(memory_world, PATHS["issued"])
    assert act(memory_world, issued.id, "deliver").reply_due_on == "2026-04-01"
    other = walk(memory_world, PATHS["issued"], case_ids=issued.case_ids)
    assert act(memory_world, other.id, "deliver", reply_due_on="2026-03-20").reply_due_on == "2026-03-20"
    third = walk(memory_world, PATHS["issued"], case_ids=issued.case_ids)
    with pytest.raises(InvalidValue):
        act(memory_world, third.id, "deliver", reply_due_on="2026-03-02")  # not after the day of delivery
