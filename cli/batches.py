"""``ledger batches …``: demonstration batches (示范诉讼/示范调解) from the command line.

The same acts as /api/v1/batches, as the actor named by ``--as`` (default the system
administrator); the views are caught up first, so a case added to another open batch a moment
ago is seen there. Refusals are one line, exit 2, nothing written.
"""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from application import batches as acts
from cli.instruments import _AS, _print, _session
from cli.main import console, open_ledger, refusals


@click.group()
def batches() -> None:
    """示范诉讼/示范调解: parallel disputes follow a lead case's decision."""


def _line(found: Any, at: int) -> None:
    console.print(f"batch {found.id}: {found.status}, {len(found.case_ids)} cases, version {found.version}, position {at}")


def _command(batch_id: str, command: str, actor_name: str | None, **args: Any) -> None:
    with open_ledger() as ledger, refusals():
        actor = ledger.actor(actor_name) if actor_name else ledger.system_actor()
        found, at = acts.batch_command(ledger, actor, batch_id, command, **args)
    _line(found, at)


@batches.command("open")
@click.option("--title", required=True)
@click.option("--subject-kind", required=True, type=click.Choice(["respondent", "employer", "housing_estate", "construction_site"]))
@click.option("--subject-name", required=True, help="the respondent's or the project's name")
@click.option("--credit-code", default=None, help="unified social credit code (required for a respondent)")
@click.option("--region", "region_code", required=True, help="county, town or village code")
@click.option("--category", default=None)
@_AS
def batches_open(title: str, subject_kind: str, subject_name: str, credit_code: str | None, region_code: str,
                 category: str | None, actor_name: str | None) -> None:  # fmt: skip
    """Open a batch against one respondent or one project."""
    with open_ledger() as ledger, refusals():
        actor = ledger.actor(actor_name) if actor_name else ledger.system_actor()
        found, at = acts.open_batch(ledger, actor, title=title, subject_kind=subject_kind, subject_name=subject_name,
                                    credit_code=credit_code, region_code=region_code, category=category)  # fmt: skip
    _line(found, at)


@batches.command("add")
@click.argument("batch_id")
@click.argument("case_ids", nargs=-1, required=True)
@_AS
def batches_add(batch_id: str, case_ids: tuple[str, ...], actor_name: str | None) -> None:
    """Add parallel cases (known, in scope, in no other open batch)."""
    _command(batch_id, "add_cases", actor_name, case_ids=list(case_ids))


@batches.command("lead")
@click.argument("batch_id")
@click.argument("case_id")
@_AS
def batches_lead(batch_id: str, case_id: str, actor_name: str | None) -> None:
    """Choose the lead case (示范案件)."""
    _command(batch_id, "choose_lead", actor_name, case_id=case_id)


@batches.command("adopt")
@click.argument("batch_id")
@_AS
def batches_adopt(batch_id: str, actor_name: str | None) -> None:
    """Make the lead's decision (read from the lead case) the batch standard."""
    _command(batch_id, "adopt_standard", actor_name)


@batches.command("offer")
@click.argument("batch_id")
@click.argument("case_ids", nargs=-1)
@_AS
def batches_offer(batch_id: str, case_ids: tuple[str, ...], actor_name: str | None) -> None:
    """Offer the standard to the named parallel cases (default: every one not offered yet)."""
    _command(batch_id, "offer", actor_name, case_ids=list(case_ids) or None)


@batches.command("accept")
@click.argument("batch_id")
@click.argument("case_id")
@_AS
def batches_accept(batch_id: str, case_id: str, actor_name: str | None) -> None:
    """Record that a parallel case accepted the lead's terms."""
    _command(batch_id, "record_acceptance", actor_name, case_id=case_id)


@batches.command("refuse")
@click.argument("batch_id")
@click.argument("case_id")
@click.option("--reason", required=True)
@_AS
def batches_refuse(batch_id: str, case_id: str, reason: str, actor_name: str | None) -> None:
    """Record that a parallel case refused the lead's terms."""
    _command(batch_id, "record_refusal", actor_name, case_id=case_id, reason=reason)


@batches.command("close")
@click.argument("batch_id")
@click.option("--reason", required=True)
@_AS
def batches_close(batch_id: str, reason: str, actor_name: str | None) -> None:
    """Close the batch (its cases may then join another)."""
    _command(batch_id, "close", actor_name, reason=reason)


@batches.command("list")
@click.option("--status", default=None)
@click.option("--case", "case_id", default=None, help="only the batches this case is in")
@click.option("--json", "as_json", is_flag=True)
@_AS
def batches_list(status: str | None, case_id: str | None, as_json: bool, actor_name: str | None) -> None:
    """Batches inside the actor's region with their figures."""
    from projections.batch_views import list_batches

    with _session(actor_name) as (_ledger, actor, cur, _position):
        items = list_batches(cur, scope=actor.region_path, status=status, case=case_id)
    if as_json:
        _print(items)
        return
    out = Table("batch", "title", "status", "cases", "settled", "refused", "court", "open")
    for b in items:
        f = b["indicators"]
        out.add_row(b["id"], b["title"], b["status"], str(f["cases"]), str(f["settled_on_lead_terms"]),
                    str(f["refused"]), str(f["went_to_court"]), str(f["still_open"]))  # fmt: skip
    console.print(out)


@batches.command("show")
@click.argument("batch_id")
@_AS
def batches_show(batch_id: str, actor_name: str | None) -> None:
    """One batch as JSON: standard, each case's offer and answer, figures."""
    from projections.batch_pages import batch_page

    with _session(actor_name) as (ledger, actor, cur, position):
        _print(batch_page(ledger, cur, actor, batch_id, views_position=position))


def register(main: click.Group) -> None:
    main.add_command(batches)
