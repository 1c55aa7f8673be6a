"""Shared steps of the business scenarios, in the words the county's staff use.

State passes between steps only through fixtures: ``ledger_world`` (a ledger on the in-memory
store with the demo county and the standard actors), ``dispute_id`` (the case the scenario is
about), ``events_before`` (the ledger's event count at a moment) and ``refusal`` (what a refused
command raised). Chinese labels become codes through ``Coded.label`` and the deadline kinds'
own labels; village and organisation names through the ledger's reference data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID, uuid4

import pytest
from pytest_bdd import parsers, step, then

from domain.case import Case
from domain.codes import (
    Category,
    Coded,
    CourtOutcome,
    Performance,
    Resolution,
    RiskLevel,
    Route,
    Satisfaction,
    SessionMode,
    Source,
    Status,
)
from domain.deadlines import KINDS, Deadline
from domain.errors import IllegalTransition, LedgerError
from domain.lifecycle import ANY_STATE
from tests.support import World, make_world, report_body

C = TypeVar("C", bound=Coded)

#: Who the scenarios speak of → the standard actor of tests/support.py that plays them.
#: A mediator (调解员) is not listed: it is whichever mediator the handling organisation has.
STAFF = {"网格员": "recorder", "登记员": "recorder", "法官": "judge", "督办人员": "supervisor"}
MEDIATOR = "调解员"


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture
def ledger_world() -> Iterator[World]:
    """A ledger on the in-memory store, demo county loaded, standard actors, clock at T0."""
    w = make_world(None, popo=True)
    yield w
    w.ledger.close()


# ---------------------------------------------------------------------------- helpers


def by_label(codes: type[C], label: str) -> C:
    """The member of a code list whose Chinese label is ``label``."""
    for member in codes:
        if member.label == label:
            return member
    known = "、".join(m.label for m in codes)
    raise AssertionError(f"{codes.__name__} has no label {label!r}; labels: {known}")


def deadline_kind(label: str) -> str:
    """A deadline kind's name from its Chinese label (分流交办, 签收, 调解期限, 回访 ...)."""
    for kind in KINDS.values():
        if kind.label == label:
            return kind.name
    known = "、".join(k.label for k in KINDS.values())
    raise AssertionError(f"no deadline kind labelled {label!r}; labels: {known}")


def village_code(world: World, name: str) -> str:
    found = [
        r.code for r in world.ledger.regions().regions.values() if r.name == name and r.level == "village"
    ]
    assert len(found) == 1, f"expected one village named {name!r}, found {found}"
    return found[0]


def organisation_code(world: World, name: str) -> str:
    found = [o.code for o in world.ledger.directory().organisations.values() if o.name == name]
    assert len(found) == 1, f"expected one organisation named {name!r}, found {found}"
    return found[0]


def current(world: World, case_id: UUID) -> Case:
    return world.ledger.get_case(case_id)


def actor_name(world: World, case_id: UUID, who: str) -> str:
    """The actor behind a title; 调解员 is the mediator of the organisation handling the case."""
    if who != MEDIATOR:
        assert who in STAFF, f"unknown title {who!r}; known: {', '.join([*STAFF, MEDIATOR])}"
        return STAFF[who]
    handler = current(world, case_id).organisation_code
    for name, actor in world.actors.items():
        if actor.role == "mediator" and actor.organisation_code == handler:
            return name
    raise AssertionError(f"no mediator account for organisation {handler!r}")


def act(world: World, case_id: UUID, who: str, command: str, **args: Any) -> Case:
    return world.do(case_id, command, actor_name(world, case_id, who), **args)


def attempt(world: World, case_id: UUID, who: str, command: str, **args: Any) -> LedgerError | None:
    """Try a command that may be refused; the refusal is the result, not a failure of the step."""
    try:
        act(world, case_id, who, command, **args)
    except LedgerError as refused:
        return refused
    return None


def deadlines(world: World, case_id: UUID, label: str) -> list[Deadline]:
    kind = deadline_kind(label)
    found = [d for d in current(world, case_id).deadlines if d.kind == kind]
    assert found, f"the case has no {label} ({kind}) deadline"
    return found


