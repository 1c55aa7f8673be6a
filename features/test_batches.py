"""示范诉讼 scenario on both real stores: 30 wage claims reported through the application (not
HTTP, to stay fast), a lead judged, its judgment offered to the other 29, 24 settling on it."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_bdd import parsers, scenario, step

from application import batches as acts
from application.integrity import verify
from domain.errors import IllegalTransition, LedgerError, RuleViolation
from features.test_instruments import Views, both_stores, ledger_world, views
from projections.batch_views import batch_members, indicators
from projections.cases import list_cases
from tests.support import COURT, TOWN, World

__all__ = ["ledger_world", "views"]


@both_stores
@scenario("instruments/batches.feature", "30起欠薪纠纷组成示范批次，示范案件判决后送达其余29起，24起按判决标准化解")
def test_a_wage_batch_of_30_settles_24_on_the_leads_judgment(store_kind: str) -> None:
    """示范诉讼: a batch from its cases to its figures."""


class Batch:
    """What the scenario's steps share: the employer, the cases in report order, the batch."""

    employer = ""
    credit_code = ""
    cases: list[str]
    batch_id: Any = None
    events_before = 0


@pytest.fixture
def batch() -> Batch:
    found = Batch()
    found.cases = []
    return found


def _command(world: World, views: Views, batch: Batch, name: str, who: str = "recorder", **args: Any) -> Any:
    return acts.batch_command(world.ledger, world.actors[who], batch.batch_id, name, **args)[0]


@step(parsers.parse('城关镇{count:d}名农民工分别登记了追索"{employer}"劳动报酬的纠纷'))
def report_claims(ledger_world: World, batch: Batch, count: int, employer: str) -> None:
    batch.employer = employer
    for n in range(count):
        parties = [{"role": "applicant", "kind": "person", "name": f"农民工{n + 1:02d}"},
                   {"role": "respondent", "kind": "organisation", "name": employer, "id_number": "91621199MA01ABCD07"}]  # fmt: skip
        case = ledger_world.report(category="migrant_wages", summary="追索劳动报酬", parties=parties)
        batch.cases.append(str(case.id))


@step(parsers.parse('登记员以统一社会信用代码"{code}"对该公司建立示范批次，纳入这{count:d}起纠纷'))
def open_batch(ledger_world: World, views: Views, batch: Batch, code: str, count: int) -> None:
    opened, _ = acts.open_batch(ledger_world.ledger, ledger_world.actors["recorder"], title=f"{batch.employer}欠薪系列纠纷",
                                subject_kind="respondent", subject_name=batch.employer, credit_code=code,
                                region_code=TOWN, category="migrant_wages")  # fmt: skip
    batch.batch_id, batch.credit_code = opened.id, code
    assert len(batch.cases) == count
    _command(ledger_world, views, batch, "add_cases", case_ids=batch.cases)


@step("登记员选定第1起纠纷为示范案件")
def choose_lead(ledger_world: World, views: Views, batch: Batch) -> None:
    _command(ledger_world, views, batch, "choose_lead", case_id=batch.cases[0])


@step("登记员试图在示范案件判决前送达示范标准", target_fixture="refusal")
def offer_too_early(ledger_world: World, views: Views, batch: Batch) -> Any:
    batch.events_before = ledger_world.event_count()
    with pytest.raises(IllegalTransition) as refused:
        _command(ledger_world, views, batch, "offer")
    with pytest.raises(RuleViolation):
        _command(ledger_world, views, batch, "adopt_standard")
    return refused.value


@step("登记员试图把第2起纠纷再纳入另一个示范批次", target_fixture="refusal")
def second_batch(ledger_world: World, views: Views, batch: Batch) -> Any:
    other, _ = acts.open_batch(ledger_world.ledger, ledger_world.actors["recorder"], title="另一批次",
                               subject_kind="employer", subject_name=batch.employer, region_code=TOWN)  # fmt: skip
    batch.events_before = ledger_world.event_count()
    with pytest.raises(RuleViolation, match="already in open batch") as refused:
        acts.batch_command(ledger_world.ledger, ledger_world.actors["recorder"], other.id, "add_cases",
                           case_ids=[batch.cases[1]])  # fmt: skip
    return refused.value


