"""Warning scenarios: mass disputes raised by the warning process, and missed deadlines.

The process reads the views, so these scenarios run on real stores (SQLite and PostgreSQL)
rather than on the in-memory one the other scenarios use."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from pytest_bdd import parsers, scenarios, step, then

from application.config import StoreSettings
from application.warning_desk import execute, get_warning
from domain.codes import Category, RiskFlag
from domain.deadlines import KINDS
from domain.errors import LedgerError
from domain.mass_warning import MassWarning, MissedDeadline
from domain.warning_lifecycle import STATE_LABELS
from features.conftest import STAFF, by_label, organisation_code, village_code
from projections.runner import ViewRunner
from projections.warning_process import WarningProcess
from tests.support import PG_URL, World, make_world, postgres_available, postgres_schema, report_body

scenarios("warnings")


@pytest.fixture(autouse=True, params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger_world(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[World]:
    """The scenarios' world on each real store (overrides the in-memory one of conftest.py)."""
    if request.param == "sqlite":
        w = make_world(StoreSettings(str(tmp_path / "ledger.sqlite3"), None, "public"))
        yield w
        w.ledger.close()
        return
    reason = postgres_available()
    if reason:
        if os.environ.get("LEDGER_TEST_POSTGRES") == "required":
            pytest.fail(reason)
        pytest.skip(reason)
    with postgres_schema() as schema:
        w = make_world(StoreSettings("", PG_URL, schema))
        yield w
        w.ledger.close()


@pytest.fixture
def context() -> dict[str, Any]:
    return {}


def _warnings(world: World, cls: type) -> list[Any]:
    ids = []
    for n in world.ledger.recorder.select_notifications(start=1, limit=1_000_000):
        e: Any = world.ledger.mapper.to_domain_event(n)
        if type(e).__qualname__ == f"{cls.__name__}.Raised":
            ids.append(e.originator_id)
    return [get_warning(world.ledger, i) for i in ids]


@step(
    parsers.parse('一个月内"{village}"有{n:d}名务工人员就"{category}"纠纷申请调解，被申请人均为"{employer}"'),
    target_fixture="case_ids",
)
def wage_claims(ledger_world: World, village: str, n: int, category: str, employer: str) -> list[str]:
    ids = []
    for i in range(n):
        body = report_body(
            region_code=village_code(ledger_world, village),
            category=by_label(Category, category).value,
            summary=f"{employer}拖欠{village}务工人员工资",
            people_involved=1,
            parties=[
                {"role": "applicant", "kind": "person", "name": f"务工人员{i + 1}"},
                {"role": "respondent", "kind": "organisation", "name": employer},
            ],
        )
        ids.append(str(ledger_world.ledger.report(ledger_world.actors["recorder"], **body).case.id))
        ledger_world.clock.advance(hours=24)
    return ids


@step(parsers.parse('{who}在"{village}"登记了一起涉及{people:d}人的"{category}"纠纷'), target_fixture="dispute_id")
def reported_people(ledger_world: World, who: str, village: str, people: int, category: str) -> Any:
    body = report_body(
        region_code=village_code(ledger_world, village), category=by_label(Category, category).value, people_involved=people
    )
    return ledger_world.ledger.report(ledger_world.actors[STAFF[who]], **body).case.id


@step("预警程序运行")
@step("预警程序再次运行")
def run_process(ledger_world: World) -> None:
    runner = ViewRunner(ledger_world.ledger)
    runner.catch_up()
    process = WarningProcess(ledger_world.ledger, views=runner.views)
    process.run_once(sweep=True)
    runner.close()


@then(parsers.parse("共有{n:d}条群体性纠纷预警，证据为全部{cases:d}起案件"))
def one_mass_warning(ledger_world: World, n: int, cases: int, case_ids: list[str], context: dict[str, Any]) -> None:
    found = _warnings(ledger_world, MassWarning)
    assert len(found) == n
    assert sorted(found[0].case_ids) == sorted(case_ids) and len(case_ids) == cases
    context["warning"] = found[0].id