def latest(world: World, case_id: UUID, label: str) -> Deadline:
    return deadlines(world, case_id, label)[-1]


def events_of(world: World, case_id: UUID) -> list[Any]:
    return list(world.ledger.events.get(case_id))


def last_event(world: World, case_id: UUID, topic: str) -> Any:
    found = [e for e in events_of(world, case_id) if type(e).__name__ == topic]
    assert found, f"the case has no {topic} event"
    return found[-1]


def quoted(text: str) -> list[str]:
    return re.findall(r'"([^"]+)"', text)


# ---------------------------------------------------------------------------- reporting


def _report(world: World, who: str, village: str, category: str, **extra: Any) -> UUID:
    kind = by_label(Category, category)
    body = report_body(
        region_code=village_code(world, village),
        category=kind.value,
        summary=f"{village}一起{kind.label}纠纷",
        **extra,
    )
    actor = STAFF[who]
    return world.ledger.report(world.actors[actor], **body).case.id


@step(parsers.parse('{who}在"{village}"登记了一起"{category}"纠纷'), target_fixture="dispute_id")
def reported(ledger_world: World, who: str, village: str, category: str) -> UUID:
    return _report(ledger_world, who, village, category)


@step(
    parsers.parse('{who}在"{village}"登记了一起"{category}"纠纷，来源为"{source}"，争议金额{amount}元'),
    target_fixture="dispute_id",
)
def reported_with_amount(
    ledger_world: World, who: str, village: str, category: str, source: str, amount: str
) -> UUID:
    return _report(
        ledger_world,
        who,
        village,
        category,
        source=by_label(Source, source).value,
        amount_in_dispute=amount,
    )


@step(parsers.parse('"{organisation}"开通了调解员账号"{name}"'))
def mediator_account(ledger_world: World, organisation: str, name: str) -> None:
    code = organisation_code(ledger_world, organisation)
    org = ledger_world.ledger.directory().organisations[code]
    ledger_world.actor(name, "mediator", org.region_code, code)


# ---------------------------------------------------------------------------- time


@step(parsers.parse("过了{days:d}天"))
def days_pass(ledger_world: World, days: int) -> None:
    ledger_world.clock.advance(days=days)


@step(parsers.parse("又过了{hours:d}小时"))
def hours_pass(ledger_world: World, hours: int) -> None:
    ledger_world.clock.advance(hours=hours)


@step("记下台账当前的事件总数", target_fixture="events_before")
def count_events(ledger_world: World) -> int:
    return ledger_world.event_count()


# ---------------------------------------------------------------------------- commands


@step(parsers.parse('{who}将案件以"{route}"方式交办给"{organisation}"'))
def assign(ledger_world: World, dispute_id: UUID, who: str, route: str, organisation: str) -> None:
    act(
        ledger_world,
        dispute_id,
        who,
        "assign",
        route=by_label(Route, route).value,
        organisation_code=organisation_code(ledger_world, organisation),
    )


@step("调解员签收案件")
def accept(ledger_world: World, dispute_id: UUID) -> None:
    act(ledger_world, dispute_id, MEDIATOR, "accept")


@step(parsers.parse('调解员以"{mode}"方式组织双方调解'))
def hold_session(ledger_world: World, dispute_id: UUID, mode: str) -> None:
    parties = [p.name for p in current(ledger_world, dispute_id).parties]
    kind = by_label(SessionMode, mode)
    act(
        ledger_world,
        dispute_id,
        MEDIATOR,
        "hold_session",
        mode=kind.value,
        participants=parties,
        summary=f"{kind.label}调解，听取双方陈述",
    )


@step(parsers.parse('调解员记录调解协议"{terms}"'))
def record_agreement(ledger_world: World, dispute_id: UUID, terms: str) -> None:
    act(ledger_world, dispute_id, MEDIATOR, "record_agreement", terms=terms)


@step(parsers.parse('调解员记录调解协议"{terms}"，协议金额{amount}元'))
def record_agreement_with_amount(ledger_world: World, dispute_id: UUID, terms: str, amount: str) -> None:
    act(ledger_world, dispute_id, MEDIATOR, "record_agreement", terms=terms, amount=amount)


