"""The suggestions' view and indicators on both stores, against figures worked out by hand for
a small fixture; a rebuild of the views gives the same rows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from application.config import county_tz
from application.court_feed import CourtRecord, import_court_records
from projections.periods import Period
from projections.runner import ViewRunner
from projections.suggestions import list_suggestions, suggestion_indicators
from tests.integration.test_indicators_court import record as court_record
from tests.integration.test_projection_rebuild import dump_differences, dump_views
from tests.suggestion_support import PATHS, act, draft, walk
from tests.support import COUNTY, OTHER_TOWN, TOWN, World

V1, OTHER_VILLAGE = "621199001001", "621199002001"
TODAY = date(2026, 6, 1)


def record(n: int, filed_on: date, defendant: str, cause: str = "追索劳动报酬纠纷") -> CourtRecord:
    return court_record(n, filed_on, defendant, None, cause=cause)


def fixture(world: World) -> dict[str, Any]:
    """At T0 (2026-03-02): S1 about the county and S2 about 城关镇 delivered, S3 (a 公安提示函)
    issued only, S6 about another town delivered, S4 a draft. S1 is adopted at once; S2 is
    escalated on 2026-05-02; S6 is answered late (not adopted) on 2026-05-10."""
    case_ids = [str(world.report(category="migrant_wages").id)]
    s1 = walk(world, PATHS["delivered"], case_ids=case_ids)
    s2 = walk(world, PATHS["delivered"], case_ids=case_ids, region_code=TOWN)
    s3 = walk(world, PATHS["issued"], case_ids=case_ids, region_code=TOWN, kind="police", issuer_code="GA-621199",
              issuer_name="青山县公安局", category="labour")  # fmt: skip
    s6 = walk(world, PATHS["delivered"], case_ids=case_ids, region_code=OTHER_TOWN)
    draft(world, case_ids=case_ids)
    act(world, s1.id, "record_reply", outcome="adopted")
    world.clock.advance(days=61)
    act(world, s2.id, "escalate")
    world.clock.advance(days=9)
    act(world, s6.id, "record_reply", outcome="not_adopted", replied_on="2026-05-10")
    world.clock.now = datetime(2026, 5, 20, 2, tzinfo=UTC)
    result = import_court_records(world.ledger, world.actors["admin"], [
        record(1, date(2025, 6, 1), V1),  # before S1 (county) and S2 (城关镇)
        record(2, date(2025, 2, 1), V1),  # more than 12 months before: not counted
        record(3, date(2026, 4, 1), OTHER_VILLAGE),  # after S1 and S6, not S2's town
        record(4, date(2026, 5, 1), V1, cause="民间借贷纠纷"),  # another category
        record(5, date(2026, 3, 2), V1),  # the day of delivery counts as after: S1, S2
    ])  # fmt: skip
    assert not result.problems, result.problems
    return {"s1": s1, "s2": s2, "s3": s3, "s6": s6}


def test_indicators_of_a_small_fixture_are_the_hand_counted_ones(world: World) -> None:
    made = fixture(world)
    runner = ViewRunner(world.ledger)
    try:
        runner.catch_up()
        with runner.views.cursor() as cur:
            county = suggestion_indicators(cur, region_path=[COUNTY], period=Period.parse("2026-Q1"), today=TODAY,
                                           tz=county_tz())  # fmt: skip
            town = suggestion_indicators(cur, region_path=[COUNTY, TOWN], period=Period.parse("2026-Q1"), today=TODAY,
                                         tz=county_tz())  # fmt: skip
            later = suggestion_indicators(cur, region_path=[COUNTY], period=Period.parse("2026-Q2"), today=TODAY,
                                          tz=county_tz())  # fmt: skip
            listed = list_suggestions(cur, today=TODAY, region_path=[COUNTY, TOWN])
        incremental = dump_views(runner)
        runner.rebuild()
        assert not dump_differences(incremental, dump_views(runner))
    finally:
        runner.close()
    figures = {k: county[k] for k in ("issued", "delivered", "replied", "reply_rate", "adopted", "partly",
                                       "not_adopted", "adoption_rate", "overdue", "replied_late", "escalated")}  # fmt: skip
    assert figures == {"issued": 4, "delivered": 3, "replied": 2, "reply_rate": 0.5, "adopted": 1, "partly": 0,
                       "not_adopted": 1, "adoption_rate": 0.5, "overdue": 1, "replied_late": 1, "escalated": 1}  # fmt: skip
    assert county["filings"] | {"kinds": None} == {"domicile": "defendant", "kinds": None, "before": 2, "after": 4,
                                                   "complete": False}  # fmt: skip
    by_id = {i["id"]: (i["filings_before"], i["filings_after"], i["reply"]) for i in county["items"]}
    assert by_id == {
        str(made["s1"].id): (1, 2, "replied"),
        str(made["s2"].id): (1, 1, "overdue"),
        str(made["s6"].id): (0, 1, "replied_late"),
    }
    assert (town["issued"], town["delivered"], town["replied"], town["reply_rate"], town["adoption_rate"],
            town["overdue"]) == (2, 1, 0, 0.0, None, 1)  # fmt: skip
    assert later["issued"] == 0 and later["reply_rate"] is None
    assert {i["id"] for i in listed} == {str(made["s2"].id), str(made["s3"].id)}
    s2 = next(i for i in listed if i["id"] == str(made["s2"].id))
    assert (s2["number"], s2["escalated_to"], s2["reply_due_on"]) == ("(2026)甘1199司建2号", "县人民政府", "2026-05-01")
