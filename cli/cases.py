"""``ledger case show|history``: one case for a person at a terminal.

Codes beside their Chinese labels, instants on the county's clock, tables that fit 80 columns
(``--wide`` adds recorded time, role and hash). Personal data (parties, and free text naming
them) is masked unless ``--purpose`` says why it is read; only such a read, which prints it
unmasked, goes into the case's access log. ``--json`` prints what the API answers.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click
from rich.table import Table

from application.access_log import Read, log_reads
from application.config import county_tz, late_entry_hours
from application.ledger import Ledger, utc_now
from application.readable import local_time, zone_name
from domain.codes import Category, Coded, PartyKind, PartyRole, RiskLevel, Route, Source, Status
from domain.deadlines import KINDS, is_reminder, past_due
from domain.integrity import event_hash
from domain.values import check_text

PURPOSE_HELP = "Why the parties' personal data is read: shows it unmasked and keeps the read in the case's access log."


def _label(codes: type[Coded], value: str | None) -> str:
    if not value:
        return "-"
    try:
        return f"{codes(value).label} ({value})"
    except ValueError:
        return value


def _purpose(purpose: str | None) -> str | None:
    return None if purpose is None else check_text("purpose", purpose, max_length=200).strip() or None


def _shown(data: Any, purpose: str | None) -> Any:
    from web.auth import mask_personal  # the API's masking, so the terminal shows what a reader gets

    return data if purpose else mask_personal(data)


def _log(ledger: Ledger, case_id: str, endpoint: str, purpose: str | None) -> None:
    if purpose:
        log_reads(ledger, ledger.system_actor(), [Read(case_id, False)], endpoint=endpoint, purpose=purpose)


def _history_entries(ledger: Ledger, case_id: str) -> list[dict[str, Any]]:
    from web.disputes.schemas import HistoryEvent
    from web.disputes.state import history_entry

    hours = late_entry_hours()
    events = ledger.history(case_id)
    source = getattr(events[0], "source", None)
    entries = [history_entry(e, late_after_hours=hours, hash_of=event_hash, source=source) for e in events]
    return HistoryEvent(many=True).dump(entries)  # type: ignore[no-any-return]


def _history_table(entries: list[dict[str, Any]], *, wide: bool) -> Table:
    tz = county_tz()
    columns = ["#", "事件", f"发生 ({zone_name(tz)})", "补录", "操作人"]
    if wide:
        columns += ["登记", "角色", "哈希"]
    table = Table(*columns, box=None, pad_edge=False)
    for e in entries:
        row = [str(e["seq"]), e["label"], local_time(e["occurred_at"], tz), "补录" if e["late"] else "", e["actor_id"]]
        if wide:
            row += [local_time(e["recorded_at"], tz), e["actor_role"], e["hash"][:16]]
        table.add_row(*row)
    return table


def _deadline_state(kind: str, due_at: datetime, met_at: datetime | None, now: datetime) -> str:
    if is_reminder(kind):
        return "提醒" if met_at is None else "已申请"
    if met_at is not None:
        return "按时完成" if met_at <= due_at else "逾期完成"
    return "已超期" if past_due(kind, due_at, met_at, now) else "未到期"


@click.group()
def case() -> None:
    """Inspect one case."""


@case.command("show")
@click.argument("case_id")
@click.option("--purpose", help=PURPOSE_HELP)
@click.option("--wide", is_flag=True, help="Add recorded time, role and hash to the history table.")
@click.option("--json", "as_json", is_flag=True, help="The case's events as the API's history answers them.")
def case_show(case_id: str, purpose: str | None, wide: bool, as_json: bool) -> None:
    """The case's state, parties, summary, deadlines and history."""
    from cli.main import console, open_ledger, refusals

    tz, now = county_tz(), utc_now()
    with open_ledger() as ledger, refusals():
        why = _purpose(purpose)
        c = ledger.get_case(case_id)
        entries = _history_entries(ledger, str(c.id))
        if as_json:
            body = {"case_id": str(c.id), "late_entry_hours": late_entry_hours(), "events": entries}
            click.echo(json.dumps(_shown(body, why), ensure_ascii=False, indent=1))
            _log(ledger, str(c.id), "cli ledger case show --json", why)
            return
        personal = _shown({"parties": [p.as_dict() for p in c.parties], "summary": c.summary}, why)
        _log(ledger, str(c.id), "cli ledger case show", why)
    status = Status(c.status)
    console.print(f"[bold]{c.id}[/bold]  {status.label} ({status.value})  版本 {c.version}")
    console.print(f"纠纷类型 {_label(Category, c.category)}  来源 {_label(Source, c.source)}")
    console.print(f"地区 {' / '.join(c.region_path)}  风险 {_label(RiskLevel, c.risk_level)}")
    console.print(f"分流 {_label(Route, c.route)}  承办 {c.organisation_code or '-'}  调解员 {c.mediator_id or '-'}")
    console.print(f"登记 {local_time(c.reported_at, tz)} ({zone_name(tz)})  涉及人数 {c.people_involved}"
                  + (f"  金额 {c.amount_in_dispute} 元" if c.amount_in_dispute is not None else ""))
    console.print(f"摘要 {personal['summary']}", soft_wrap=False)
    for p in personal["parties"]:
        details = "  ".join(x for x in (p.get("id_number"), p.get("phone")) if x)
        console.print(f"{PartyRole(p['role']).label} {p['name']} ({PartyKind(p['kind']).label})  {details}".rstrip())
    if not why:
        console.print("当事人信息已脱敏；查看原文请用 --purpose 说明查阅目的（记入查阅日志）", style="dim")
    for d in c.deadlines:
        if d.cancelled_at is not None:
            continue
        console.print(f"期限 {KINDS[d.kind].label}  {local_time(d.due_at, tz)} 到期  "
                      f"{_deadline_state(d.kind, d.due_at, d.met_at, now)}")
    console.print(_history_table(entries, wide=wide))


