"""The state machines of the instruments, generated as matrices (every state × every command),
on both stores: an allowed command moves as the table says (or is refused by its documented
rule), a refused one raises and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from application import instruments as acts
from domain import card, no_litigation
from domain.errors import IllegalTransition, RuleViolation
from tests.support import COUNTY, TOWN, World

DAY = "2026-03-02"
CARD_ARGS: dict[str, dict[str, Any]] = {
    "hold_talk": {"held_on": DAY, "minutes": "约谈纪要", "attendees": ["镇长"]},
    "file_plan": {"plan": "整改方案", "filed_on": DAY},
    "lift": {"reason": "复查整改到位"},
    "escalate": {"reason": "整改不力"},
}
#: How each state is reached from a new yellow card.
CARD_PATHS: dict[str, list[str]] = {
    "issued": [],
    "talked": ["hold_talk"],
    "plan_filed": ["file_plan"],
    "escalated": ["escalate"],
    "lifted": ["file_plan", "lift"],
}
#: Allowed by the table, refused by a rule on this path: lifting needs a filed plan.
CARD_RULES = {("escalated", "lift")}


def _card(world: World, path: list[str]) -> Any:
    supervisor = world.actors["supervisor"]
    issued, _ = acts.issue_card(
        world.ledger, supervisor, target_kind="town", target_code=TOWN, target_name="城关镇",
        region_path=[COUNTY, TOWN], period="2026-Q1", level="yellow", basis={"reasons": []},
    )  # fmt: skip
    for command in path:
        acts.card_command(world.ledger, supervisor, issued.id, command, **CARD_ARGS[command])
    return acts.read_card(world.ledger, supervisor, issued.id)


def test_every_state_of_a_card_answers_every_command(world: World) -> None:
    assert set(CARD_PATHS) == set(card.TRANSITIONS)
    for state, path in CARD_PATHS.items():
        for command in card.COMMANDS:
            before = _card(world, path)
            assert before.status == state
            events = world.event_count()
            moves = card.TRANSITIONS[state]
            try:
                after, _ = acts.card_command(world.ledger, world.actors["supervisor"], before.id, command, **CARD_ARGS[command])
            except (IllegalTransition, RuleViolation) as refused:
                assert (command not in moves) == isinstance(refused, IllegalTransition), (state, command)
                assert command not in moves or (state, command) in CARD_RULES, (state, command)
                assert world.event_count() == events, (state, command)
                continue
            assert command in moves and (state, command) not in CARD_RULES, (state, command)
            assert after.status == (moves[command] or state), (state, command)
            assert after.version == before.version + 1


def _evidence(cases: int) -> dict[str, Any]:
    items = [{"case_id": f"c{i}", "case_number": f"(2026)甘1199民初{i}号"} for i in range(cases)]
    empty = {"count": 0, "items": []}
    return {"year": 0, "court_source": "ledger_filings", "court_cases": {"count": cases, "items": items},
            "serious_incidents": empty, "mass_incidents": empty}  # fmt: skip


VILLAGE_ARGS: dict[str, dict[str, Any]] = {
    "assess": {"year": 2025, "complete": True, "evidence": _evidence(0)},
    "name": {"year": 2025},
    "revoke": {"year": 2026, "reason": "2026年度发生诉讼"},
}
VILLAGE_PATHS: dict[str, list[str]] = {"enrolled": [], "named": ["name"], "revoked": ["name", "revoke"]}


def _village(world: World, code: str, path: list[str]) -> Any:
    admin = world.actors["supervisor"]
    enrolled, _ = acts.enrol_village(world.ledger, admin, village_code=code, year=2025, sponsor_code="FY", sponsor_name="县法院")
    acts.village_command(world.ledger, admin, code, "assess", year=2025, complete=True, evidence=_evidence(0))
    acts.village_command(world.ledger, admin, code, "assess", year=2026, complete=False, evidence=_evidence(1))
    for command in path:
        acts.village_command(world.ledger, admin, code, command, **VILLAGE_ARGS[command])
    return acts.read_village(world.ledger, admin, code)


def test_every_state_of_an_enrolled_village_answers_every_command(world: World) -> None:
    assert set(VILLAGE_PATHS) == set(no_litigation.TRANSITIONS)
    villages = iter(sorted(r.code for r in world.ledger.regions().regions.values() if r.level == "village"))
    for state, path in VILLAGE_PATHS.items():
        for command in no_litigation.COMMANDS:
            before = _village(world, next(villages), path)
            assert before.status == state
            events = world.event_count()
            moves = no_litigation.TRANSITIONS[state]
            try:
                after, _ = acts.village_command(
                    world.ledger, world.actors["supervisor"], before.village_code, command, **VILLAGE_ARGS[command]
                )
            except IllegalTransition:
                assert command not in moves, (state, command)
                assert world.event_count() == events
                continue
            assert command in moves, (state, command)
            assert after.status == (moves[command] or state), (state, command)


@pytest.mark.parametrize("command", ["name", "revoke"])
def test_naming_and_revocation_need_the_assessments_that_earn_them(world: World, command: str) -> None:
    admin = world.actors["supervisor"]
    code = "621199003001"
    acts.enrol_village(world.ledger, admin, village_code=code, year=2025, sponsor_code="FY", sponsor_name="县法院")
    if command == "revoke":
        acts.village_command(world.ledger, admin, code, "assess", year=2025, complete=True, evidence=_evidence(0))
        acts.village_command(world.ledger, admin, code, "name", year=2025)
    else:
        acts.village_command(world.ledger, admin, code, "assess", year=2025, complete=True, evidence=_evidence(1))
    events = world.event_count()
    with pytest.raises(RuleViolation):
        acts.village_command(world.ledger, admin, code, command, **VILLAGE_ARGS[command])
    assert world.event_count() == events


def test_the_demo_enrols_four_villages_with_their_sponsors_once(world: World) -> None:
    from application.demo_instruments import DEMO_VILLAGES, enrol_demo_villages

    assert enrol_demo_villages(world.ledger) == 4
    assert enrol_demo_villages(world.ledger) == 0
    sponsors = [acts.read_village(world.ledger, world.actors["admin"], v).sponsor_name for v, _, _ in DEMO_VILLAGES]
    assert sponsors == ["县法院", "县检察院", "县公安局", "县司法局"]


def test_every_state_of_a_bulletin_answers_every_command(world: World) -> None:
    from application import bulletins
    from domain import bulletin

    supervisor = world.actors["supervisor"]
    paths: dict[str, list[str]] = {"compiled": [], "issued": ["issue"]}
    assert set(paths) == set(bulletin.TRANSITIONS)
    compiled = 0

    def args(command: str) -> dict[str, Any]:
        # A recompile always brings changed figures here (unchanged ones are a rule, below).
        return {"recipients": ["城关镇党委"]} if command == "issue" else {"figures": {"n": compiled + 100}, "views_position": 2}

    for state, path in paths.items():
        for command in bulletin.COMMANDS:
            compiled += 1
            found, _ = bulletins.compile_bulletin(world.ledger, supervisor, town=TOWN, period=f"2026-{compiled:02d}",
                                                  edition="general", figures={"n": compiled}, views_position=1)  # fmt: skip
            for step in path:
                bulletins.bulletin_command(world.ledger, supervisor, found.id, step, **args(step))
            before = bulletins.read_bulletin(world.ledger, supervisor, found.id)
            assert before.status == state
            events = world.event_count()
            moves = bulletin.TRANSITIONS[state]
            try:
                after, _ = bulletins.bulletin_command(world.ledger, supervisor, found.id, command, **args(command))
            except IllegalTransition:
                assert command not in moves, (state, command)
                assert world.event_count() == events, (state, command)
                continue
            assert command in moves and after.status == (moves[command] or state), (state, command)
            assert after.version == before.version + 1
    # A recompile whose figures equal the latest version's is refused by rule and writes nothing.
    latest = bulletins.read_bulletin(world.ledger, supervisor, found.id)
    assert latest.status == "issued" and latest.figures == {"n": compiled}
    events = world.event_count()
    with pytest.raises(RuleViolation):
        bulletins.bulletin_command(world.ledger, supervisor, found.id, "recompile", figures={"n": compiled},
                                   views_position=3)  # fmt: skip
    assert world.event_count() == events
