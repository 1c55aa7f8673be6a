"""A bulletin version for people: Markdown (what `ledger bulletin` prints), PDF (the same
Markdown through application/pdf_document.py) and XLSX (the figures as typed cells).

Every renderer takes the version as the API answers it (GET /bulletins/{id}: town, period,
edition, version number, figures hash, figures, changes), so the three say the same thing.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from application.pdf_document import markdown_pdf
from application.readable import INDICATOR_LABELS, figure, is_fraction, local_time, zone_name
from application.spreadsheet import DECIMAL, PERCENT, WHOLE, Sheet, workbook
from domain.bulletin import EDITIONS
from domain.card import RECTIFICATION_LABELS
from domain.card import STATES as CARD_STATES
from domain.warning_lifecycle import STATE_LABELS as WARNING_STATES

#: The indicators a bulletin's table shows, in this order.
SHOWN = (
    "court_cases", "litigation_per_10k", "disputes_reported", "disputes_assigned", "resolved_pre_litigation",
    "resolution_rate", "mediation_success_rate", "confirmations_granted", "confirmation_rate",
    "ledger_court_filings", "serious_incidents", "overdue_open", "overdue_share", "satisfaction_rate",
    "mean_days_to_mediated_resolution",
)  # fmt: skip
_QUARTERS = "一二三四"
_HALVES = {"1": "上半年", "2": "下半年"}
MAX_CHANGES_SHOWN = 40
MAX_CASES_SHOWN = 30


def period_label(period: str) -> str:
    """2026-Q3 → 2026年第三季度; 2026-H1 → 2026年上半年; 2026-03 → 2026年3月; 2026 → 2026年."""
    year, _, rest = period.partition("-")
    if not rest:
        return f"{year}年"
    if rest.startswith("Q"):
        return f"{year}年第{_QUARTERS[int(rest[1]) - 1]}季度"
    if rest.startswith("H"):
        return f"{year}年{_HALVES[rest[1]]}"
    if ".." in rest:
        first, last = rest.split("..")
        return f"{year}年{int(first)}-{int(last[-2:])}月"
    return f"{year}年{int(rest)}月"


def _label(name: str) -> str:
    return INDICATOR_LABELS.get(name, name)


def _change(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 100:+.1f}%"


def indicator_lines(row: dict[str, Any]) -> list[tuple[str, str, Any, Any, Any, Any, Any]]:
    """(indicator, label, value, last year, yoy, previous, pop) of each shown indicator."""
    return [
        (name, _label(name), row.get(name), row.get(f"{name}_last_year"), row.get(f"{name}_yoy"),
         row.get(f"{name}_prev"), row.get(f"{name}_pop"))
        for name in SHOWN
    ]  # fmt: skip


def _indicator_table(row: dict[str, Any]) -> list[str]:
    lines = ["| 指标 | 本期 | 去年同期 | 同比 | 上期 | 环比 |", "|---|---:|---:|---:|---:|---:|"]
    for name, label, value, last_year, yoy, prev, pop in indicator_lines(row):
        compared = f"{name}_last_year" in row
        lines.append(
            f"| {label} | {figure(name, value)} | {figure(name, last_year) if compared else '—'} | {_change(yoy)} | "
            f"{figure(name, prev) if compared else '—'} | {_change(pop)} |"
        )
    return lines


def title(page: dict[str, Any]) -> str:
    suffix = "（婚姻家庭类）" if page["edition"] == "family" else ""
    return f"{page['town_name']}涉诉情况通报{suffix}（{period_label(page['period'])}）"


def to_markdown(page: dict[str, Any], tz: ZoneInfo) -> str:
    f = page["figures"]
    state = "" if f["complete"] else "，期间未结束"
    lines = [
        f"# {title(page)}",
        f"> {f['county_name']} · {EDITIONS[page['edition']]} · 第 {page['number']} 版 · "
        f"统计至 {f['through']}（{f['days']} 天{state}）",
        "",
        f"编制：{local_time(page['compiled_at'], tz)}（{zone_name(tz)}），编制人 {page['compiled_by']}；"
        f"同比对照 {f['last_year_from']} 至 {f['last_year_through']}"
        + (f"，环比对照 {f['prev_from']} 至 {f['prev_through']}" if f["prev_from"] else "")
        + (f"；法院收案数据截至 {f['court_feed_through']}" if f["court_feed_through"] else "；无法院收案数据"),
        "",
        "## 一、主要指标",
    ]
    for row in f["indicators"]:
        if "category_label" in row:
            lines += ["", f"### {row['category_label']}"]
        lines += ["", *_indicator_table(row)]
        if row.get("population") is not None:
            lines += ["", f"常住及流动人口 {row['population']:,}（{row['population_year']} 年）。"]
    lines += ["", "## 二、在全县乡镇中的位次", ""]
    if f["rank"]:
        lines += ["| 指标 | 数值 | 位次 |", "|---|---:|---:|"]
        lines += [
            f"| {_label(r['indicator'])} | {figure(r['indicator'], r['value'])} | "
            + (f"第 {r['rank']} / {r['of']} 位" if r["rank"] else "—")
            + " |"
            for r in f["rank"]
        ]
        lines += ["", "位次按数值由高到低排列（第 1 位数值最高）。"]
    lines += ["", "## 三、主要纠纷类型", ""]
    if f["top_categories"]:
        lines += ["| 纠纷类型 | 新发纠纷 | 同比 | 诉前化解 | 一审民事行政新收 |", "|---|---:|---:|---:|---:|"]
        lines += [
            f"| {c['category_label']} | {figure('n', c['disputes_reported'])} | {_change(c['disputes_reported_yoy'])} | "
            f"{figure('n', c['resolved_pre_litigation'])} | {figure('n', c['court_cases'])} |"
            for c in f["top_categories"]
        ]
    else:
        lines.append("本期无新发纠纷。")
    o = f["overdue"]
    lines += ["", "## 四、超期未办", "",
              f"期末未结 {o['open']} 件，其中超期未办 {o['overdue']} 件（判定时点 {local_time(o['judged_at'], tz)}）。"]  # fmt: skip
    if o["cases"]:
        lines += [""] + [f"- {c['case_id']}，超期起于 {local_time(c['overdue_since'], tz)}" for c in o["cases"][:MAX_CASES_SHOWN]]
        if o["overdue"] > MAX_CASES_SHOWN:
            lines.append(f"- ……另 {o['overdue'] - MAX_CASES_SHOWN} 件")
    lines += ["", "## 五、民转刑、个人极端和群体性事件", ""]
    lines += [
        f"- {local_time(i['occurred_at'], tz)} {i['kind_label']}（{i['severity_label']}），案件 {i['case_id']}"
        for i in f["incidents"]
    ] or ["- 无"]
    lines += ["", "## 六、红黄牌", ""]
    lines += [
        f"- {'红牌' if c['level'] == 'red' else '黄牌'}，{local_time(c['issued_at'], tz)} 发牌，{CARD_STATES[c['status']]}，"
        f"整改方案限 {c['plan_due_on']}（{RECTIFICATION_LABELS[c['rectification']]}）"
        for c in f["cards"]
    ] or ["- 无"]
    w = f["warnings"]
    lines += ["", "## 七、预警", ""]
    lines += [
        f"- 群体性纠纷预警：{m['subject']}，{m['cases']} 件，{local_time(m['raised_at'], tz)}，{WARNING_STATES.get(m['status'], m['status'])}"
        + (f"，牵头单位 {m['lead_name']}" if m["lead_name"] else "")
        for m in w["mass"]
    ]
    lines.append(f"- 超期预警 {w['deadline']} 条" + (
        "（" + "，".join(f"{WARNING_STATES.get(k, k)} {v}" for k, v in w["deadline_by_status"].items()) + "）"
        if w["deadline"] else ""))  # fmt: skip
    lines += ["", "## 版本与校验", "",
              f"- 第 {page['number']} 版，数据 SHA-256：{page['figures_hash']}"]  # fmt: skip
    if page.get("previous_hash"):
        lines.append(f"- 上一版 SHA-256：{page['previous_hash']}")
    changes = page.get("changes") or []
    if changes:
        lines.append(f"- 较上一版更正 {len(changes)} 项数据：")
        lines += [f"  - {c['figure']}：{c['old']} → {c['new']}" for c in changes[:MAX_CHANGES_SHOWN]]
    for issue in page.get("issues") or []:
        lines.append(f"- {local_time(issue['issued_at'], tz)} 印发至：{'、'.join(issue['recipients'])}")
    return "\n".join(lines) + "\n"


def to_pdf(page: dict[str, Any], tz: ZoneInfo) -> bytes:
    return markdown_pdf(to_markdown(page, tz))


def _format(name: str) -> str:
    if is_fraction(name):
        return PERCENT
    if "per_10k" in name or name.startswith("mean_days"):
        return DECIMAL
    return WHOLE


def to_xlsx(page: dict[str, Any]) -> bytes:
    """The figures as typed cells (the values of the JSON, unrounded; formats show them as
    percentages, decimals, whole numbers), one sheet per part, each with a frozen header."""
    f = page["figures"]
    head = ["纠纷类型", "指标", "代码", "本期", "去年同期", "同比", "上期", "环比"]
    lines: list[list[Any]] = []
    formats: list[list[str | None]] = []
    for row in f["indicators"]:
        for name, label, *values in indicator_lines(row):
            lines.append([row.get("category_label", f["region_name"]), label, name, *values])
            value = _format(name)
            # 本期, 去年同期 and 上期 in the indicator's own unit; 同比 and 环比 as percentages.
            formats.append([None, None, None, value, value, PERCENT, value, PERCENT])
    note = f"{title(page)} 第 {page['number']} 版 SHA-256 {page['figures_hash']}"
    indicators = Sheet("指标", head, lines, note=note, cell_formats=formats)
    sheets = [
        indicators,
        Sheet("位次", ["指标", "代码", "数值", "位次", "乡镇数"],
              [[_label(r["indicator"]), r["indicator"], r["value"], r["rank"], r["of"]] for r in f["rank"]]),
        Sheet("纠纷类型", ["纠纷类型", "代码", "新发纠纷", "同比", "诉前化解", "一审民事行政新收"],
              [[c["category_label"], c["category"], c["disputes_reported"], c["disputes_reported_yoy"],
                c["resolved_pre_litigation"], c["court_cases"]] for c in f["top_categories"]],
              formats=[None, None, WHOLE, PERCENT, WHOLE, WHOLE]),
        Sheet("超期案件", ["案件", "超期起于"], [[c["case_id"], c["overdue_since"]] for c in f["overdue"]["cases"]]),
        Sheet("事件", ["案件", "发生", "类型", "严重程度"],
              [[i["case_id"], i["occurred_at"], i["kind_label"], i["severity_label"]] for i in f["incidents"]]),
        Sheet("红黄牌", ["牌", "发牌", "状态", "整改期限", "整改"],
              [[c["level"], c["issued_at"], CARD_STATES[c["status"]], c["plan_due_on"],
                RECTIFICATION_LABELS[c["rectification"]]] for c in f["cards"]]),
    ]  # fmt: skip
    return workbook(sheets)