@step(parsers.parse('调解员记录调解不成，原因是"{reason}"'))
def record_failure(ledger_world: World, dispute_id: UUID, reason: str) -> None:
    act(ledger_world, dispute_id, MEDIATOR, "record_failure", reason=reason)


@step(parsers.parse('调解员向"{court}"申请司法确认'))
def request_confirmation(ledger_world: World, dispute_id: UUID, court: str) -> None:
    code = organisation_code(ledger_world, court)
    applicants = [p.name for p in current(ledger_world, dispute_id).parties]
    act(ledger_world, dispute_id, MEDIATOR, "request_confirmation", court_code=code, online=False, applicants=applicants)


@step("法官裁定调解协议有效")
def grant_confirmation(ledger_world: World, dispute_id: UUID) -> None:
    act(
        ledger_world, dispute_id, "法官", "decide_confirmation", granted=True, reason="协议内容不违反法律规定"
    )


@step(parsers.parse('{who}登记协议履行情况为"{performed}"'))
def record_performance(ledger_world: World, dispute_id: UUID, who: str, performed: str) -> None:
    act(ledger_world, dispute_id, who, "record_performance", performed=by_label(Performance, performed).value)


@step(parsers.parse('{who}以"{summary}"结案销号'))
def close(ledger_world: World, dispute_id: UUID, who: str, summary: str) -> None:
    act(ledger_world, dispute_id, who, "close", summary=summary)


@step(parsers.parse('法官在"{court}"立案，案号为"{number}"'))
def file_in_court(ledger_world: World, dispute_id: UUID, court: str, number: str) -> None:
    act(
        ledger_world,
        dispute_id,
        "法官",
        "file_in_court",
        court_code=organisation_code(ledger_world, court),
        court_case_number=number,
        reason="村、镇两级调解不成，当事人起诉",
    )


@step(parsers.parse('法官记录审理结果为"{outcome}"'))
def record_court_outcome(ledger_world: World, dispute_id: UUID, outcome: str) -> None:
    kind = by_label(CourtOutcome, outcome)
    act(
        ledger_world,
        dispute_id,
        "法官",
        "record_court_outcome",
        outcome=kind.value,
        summary=f"本案以{kind.label}审结",
    )


@step(parsers.parse('调解员回访，当事人表示"{satisfaction}"，纠纷未复发'))
def follow_up_settled(ledger_world: World, dispute_id: UUID, satisfaction: str) -> None:
    level = by_label(Satisfaction, satisfaction).value
    act(ledger_world, dispute_id, MEDIATOR, "follow_up", satisfaction=level, relapse=False)


@step(parsers.parse('调解员回访，当事人表示"{satisfaction}"，纠纷再次复发'))
def follow_up_relapsed(ledger_world: World, dispute_id: UUID, satisfaction: str) -> None:
    level = by_label(Satisfaction, satisfaction).value
    act(ledger_world, dispute_id, MEDIATOR, "follow_up", satisfaction=level, relapse=True)


@step(parsers.parse('督办人员将风险等级评估为"{level}"'))
def assess_risk(ledger_world: World, dispute_id: UUID, level: str) -> None:
    act(ledger_world, dispute_id, "督办人员", "assess_risk", level=by_label(RiskLevel, level).value, flags=[])


@step(parsers.parse('督办人员以"{reason}"为由重新启动案件'))
def reopen(ledger_world: World, dispute_id: UUID, reason: str) -> None:
    act(ledger_world, dispute_id, "督办人员", "reopen", reason=reason)


@step(parsers.parse('督办人员下发督办意见"{instruction}"，限{days:d}天内办理'))
def supervise(ledger_world: World, dispute_id: UUID, instruction: str, days: int) -> None:
    due_at = ledger_world.clock.now + timedelta(days=days)
    act(ledger_world, dispute_id, "督办人员", "add_supervision_note", instruction=instruction, due_at=due_at)


# ---------------------------------------------------------------------------- refused attempts


@step(parsers.parse('调解员试图直接记录调解协议"{terms}"'), target_fixture="refusal")
def try_agreement(ledger_world: World, dispute_id: UUID, terms: str) -> LedgerError | None:
    return attempt(ledger_world, dispute_id, MEDIATOR, "record_agreement", terms=terms)