@step("被拒绝，台账未写入任何事件")
def nothing_written(ledger_world: World, batch: Batch, refusal: LedgerError) -> None:
    assert isinstance(refusal, LedgerError)
    assert ledger_world.event_count() == batch.events_before


@step(parsers.parse('法官立案审理示范案件并判决"{terms}"'))
def judge_lead(ledger_world: World, batch: Batch, terms: str) -> None:
    lead = batch.cases[0]
    ledger_world.do(lead, "file_in_court", "judge", court_code=COURT, court_case_number="(2026)甘1199民初301号",
                    reason="示范诉讼")  # fmt: skip
    ledger_world.clock.advance(days=20)
    ledger_world.do(lead, "record_court_outcome", "judge", outcome="judgment", summary=terms)


@step("法官将示范案件的判决确定为批次标准")
def adopt(ledger_world: World, views: Views, batch: Batch) -> None:
    adopted = _command(ledger_world, views, batch, "adopt_standard", "judge")
    assert adopted.standard["kind"] == "judgment" and adopted.standard["terms"] == "被告支付原告拖欠工资12000元"


@step(parsers.parse("登记员向其余{count:d}起平行案件送达示范标准"))
def offer(ledger_world: World, views: Views, batch: Batch, count: int) -> None:
    ledger_world.clock.advance(days=1)
    offered = _command(ledger_world, views, batch, "offer")
    assert len(offered.offers) == count


@step(parsers.parse("批次记录了{count:d}次送达，每次注明送达人"))
def offers_recorded(ledger_world: World, batch: Batch, count: int) -> None:
    events = acts.batch_history(ledger_world.ledger, ledger_world.actors["supervisor"], batch.batch_id)
    offers = [e for e in events if type(e).__name__ == "Offered"]
    assert [e.case_id for e in offers] == batch.cases[1:] and len(offers) == count
    assert {(e.actor_id, e.actor_role) for e in offers} == {("recorder", "recorder")}


@step(parsers.parse("{count:d}起平行案件接受示范标准"))
def accept(ledger_world: World, views: Views, batch: Batch, count: int) -> None:
    for case_id in batch.cases[1 : 1 + count]:
        _command(ledger_world, views, batch, "record_acceptance", case_id=case_id)


@step(parsers.parse("{count:d}起平行案件拒绝示范标准，其中{filed:d}起诉至法院"))
def refuse(ledger_world: World, views: Views, batch: Batch, count: int, filed: int) -> None:
    refusing = batch.cases[25 : 25 + count]
    for case_id in refusing:
        _command(ledger_world, views, batch, "record_refusal", case_id=case_id, reason="不认可示范判决确定的金额")
    for n, case_id in enumerate(refusing[:filed]):
        ledger_world.do(case_id, "file_in_court", "judge", court_code=COURT,
                        court_case_number=f"(2026)甘1199民初{400 + n}号", reason="拒绝示范标准后起诉")  # fmt: skip


@step(parsers.parse("批次指标为：纳入{cases:d}件，按示范标准化解{settled:d}件，拒绝{refused:d}件，诉至法院{court:d}件，尚未化解{still:d}件"))
def figures(views: Views, batch: Batch, cases: int, settled: int, refused: int, court: int, still: int) -> None:
    found = views.read(lambda cur, _: indicators(batch.cases[0], batch_members(cur, str(batch.batch_id))))
    wanted = {"cases": cases, "settled_on_lead_terms": settled, "refused": refused, "went_to_court": court, "still_open": still}
    assert {k: found[k] for k in wanted} == wanted


@step(parsers.parse("按示范案件查询案件台账得到{parallel:d}起平行案件，按批次查询得到{total:d}起"))
def listed(ledger_world: World, views: Views, batch: Batch, parallel: int, total: int) -> None:
    def count(**filters: Any) -> int:
        return views.read(lambda cur, _: list_cases(cur, scope=[TOWN[:6], TOWN], now=ledger_world.clock.now, **filters)[1])  # type: ignore[no-any-return]

    assert count(lead_id=batch.cases[0]) == parallel
    assert count(batch=str(batch.batch_id)) == total


@step("示范批次的哈希链完整")
def chain_intact(ledger_world: World) -> None:
    report = verify(ledger_world.ledger, witness=None)
    assert report.intact and report.streams.get("batch") == 2
