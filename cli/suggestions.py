"""``ledger suggestions …``: judicial suggestions and the 三书一函 from the command line.

Each command acts as the named actor (``--as``; default the system administrator) and refuses
exactly as the API does (one line, exit 2); lists and indicators read the views caught up first.
"""

from __future__ import annotations

import json
from typing import Any

import click
from rich.table import Table

from application import suggestions as acts
from application.config import county_tz
from cli.instruments import _AS, _now, _print, _session
from cli.main import console, open_ledger, refusals
from domain.codes import Category, ReplyOutcome, SuggestionKind


def _today() -> Any:
    return _now().astimezone(county_tz()).date()


def _line(found: Any, at: int) -> None:
    number = f" {found.number}" if found.number else ""
    console.print(f"suggestion {found.id}{number}: {found.status}, version {found.version}, position {at}")


def _command(suggestion_id: str, command: str, actor_name: str | None, **args: Any) -> None:
    with open_ledger() as ledger, refusals():
        actor = ledger.actor(actor_name) if actor_name else ledger.system_actor()
        found, at = acts.suggestion_command(ledger, actor, suggestion_id, command, **args)
    _line(found, at)


@click.group()
def suggestions() -> None:
    """Judicial suggestions and the 三书一函: draft, review, issue, deliver, follow, reply, revisit, archive."""


@suggestions.command("draft")
@click.option("--kind", type=click.Choice([k.value for k in SuggestionKind]), required=True)
@click.option("--issuer", "issuer_code", required=True, help="The issuing body's code (a court for judicial).")
@click.option("--issuer-name", default=None, help="For a body not in the directory.")
@click.option("--recipient", required=True)
@click.option("--superior", "recipient_superior", default=None, help="The recipient's superior (told when late).")
@click.option("--title", required=True)
@click.option("--problem", required=True, help="What the class of cases shows.")
@click.option("--proposals", required=True)
@click.option("--category", type=click.Choice([c.value for c in Category]), required=True)
@click.option("--region", "region_code", required=True)
@click.option("--case", "case_ids", multiple=True, help="A linked case id; repeat for each.")
@_AS
def suggestions_draft(case_ids: tuple[str, ...], actor_name: str | None, **body: Any) -> None:
    """Draft a suggestion from a class of cases."""
    with open_ledger() as ledger, refusals():
        actor = ledger.actor(actor_name) if actor_name else ledger.system_actor()
        found, at = acts.draft_suggestion(ledger, actor, case_ids=list(case_ids), **body)
    _line(found, at)


@suggestions.command("review")
@click.argument("suggestion_id")
@click.option("--opinion", required=True)
@_AS
def suggestions_review(suggestion_id: str, opinion: str, actor_name: str | None) -> None:
    """Review the draft (审核)."""
    _command(suggestion_id, "review", actor_name, opinion=opinion)


@suggestions.command("issue")
@click.argument("suggestion_id")
@_AS
def suggestions_issue(suggestion_id: str, actor_name: str | None) -> None:
    """Issue (签发) under the next number, e.g. (2026)甘1199司建1号."""
    _command(suggestion_id, "issue", actor_name)


@suggestions.command("deliver")
@click.argument("suggestion_id")
@click.option("--on", "delivered_on", required=True, help="YYYY-MM-DD")
@click.option("--proof", "proof_of_service", required=True, help="Proof of service (送达回证).")
@click.option("--reply-due-on", default=None, help="Default: LEDGER_SUGGESTION_REPLY_DAYS (60) after delivery.")
@_AS
def suggestions_deliver(suggestion_id: str, actor_name: str | None, **args: Any) -> None:
    """Record delivery (送达) with proof of service."""
    _command(suggestion_id, "deliver", actor_name, **args)


@suggestions.command("remind")
@click.argument("suggestion_id")
@click.option("--content", required=True)
@_AS
def suggestions_remind(suggestion_id: str, content: str, actor_name: str | None) -> None:
    """Remind the recipient (催复)."""
    _command(suggestion_id, "remind", actor_name, content=content)