@step(parsers.parse('督办人员试图以档案号"{number}"将案件归档'), target_fixture="refusal")
def try_archive(ledger_world: World, dispute_id: UUID, number: str) -> LedgerError | None:
    return attempt(ledger_world, dispute_id, "督办人员", "archive", archive_number=number)


@then(parsers.parse('操作被拒绝，理由指出案件处于"{label}"状态'))
def refused_in_state(refusal: LedgerError | None, label: str) -> None:
    assert refusal is not None, "the command was accepted, but it should have been refused"
    assert isinstance(refusal, IllegalTransition), f"refused for another reason: {refusal!r}"
    state = by_label(Status, label).value
    assert refusal.status == state
    assert f"not allowed in state {state}" in str(refusal), str(refusal)


@then(parsers.parse("拒绝理由列出可执行的操作{ops}"))
def refusal_lists_allowed(refusal: LedgerError | None, ops: str) -> None:
    assert isinstance(refusal, IllegalTransition), f"not an illegal transition: {refusal!r}"
    expected = set(quoted(ops))
    assert expected, f"no quoted commands in {ops!r}"
    # The message lists every command allowed in the state: the moves of the state table and
    # the commands allowed in any state. The scenario names the moves.
    assert set(refusal.allowed) - ANY_STATE == expected
    assert set(refusal.allowed) >= ANY_STATE
    message = str(refusal)
    for command in expected | ANY_STATE:
        assert command in message.split("allowed:", 1)[1], f"{command} missing from {message!r}"
    assert refusal.command not in refusal.allowed


@then("台账的事件总数没有变化")
def no_new_events(ledger_world: World, events_before: int) -> None:
    assert ledger_world.event_count() == events_before


# ---------------------------------------------------------------------------- the case's state


@then(parsers.parse('案件状态为"{label}"'))
@then(parsers.parse('案件状态仍为"{label}"'))
def status_is(ledger_world: World, dispute_id: UUID, label: str) -> None:
    status = current(ledger_world, dispute_id).status
    assert status == by_label(Status, label).value, f"status is {status} ({Status(status).label})"


@then(parsers.parse('案件来源为"{label}"'))
def source_is(ledger_world: World, dispute_id: UUID, label: str) -> None:
    assert current(ledger_world, dispute_id).source == by_label(Source, label).value


@then(parsers.parse('纠纷类型为"{label}"'))
def category_is(ledger_world: World, dispute_id: UUID, label: str) -> None:
    assert current(ledger_world, dispute_id).category == by_label(Category, label).value


@then(parsers.parse("争议金额为{amount}元"))
def amount_is(ledger_world: World, dispute_id: UUID, amount: str) -> None:
    assert current(ledger_world, dispute_id).amount_in_dispute == Decimal(amount)


@then(parsers.parse('分流方式为"{label}"'))
def route_is(ledger_world: World, dispute_id: UUID, label: str) -> None:
    assert current(ledger_world, dispute_id).route == by_label(Route, label).value


@then(parsers.parse('案件由"{organisation}"承办'))
def handled_by(ledger_world: World, dispute_id: UUID, organisation: str) -> None:
    assert current(ledger_world, dispute_id).organisation_code == organisation_code(
        ledger_world, organisation
    )


@then("案件目前无承办单位")
def handled_by_nobody(ledger_world: World, dispute_id: UUID) -> None:
    case = current(ledger_world, dispute_id)
    assert case.organisation_code is None and case.route is None and case.mediator_id is None


@then(parsers.parse('化解方式为"{label}"'))
def resolution_is(ledger_world: World, dispute_id: UUID, label: str) -> None:
    assert current(ledger_world, dispute_id).resolution == by_label(Resolution, label).value


@then("案件尚无化解结果")
def no_resolution(ledger_world: World, dispute_id: UUID) -> None:
    case = current(ledger_world, dispute_id)
    assert case.resolution is None and case.closed_at is None


@then(parsers.parse('风险等级为"{label}"'))
def risk_is(ledger_world: World, dispute_id: UUID, label: str) -> None:
    assert current(ledger_world, dispute_id).risk_level == by_label(RiskLevel, label).value


