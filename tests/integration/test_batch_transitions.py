"""Demonstration batches on both stores: the state machine generated as a matrix (every state ×
every command), the standard read from the lead case, and the refusals that write nothing —
an offer before the lead is decided, a case already in another open batch, an unknown case."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from eventsourcing.application import AggregateNotFoundError

from application import batches as acts
from domain import batch
from domain.batch import Membership
from domain.errors import AccessDenied, IllegalTransition, InvalidValue, RuleViolation
from projections.cases import list_cases
from projections.runner import ViewRunner
from tests.support import COURT, OTHER_TOWN_VILLAGE, TOWN, World

CREDIT_CODE = "91621199MA01ABCD07"
EMPLOYER = "青山建筑工程有限公司"


def wage_case(world: World, n: int = 0, *, credit_code: str | None = CREDIT_CODE, **overrides: Any) -> str:
    """A migrant worker's wage claim against the employer, as a recorder reports it."""
    respondent = {"role": "respondent", "kind": "organisation", "name": EMPLOYER}
    if credit_code:
        respondent["id_number"] = credit_code
    parties = [{"role": "applicant", "kind": "person", "name": f"农民工{n:02d}"}, respondent]
    body = {"category": "migrant_wages", "summary": f"追索劳动报酬（第{n}人）", "parties": parties, **overrides}
    return str(world.report(**body).id)


def judge_lead(world: World, case_id: str, outcome: str = "judgment", number: int = 1) -> None:
    """The lead case filed in court and decided."""
    world.do(case_id, "file_in_court", "judge", court_code=COURT, court_case_number=f"(2026)甘1199民初{number}号",
             reason="示范诉讼")  # fmt: skip
    world.do(case_id, "record_court_outcome", "judge", outcome=outcome, summary="被告支付原告工资12000元，于30日内付清")


@pytest.fixture
def runner(world: World) -> Iterator[ViewRunner]:
    r = ViewRunner(world.ledger)
    yield r
    r.close()


def open_batch(world: World, who: str = "recorder", **overrides: Any) -> Any:
    body = {"title": "青山建筑拖欠农民工工资系列纠纷", "subject_kind": "respondent", "subject_name": EMPLOYER,
            "credit_code": CREDIT_CODE, "region_code": TOWN, "category": "migrant_wages", **overrides}  # fmt: skip
    return acts.open_batch(world.ledger, world.actors[who], **body)[0]


def command(world: World, runner: ViewRunner, batch_id: Any, name: str, who: str = "recorder", **args: Any) -> Any:
    return acts.batch_command(world.ledger, world.actors[who], batch_id, name, **args)[0]


def batch_with_lead(world: World, runner: ViewRunner, parallel: int = 2, *, decided: bool = True) -> tuple[Any, str, list[str]]:
    """A batch of a lead and ``parallel`` parallel cases, the lead chosen (and decided)."""
    lead = wage_case(world, 0)
    others = [wage_case(world, n) for n in range(1, parallel + 1)]
    opened = open_batch(world)
    command(world, runner, opened.id, "add_cases", case_ids=[lead, *others])
    command(world, runner, opened.id, "choose_lead", case_id=lead)
    if decided:
        judge_lead(world, lead)
    return opened, lead, others


# ---------------------------------------------------------------------- the matrix

#: How each state is reached from a batch whose lead is chosen and decided (two parallel cases:
#: the first is offered the standard on the way to standard_set, the second is not).
PATHS: dict[str, list[str]] = {
    "collecting": [],
    "standard_set": ["adopt_standard", "offer"],
    "closed": ["close"],
}


def _args(world: World, command_name: str, lead: str, others: list[str]) -> dict[str, Any]:
    return {
        "add_cases": lambda: {"case_ids": [wage_case(world, 9)]},
        "choose_lead": lambda: {"case_id": others[1]},
        "adopt_standard": lambda: {},
        "offer": lambda: {"case_ids": [others[1]]},
        "record_acceptance": lambda: {"case_id": others[0]},
        "record_refusal": lambda: {"case_id": others[0], "reason": "要求另计加班费"},
        "close": lambda: {"reason": "批次处理完毕"},
    }[command_name]()


