"""Mass-dispute warnings and missed deadlines on both stores: the rules, the process's exactly
once on replay, the mass flag on report, the missed-deadline sweep, commands, and verify."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from application.integrity import verify
from application.warning_desk import execute
from application.warning_desk import get_warning as _get_warning
from domain.errors import AccessDenied, IllegalTransition
from domain.mass_warning import MassWarning, MissedDeadline
from domain.warning_rules import RESPONDENT, VILLAGE_CATEGORY, Threshold, WarningRules
from projections.runner import ViewRunner
from projections.warning_process import WarningProcess
from tests.integration.test_tampering import Table, _named
from tests.support import COUNTY, OTHER_TOWN_VILLAGE, VILLAGE, VILLAGE_COMMITTEE, World

EMPLOYER = {"role": "respondent", "kind": "organisation", "name": "青山县宏达建筑劳务有限公司"}
CREDIT_CODE = "91621199MA01ABCD07"


def get_warning(ledger: Any, warning_id: Any) -> Any:
    return _get_warning(ledger, warning_id)


def worker(i: int) -> dict[str, Any]:
    return {"role": "applicant", "kind": "person", "name": f"务工人员{i:02d}"}


def wage_claims(world: World, n: int, *, hours: float = 20, employer: dict[str, Any] = EMPLOYER, **kw: Any) -> list[str]:
    ids = []
    for i in range(n):
        case = world.report(category="migrant_wages", people_involved=1, parties=[worker(i), employer], **kw)
        ids.append(str(case.id))
        world.clock.advance(hours=hours)
    return ids


def warnings_in(world: World, cls: Any = MassWarning) -> list[Any]:
    found = {}
    for n in world.ledger.recorder.select_notifications(start=1, limit=100000):
        e: Any = world.ledger.mapper.to_domain_event(n)
        if isinstance(e, cls.Event) and type(e).__qualname__.startswith(cls.__name__):
            found[e.originator_id] = e.originator_id
    return [get_warning(world.ledger, i) for i in found]


def process(world: World, **kw: Any) -> WarningProcess:
    return WarningProcess(world.ledger, **kw)


def test_thirty_wage_claims_against_one_employer_raise_one_warning_with_all_thirty(world: World) -> None:
    ids = wage_claims(world, 30)
    p = process(world)
    p.catch_up()
    [warning] = warnings_in(world)
    assert sorted(warning.case_ids) == sorted(ids)
    assert warning.rule == RESPONDENT and warning.status == "raised"
    assert warning.subject.endswith("青山县宏达建筑劳务有限公司")
    history: list[Any] = list(world.ledger.events.get(warning.id))
    assert {(e.actor_id, e.actor_role) for e in history} == {("system", "admin")}
    # Nothing more on a second run, nor on a replay of the whole stream by a process that lost its state.
    head = world.event_count()
    assert p.catch_up() == 0
    with p.views.cursor(commit=True) as cur:
        for table in ("w_progress", "w_cases", "w_keys"):
            cur.execute(f"DELETE FROM {table}")
    p.catch_up()
    assert world.event_count() == head
    p.close()


def test_the_credit_code_names_the_respondent_whatever_the_spelling(world: World) -> None:
    one = {**EMPLOYER, "id_number": CREDIT_CODE}
    other = {**EMPLOYER, "name": "青山县宏达建筑劳务 有限公司（分部）", "id_number": CREDIT_CODE}
    wage_claims(world, 3, employer=one, region_code=VILLAGE)
    wage_claims(world, 2, employer=other, region_code=OTHER_TOWN_VILLAGE, actor="other-recorder")
    p = process(world)
    p.catch_up()
    [warning] = warnings_in(world)
    assert warning.key == f"uscc:{CREDIT_CODE}" and len(warning.case_ids) == 5
    assert warning.region_path == [COUNTY]  # two towns: the county's warning
    p.close()


def test_cases_spread_over_more_than_the_window_raise_nothing(world: World) -> None:
    wage_claims(world, 8, hours=24 * 9)  # 5 cases span 36 days > 30
    p = process(world)
    p.catch_up()
    assert warnings_in(world) == []
    p.close()


def test_later_cases_join_the_open_warning_and_after_dismissal_a_new_cluster_raises_a_new_one(world: World) -> None:
    first = wage_claims(world, 5)
    p = process(world)
    p.catch_up()
    [warning] = warnings_in(world)
    later = wage_claims(world, 2)
    p.catch_up()
    assert get_warning(world.ledger, warning.id).case_ids == first + later
    supervisor = world.actors["supervisor"]
    execute(world.ledger, supervisor, warning.id, "acknowledge")
    execute(world.ledger, supervisor, warning.id, "dismiss", reason="已核实为个别劳资纠纷")
    p.catch_up()
    again = wage_claims(world, 4)
    p.catch_up()
    assert len(warnings_in(world)) == 1  # four new cases are not five
    again += wage_claims(world, 1)
    p.catch_up()
    second = [w for w in warnings_in(world) if w.id != warning.id]
    assert [w.generation for w in second] == [2] and second[0].case_ids == again
    p.close()


def test_village_and_category_rule(world: World) -> None:
    for i in range(5):
        world.report(
            category="land_contract", people_involved=2,
            parties=[worker(i), {"role": "respondent", "kind": "person", "name": f"村民{i}"}],
        )
        world.clock.advance(days=5)
    world.report(category="neighbour")  # another category in the village
    p = process(world, rules=WarningRules(thresholds={RESPONDENT: Threshold(5, 30), VILLAGE_CATEGORY: Threshold(5, 30)}))
    p.catch_up()
    [warning] = warnings_in(world)
    assert warning.rule == VILLAGE_CATEGORY and warning.key == f"{VILLAGE}:land_contract"
    assert len(warning.case_ids) == 5 and warning.region_path[-1] == VILLAGE
    p.close()


@pytest.mark.parametrize(("people", "flagged"), [(4, False), (5, True), (40, True)])
def test_people_involved_sets_the_mass_flag_on_report(world: World, people: int, flagged: bool) -> None:
    case = world.report(people_involved=people)
    assert ("mass" in case.risk_flags) is flagged
    events = world.ledger.history(case.id)
    assert len(events) == (2 if flagged else 1)
    if flagged:
        assessed = events[1]
        assert type(assessed).__name__ == "RiskAssessed" and assessed.actor_id == "system"
        assert assessed.level == "low" and assessed.due == {}
        runner = ViewRunner(world.ledger)
        runner.catch_up()
        with runner.views.cursor() as cur:
            assert cur.scalar("SELECT risk_flags FROM v_cases WHERE id = %s", (str(case.id),)) == "mass"
            # The triage deadline is unchanged: one row, not superseded.
            assert cur.scalar("SELECT count(*) FROM v_deadlines WHERE case_id = %s", (str(case.id),)) == 1
        runner.close()


def _accepted_case(world: World) -> Any:
    case = world.report()
    world.do(case.id, "assign", "recorder", route="peoples_mediation", organisation_code=VILLAGE_COMMITTEE)
    world.do(case.id, "accept", "mediator")
    return case


def _sweep(world: World, p: WarningProcess) -> int:
    runner = ViewRunner(world.ledger)
    runner.catch_up()
    runner.close()
    return p.sweep()


def test_a_missed_mediation_deadline_raises_exactly_one_warning_after_the_clock_passes_it(world: World) -> None:
    case = _accepted_case(world)
    p = process(world)
    world.clock.advance(days=30)
    assert _sweep(world, p) == 0  # exactly at the due instant: still in time
    world.clock.advance(seconds=1)
    assert _sweep(world, p) == 1
    assert _sweep(world, p) == 0
    with p.views.cursor(commit=True) as cur:
        cur.execute("DELETE FROM w_missed")  # a process that forgot: the id still says it was raised
    assert _sweep(world, p) == 0
    [missed] = warnings_in(world, MissedDeadline)
    assert (missed.case_id, missed.deadline_kind, missed.organisation_code) == (str(case.id), "mediation", VILLAGE_COMMITTEE)
    assert missed.mediator_id == "mediator" and missed.region_path[-1] == VILLAGE
    # The region's supervisor answers with a supervision note, which the case gets too.
    supervisor = world.actors["supervisor"]
    execute(world.ledger, supervisor, missed.id, "acknowledge")
    execute(world.ledger, supervisor, missed.id, "answer", instruction="请于五日内报告调解进展", due_at=world.clock.now + timedelta(days=5))
    assert get_warning(world.ledger, missed.id).status == "answered"
    assert type(world.ledger.history(case.id)[-1]).__name__ == "SupervisionNoteAdded"
    p.close()


def test_the_confirmation_window_is_a_reminder_and_raises_nothing(world: World) -> None:
    case = _accepted_case(world)
    world.do(case.id, "record_agreement", "mediator", terms="分期支付")
    world.clock.advance(days=45)
    p = process(world)
    assert _sweep(world, p) == 0
    assert warnings_in(world, MissedDeadline) == []
    p.close()


def test_a_deadline_met_late_was_still_missed(world: World) -> None:
    case = world.report()
    world.clock.advance(days=4)
    world.do(case.id, "assign", "recorder", route="peoples_mediation", organisation_code=VILLAGE_COMMITTEE)
    p = process(world)
    assert _sweep(world, p) == 1
    [missed] = warnings_in(world, MissedDeadline)
    assert missed.deadline_kind == "triage" and missed.organisation_code is None
    p.close()


def test_roles_and_scope_of_warning_commands(world: World) -> None:
    wage_claims(world, 5, region_code=VILLAGE)
    p = process(world)
    p.catch_up()
    [warning] = warnings_in(world)
    head = world.event_count()
    with pytest.raises(AccessDenied):
        execute(world.ledger, world.actors["recorder"], warning.id, "dismiss", reason="不是")
    with pytest.raises(IllegalTransition):
        execute(world.ledger, world.actors["supervisor"], warning.id, "dismiss", reason="未签收不能排除")
    from application.warning_desk import WarningNotFound

    with pytest.raises(WarningNotFound):
        execute(world.ledger, world.actors["other-recorder"], warning.id, "acknowledge")
    assert world.event_count() == head
    execute(world.ledger, world.actors["recorder"], warning.id, "acknowledge")
    execute(world.ledger, world.actors["supervisor"], warning.id, "order_joint_handling", due_at=world.clock.now + timedelta(days=15))
    ordered = get_warning(world.ledger, warning.id)
    assert ordered.lead is not None and ordered.lead["code"] == "rsj" and "人社局" in ordered.lead["name"]
    p.close()


def test_an_edited_warning_event_is_named_by_verify(world: World) -> None:
    ids = wage_claims(world, 5)
    p = process(world)
    p.catch_up()
    [warning] = warnings_in(world)
    execute(world.ledger, world.actors["supervisor"], warning.id, "acknowledge")
    assert verify(world.ledger, witness=None).intact
    Table(world).edit(warning.id, 1, ids[0].encode(), ids[1].encode())  # evidence swapped
    named = _named(verify(world.ledger, witness=None))
    assert (named[0]["case_id"], named[0]["stream"], named[0]["sequence"]) == (str(warning.id), "mass warning", 2)
    p.close()


def test_lead_units_load_is_checked_and_replaces_the_table(world: World) -> None:
    from application.warning_desk import lead_units, load_lead_units
    from domain.errors import InvalidValue

    admin = world.actors["admin"]
    assert lead_units(world.ledger).lead_for("neighbour").lead.code == "sfj"  # type: ignore[union-attr]
    assert lead_units(world.ledger).lead_for("consumer").lead.code == "sfj"  # type: ignore[union-attr]
    land = lead_units(world.ledger).lead_for("land_contract")
    assert land is not None and land.partner is not None and "农业农村局" in land.partner.name
    head = world.event_count()
    with pytest.raises(InvalidValue):
        load_lead_units(world.ledger, admin, [{"category": "labour", "lead_code": "rsj", "lead_name": "人社局"}])
    with pytest.raises(AccessDenied):
        load_lead_units(world.ledger, world.actors["supervisor"], [{"category": "*", "lead_code": "x", "lead_name": "司法局"}])
    assert world.event_count() == head
    load_lead_units(world.ledger, admin, [{"category": "*", "lead_code": "zfw", "lead_name": "县委政法委"}])
    assert lead_units(world.ledger).lead_for("labour").lead.code == "zfw"  # type: ignore[union-attr]