@then("该预警由系统发起")
def by_the_system(ledger_world: World, context: dict[str, Any]) -> None:
    events: list[Any] = list(ledger_world.ledger.events.get(context["warning"]))
    assert {(e.actor_id, e.actor_role) for e in events} == {("system", "admin")}
    # Each case entered once: raised with the first five, the others added one by one.
    assert type(events[0]).__name__ == "Raised" and len(events[0].evidence) == 5
    assert [type(e).__name__ for e in events[1:]] == ["EvidenceAdded"] * 25


def _attempt(world: World, who: str, warning_id: Any, command: str, **args: Any) -> LedgerError | None:
    try:
        execute(world.ledger, world.actors[STAFF[who]], warning_id, command, **args)
    except LedgerError as e:
        return e
    return None


@step(parsers.parse("{who}签收该预警"))
def acknowledge(ledger_world: World, who: str, context: dict[str, Any]) -> None:
    assert _attempt(ledger_world, who, context["warning"], "acknowledge") is None


@step(parsers.parse("{who}将该预警交办联合处置，限{days:d}天内办结"))
def order(ledger_world: World, who: str, days: int, context: dict[str, Any]) -> None:
    due = ledger_world.clock.now + timedelta(days=days)
    assert _attempt(ledger_world, who, context["warning"], "order_joint_handling", due_at=due) is None


@step(parsers.parse('{who}以"{reason}"为由排除该预警'))
def dismiss(ledger_world: World, who: str, reason: str, context: dict[str, Any], case_ids: list[str]) -> None:
    [warning] = _warnings(ledger_world, MassWarning)
    context["warning"] = warning.id
    context["events_before"] = ledger_world.event_count()
    context["refusal"] = _attempt(ledger_world, who, warning.id, "dismiss", reason=reason)


@then("操作被拒绝，台账未写入任何事件")
def refused(ledger_world: World, context: dict[str, Any]) -> None:
    assert context["refusal"] is not None
    assert ledger_world.event_count() == context["events_before"]


@then(parsers.parse('预警状态为"{label}"'))
def state_is(ledger_world: World, label: str, context: dict[str, Any]) -> None:
    assert STATE_LABELS[get_warning(ledger_world.ledger, context["warning"]).status] == label


@then(parsers.parse('牵头单位为"{unit}"'))
def lead_is(ledger_world: World, unit: str, context: dict[str, Any]) -> None:
    warning = get_warning(ledger_world.ledger, context["warning"])
    assert isinstance(warning, MassWarning) and warning.lead is not None
    assert unit in warning.lead["name"]


@then(parsers.parse('该案件带有"{flag}"风险标记，无需人工评估'))
def flagged(ledger_world: World, dispute_id: Any, flag: str) -> None:
    case = ledger_world.ledger.get_case(dispute_id)
    assert by_label(RiskFlag, flag).value in case.risk_flags
    assert {e.actor_id for e in ledger_world.ledger.history(dispute_id)} == {"recorder", "system"}


@then("没有超期预警")
def no_missed(ledger_world: World) -> None:
    assert _warnings(ledger_world, MissedDeadline) == []


@then(parsers.parse('共有{n:d}条"{label}"超期预警，期限届满时由"{organisation}"办理'))
def missed(ledger_world: World, n: int, label: str, organisation: str, dispute_id: Any, context: dict[str, Any]) -> None:
    found = _warnings(ledger_world, MissedDeadline)
    assert len(found) == n
    kind = next(k for k in KINDS.values() if k.label == label).name
    assert (found[0].case_id, found[0].deadline_kind) == (str(dispute_id), kind)
    assert found[0].organisation_code == organisation_code(ledger_world, organisation)
    context["warning"] = found[0].id


@step(parsers.parse('{who}以"{instruction}"督办该超期预警，限{days:d}天'))
def answer(ledger_world: World, who: str, instruction: str, days: int, context: dict[str, Any]) -> None:
    due = ledger_world.clock.now + timedelta(days=days)
    assert _attempt(ledger_world, who, context["warning"], "answer", instruction=instruction, due_at=due) is None


@then("案件收到督办意见")
def note_on_case(ledger_world: World, dispute_id: Any) -> None:
    last = ledger_world.ledger.history(dispute_id)[-1]
    assert type(last).__name__ == "SupervisionNoteAdded" and last.actor_id == "supervisor"