def test_every_state_of_a_batch_answers_every_command(world: World, runner: ViewRunner) -> None:
    assert set(PATHS) == set(batch.TRANSITIONS)
    for state, path in PATHS.items():
        for name in batch.COMMANDS:
            opened, lead, others = batch_with_lead(world, runner)
            for step in path:
                command(world, runner, opened.id, step, **({"case_ids": [others[0]]} if step == "offer" else
                                                          _args(world, step, lead, others)))  # fmt: skip
            before = acts.read_batch(world.ledger, world.actors["recorder"], opened.id)
            assert before.status == state
            args = _args(world, name, lead, others)
            events = world.event_count()
            moves = batch.TRANSITIONS[state]
            try:
                after = command(world, runner, opened.id, name, **args)
            except IllegalTransition:
                assert name not in moves, (state, name)
                assert world.event_count() == events, (state, name)
                continue
            assert name in moves, (state, name)
            assert after.status == (moves[name] or state), (state, name)
            assert after.version == before.version + 1, (state, name)


# ---------------------------------------------------------------------- the standard


def test_the_standard_is_the_lead_cases_decision_read_from_the_case(world: World, runner: ViewRunner) -> None:
    for number, outcome in enumerate(("judgment", "court_mediation"), start=1):
        opened, lead, _ = batch_with_lead(world, runner, decided=False)
        judge_lead(world, lead, outcome, number=number)
        adopted = command(world, runner, opened.id, "adopt_standard")
        assert adopted.standard["kind"] == outcome and adopted.standard["lead_id"] == lead
        assert adopted.standard["terms"] == "被告支付原告工资12000元，于30日内付清"
        assert adopted.standard["lead_version"] == world.ledger.get_case(lead).version
        command(world, runner, opened.id, "close", reason="下一种")
    # A mediation agreement is a standard with its amount.
    opened, lead, _ = batch_with_lead(world, runner, decided=False)
    world.do(lead, "assign", "recorder", route="peoples_mediation", organisation_code="ORG621199001001")
    world.do(lead, "accept", "mediator")
    world.do(lead, "record_agreement", "mediator", terms="公司分两期支付工资", amount="8000.00")
    adopted = command(world, runner, opened.id, "adopt_standard")
    assert (adopted.standard["kind"], adopted.standard["amount"]) == ("mediation_agreement", "8000.00")


def test_refusals_write_nothing(world: World, runner: ViewRunner) -> None:
    opened, lead, others = batch_with_lead(world, runner, decided=False)
    elsewhere = wage_case(world, 50, region_code=OTHER_TOWN_VILLAGE, actor="other-recorder")
    stray, another_respondent, unassigned = wage_case(world, 51), wage_case(world, 52, credit_code="91110000100000000R"), wage_case(world, 53)
    events = world.event_count()

    def refused(error: type[Exception], name: str, who: str = "recorder", **args: Any) -> Exception:
        with pytest.raises(error) as caught:
            command(world, runner, opened.id, name, who, **args)
        assert world.event_count() == events, name
        return caught.value

    # The lead is not decided: its decision cannot be adopted, and nothing can be offered.
    assert "not decided" in str(refused(RuleViolation, "adopt_standard"))
    refused(IllegalTransition, "offer", case_ids=[others[0]])
    refused(IllegalTransition, "record_acceptance", case_id=others[0])
    # Unknown cases and cases outside the actor's region are refused alike; so are the batch's own.
    unknown = refused(InvalidValue, "add_cases", case_ids=[str(uuid.uuid4())])
    outside = refused(InvalidValue, "add_cases", case_ids=[elsewhere])
    assert unknown.rule.split()[0:2] == outside.rule.split()[0:2] == ["no", "case"]  # type: ignore[attr-defined]
    assert "no case" in str(refused(InvalidValue, "add_cases", case_ids=["not-an-id"]))
    refused(RuleViolation, "add_cases", case_ids=[others[0]])
    refused(RuleViolation, "choose_lead", case_id=stray)
    # A case against another respondent; a batch against a respondent without a valid code.
    assert "not brought against" in str(refused(InvalidValue, "add_cases", case_ids=[another_respondent]))
    with pytest.raises(InvalidValue, match="GB 32100"):
        open_batch(world, credit_code="91621199MA01ABCD08")
    with pytest.raises(InvalidValue, match="credit code"):
        open_batch(world, credit_code=None)
    # Roles: a reader reads no batch, a supervisor opens none, a mediator only records answers.
    with pytest.raises(AccessDenied):
        acts.read_batch(world.ledger, world.actors["reader"], opened.id)
    with pytest.raises(AccessDenied):
        open_batch(world, "supervisor")
    refused(AccessDenied, "add_cases", "mediator", case_ids=[unassigned])
    assert world.event_count() == events


