"""``ledger bulletin``: compile (or, after corrections, recompile) a town's 涉诉情况通报 for a
period and print it as Markdown, or write it as XLSX or PDF; ``--issue-to`` issues it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cli.instruments import _AS, _now, _session


@click.command("bulletin")
@click.option("--region", "town", required=True, help="The town's region code.")
@click.option("--period", required=True, help="2026-Q3, 2026-H1, 2026, 2026-03")
@click.option("--edition", type=click.Choice(["general", "family"]), default="general", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["md", "xlsx", "pdf"]), default="md", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), default=None, help="Write here (required for xlsx and pdf).")
@click.option("--version", "number", type=click.IntRange(min=1), default=None, help="Render this version (default the latest).")
@click.option("--issue-to", "recipients", multiple=True, help="Issue the latest version to this recipient (repeat).")
@_AS
def bulletin(town: str, period: str, edition: str, fmt: str, output: str | None, number: int | None,
             recipients: tuple[str, ...], actor_name: str | None) -> None:  # fmt: skip
    """A town's bulletin: compiled the first time; recompiled as a new version when the figures
    changed since (the earlier versions stay as they were); else the existing one."""
    from application import bulletin_render as render
    from application import bulletins as acts
    from application.config import county_tz
    from application.pdf_document import NoCjkFont
    from domain.errors import RuleViolation
    from projections import governance
    from projections.periods import Period

    if fmt != "md" and not output:
        raise click.UsageError(f"--format {fmt} needs --output FILE")
    with _session(actor_name) as (ledger, actor, cur, position):
        found = acts.find_bulletin(ledger, actor, town, Period.parse(period).text, edition)
        if found is None:
            found, at = governance.compile_bulletin(ledger, cur, actor, position=position, town=town, period=period,
                                                    edition=edition, now=_now())  # fmt: skip
            click.echo(f"compiled version 1 of {found.id} (position {at})", err=True)
        elif number is None:
            try:
                found, at = governance.recompile_bulletin(ledger, cur, actor, found.id, position=position, now=_now())
                click.echo(f"recompiled: version {found.number} of {found.id} (position {at})", err=True)
            except RuleViolation:
                click.echo(f"unchanged: version {found.number} of {found.id}", err=True)
        if recipients:
            found, at = acts.bulletin_command(ledger, actor, found.id, "issue", recipients=list(recipients))
            click.echo(f"issued version {found.number} to {'、'.join(recipients)} (position {at})", err=True)
        page = acts.page(ledger, actor, found.id, number)
    tz = county_tz()
    try:
        data = (render.to_markdown(page, tz).encode() if fmt == "md"
                else render.to_xlsx(page) if fmt == "xlsx" else render.to_pdf(page, tz))  # fmt: skip
    except NoCjkFont as e:
        click.echo(f"refused: {e}", err=True)
        sys.exit(2)
    if output:
        Path(output).write_bytes(data)
        click.echo(f"wrote {output} (version {page['number']}, SHA-256 {page['figures_hash']})", err=True)
    else:
        click.echo(data.decode(), nl=False)
