"""``ledger lead-units`` and ``ledger warnings``: the lead-unit table and the warnings of
DESIGN.md §10 from the command line. Commands act as the system actor (an admin) unless
``--as NAME`` names another actor, whose role and region are then checked as over HTTP."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click
from rich.table import Table

from cli.main import console, main, open_ledger, refusals


def _instant(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"an instant with offset, e.g. 2026-04-30T18:00:00+08:00, not {value!r}", param_hint=name) from None
    if when.tzinfo is None:
        raise click.BadParameter("needs an offset, e.g. +08:00", param_hint=name)
    return when


@main.group("lead-units")
def lead_units_group() -> None:
    """Lead units by category (牵头单位, DESIGN.md §10)."""


@lead_units_group.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
def lead_units_load(file: str) -> None:
    """Replace the table from a CSV (UTF-8 or GBK): category, lead_code, lead_name, partner_code,
    partner_name; category * names the lead of every category without a row."""
    from application.reference_files import load_lead_unit_file

    with open_ledger() as ledger, refusals():
        count = load_lead_unit_file(ledger, file)
    console.print(f"{count} categories loaded")


@lead_units_group.command("list")
def lead_units_list() -> None:
    from application.warning_desk import lead_units

    with open_ledger() as ledger:
        table = lead_units(ledger)
    out = Table("category", "lead", "with")
    for category, lead in sorted(table.rows.items()):
        out.add_row(category, f"{lead.lead.code} {lead.lead.name}", f"{lead.partner.code} {lead.partner.name}" if lead.partner else "")
    console.print(out)


@main.group("warnings")
def warnings_group() -> None:
    """Mass-dispute warnings and missed deadlines (群体性纠纷预警, 超期预警)."""


@warnings_group.command("run")
@click.option("--sweep/--no-sweep", default=True, show_default=True, help="Also look for deadlines that passed unmet.")
def warnings_run(sweep: bool) -> None:
    """Run the warning process once: catch up with the store, then sweep (as a follower does)."""
    from projections.runner import ViewRunner
    from projections.warning_process import WarningProcess

    with open_ledger() as ledger, refusals():
        runner = ViewRunner(ledger)
        runner.catch_up()
        process = WarningProcess(ledger, views=runner.views)
        done, raised = process.run_once(sweep=sweep)
        position = process.position()
        runner.close()
    console.print(f"{done} events read; {raised} missed deadlines raised; warnings at {position}")


def _actor(ledger: Any, name: str | None) -> Any:
    return ledger.system_actor() if not name else ledger.actor(name)


@warnings_group.command("list")
@click.option("--kind", type=click.Choice(["mass", "deadline"]))
@click.option("--region", help="Only warnings within this region code.")
@click.option("--status")
@click.option("--as", "as_actor", help="Read as this actor (its region scope applies).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per warning.")
def warnings_list(kind: str | None, region: str | None, status: str | None, as_actor: str | None, as_json: bool) -> None:
    from application.warning_desk import require_reader
    from projections.runner import ViewRunner
    from projections.warning_views import list_warnings

    with open_ledger() as ledger, refusals():
        actor = _actor(ledger, as_actor)
        require_reader(actor)
        runner = ViewRunner(ledger)
        runner.catch_up()
        with runner.views.cursor() as cur:
            total, rows = list_warnings(cur, scope=actor.region_code, kind=kind, region=region, status=status, limit=1000)
        runner.close()
    if as_json:
        for r in rows:
            click.echo(json.dumps(r, ensure_ascii=False))
        return
    out = Table("id", "kind", "status", "subject", "region", "cases", "raised")
    for r in rows:
        out.add_row(r["id"], r["kind"], r["status"], r["subject"], r["region_code"], str(r["evidence"] or ""), r["raised_at"])
    console.print(out)
    console.print(f"{total} warnings")


@warnings_group.command("show")
@click.argument("warning_id")
@click.option("--as", "as_actor")
def warnings_show(warning_id: str, as_actor: str | None) -> None:
    from application.warning_desk import read_warning
    from web.warnings.present import warning_state

    with open_ledger() as ledger, refusals():
        warning = read_warning(ledger, _actor(ledger, as_actor), warning_id)
        click.echo(json.dumps(warning_state(warning), ensure_ascii=False, indent=1, default=str))


@warnings_group.command("history")
@click.argument("warning_id")
@click.option("--as", "as_actor")
def warnings_history(warning_id: str, as_actor: str | None) -> None:
    from application.warning_desk import history
    from web.warnings.present import history_entry

    with open_ledger() as ledger, refusals():
        for e in history(ledger, _actor(ledger, as_actor), warning_id):
            click.echo(json.dumps(history_entry(e), ensure_ascii=False, default=str))


def _command(name: str, *options: Any) -> Any:
    def run(warning_id: str, as_actor: str | None, note: str | None, **args: Any) -> None:
        from application.warning_desk import execute

        if "due_at" in args:
            args["due_at"] = _instant(args["due_at"], "--due")
        args = {k: v for k, v in args.items() if v is not None}
        with open_ledger() as ledger, refusals():
            warning, position = execute(ledger, _actor(ledger, as_actor), warning_id, name, note=note, **args)
        console.print(f"{name}: warning {warning.id} is {warning.status} (version {warning.version}, position {position})")

    run.__name__ = name
    command = click.argument("warning_id")(run)
    command = click.option("--as", "as_actor", help="Act as this actor (default: the system admin).")(command)
    command = click.option("--note")(command)
    for option in options:
        command = option(command)
    return warnings_group.command(name.replace("_", "-"))(command)


_command("acknowledge")
_command("dismiss", click.option("--reason", required=True))
_command(
    "order_joint_handling",
    click.option("--due", "due_at", required=True, help="Due instant of the joint handling, with offset."),
    click.option("--lead", "lead_code", help="A department code; default: the lead unit of the warning's category."),
)
_command("report_handling", click.option("--summary", required=True))
_command("close", click.option("--summary", required=True))
_command(
    "answer",
    click.option("--instruction", required=True, help="The supervision note (督办意见), added to the case too."),
    click.option("--due", "due_at", required=True, help="Due instant of the note, with offset."),
)