def test_one_open_batch_per_case_projects_without_codes_and_mediators_answers(
    world: World, runner: ViewRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, lead, others = batch_with_lead(world, runner)
    second = open_batch(world, title="第二批")
    events = world.event_count()
    with pytest.raises(RuleViolation, match=f"already in open batch {first.id}"):
        command(world, runner, second.id, "add_cases", case_ids=[wage_case(world, 60), others[0]])
    assert world.event_count() == events + 1  # the report only
    # A mediator records the answers of the cases its body handles, and no others.
    command(world, runner, first.id, "adopt_standard")
    command(world, runner, first.id, "offer")
    with pytest.raises(AccessDenied):
        command(world, runner, first.id, "record_acceptance", "mediator", case_id=others[0])
    world.do(others[0], "assign", "recorder", route="peoples_mediation", organisation_code="ORG621199001001")
    accepted = command(world, runner, first.id, "record_acceptance", "mediator", case_id=others[0])
    assert accepted.offers[others[0]]["answer"] == "accepted"
    with pytest.raises(RuleViolation, match="already accepted"):
        command(world, runner, first.id, "record_refusal", case_id=others[0], reason="反悔")
    # Once the first batch is closed its cases may join another.
    command(world, runner, first.id, "close", reason="改由第二批处理")
    assert command(world, runner, second.id, "add_cases", case_ids=[others[1]]).case_ids == [others[1]]
    # A batch about a project names no credit code, and takes cases by name or without one.
    site = open_batch(world, subject_kind="construction_site", subject_name="城关镇安置房二期工地", credit_code=None)
    case = wage_case(world, 70, credit_code=None)
    assert command(world, runner, site.id, "add_cases", case_ids=[case]).case_ids == [case]
    # Two batches taking one case at the same moment: the second read the case's membership
    # before the first saved it, and the store refuses its save (nothing of it is written).
    taken = wage_case(world, 71, credit_code=None)
    rival = open_batch(world, subject_kind="construction_site", subject_name="城关镇安置房二期工地", credit_code=None)
    command(world, runner, site.id, "add_cases", case_ids=[taken])
    real = world.ledger.repository.get

    def read_before_the_first_saved(aggregate_id: Any, *args: Any, **kwargs: Any) -> Any:
        if aggregate_id == Membership.create_id(taken):
            raise AggregateNotFoundError(aggregate_id)
        return real(aggregate_id, *args, **kwargs)

    monkeypatch.setattr(world.ledger.repository, "get", read_before_the_first_saved)
    events = world.event_count()
    with pytest.raises(RuleViolation, match="at the same moment"):
        command(world, runner, rival.id, "add_cases", case_ids=[taken])
    assert world.event_count() == events


# ---------------------------------------------------------------------- list filters and figures


def test_figures_and_list_filters_follow_the_cases(world: World, runner: ViewRunner) -> None:
    from projections.batch_views import batch_members, indicators, list_batches

    opened, lead, others = batch_with_lead(world, runner, parallel=4)
    linked = wage_case(world, 80)
    world.do(linked, "link_to_lead_case", "recorder", lead_id=uuid.UUID(lead))
    stranger = wage_case(world, 81)
    command(world, runner, opened.id, "adopt_standard")
    command(world, runner, opened.id, "offer", case_ids=others[:3])
    command(world, runner, opened.id, "record_acceptance", case_id=others[0])
    command(world, runner, opened.id, "record_refusal", case_id=others[1], reason="不认可判决标准")
    world.do(others[1], "file_in_court", "judge", court_code=COURT, court_case_number="(2026)甘1199民初9号", reason="起诉")
    world.do(others[3], "withdraw", "recorder", reason="已自行和解")
    runner.catch_up()
    with runner.views.cursor() as cur:
        figures = indicators(lead, batch_members(cur, str(opened.id)))
        listed = list_batches(cur, scope=[TOWN[:6], TOWN], case=others[2])
        assert list_batches(cur, scope=["621199002"]) == []
    assert figures == {
        "cases": 5, "parallel_cases": 4, "offered": 3, "settled_on_lead_terms": 1, "refused": 1,
        "awaiting_answer": 1, "went_to_court": 1, "still_open": 1, "settlement_rate": 1 / 3,
    }  # fmt: skip
    assert [b["id"] for b in listed] == [str(opened.id)] and listed[0]["indicators"] == figures
    with runner.views.cursor() as cur:

        def ids(**filters: Any) -> set[str]:
            return {r["id"] for r in list_cases(cur, scope=[], now=world.clock.now, per_page=100, **filters)[0]}

        assert ids(batch=str(opened.id)) == {lead, *others}
        assert ids(lead_id=lead) == {*others, linked}
        assert ids(lead_id=lead, batch=str(opened.id)) == set(others)
        assert ids(batch=str(uuid.uuid4())) == set() and stranger not in ids(lead_id=lead)
