"""The Markdown review is for people: Chinese labels, the county's clock, lateness in days and hours."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from application.readable import local_time
from application.review import build_review
from application.review_markdown import to_markdown
from tests.support import World

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_markdown_review_reads_in_local_time_and_days(world: World) -> None:
    case = world.report()
    reported = world.clock.now
    world.clock.advance(days=9, hours=5)
    world.do(case.id, "assign", "recorder", route="peoples_mediation", organisation_code="ORG621199001001")
    world.do(case.id, "report_incident", "supervisor", kind="criminal_escalation", description="双方发生斗殴", severity="major")
    review = build_review(world.ledger, str(case.id), now=world.clock.now)
    text = to_markdown(review, SHANGHAI)

    assert "# 责任倒查报告" in text and "时间均为北京时间" in text
    assert f"登记：{local_time(reported, SHANGHAI)}" in text
    assert "+00:00" not in text and not re.search(r"\d{4}-\d\d-\d\dT\d\d:", text)
    # Triage was due 3 days after the report and met 9 days 5 hours after it: 6 days 5 hours late.
    triage = next(line for line in text.splitlines() if line.startswith("| 分流交办"))
    assert "逾期完成" in triage and "6天5小时" in triage
    assert "民转刑（重大）" in text
    assert f"| {local_time(reported + timedelta(days=3), SHANGHAI)} |" in triage
    # The machine form is unchanged: UTC instants and decimal hours.
    assert review["deadlines"][0]["due_at"].endswith("+00:00")
    assert review["deadlines"][0]["late_by_hours"] == 149.0