@case.command("history")
@click.argument("case_id")
@click.option("--json", "as_json", is_flag=True, help="Every event with its payload, as the API's history answers it.")
@click.option("--purpose", help=PURPOSE_HELP)
@click.option("--wide", is_flag=True, help="Add recorded time, role and hash.")
def case_history(case_id: str, as_json: bool, purpose: str | None, wide: bool) -> None:
    """Every event of a case: when it happened (county time), late entries, who did it."""
    from cli.main import console, open_ledger, refusals

    with open_ledger() as ledger, refusals():
        why = _purpose(purpose)
        c = ledger.get_case(case_id)
        entries = _history_entries(ledger, str(c.id))
        if as_json:
            body = {"case_id": str(c.id), "late_entry_hours": late_entry_hours(), "events": entries}
            click.echo(json.dumps(_shown(body, why), ensure_ascii=False, indent=1))
        elif why:
            # The table shows no personal data; with a purpose the parties come first, unmasked.
            for p in c.parties:
                console.print(f"{PartyRole(p.role).label} {p.name}  {p.id_number or ''}  {p.phone or ''}".rstrip())
        _log(ledger, str(c.id), "cli ledger case history", why)
    if not as_json:
        console.print(_history_table(entries, wide=wide))


# ---------------------------------------------------------------------------- commands of version 2


def _run(case_id: str, as_actor: str | None, command: str, note: str | None, **args: Any) -> None:
    """Issue one case command as ``as_actor`` (default: the system admin) and print where it landed."""
    from cli.main import console, open_ledger, refusals

    with open_ledger() as ledger, refusals():
        actor = ledger.system_actor() if not as_actor else ledger.actor(as_actor)
        result = ledger.execute(actor, case_id, command, note=note, **args)
    found = result.case
    console.print(
        f"{command.replace('_', '-')}: case {found.id} is {Status(found.status).label} ({found.status}), "
        f"version {found.version}, position {result.position}"
    )


_AS = click.option("--as", "as_actor", help="Act as this actor (default: the system admin).")
_NOTE = click.option("--note")


@case.command("request-confirmation")
@click.argument("case_id")
@click.option("--court", "court_code", required=True, help="The court or tribunal of the mediating body's area.")
@click.option("--applicant", "applicants", multiple=True, required=True, help="A party applying (repeat: both sides).")
@click.option("--online", is_flag=True, help="Applied for online (在线司法确认).")
@_AS
@_NOTE
def case_request_confirmation(
    case_id: str, court_code: str, applicants: tuple[str, ...], online: bool, as_actor: str | None, note: str | None
) -> None:
    """The parties' joint application for judicial confirmation, handed over by the mediator."""
    _run(case_id, as_actor, "request_confirmation", note, court_code=court_code, applicants=list(applicants), online=online)


@case.command("extend-confirmation")
@click.argument("case_id")
@click.option("--reason", required=True)
@_AS
@_NOTE
def case_extend_confirmation(case_id: str, reason: str, as_actor: str | None, note: str | None) -> None:
    """Extend the court's decision period once, by 10 days (with the president's approval)."""
    _run(case_id, as_actor, "extend_confirmation", note, reason=reason)


@case.command("entrust-mediation")
@click.argument("case_id")
@click.option("--organisation", "organisation_code", required=True, help="The body the court entrusts (委托调解).")
@click.option("--mediator", "mediator_id")
@_AS
@_NOTE
def case_entrust_mediation(
    case_id: str, organisation_code: str, mediator_id: str | None, as_actor: str | None, note: str | None
) -> None:
    """After filing, entrust a mediation body with the case (委托调解)."""
    _run(case_id, as_actor, "entrust_mediation", note, organisation_code=organisation_code, mediator_id=mediator_id)


@case.command("add-joint-body")
@click.argument("case_id")
@click.option("--organisation", "organisation_code", required=True, help="A body joining the mediation (联合调解).")
@_AS
@_NOTE
def case_add_joint_body(case_id: str, organisation_code: str, as_actor: str | None, note: str | None) -> None:
    """Add a body to a joint mediation; the assigned body keeps the lead."""
    _run(case_id, as_actor, "add_joint_body", note, organisation_code=organisation_code)
