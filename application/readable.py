"""How instants and durations read where people read them (CLI tables, Markdown reviews): in
the county's time zone, and lateness in days and hours rather than decimal hours."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

ZONE_NAMES = {"Asia/Shanghai": "北京时间", "Asia/Urumqi": "乌鲁木齐时间", "UTC": "UTC"}


def zone_name(tz: ZoneInfo) -> str:
    return ZONE_NAMES.get(tz.key, tz.key)


def local_time(value: datetime | str | None, tz: ZoneInfo, *, seconds: bool = False) -> str:
    """``2026-03-05 09:00`` in ``tz`` from an aware instant or its ISO text; empty for None."""
    if value is None or value == "":
        return ""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def duration(hours: float | None) -> str:
    """``138天18小时``, ``5小时``, ``不足1小时``: whole hours, rounded down, for people."""
    if hours is None:
        return ""
    total = int(hours)
    if total < 1:
        return "不足1小时"
    days, rest = divmod(total, 24)
    if not days:
        return f"{rest}小时"
    return f"{days}天" + (f"{rest}小时" if rest else "")
