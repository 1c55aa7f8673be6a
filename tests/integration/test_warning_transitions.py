"""Every (state, command) pair of both warnings' state machines, generated from
domain.warning_lifecycle's table, through the application on both stores: allowed pairs land on
the table's target and write one event; refused ones raise IllegalTransition (409) and write
nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from application.warning_desk import execute, get_warning
from domain.errors import IllegalTransition
from domain.mass_warning import MassWarning, MissedDeadline
from domain.warning_lifecycle import DEADLINE, MASS, TRANSITIONS
from tests.support import COUNTY, TOWN, VILLAGE, World

#: How to reach each state from raised.
PATHS = {
    MASS: {
        "raised": [],
        "acknowledged": ["acknowledge"],
        "dismissed": ["acknowledge", "dismiss"],
        "joint_handling": ["acknowledge", "order_joint_handling"],
        "closed": ["acknowledge", "order_joint_handling", "close"],
    },
    DEADLINE: {"raised": [], "acknowledged": ["acknowledge"], "answered": ["answer"]},
}
USER_COMMANDS = {kind: sorted({c for m in table.values() for c in m} - {"add_evidence"}) for kind, table in TRANSITIONS.items()}


def args_for(command: str, world: World) -> dict[str, Any]:
    due = world.clock.now + timedelta(days=10)
    bodies: dict[str, dict[str, Any]] = {
        "acknowledge": {},
        "dismiss": {"reason": "经核查不属于群体性纠纷"},
        "order_joint_handling": {"due_at": due},
        "report_handling": {"summary": "已约谈企业负责人"},
        "close": {"summary": "工资已全部兑付"},
        "answer": {"instruction": "请于五日内报告", "due_at": due},
    }
    return bodies[command]


def raised(world: World, kind: str) -> Any:
    ledger = world.ledger
    act = ledger._act(ledger.system_actor(), None, None)
    case = world.report()
    warning: Any
    if kind == MASS:
        warning = MassWarning.raise_(
            act, rule="respondent", key="name:test", generation=1, subject="同一被申请人: 测试公司",
            category="migrant_wages", threshold=5, window_days=30,
            evidence=[{"case_id": str(case.id), "region_path": [COUNTY, TOWN, VILLAGE], "reported_at": case.reported_at}],
        )
    else:
        warning = MissedDeadline.raise_(
            act, case_id=str(case.id), deadline_kind="triage", deadline_seq=1, due_at=case.reported_at,
            organisation_code=None, mediator_id=None, region_path=case.region_path, category=case.category,
        )
    ledger.save(warning)
    return warning.id


def _matrix() -> list[Any]:
    return [
        pytest.param(kind, state, command, id=f"{kind}-{state}-{command}")
        for kind, table in TRANSITIONS.items()
        for state in table
        for command in USER_COMMANDS[kind]
    ]


@pytest.mark.parametrize(("kind", "state", "command"), _matrix())
def test_every_state_and_command(world: World, kind: str, state: str, command: str) -> None:
    supervisor = world.actors["supervisor"]
    warning_id = raised(world, kind)
    for step in PATHS[kind][state]:
        world.clock.advance(minutes=1)
        execute(world.ledger, supervisor, warning_id, step, **args_for(step, world))
    assert get_warning(world.ledger, warning_id).status == state
    world.clock.advance(minutes=1)
    head, version = world.event_count(), get_warning(world.ledger, warning_id).version
    target = TRANSITIONS[kind][state].get(command, "refused")
    if target == "refused":
        with pytest.raises(IllegalTransition) as refused:
            execute(world.ledger, supervisor, warning_id, command, **args_for(command, world))
        assert refused.value.status == state and refused.value.command == command
        assert refused.value.allowed == sorted(TRANSITIONS[kind][state])
        assert world.event_count() == head
        assert get_warning(world.ledger, warning_id).version == version
        return
    warning, _ = execute(world.ledger, supervisor, warning_id, command, **args_for(command, world))
    assert warning.status == (state if target is None else target)
    assert get_warning(world.ledger, warning_id).version == version + 1


@pytest.mark.parametrize("state", list(TRANSITIONS[MASS]))
def test_evidence_joins_only_an_open_warning(memory_world: World, state: str) -> None:
    world = memory_world
    warning_id = raised(world, MASS)
    for step in PATHS[MASS][state]:
        execute(world.ledger, world.actors["supervisor"], warning_id, step, **args_for(step, world))
    warning: Any = world.ledger.repository.get(warning_id)
    act = world.ledger._act(world.ledger.system_actor(), None, None)
    new = {"case_id": "c-2", "region_path": [COUNTY, TOWN], "reported_at": world.clock.now}
    if "add_evidence" in TRANSITIONS[MASS][state]:
        assert warning.add_evidence(act, **new) is True
        assert warning.add_evidence(act, **new) is False  # the same case again: nothing
        assert warning.region_path == [COUNTY, TOWN] and warning.status == state
    else:
        with pytest.raises(IllegalTransition):
            warning.add_evidence(act, **new)
        assert not warning.collect_events()
