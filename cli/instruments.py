"""``ledger cards …`` and ``ledger villages …``: the governance instruments from the command line.

Commands act as the named actor (``--as``; default the system administrator), read the views
caught up first, and refuse exactly as the API does (one line, exit 2).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import click
from rich.table import Table

from application import instruments as acts
from application.config import county_tz
from application.ledger import Ledger
from cli.main import console, open_ledger, refusals
from domain.reference import Actor


def _now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def _session(actor_name: str | None) -> Iterator[tuple[Ledger, Actor, Any, int]]:
    """The ledger, the acting actor, a cursor on caught-up views and their position."""
    from projections.runner import ViewRunner

    with open_ledger() as ledger, refusals():
        actor = ledger.actor(actor_name) if actor_name else ledger.system_actor()
        runner = ViewRunner(ledger)
        try:
            runner.catch_up()
            with runner.views.cursor() as cur:
                yield ledger, actor, cur, runner.views.generation_and_position(cur)[1]
        finally:
            runner.close()


def _county(ledger: Ledger, actor: Actor, county: str | None) -> str:
    if county:
        return county
    if actor.region_path:
        return actor.region_path[0]
    counties = sorted(r.code for r in ledger.regions().regions.values() if r.level == "county")
    return counties[0] if counties else ""


def _print(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=1, default=str))


_AS = click.option("--as", "actor_name", default=None, help="Act as this actor (default: the system administrator).")


@click.group()
def cards() -> None:
    """Red and yellow cards (红黄牌): proposals, issue, talks, rectification, lift, escalation."""


@cards.command("propose")
@click.option("--period", required=True, help="2026, 2026-Q1, 2026-03")
@click.option("--county", default=None)
@click.option("--json", "as_json", is_flag=True)
@_AS
def cards_propose(period: str, county: str | None, as_json: bool, actor_name: str | None) -> None:
    """The card each town of the county is proposed for a period, with its reasons."""
    from projections.governance import proposals

    with _session(actor_name) as (ledger, actor, cur, _):
        table = proposals(cur, county=_county(ledger, actor, county), period=period, now=_now())
    if as_json:
        _print(table)
        return
    out = Table("town", "name", "proposal", "reasons")
    for t in table["towns"]:
        out.add_row(t["region_code"], t["region_name"], t["card"] or "-", "；".join(r["rule"] for r in t["reasons"]))
    console.print(out)


@cards.command("issue")
@click.option("--town", default=None, help="A town's region code: issued on the proposal computed now.")
@click.option("--department", default=None, help="A member department's code (with --name and --grounds).")
@click.option("--name", "target_name", default=None, help="The department's name.")
@click.option("--period", required=True)
@click.option("--level", type=click.Choice(["red", "yellow"]), default=None, help="Default: the proposal's.")
@click.option("--plan-due-on", default=None, help="YYYY-MM-DD; default LEDGER_RECTIFICATION_DAYS after issue.")
@click.option("--grounds", default=None)
@_AS
def cards_issue(town: str | None, department: str | None, target_name: str | None, period: str, level: str | None,
                plan_due_on: str | None, grounds: str | None, actor_name: str | None) -> None:  # fmt: skip
    """Issue a card to a town (on its proposal) or to a member department (on stated grounds)."""
    from projections.governance import issue_card

    if bool(town) == bool(department):
        raise click.UsageError("give --town or --department")
    with _session(actor_name) as (ledger, actor, cur, position):
        card, at = issue_card(
            ledger, cur, actor, position=position, now=_now(), target_kind="town" if town else "department",
            target_code=town or department or "", period=period, level=level, target_name=target_name,
            plan_due_on=plan_due_on, grounds=grounds,
        )  # fmt: skip
    console.print(f"issued {card.level} card {card.id} to {card.target_name} for {card.period}; plan due {card.plan_due_on} (position {at})")


def _command(card_id: str, command: str, actor_name: str | None, **args: Any) -> None:
    with open_ledger() as ledger, refusals():
        actor = ledger.actor(actor_name) if actor_name else ledger.system_actor()
        card, at = acts.card_command(ledger, actor, card_id, command, **args)
    console.print(f"card {card.id}: {card.status} ({card.level}), version {card.version}, position {at}")


@cards.command("talk")
@click.argument("card_id")
@click.option("--held-on", required=True, help="YYYY-MM-DD")
@click.option("--minutes", required=True)
@click.option("--attendee", "attendees", multiple=True, required=True, help="Repeat for each attendee.")
@_AS
def cards_talk(card_id: str, held_on: str, minutes: str, attendees: tuple[str, ...], actor_name: str | None) -> None:
    """Record a talk (约谈) with its minutes and attendees."""
    _command(card_id, "hold_talk", actor_name, held_on=held_on, minutes=minutes, attendees=list(attendees))


@cards.command("plan")
@click.argument("card_id")
@click.option("--plan", required=True, help="The rectification plan (整改方案).")
@click.option("--filed-on", required=True, help="YYYY-MM-DD")
@_AS
def cards_plan(card_id: str, plan: str, filed_on: str, actor_name: str | None) -> None:
    """File the rectification plan (late if after its due date)."""
    _command(card_id, "file_plan", actor_name, plan=plan, filed_on=filed_on)


@cards.command("lift")
@click.argument("card_id")
@click.option("--reason", required=True)
@_AS
def cards_lift(card_id: str, reason: str, actor_name: str | None) -> None:
    """Lift the card after review (摘牌)."""
    _command(card_id, "lift", actor_name, reason=reason)


@cards.command("escalate")
@click.argument("card_id")
@click.option("--reason", required=True)
@_AS
def cards_escalate(card_id: str, reason: str, actor_name: str | None) -> None:
    """Escalate a yellow card to red."""
    _command(card_id, "escalate", actor_name, reason=reason)


@cards.command("list")
@click.option("--county", default=None)
@click.option("--period", default=None)
@click.option("--status", default=None)
@click.option("--summary", is_flag=True, help="Towns and departments carded, open, overdue rectifications.")
@click.option("--json", "as_json", is_flag=True)
@_AS
def cards_list(county: str | None, period: str | None, status: str | None, summary: bool, as_json: bool,
               actor_name: str | None) -> None:  # fmt: skip
    """Issued cards with their rectification standing today."""
    from projections.instruments import card_summary, list_cards

    today = _now().astimezone(county_tz()).date()
    with _session(actor_name) as (ledger, actor, cur, _):
        code = _county(ledger, actor, county)
        if summary:
            _print(card_summary(cur, county=code, period=period, today=today))
            return
        items = list_cards(cur, today=today, county=code, period=period, status=status)
    if as_json:
        _print(items)
        return
    out = Table("card", "target", "period", "level", "status", "plan due", "rectification")
    for c in items:
        out.add_row(c["id"], c["target_name"], c["period"], c["level"], c["status"], c["plan_due_on"], c["rectification"])
    console.print(out)


@cards.command("show")
@click.argument("card_id")
@_AS
def cards_show(card_id: str, actor_name: str | None) -> None:
    """One card as JSON: its frozen basis beside today's figures."""
    from projections.governance import card_page

    today = _now().astimezone(county_tz()).date()
    with _session(actor_name) as (ledger, actor, cur, position):
        _print(card_page(ledger, cur, actor, card_id, today=today, position=position))


