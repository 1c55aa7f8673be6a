"""司法建议 scenarios on both real stores (the indicators read the views). The store fixture and
the views come from the instrument scenarios (features/test_instruments.py); a command that may
be refused is attempted, and the refusal is checked by the next 那么 step, which consumes it (a
refusal nobody checks fails the next command)."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_bdd import parsers, scenario, step

from application import suggestions as acts
from application.config import county_tz
from domain import suggestion as rules
from domain.codes import Category, ReplyOutcome
from domain.errors import LedgerError
from features.test_instruments import Views, both_stores, intact, ledger_world, views
from projections.periods import Period
from projections.suggestions import suggestion_indicators
from tests.support import COUNTY, COURT, World

__all__ = ["ledger_world", "views"]  # the fixtures, shared with the instrument scenarios
step("台账完整性校验通过")(intact)

STANDING = {"未到期": "due", "已逾期": "overdue", "按期反馈": "replied", "逾期反馈": "replied_late"}


@both_stores
@scenario("instruments/suggestions.feature", "县法院就欠薪纠纷向县人社局发出司法建议，逾期未反馈报告其上级，反馈后回访")
def test_a_suggestion_from_draft_to_revisit_with_a_late_reply_escalated(store_kind: str) -> None:
    """司法建议: the life of one suggestion."""


@pytest.fixture
def desk() -> dict[str, Any]:
    """The suggestion in hand and the last refused attempt (error, events before, events after)."""
    return {}


def _attempt(world: World, desk: dict[str, Any], who: str, command: str, **args: Any) -> None:
    assert "refused" not in desk, f"an unchecked refusal: {desk['refused'][0]}"
    before = world.event_count()
    try:
        acts.suggestion_command(world.ledger, world.actors[who], desk["id"], command, **args)
    except LedgerError as error:
        desk["refused"] = (error, before, world.event_count())


def _found(world: World, desk: dict[str, Any]) -> Any:
    assert "refused" not in desk, f"an unchecked refusal: {desk['refused'][0]}"
    return acts.read_suggestion(world.ledger, world.actors["auditor"], desk["id"])


def _label(codes: Any, label: str) -> str:
    (code,) = [c.value for c in codes if c.label == label]
    return code


@step(parsers.parse('"{village}"有{n:d}起"{category}"纠纷'), target_fixture="class_cases")
def class_of_cases(ledger_world: World, village: str, n: int, category: str) -> list[str]:
    (code,) = [r.code for r in ledger_world.ledger.regions().regions.values() if r.name == village]
    return [str(ledger_world.report(region_code=code, category=_label(Category, category)).id) for _ in range(n)]


@step(parsers.parse('法官以这{n:d}起纠纷起草致"{recipient}"的司法建议书，其上级为"{superior}"'))
def draft(ledger_world: World, desk: dict[str, Any], class_cases: list[str], n: int, recipient: str, superior: str) -> None:
    assert len(class_cases) == n
    ledger_world.actor("judge-reviewer", "judge", COUNTY)
    found, _ = acts.draft_suggestion(
        ledger_world.ledger, ledger_world.actors["judge"], kind="judicial", issuer_code=COURT, recipient=recipient,
        recipient_superior=superior, title="关于加强农民工工资支付监管的司法建议", problem="城关镇欠薪纠纷集中",
        proposals="建立工资保证金和欠薪预警制度", category="migrant_wages", region_code=COUNTY, case_ids=class_cases,
    )  # fmt: skip
    desk["id"] = found.id


@step(parsers.parse('该建议状态为"{state}"，尚无文号'))
def drafted(ledger_world: World, desk: dict[str, Any], state: str) -> None:
    found = _found(ledger_world, desk)
    assert (rules.STATES[found.status], found.number) == (state, None)


@step("起草该建议的法官自己审核")
def self_review(ledger_world: World, desk: dict[str, Any]) -> None:
    _attempt(ledger_world, desk, "judge", "review", opinion="同意")


@step("操作被拒绝，台账未写入任何事件")
def refused(desk: dict[str, Any]) -> None:
    error, before, after = desk.pop("refused")
    assert isinstance(error, LedgerError) and before == after


@step("另一名法官审核同意")
def review(ledger_world: World, desk: dict[str, Any]) -> None:
    _attempt(ledger_world, desk, "judge-reviewer", "review", opinion="事实清楚，建议可行，同意签发")


@step("法官签发该建议")
def issue(ledger_world: World, desk: dict[str, Any]) -> None:
    _attempt(ledger_world, desk, "judge", "issue")


@step(parsers.parse('该建议文号为"{number}"，状态为"{state}"'))
def numbered(ledger_world: World, desk: dict[str, Any], number: str, state: str) -> None:
    found = _found(ledger_world, desk)
    assert (found.number, rules.STATES[found.status]) == (number, state)


@step(parsers.parse('送达前记录"{recipient}"的反馈'))
def early_reply(ledger_world: World, desk: dict[str, Any], recipient: str) -> None:
    _attempt(ledger_world, desk, "supervisor", "record_reply", outcome="adopted", measures=f"{recipient}已整改",
             replied_on="2026-03-02")  # fmt: skip


@step(parsers.parse('法官于"{day}"送达，送达回证为"{proof}"'))
def deliver(ledger_world: World, desk: dict[str, Any], day: str, proof: str) -> None:
    _attempt(ledger_world, desk, "judge", "deliver", delivered_on=day, proof_of_service=proof)


@step(parsers.parse('反馈期限为"{due}"，该建议反馈"{standing}"'))
def due_on(ledger_world: World, desk: dict[str, Any], due: str, standing: str) -> None:
    found = _found(ledger_world, desk)
    assert found.reply_due_on == due
    reply_is(ledger_world, desk, standing)


@step(parsers.parse('该建议反馈"{standing}"'))
def reply_is(ledger_world: World, desk: dict[str, Any], standing: str) -> None:
    found = _found(ledger_world, desk)
    today = ledger_world.clock.now.astimezone(county_tz()).date()
    assert rules.reply_standing(found.reply_due_on, found.replied_on, today) == STANDING[standing]


@step(parsers.parse('督办人员以"{content}"催复'))
def remind(ledger_world: World, desk: dict[str, Any], content: str) -> None:
    _attempt(ledger_world, desk, "supervisor", "remind", content=content)


@step(parsers.parse('督办人员以"{reason}"报告上级'))
def escalate(ledger_world: World, desk: dict[str, Any], reason: str) -> None:
    _attempt(ledger_world, desk, "supervisor", "escalate", reason=reason)


@step(parsers.parse('该建议已报告"{superior}"'))
def escalated(ledger_world: World, desk: dict[str, Any], superior: str) -> None:
    assert _found(ledger_world, desk).escalated_to == superior


@step(parsers.parse('"{recipient}"于"{day}"反馈"{outcome}"，措施为"{measures}"'))
def reply(ledger_world: World, desk: dict[str, Any], recipient: str, day: str, outcome: str, measures: str) -> None:
    assert _found(ledger_world, desk).recipient == recipient
    _attempt(ledger_world, desk, "supervisor", "record_reply", outcome=_label(ReplyOutcome, outcome),
             measures=measures, replied_on=day)  # fmt: skip


@step(parsers.parse('该建议反馈"{standing}"，状态为"{state}"'))
def replied(ledger_world: World, desk: dict[str, Any], standing: str, state: str) -> None:
    reply_is(ledger_world, desk, standing)
    assert rules.STATES[_found(ledger_world, desk).status] == state


def _figures(world: World, views: Views, period: str) -> dict[str, Any]:
    today = world.clock.now.astimezone(county_tz()).date()
    return views.read(lambda cur, _: suggestion_indicators(  # type: ignore[no-any-return]
        cur, region_path=[COUNTY], period=Period.parse(period), today=today, tz=county_tz()))  # fmt: skip


@step(parsers.parse('"{period}"签发{issued:d}件，反馈{replied:d}件，逾期未反馈{overdue:d}件'))
def overdue_figures(ledger_world: World, views: Views, period: str, issued: int, replied: int, overdue: int) -> None:
    found = _figures(ledger_world, views, period)
    assert (found["issued"], found["replied"], found["overdue"]) == (issued, replied, overdue)


@step(parsers.parse('"{period}"签发{issued:d}件，反馈{replied:d}件，反馈率{reply_rate:d}%，采纳率{adoption_rate:d}%'))
def rate_figures(ledger_world: World, views: Views, period: str, issued: int, replied: int, reply_rate: int,
                 adoption_rate: int) -> None:  # fmt: skip
    found = _figures(ledger_world, views, period)
    assert (found["issued"], found["replied"]) == (issued, replied)
    assert (round(found["reply_rate"] * 100), round(found["adoption_rate"] * 100)) == (reply_rate, adoption_rate)


@step(parsers.parse('法官于"{day}"回访，情况为"{findings}"'))
def revisit(ledger_world: World, desk: dict[str, Any], day: str, findings: str) -> None:
    _attempt(ledger_world, desk, "judge", "revisit", visited_on=day, findings=findings)


@step(parsers.parse('该建议状态为"{state}"'))
def state_is(ledger_world: World, desk: dict[str, Any], state: str) -> None:
    assert rules.STATES[_found(ledger_world, desk).status] == state


@step(parsers.parse('该建议的事件依次为"{labels}"'))
def events_are(ledger_world: World, desk: dict[str, Any], labels: str) -> None:
    history = acts.suggestion_history(ledger_world.ledger, ledger_world.actors["auditor"], desk["id"])
    assert "、".join(rules.EVENTS[type(e).__name__][1] for e in history) == labels
