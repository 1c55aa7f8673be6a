"""The accountability review (责任倒查) as a Markdown document for people: Chinese headings and
labels, every instant in the county's time zone, lateness in days and hours. The JSON review
(application/review.py) stays the machine form, in UTC, with codes."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from application.readable import duration, local_time, zone_name
from domain.codes import Category, Coded, IncidentKind, Role, Severity, Status
from domain.reference import RegionCatalogue

OUTCOMES = {
    "open": "未到期",
    "met in time": "按时完成",
    "met late": "逾期完成",
    "missed (still open)": "已超期，仍未办理",
    "cancelled": "已取消",
    "re-dated": "已改期",
    "missed, then re-dated": "超期后改期",
    "reminder": "提醒（当事人申请期限）",
    "reminder, acted on": "提醒：当事人已申请",
    "reminder, cancelled": "提醒：已结案，不再需要",
}


def _label(codes: type[Coded], value: str | None) -> str:
    if not value:
        return ""
    try:
        return codes(value).label
    except ValueError:
        return value


def _place(path: list[str], regions: RegionCatalogue | None) -> str:
    """The case's place by name (青山县 / 城关镇 / 东街社区), its code after it."""
    if regions is None or not path:
        return " / ".join(path)
    names = [regions.regions[c].name if c in regions.regions else c for c in path]
    return f"{' / '.join(names)}（{path[-1]}）"


def to_markdown(review: dict[str, Any], tz: ZoneInfo, regions: RegionCatalogue | None = None) -> str:
    t = lambda value: local_time(value, tz)  # noqa: E731
    lines = [f"# 责任倒查报告 — 案件 {review['case_id']}", ""]
    lines.append(
        f"状态：{_label(Status, review['status'])} · 地区：{_place(review['region_path'], regions)} · "
        f"纠纷类型：{_label(Category, review['category'])}"
    )
    head = review["head"]
    lines.append(
        f"登记：{t(review['reported_at'])} · 复查：{t(review['reviewed_at'])} · "
        f"最新事件 #{head['sequence']} {head['hash'][:16]} · 时间均为{zone_name(tz)}"
    )
    lines += ["", "## 事件（民转刑/个人极端）"]
    lines += [
        f"- #{i['sequence']} {_label(IncidentKind, i['kind'])}（{_label(Severity, i['severity'])}），{t(i['occurred_at'])}：{i['description']}"
        for i in review["incidents"]
    ] or ["- 无"]
    lines += ["", "## 办理期限", "", "| 期限 | 到期 | 结果 | 超期 | 当时承办 | 依据 |", "|---|---|---|---|---|---|"]
    for d in review["deadlines"]:
        evidence = f"开启 #{d['opened_by']['sequence']}" + (
            f"，完成 #{d['met']['sequence']}（{d['met']['actor_id']}）" if "met" in d else ""
        )
        held = d["held_by"]["organisation_code"] or "-"
        late = duration(d.get("late_by_hours"))
        lines.append(f"| {d['label']} | {t(d['due_at'])} | {OUTCOMES.get(d['outcome'], d['outcome'])} | {late} | {held} | {evidence} |")
    lines += ["", "## 督办"]
    lines += [
        f"- #{n['sequence']} {n['by']} 督办，限 {t(n['due_at'])}：{n['instruction']} — "
        + (
            f"已由 #{n['answered_by']['sequence']} 回应" + ("" if n["answered_in_time"] else "（逾期）")
            if n["answered"]
            else "未回应"
        )
        for n in review["supervision_notes"]
    ] or ["- 无"]
    lines += ["", "## 风险评估"]
    lines += [
        f"- #{r['sequence']} {r['level']} {','.join(r['flags'])}，评估人 {r['by']}"
        + (f" — 期限内采取措施：{'是' if r['acted_within_deadline'] else '否'}" if "acted_within_deadline" in r else "")
        for r in review["risk_assessments"]
    ] or ["- 无"]
    lines += ["", "## 补录（迟于发生时间登记）"]
    lines += [
        f"- #{e['sequence']} {e['label']}，{e['actor_id']}：发生后 {duration(e['recorded_after_hours'])} 才登记"
        for e in review["late_entries"]
    ] or ["- 无"]
    lines += ["", "## 关联案件"]
    lines += [
        f"- {r['id']} {_label(Status, r['status'])} {r.get('resolution') or ''}（{r['reason']}）" for r in review["related_cases"]
    ]
    if review.get("related_outside_scope"):
        lines.append(f"- 另有 {review['related_outside_scope']} 件在查阅人管辖范围外（只计数，不描述）")
    if not review["related_cases"] and not review.get("related_outside_scope"):
        lines.append("- 无")
    log = review["access_log"]
    lines += ["", "## 个人信息查阅记录" + (f"（事件发生于 {t(log['incident_at'])}）" if log["incident_at"] else "")]
    for when, reads in (("事件前", log["before"]), ("事件后", log["after"])):
        lines += [
            f"- {when}：日志 {r['log'][:8]} #{r['sequence']} {t(r['read_at'])} {r['actor_id']}（{_label(Role, r['actor_role'])}）"
            f"经 {r['endpoint']}"
            + (f"（列表，共 {r['cases']} 件）" if r.get("cases", 1) > 1 else "")
            + (f"，目的：{r['purpose']}" if r["purpose"] else "，承办人")
            for r in reads
        ]
    if not (log["before"] or log["after"]):
        lines.append("- 无记录")
    lines += ["", "## 时间线", "", "| # | 事件 | 发生 | 登记 | 操作人 | 哈希 |", "|---|---|---|---|---|---|"]
    lines += [
        f"| {e['sequence']} | {e['label']}{'（补录）' if e['late_entry'] else ''} | {t(e['occurred_at'])} | {t(e['recorded_at'])} | "
        f"{e['actor_id']}（{_label(Role, e['actor_role'])}） | {e['hash'][:16]} |"
        for e in review["timeline"]
    ]
    return "\n".join(lines) + "\n"


def review_pdf(review: dict[str, Any], tz: ZoneInfo, regions: RegionCatalogue | None = None) -> bytes:
    """The same review as a PDF (A4, numbered pages, selectable Chinese text): the Markdown above
    laid out by application/pdf_document.py, so both say exactly the same."""
    from application.pdf_document import markdown_pdf

    return markdown_pdf(to_markdown(review, tz, regions))