# ---------------------------------------------------------------------- 无讼村


@click.group()
def villages() -> None:
    """无讼村创建: enrol villages with a sponsor, assess, name, revoke; coverage progress."""


def _village_line(found: Any, at: int) -> None:
    console.print(f"{found.village_code} {found.village_name}: {found.status}, version {found.version}, position {at}")


@villages.command("enrol")
@click.argument("village_code")
@click.option("--year", type=int, required=True)
@click.option("--sponsor-code", required=True)
@click.option("--sponsor-name", required=True, help="e.g. 县法院")
@_AS
def villages_enrol(village_code: str, year: int, sponsor_code: str, sponsor_name: str, actor_name: str | None) -> None:
    """Enrol a village for a year with its sponsoring unit."""
    with open_ledger() as ledger, refusals():
        actor = ledger.actor(actor_name) if actor_name else ledger.system_actor()
        found, at = acts.enrol_village(ledger, actor, village_code=village_code, year=year, sponsor_code=sponsor_code,
                                       sponsor_name=sponsor_name)  # fmt: skip
    _village_line(found, at)


@villages.command("assess")
@click.argument("village")
@click.option("--year", type=int, required=True)
@_AS
def villages_assess(village: str, year: int, actor_name: str | None) -> None:
    """Assess a year against the §6 criteria (evidence frozen in the event)."""
    from projections.governance import assess_village

    with _session(actor_name) as (ledger, actor, cur, _):
        found, at = assess_village(ledger, cur, actor, village, year=year, now=_now(), tz=county_tz())
    _village_line(found, at)


@villages.command("name")
@click.argument("village")
@click.option("--year", type=int, required=True)
@_AS
def villages_name(village: str, year: int, actor_name: str | None) -> None:
    """Name the village (命名) on a passing assessment of a complete year."""
    with open_ledger() as ledger, refusals():
        actor = ledger.actor(actor_name) if actor_name else ledger.system_actor()
        found, at = acts.village_command(ledger, actor, village, "name", year=year)
    _village_line(found, at)


@villages.command("revoke")
@click.argument("village")
@click.option("--year", type=int, required=True)
@click.option("--reason", required=True)
@_AS
def villages_revoke(village: str, year: int, reason: str, actor_name: str | None) -> None:
    """Revoke the naming when a later year's assessment fails."""
    with open_ledger() as ledger, refusals():
        actor = ledger.actor(actor_name) if actor_name else ledger.system_actor()
        found, at = acts.village_command(ledger, actor, village, "revoke", year=year, reason=reason)
    _village_line(found, at)


@villages.command("list")
@click.option("--county", default=None)
@click.option("--year", type=int, default=None)
@_AS
def villages_list(county: str | None, year: int | None, actor_name: str | None) -> None:
    """Enrolled, named and revoked villages with coverage progress (JSON)."""
    from projections.instruments import coverage, list_villages

    target_year, share = acts.no_litigation_target()
    with _session(actor_name) as (ledger, actor, cur, _):
        code = _county(ledger, actor, county)
        _print({"county": code, "year": year,
                "progress": coverage(cur, county=code, target_year=target_year, target_share=share),
                "items": list_villages(cur, county=code, year=year)})  # fmt: skip


def register(main: click.Group) -> None:
    from cli.bulletins import bulletin

    main.add_command(cards)
    main.add_command(villages)
    main.add_command(bulletin)
