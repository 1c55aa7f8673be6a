"""Governance instrument scenarios (红黄牌, 无讼村, 涉诉情况通报) on both real stores: they need the views, so
``ledger_world`` is overridden here with a ledger on SQLite and on PostgreSQL, and the shared
steps (过了N天) move its clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from pytest_bdd import parsers, scenario, step

from application import instruments as acts
from application.config import StoreSettings, county_tz
from application.integrity import verify
from domain import card as card_domain
from domain import no_litigation as village_domain
from domain.errors import IllegalTransition
from projections import governance
from projections.instruments import card_summary
from projections.runner import ViewRunner
from tests.support import PG_URL, World, make_world, postgres_available, postgres_schema

LEVEL = {"黄牌": "yellow", "红牌": "red"}
both_stores = pytest.mark.parametrize("store_kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])


@both_stores
@scenario("instruments/cards.feature", "城关镇一季度被亮黄牌，约谈后逾期报送整改方案，升级为红牌，复查后摘牌")
def test_a_town_carded_yellow_talked_to_late_plan_escalated_lifted(store_kind: str) -> None:
    """红黄牌: the life of one card."""


@both_stores
@scenario("instruments/no_litigation.feature", "北关社区由县法院包联，2026年度评估合格后命名，2027年发生诉讼被撤销")
def test_a_village_enrolled_assessed_named_then_revoked(store_kind: str) -> None:
    """无讼村: enrolment to revocation."""


@pytest.fixture
def ledger_world(store_kind: str, tmp_path: Path) -> Iterator[World]:
    if store_kind == "sqlite":
        world = make_world(StoreSettings(sqlite_path=str(tmp_path / "ledger.sqlite3"), url=None, schema="public"))
        yield world
        world.ledger.close()
        return
    reason = postgres_available()
    if reason:
        if os.environ.get("LEDGER_TEST_POSTGRES") == "required":
            pytest.fail(reason)
        pytest.skip(reason)
    with postgres_schema() as schema:
        world = make_world(StoreSettings(sqlite_path="", url=PG_URL, schema=schema))
        yield world
        world.ledger.close()


class Views:
    """The views caught up with the ledger whenever a step reads them."""

    def __init__(self, world: World):
        self.world = world
        self.runner = ViewRunner(world.ledger)

    def read(self, compute: Any) -> Any:
        self.runner.catch_up()
        with self.runner.views.cursor() as cur:
            return compute(cur, self.runner.views.generation_and_position(cur)[1])


@pytest.fixture
def views(ledger_world: World) -> Iterator[Views]:
    v = Views(ledger_world)
    yield v
    v.runner.close()


@pytest.fixture
def card_id() -> dict[str, UUID]:
    return {}


def _region(world: World, name: str) -> str:
    (code,) = [r.code for r in world.ledger.regions().regions.values() if r.name == name]
    return code


def _today(world: World) -> Any:
    return world.clock.now.astimezone(county_tz()).date()


# ---------------------------------------------------------------------------- 红黄牌


@step("县里的红黄牌规则为：新发纠纷达到1件亮黄牌")
def yellow_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[[rule]]\nlevel = "yellow"\nindicator = "disputes_reported"\nlabel = "新发纠纷达到1件"\nat_least = 1\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("LEDGER_CARD_RULES", str(rules))


@step(parsers.parse('"{village}"有1起纠纷诉至法院'), target_fixture="filed_case")
def filed_in_court(ledger_world: World, village: str) -> str:
    case = ledger_world.report(region_code=_region(ledger_world, village))
    ledger_world.do(case.id, "file_in_court", "judge", court_code="ORGC-COURT",
                    court_case_number="(2026)甘1199民初1号", reason="当事人起诉")  # fmt: skip
    return str(case.id)


@step(parsers.parse('"{town}""{period}"的建议为"{level}"'))
def proposed(ledger_world: World, views: Views, town: str, period: str, level: str) -> None:
    code = _region(ledger_world, town)
    table = views.read(lambda cur, _: governance.proposals(cur, county=code[:6], period=period, now=ledger_world.clock.now))
    (row,) = [t for t in table["towns"] if t["region_code"] == code]
    assert row["card"] == LEVEL[level]


@step(parsers.parse('督办人员对"{town}""{period}"按建议签发，整改方案限"{due}"前报送'))
def issue(ledger_world: World, views: Views, card_id: dict[str, UUID], town: str, period: str, due: str) -> None:
    code = _region(ledger_world, town)
    card, _ = views.read(lambda cur, position: governance.issue_card(
        ledger_world.ledger, cur, ledger_world.actors["supervisor"], position=position, target_kind="town",
        target_code=code, period=period, now=ledger_world.clock.now, plan_due_on=due,
    ))  # fmt: skip
    card_id["card"] = card.id


def _card(world: World, card_id: dict[str, UUID]) -> Any:
    return acts.read_card(world.ledger, world.actors["supervisor"], card_id["card"])


@step(parsers.parse('该牌为"{level}"，状态为"{state}"'))
def card_is(ledger_world: World, card_id: dict[str, UUID], level: str, state: str) -> None:
    card = _card(ledger_world, card_id)
    assert (card.level, card_domain.STATES[card.status]) == (LEVEL[level], state)


@step("该牌冻结了建议理由和城关镇新发纠纷1件的指标")
def basis_frozen(ledger_world: World, card_id: dict[str, UUID]) -> None:
    basis = _card(ledger_world, card_id).basis
    assert basis["figures"]["disputes_reported"] == 1 and basis["views_position"] > 0
    assert [r["indicator"] for r in basis["reasons"]] == ["disputes_reported"]


@step(parsers.parse('督办人员于"{day}"约谈，参加人员为"{first}"和"{second}"'))
def talk(ledger_world: World, card_id: dict[str, UUID], day: str, first: str, second: str) -> None:
    acts.card_command(ledger_world.ledger, ledger_world.actors["supervisor"], card_id["card"], "hold_talk",
                      held_on=day, minutes="通报指标情况，提出整改要求", attendees=[first, second])  # fmt: skip


@step(parsers.parse('该牌的整改方案"{standing}"'))
def rectification(ledger_world: World, card_id: dict[str, UUID], standing: str) -> None:
    card = _card(ledger_world, card_id)
    labels = {"已逾期": "overdue", "逾期报送": "filed_late", "按时报送": "filed", "未到期": "due"}
    assert card_domain.rectification(card.plan_due_on, card.plan_filed_on, _today(ledger_world)) == labels[standing]


@step(parsers.parse("本季度亮牌的乡镇{towns:d}个，逾期未整改{overdue:d}起"))
def summary(ledger_world: World, views: Views, towns: int, overdue: int) -> None:
    found = views.read(lambda cur, _: card_summary(cur, county="621199", period="2026-Q1", today=_today(ledger_world)))
    assert (found["towns_carded"], found["rectification_overdue"]) == (towns, overdue)


@step(parsers.parse('城关镇于"{day}"报送整改方案'))
def file_plan(ledger_world: World, card_id: dict[str, UUID], day: str) -> None:
    acts.card_command(ledger_world.ledger, ledger_world.actors["supervisor"], card_id["card"], "file_plan",
                      plan="一、压实包联责任；二、逐案回访", filed_on=day)  # fmt: skip


@step(parsers.parse('督办人员以"{reason}"将该牌升级'))
def escalate(ledger_world: World, card_id: dict[str, UUID], reason: str) -> None:
    acts.card_command(ledger_world.ledger, ledger_world.actors["supervisor"], card_id["card"], "escalate", reason=reason)


@step(parsers.parse('督办人员复查后以"{reason}"摘牌'))
def lift(ledger_world: World, card_id: dict[str, UUID], reason: str) -> None:
    acts.card_command(ledger_world.ledger, ledger_world.actors["supervisor"], card_id["card"], "lift", reason=reason)


@step("对该牌再约谈被拒绝，台账未写入任何事件")
def refused(ledger_world: World, card_id: dict[str, UUID]) -> None:
    before = ledger_world.event_count()
    with pytest.raises(IllegalTransition):
        talk(ledger_world, card_id, "2026-03-14", "镇长", "副镇长")
    assert ledger_world.event_count() == before


@step("台账完整性校验通过")
def intact(ledger_world: World) -> None:
    assert verify(ledger_world.ledger, witness=None).intact


# ---------------------------------------------------------------------------- 无讼村


@step(parsers.parse('"{sponsor}"包联"{village}"，{year:d}年纳入无讼村创建'))
def enrol(ledger_world: World, sponsor: str, village: str, year: int) -> None:
    acts.enrol_village(ledger_world.ledger, ledger_world.actors["supervisor"], village_code=_region(ledger_world, village),
                       year=year, sponsor_code="ORGC-COURT", sponsor_name=sponsor)  # fmt: skip


@step(parsers.parse('督办人员对"{village}"进行{year:d}年度评估'), target_fixture="assessment")
def assess(ledger_world: World, views: Views, village: str, year: int) -> dict[str, Any]:
    found, _ = views.read(lambda cur, _: governance.assess_village(
        ledger_world.ledger, cur, ledger_world.actors["supervisor"], _region(ledger_world, village), year=year,
        now=ledger_world.clock.now, tz=county_tz(),
    ))  # fmt: skip
    last: Any = list(ledger_world.ledger.events.get(found.id))[-1]
    return {"passed": last.passed, "complete": last.complete, "evidence": last.evidence}


@step("评估合格，诉讼案件0件，来源为台账立案记录")
def passed(assessment: dict[str, Any]) -> None:
    assert assessment["passed"] and assessment["complete"]
    assert assessment["evidence"]["court_source"] == "ledger_filings"
    assert assessment["evidence"]["court_cases"]["count"] == 0


@step("评估不合格，冻结的证据列出诉至法院的那起纠纷")
def failed(assessment: dict[str, Any], filed_case: str) -> None:
    assert not assessment["passed"]
    assert [i["case_id"] for i in assessment["evidence"]["court_cases"]["items"]] == [filed_case]


@step(parsers.parse('督办人员命名"{village}"为{year:d}年度无讼村'))
def name(ledger_world: World, village: str, year: int) -> None:
    acts.village_command(ledger_world.ledger, ledger_world.actors["supervisor"], _region(ledger_world, village), "name", year=year)


@step(parsers.parse('督办人员以"{reason}"撤销"{village}"{year:d}年度的命名'))
def revoke(ledger_world: World, reason: str, village: str, year: int) -> None:
    acts.village_command(ledger_world.ledger, ledger_world.actors["supervisor"], _region(ledger_world, village),
                         "revoke", year=year, reason=reason)  # fmt: skip


@step(parsers.parse('"{village}"为"{state}"'))
def village_is(ledger_world: World, village: str, state: str) -> None:
    found = acts.read_village(ledger_world.ledger, ledger_world.actors["supervisor"], _region(ledger_world, village))
    assert village_domain.STATES[found.status] == state


# ---------------------------------------------------------------------------- 涉诉情况通报


@both_stores
@scenario("instruments/bulletins.feature", "城关镇2026年第一季度涉诉情况通报")
def test_a_quarterly_bulletin_compiled_issued_then_recompiled(store_kind: str) -> None:
    """涉诉情况通报: compile, issue, correct, recompile."""


@pytest.fixture
def bulletin() -> dict[str, Any]:
    return {}


@step(parsers.parse('"{village}"有2起婚姻家庭纠纷'))
def two_family_cases(ledger_world: World, bulletin: dict[str, Any], village: str) -> None:
    code = _region(ledger_world, village)
    bulletin["cases"] = [ledger_world.report(region_code=code, category="family").id for _ in range(2)]


@step(parsers.parse('督办人员编制"{town}""{period}"的涉诉情况通报'))
def compile_bulletin(ledger_world: World, views: Views, bulletin: dict[str, Any], town: str, period: str) -> None:
    found, _ = views.read(lambda cur, position: governance.compile_bulletin(
        ledger_world.ledger, cur, ledger_world.actors["supervisor"], position=position,
        town=_region(ledger_world, town), period=period, edition="general", now=ledger_world.clock.now,
    ))  # fmt: skip
    bulletin["id"], bulletin["town"], bulletin["period"] = found.id, found.town_code, found.period


def _version(world: World, bulletin: dict[str, Any], number: int | None = None) -> dict[str, Any]:
    from application.bulletins import page

    return page(world.ledger, world.actors["auditor"], bulletin["id"], number)


@step(parsers.parse("通报第1版的新发纠纷为{n:d}件，与指标接口一致"))
def first_version(ledger_world: World, views: Views, bulletin: dict[str, Any], n: int) -> None:
    from projections.indicators import indicator_table

    shown = _version(ledger_world, bulletin)
    rows = views.read(lambda cur, _: indicator_table(
        cur, region=bulletin["town"], period=bulletin["period"], level="town", now=ledger_world.clock.now,
    )["rows"])  # fmt: skip
    assert shown["number"] == 1 and shown["figures"]["indicators"] == rows
    assert rows[0]["disputes_reported"] == n


@step("通报的数据哈希校验通过")
def hash_verifies(ledger_world: World, bulletin: dict[str, Any]) -> None:
    from domain.bulletin import figures_hash

    shown = _version(ledger_world, bulletin)
    assert shown["hash_verifies"] and figures_hash(shown["figures"]) == shown["figures_hash"]
    bulletin["first"] = shown


@step(parsers.parse('督办人员将通报印发至"{first}"和"{second}"'))
def issue_bulletin(ledger_world: World, bulletin: dict[str, Any], first: str, second: str) -> None:
    from application.bulletins import bulletin_command

    bulletin_command(ledger_world.ledger, ledger_world.actors["supervisor"], bulletin["id"], "issue",
                     recipients=[first, second])  # fmt: skip


@step(parsers.parse('通报状态为"{state}"'))
def bulletin_state(ledger_world: World, bulletin: dict[str, Any], state: str) -> None:
    assert _version(ledger_world, bulletin)["status_label"] == state


@step("再次印发被拒绝，台账未写入任何事件")
def issue_refused(ledger_world: World, bulletin: dict[str, Any]) -> None:
    before = ledger_world.event_count()
    with pytest.raises(IllegalTransition):
        issue_bulletin(ledger_world, bulletin, "城关镇党委", "县法院")
    assert ledger_world.event_count() == before


@step("数据未变时重编被拒绝，台账未写入任何事件")
def recompile_refused(ledger_world: World, views: Views, bulletin: dict[str, Any]) -> None:
    from domain.errors import RuleViolation

    before = ledger_world.event_count()
    with pytest.raises(RuleViolation):
        recompile(ledger_world, views, bulletin)
    assert ledger_world.event_count() == before


@step(parsers.parse('其中一起纠纷的地区更正为"{village}"'))
def correct_region(ledger_world: World, bulletin: dict[str, Any], village: str) -> None:
    ledger_world.do(bulletin["cases"][0], "correct_details", "admin", field="region_code", value=village,
                    reason="登记时村别有误")  # fmt: skip


@step("督办人员重编该通报")
def recompile(ledger_world: World, views: Views, bulletin: dict[str, Any]) -> None:
    views.read(lambda cur, position: governance.recompile_bulletin(
        ledger_world.ledger, cur, ledger_world.actors["supervisor"], bulletin["id"], position=position,
        now=ledger_world.clock.now,
    ))  # fmt: skip


@step(parsers.parse("通报第2版的新发纠纷为{n:d}件，更正项列出新发纠纷由{old:d}变为{new:d}"))
def second_version(ledger_world: World, bulletin: dict[str, Any], n: int, old: int, new: int) -> None:
    shown = _version(ledger_world, bulletin)
    assert shown["number"] == 2 and shown["figures"]["indicators"][0]["disputes_reported"] == n
    changed = {c["figure"]: (c["old"], c["new"]) for c in shown["changes"]}
    assert changed[f"indicators[{bulletin['town']}].disputes_reported"] == (old, new)


@step("第1版仍为印发时的数据，哈希校验通过")
def first_unchanged(ledger_world: World, bulletin: dict[str, Any]) -> None:
    shown = _version(ledger_world, bulletin, 1)
    assert shown["figures"] == bulletin["first"]["figures"] and shown["hash_verifies"]
    assert shown["issues"][0]["recipients"] == ["城关镇党委", "县委政法委"]