@then(parsers.parse('法院案号为"{number}"'))
def court_case_number_is(ledger_world: World, dispute_id: UUID, number: str) -> None:
    assert current(ledger_world, dispute_id).court_case_number == number


@then(parsers.parse('协议履行情况为"{label}"'))
def performance_is(ledger_world: World, dispute_id: UUID, label: str) -> None:
    assert current(ledger_world, dispute_id).performance == by_label(Performance, label).value


@then(parsers.parse("案件共有{count:d}条事件记录"))
def event_records(ledger_world: World, dispute_id: UUID, count: int) -> None:
    assert len(events_of(ledger_world, dispute_id)) == count
    assert current(ledger_world, dispute_id).version == count


@then("这次交办是调解不成后的逐级移交")
def escalated(ledger_world: World, dispute_id: UUID) -> None:
    assert last_event(ledger_world, dispute_id, "Assigned").escalation is True


@then(parsers.parse('回访记录显示当事人"{satisfaction}"且纠纷已复发'))
def relapse_recorded(ledger_world: World, dispute_id: UUID, satisfaction: str) -> None:
    visit = last_event(ledger_world, dispute_id, "FollowedUp")
    assert visit.relapse is True
    assert visit.satisfaction == by_label(Satisfaction, satisfaction).value


# ---------------------------------------------------------------------------- deadlines


@then(parsers.parse('"{label}"期限按时完成'))
def deadline_met(ledger_world: World, dispute_id: UUID, label: str) -> None:
    d = latest(ledger_world, dispute_id, label)
    assert d.met_at is not None, f"{label} is not met: {d}"
    assert d.missed is False, f"{label} was met late: {d}"
    assert not d.overdue_at(ledger_world.clock.now)


@then(parsers.parse('全部{count:d}个"{label}"期限均按时完成'))
def all_deadlines_met(ledger_world: World, dispute_id: UUID, count: int, label: str) -> None:
    found = deadlines(ledger_world, dispute_id, label)
    assert len(found) == count, found
    assert all(d.met_at is not None and d.missed is False for d in found), found


@then(parsers.parse('"{label}"期限逾期后才完成'))
def deadline_met_late(ledger_world: World, dispute_id: UUID, label: str) -> None:
    d = latest(ledger_world, dispute_id, label)
    assert d.met_at is not None, f"{label} is not met: {d}"
    assert d.missed is True, f"{label} was met in time: {d}"
    assert not d.overdue_at(ledger_world.clock.now), "a met deadline is no longer overdue"


@then(parsers.parse('"{label}"期限尚未到期'))
def deadline_pending(ledger_world: World, dispute_id: UUID, label: str) -> None:
    d = latest(ledger_world, dispute_id, label)
    now = ledger_world.clock.now
    assert d.open_at(now), f"{label} is not open: {d}"
    assert not d.overdue_at(now), f"{label} is overdue at {now}: due {d.due_at}"


@then(parsers.parse('"{label}"期限已逾期'))
def deadline_overdue(ledger_world: World, dispute_id: UUID, label: str) -> None:
    d = latest(ledger_world, dispute_id, label)
    now = ledger_world.clock.now
    assert d.overdue_at(now), f"{label} is not overdue at {now}: {d}"


@then(parsers.parse('在{hours:d}小时前"{label}"期限处于逾期状态'))
def deadline_was_overdue(ledger_world: World, dispute_id: UUID, hours: int, label: str) -> None:
    d = latest(ledger_world, dispute_id, label)
    then_ = ledger_world.clock.now - timedelta(hours=hours)
    assert d.overdue_at(then_), f"{label} was not overdue at {then_}: {d}"


@then(parsers.parse('"{label}"期限已取消'))
def deadline_cancelled(ledger_world: World, dispute_id: UUID, label: str) -> None:
    d = latest(ledger_world, dispute_id, label)
    assert d.cancelled_at is not None and d.met_at is None, d
    assert d.missed is None and not d.overdue_at(ledger_world.clock.now)