@suggestions.command("escalate")
@click.argument("suggestion_id")
@click.option("--reason", required=True)
@click.option("--superior", default=None, help="Default: the superior named at draft.")
@_AS
def suggestions_escalate(suggestion_id: str, reason: str, superior: str | None, actor_name: str | None) -> None:
    """Tell the recipient's superior that the reply is late."""
    _command(suggestion_id, "escalate", actor_name, reason=reason, superior=superior)


@suggestions.command("reply")
@click.argument("suggestion_id")
@click.option("--outcome", type=click.Choice([o.value for o in ReplyOutcome]), required=True)
@click.option("--measures", required=True)
@click.option("--on", "replied_on", required=True, help="YYYY-MM-DD")
@_AS
def suggestions_reply(suggestion_id: str, actor_name: str | None, **args: Any) -> None:
    """Record the recipient's reply (反馈)."""
    _command(suggestion_id, "record_reply", actor_name, **args)


@suggestions.command("revisit")
@click.argument("suggestion_id")
@click.option("--on", "visited_on", required=True, help="YYYY-MM-DD")
@click.option("--findings", required=True)
@_AS
def suggestions_revisit(suggestion_id: str, actor_name: str | None, **args: Any) -> None:
    """Record a revisit (回访)."""
    _command(suggestion_id, "revisit", actor_name, **args)


@suggestions.command("archive")
@click.argument("suggestion_id")
@click.option("--archive-number", required=True)
@_AS
def suggestions_archive(suggestion_id: str, archive_number: str, actor_name: str | None) -> None:
    """Archive (归档)."""
    _command(suggestion_id, "archive", actor_name, archive_number=archive_number)


@suggestions.command("show")
@click.argument("suggestion_id")
@_AS
def suggestions_show(suggestion_id: str, actor_name: str | None) -> None:
    """One suggestion as JSON."""
    with open_ledger() as ledger, refusals():
        actor = ledger.actor(actor_name) if actor_name else ledger.system_actor()
        _print(acts.suggestion_page(ledger, acts.read_suggestion(ledger, actor, suggestion_id), _today()))


@suggestions.command("list")
@click.option("--region", default=None, help="Default: your county.")
@click.option("--status", default=None)
@click.option("--kind", default=None)
@click.option("--overdue", is_flag=True, default=None, help="Only those whose reply is overdue today.")
@click.option("--json", "as_json", is_flag=True)
@_AS
def suggestions_list(region: str | None, status: str | None, kind: str | None, overdue: bool | None, as_json: bool,
                     actor_name: str | None) -> None:  # fmt: skip
    """Suggestions about a region with their reply's standing today."""
    from projections.suggestions import list_suggestions

    with _session(actor_name) as (ledger, actor, cur, _):
        acts.may_read(actor)
        path = acts.scoped_region(ledger, actor, region)
        items = list_suggestions(cur, today=_today(), region_path=path, status=status, kind=kind, overdue=overdue)
    if as_json:
        _print(items)
        return
    out = Table("suggestion", "number", "kind", "recipient", "status", "reply due", "reply")
    for i in items:
        out.add_row(i["id"], i["number"] or "-", SuggestionKind(i["kind"]).label, i["recipient"], i["status"],
                    i["reply_due_on"] or "-", i["reply"] or "-")  # fmt: skip
    console.print(out)


@suggestions.command("indicators")
@click.option("--period", required=True, help="2026, 2026-Q1, 2026-H1, 2026-03")
@click.option("--region", default=None, help="Default: your county.")
@_AS
def suggestions_indicators(period: str, region: str | None, actor_name: str | None) -> None:
    """Issued, replied, 反馈率, adoption rate, overdue replies, filings before and after (JSON)."""
    from projections.governance import litigation_domicile, litigation_kinds
    from projections.periods import Period
    from projections.suggestions import suggestion_indicators

    with _session(actor_name) as (ledger, actor, cur, _):
        acts.may_read(actor)
        figures = suggestion_indicators(
            cur, region_path=acts.scoped_region(ledger, actor, region), period=Period.parse(period), today=_today(),
            tz=county_tz(), domicile=litigation_domicile(), kinds=litigation_kinds(),
        )  # fmt: skip
    click.echo(json.dumps(figures, ensure_ascii=False, indent=1))


def register(main: click.Group) -> None:
    main.add_command(suggestions)
