"""A period that has not begun in the county's zone is refused with 400 naming it, by the app's
clock; a period under way answers its figures so far."""

from __future__ import annotations

from datetime import UTC, datetime

from application.config import county_tz
from tests.support import COUNTY, World
from tests.web.helpers import Http, assert_error, both_stores

OPERATIONS = (
    ("/indicators", {}),
    ("/indicators/cell", {"indicator": "disputes_reported"}),
    ("/indicators/warnings", {}),
)


@both_stores
def test_a_future_period_is_refused_naming_it_and_today(http: Http, world: World) -> None:
    # On PostgreSQL the views are caught up only as far as a request asks.
    position = http.report().headers["X-Ledger-Position"]
    today = world.clock.now.astimezone(county_tz()).date().isoformat()
    for path, extra in OPERATIONS:
        for period in ("2026-Q2", "2026-04", "2027"):
            count = world.event_count()
            body = assert_error(
                http.get(path, "supervisor", {"period": period, **extra}, X_Ledger_Position=position),
                400,
                "period_not_begun",
            )
            reason = f"{period} has not begun (today is {today} in {county_tz().key})"
            assert body["errors"] == {"period": [reason]}, body
            assert reason in body["message"]
            assert world.event_count() == count
        for period in ("2026", "2026-Q1", "2026-03"):
            response = http.get(path, "supervisor", {"period": period, **extra}, X_Ledger_Position=position)
            assert response.status_code == 200, (path, period, response.json)


@both_stores
def test_a_period_begins_at_midnight_in_the_county_not_in_utc(http: Http, world: World) -> None:
    position = http.report().headers["X-Ledger-Position"]
    # 2026-04-01 00:00 in Asia/Shanghai is 2026-03-31 16:00 UTC.
    world.clock.now = datetime(2026, 3, 31, 15, 59, tzinfo=UTC)
    assert_error(http.get("/indicators", "supervisor", {"period": "2026-04"}), 400, "period_not_begun")
    world.clock.now = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
    table = http.get(
        "/indicators", "supervisor", {"period": "2026-04", "region": COUNTY}, X_Ledger_Position=position
    ).json
    assert table["period"] == "2026-04"
    assert all(row["disputes_reported"] == 0 for row in table["rows"])
