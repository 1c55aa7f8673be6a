"""How instants, durations and figures read where people read them (CLI tables, Markdown
reviews, pages, bulletins): in the county's time zone, lateness in days and hours rather than
decimal hours, indicators by their Chinese names, rates as percentages."""

from __future__ import annotations

from datetime import datetime
from typing import Any
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


#: Indicator names in Chinese: version 1 and version 2 (DESIGN.md §6); an indicator not named
#: here takes the Chinese words that open its API description, else its own name.
INDICATOR_LABELS = {
    "disputes_reported": "新发纠纷",
    "disputes_assigned": "交办调解",
    "resolved_pre_litigation": "诉前化解",
    "resolution_rate": "化解率",
    "mediation_agreements": "调解成功",
    "mediation_failures": "调解不成",
    "mediation_success_rate": "调解成功率",
    "court_referral_success_rate": "诉前调解成功率",
    "confirmations_granted": "司法确认",
    "confirmations_rejected": "司法确认驳回",
    "confirmation_rate": "司法确认率",
    "online_mediations": "在线调解",
    "online_confirmations": "在线司法确认",
    "court_cases": "一审民事行政新收",
    "court_filings": "纠纷成讼",
    "ledger_court_filings": "纠纷成讼",
    "litigation_per_10k": "万人成讼率",
    "litigation_per_10k_annualised": "万人成讼率(年化)",
    "court_filings_yoy": "成讼同比",
    "court_cases_yoy": "一审新收同比",
    "serious_incidents": "民转刑/极端事件",
    "criminal_escalations": "民转刑",
    "extreme_acts": "个人极端",
    "mass_incidents": "群体性事件",
    "follow_up_rate": "回访率",
    "satisfaction_rate": "满意率",
    "relapse_rate": "反复率",
    "mean_days_to_resolution": "平均化解天数",
    "mean_days_to_mediated_resolution": "平均调解化解天数",
    "mean_days_in_court": "平均诉讼天数",
    "overdue_open": "超期未办",
    "overdue_share": "超期占比",
    "no_litigation_villages": "无讼村",
    "population": "常住人口",
}


def is_fraction(name: str) -> bool:
    return name.endswith(("_rate", "_share", "_yoy", "_pop"))


def figure(name: str, value: Any) -> str:
    """A figure as the table prints it: rates as percentages, per-10k and days to two and one
    decimals, counts whole; empty for none."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if is_fraction(name):
        return f"{value * 100:.1f}%"
    if "per_10k" in name:
        return f"{value:.2f}"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return f"{int(value):,}"