@then(parsers.parse('"{label}"期限为{days:d}天'))
def deadline_length(ledger_world: World, dispute_id: UUID, label: str, days: int) -> None:
    d = latest(ledger_world, dispute_id, label)
    assert d.due_at - d.opened_at == timedelta(days=days), d


@then(parsers.parse('案件没有"{label}"期限'))
def no_deadline_of_kind(ledger_world: World, dispute_id: UUID, label: str) -> None:
    kind = deadline_kind(label)
    assert not [d for d in current(ledger_world, dispute_id).deadlines if d.kind == kind]


@then("案件没有待办期限")
def nothing_pending(ledger_world: World, dispute_id: UUID) -> None:
    case = current(ledger_world, dispute_id)
    assert case.open_deadlines() == [], case.open_deadlines()
    assert not any(d.overdue_at(ledger_world.clock.now) for d in case.deadlines)


# ---------------------------------------------------------------------------- region scope


def town_recorder(world: World, town: str) -> Any:
    """The recorder of a town (by its name), created on first use."""
    codes = [r.code for r in world.ledger.regions().regions.values() if r.name == town and r.level == "town"]
    assert codes, f"no town named {town!r}"
    return world.actor(f"recorder-{codes[0]}", "recorder", codes[0])


def _outcome(call: Any, case_id: Any) -> tuple[str, str]:
    """What a refusal tells: its kind and its words, with the case id blanked."""
    try:
        call(case_id)
    except LedgerError as refused:
        return type(refused).__name__, str(refused).replace(str(case_id), "<id>")
    raise AssertionError(f"not refused for {case_id}")


def _both(call: Any, dispute_id: UUID) -> tuple[tuple[str, str], tuple[str, str]]:
    """The refusal for the scenario's case, and for an id that names no case."""
    return _outcome(call, dispute_id), _outcome(call, uuid4())


@step(parsers.parse('"{town}"开通了登记员账号'))
def town_recorder_account(ledger_world: World, town: str) -> None:
    town_recorder(ledger_world, town)


@step(parsers.parse('"{town}"的登记员查看该案件'), target_fixture="outcomes")
def read_elsewhere(ledger_world: World, dispute_id: UUID, town: str) -> Any:
    actor = town_recorder(ledger_world, town)
    return _both(lambda case_id: ledger_world.ledger.read_case(actor, case_id), dispute_id)


@step(parsers.parse('"{town}"的登记员试图将该案件的风险等级评估为"{level}"'), target_fixture="outcomes")
def assess_elsewhere(ledger_world: World, dispute_id: UUID, town: str, level: str) -> Any:
    actor = town_recorder(ledger_world, town)
    code = by_label(RiskLevel, level).value

    def assess(case_id: Any) -> None:
        ledger_world.ledger.execute(actor, case_id, "assess_risk", level=code, flags=[])

    return _both(assess, dispute_id)


@step(
    parsers.parse('"{town}"的登记员在"{village}"登记一起"{category}"纠纷，并试图将其关联到该案件'),
    target_fixture="outcomes",
)
def link_elsewhere(ledger_world: World, dispute_id: UUID, town: str, village: str, category: str) -> Any:
    actor = town_recorder(ledger_world, town)
    body = report_body(region_code=village_code(ledger_world, village), category=by_label(Category, category).value)
    own = ledger_world.ledger.report(actor, **body).case

    def link(lead_id: Any) -> None:
        ledger_world.ledger.execute(actor, own.id, "link_to_lead_case", lead_id=lead_id)

    return _both(link, dispute_id)


@then(parsers.parse("回答为查无此案，与{doing}一个不存在的案件编号时相同"))
def answered_as_unknown(outcomes: Any, doing: str) -> None:
    elsewhere, unknown = outcomes
    assert elsewhere == unknown, f"{doing}: {elsewhere} ≠ {unknown}"
    assert elsewhere[0] == "CaseNotFound", elsewhere


@then("拒绝理由与关联一个不存在的案件编号时相同")
def link_refused_as_unknown(outcomes: Any) -> None:
    elsewhere, unknown = outcomes
    assert elsewhere == unknown, f"{elsewhere} ≠ {unknown}"
    assert elsewhere[0] == "InvalidValue", elsewhere
