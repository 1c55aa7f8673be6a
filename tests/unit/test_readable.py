from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from application.readable import duration, local_time, zone_name

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_local_time_is_the_county_clock() -> None:
    # 16:30 UTC on 31 March is 00:30 on 1 April in Beijing: the date changes too.
    assert local_time(datetime(2026, 3, 31, 16, 30, tzinfo=UTC), SHANGHAI) == "2026-04-01 00:30"
    assert local_time("2026-03-31T16:30:05+00:00", SHANGHAI, seconds=True) == "2026-04-01 00:30:05"
    assert local_time(None, SHANGHAI) == ""
    assert zone_name(SHANGHAI) == "北京时间"


@pytest.mark.parametrize(
    ("hours", "text"),
    [(0.2, "不足1小时"), (1, "1小时"), (23.99, "23小时"), (24, "1天"), (3330.01, "138天18小时"), (None, "")],
)
def test_durations_read_in_days_and_hours(hours: float | None, text: str) -> None:
    assert duration(hours) == text
