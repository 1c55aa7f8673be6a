"""``ledger``: create the store, load reference data, generate demo histories, inspect cases.

Every command reads the same settings as the server: LEDGER_DB (SQLite file) or
LEDGER_DATABASE_URL (PostgreSQL).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from application.ledger import Ledger
from application.reference_files import (
    load_demo_lead_units,
    load_demo_reference,
    load_mediator_file,
    load_organisation_file,
    load_region_file,
)
from domain.errors import LedgerError
from domain.reference import MAX_TOKEN_LIFETIME

console = Console()


@contextmanager
def open_ledger() -> Iterator[Ledger]:
    ledger = Ledger()
    try:
        yield ledger
    finally:
        ledger.close()


@contextmanager
def refusals() -> Iterator[None]:
    """Print the ledger's refusal as one line and exit 2, instead of a traceback; a command that
    needs the views when an event cannot be projected says which one and exits 1."""
    from projections.runner import ProjectionFailed

    try:
        yield
    except LedgerError as e:
        # One line, even if wider than the terminal; the message quotes the user's input, never markup.
        console.print(f"[red]refused:[/red] {escape(str(e))}", soft_wrap=True)
        sys.exit(2)
    except ProjectionFailed as e:
        click.echo(_failed_line(e), err=True)
        sys.exit(1)


@contextmanager
def progress_bar(label: str, unit: str = "events") -> Iterator[Any]:
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task(label, total=None, rate="")

        def update(done: int, total: int) -> None:
            elapsed = bar.tasks[0].elapsed or 0
            rate = f"{done / elapsed:,.0f} {unit}/s" if elapsed else ""
            bar.update(task, completed=done, total=total, rate=rate)

        yield update


def print_problems(problems: list[Any], limit: int = 200) -> None:
    """An import's problems, one line each (row, column, rule, its words, the value)."""
    for p in problems[:limit]:
        console.print(
            f"  row {p.row} {escape(p.column)}: {p.rule} ({escape(p.message)}) {escape(p.value)!r}", soft_wrap=True
        )
    if len(problems) > limit:
        console.print(f"  … and {len(problems) - limit} more problems")


SETTINGS_EPILOG = """\b
Settings (environment variables, read by every command and by the server):
  LEDGER_DB            the SQLite file (default ./ledger.sqlite3)
  LEDGER_DATABASE_URL  postgresql://user:password@host:5432/db, used instead
                       of LEDGER_DB; LEDGER_PG_SCHEMA names its schema
  LEDGER_TZ            the county's time zone (default Asia/Shanghai)
Every other setting and its default: the README, "Settings (environment
variables)".
"""


@click.group(epilog=SETTINGS_EPILOG)
@click.version_option(package_name="dispute-ledger", prog_name="ledger")
def main() -> None:
    """Dispute ledger (诉源治理案件台账)."""


def counted(count: int, noun: str) -> str:
    """'1 region', '3 regions': English nouns of the CLI that take a plain -s."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


@main.command()
@click.option("--reference", type=click.Choice(["demo"]), help="Also load the demo county's reference data.")
def init(reference: str | None) -> None:
    """Create the store (tables are created on first use)."""
    with open_ledger() as ledger:
        ledger.system_actor()
        if reference == "demo":
            loaded = load_demo_reference(ledger)
            console.print("demo county loaded" if loaded else "reference data already present")
        console.print(f"store ready: {ledger.settings.describe()}")


@main.command()
@click.option(
    "--years",
    default=None,
    type=click.FloatRange(min=0, min_open=True),
    help="Length of the simulated history, in years [default: from 1 January two years ago].",
)
@click.option(
    "--disputes", default=5000, show_default=True, type=click.IntRange(min=1), help="Number of dispute cases."
)
@click.option("--seed", default=0, show_default=True, help="Same seed, same histories.")
@click.option(
    "--court-scale",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Court feed volume as a share of the realistic one (0: no court feed).",
)
def demo(years: float | None, disputes: int, seed: int, court_scale: float) -> None:
    """Generate demo histories and the county court's case feed through the Application
    (loads the demo county if absent)."""
    from application.demo import generate

    with open_ledger() as ledger, progress_bar("recording") as update, refusals():
        counts = generate(ledger, years=years, disputes=disputes, seed=seed, court_scale=court_scale, progress=update)
    console.print(f"{counted(counts['events'], 'event')} recorded for {counted(disputes, 'dispute')}")
    console.print(f"{counted(counts['court_records'], 'court record')} imported from the court case feed")
    console.print(f"{counted(counts['villages_enrolled'], 'village')} enrolled as 无讼村 demonstration villages")


@main.group()
def regions() -> None:
    """Regions (行政区划) and their populations."""


@regions.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
def regions_load(file: str) -> None:
    """Load regions from CSV: code,level,name,parent_code[,population_YYYY...].

    The file may be UTF-8 (with or without a BOM) or GBK/GB18030, as Chinese Excel saves it.
    """
    with open_ledger() as ledger, refusals():
        count = load_region_file(ledger, file)
    console.print(f"{counted(count, 'region')} loaded")


# The names of the four levels of 行政区划 as county staff say them.
LEVEL_LABELS = {"county": "县", "town": "乡镇(街道)", "village": "村(社区)", "grid": "网格"}


@regions.command("list")
def regions_list() -> None:
    """One region a line: code, level with its Chinese name, name, parent, latest population and its year."""
    with open_ledger() as ledger:
        catalogue = ledger.regions()
    if not catalogue.regions:
        click.echo("no regions loaded: ledger regions load FILE.csv, or ledger init --reference demo")
        return
    table = Table("code", "level", "name", "parent", "population", box=None, pad_edge=False)
    for code in sorted(catalogue.regions):
        r = catalogue.regions[code]
        year = max(r.population) if r.population else None
        population = f"{r.population[year]} ({year})" if year else ""
        level = f"{r.level} {LEVEL_LABELS.get(r.level, '')}".strip()
        table.add_row(r.code, level, Text(r.name), r.parent_code or "", population)  # a name is not markup
    console.print(table)


@main.group()
def organisations() -> None:
    """Mediation bodies (调解组织), each in a region."""


@organisations.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
def organisations_load(file: str) -> None:
    """Load organisations from CSV: code,name,kind,region_code (regions first).

    The file may be UTF-8 (with or without a BOM) or GBK/GB18030, as Chinese Excel saves it.
    """
    with open_ledger() as ledger, refusals():
        count = load_organisation_file(ledger, file)
    console.print(f"{counted(count, 'organisation')} loaded")


@main.group()
def mediators() -> None:
    """Mediators (调解员), each in an organisation."""


@mediators.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
def mediators_load(file: str) -> None:
    """Load mediators from CSV: id,name,organisation_code,kind (organisations first).

    The file may be UTF-8 (with or without a BOM) or GBK/GB18030, as Chinese Excel saves it.
    """
    with open_ledger() as ledger, refusals():
        count = load_mediator_file(ledger, file)
    console.print(f"{counted(count, 'mediator')} loaded")


@main.group()
def court() -> None:
    """The court's own case records (一审新收案件), for 万人成讼率 and 无讼村."""


@court.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option(
    "--skip-bad", is_flag=True, help="Import the good rows and write the bad ones to a rejects file."
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False),
    help="Where --skip-bad writes the rejects (default: FILE.rejects.csv beside FILE).",
)
@click.option("--dry-run", is_flag=True, help="Check and count, write nothing.")
def court_import(file: str, skip_bad: bool, rejects: str | None, dry_run: bool) -> None:
    """Import court case records from CSV (UTF-8 or GBK) or XLSX, headers in Chinese or English.

    The file is checked whole first: any bad row refuses it (exit 2) unless --skip-bad.
    Records imported before with the same facts write nothing; changed ones become corrections.
    """
    from pathlib import Path

    from application.court_files import import_court_file, read_court_file, write_court_rejects
    from application.table_files import rejects_path

    with open_ledger() as ledger, refusals():
        court_file = read_court_file(Path(file).read_bytes(), file)
        report = import_court_file(
            ledger, ledger.system_actor(), court_file, skip_bad=skip_bad, dry_run=dry_run
        )
    print_problems(report.problems)
    console.print(
        f"{counted(report.records, 'record')}: {report.filed} filed, {report.corrected} corrected, "
        f"{report.concluded} concluded, {report.unchanged} unchanged, {report.rejected} rejected"
        + (" (dry run: nothing written)" if dry_run else ""),
        soft_wrap=True,
    )
    if report.refused:
        console.print(
            f"[red]refused:[/red] {counted(report.rejected, 'bad row')}; nothing imported (--skip-bad imports the good rows)",
            soft_wrap=True,
        )
        sys.exit(2)
    if report.problems and not dry_run:
        target = Path(rejects) if rejects else rejects_path(file)
        write_court_rejects(target, court_file, report.problems)
        console.print(f"rejects written to {escape(str(target))}", soft_wrap=True)


@main.group()
def actors() -> None:
    """Who may act through the API."""


class Lifetime(click.ParamType):
    """How long a token lives: a whole number of days or hours, 90d or 12h."""

    name = "lifetime"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> timedelta:
        if isinstance(value, timedelta):
            return value
        found = re.fullmatch(r"(\d{1,7})([dh])", str(value).strip().lower())
        if not found:
            self.fail(f"{value!r} is not a whole number of days or hours, like 90d or 12h", param, ctx)
        count, unit = int(found[1]), found[2]
        lifetime = timedelta(days=count) if unit == "d" else timedelta(hours=count)
        if count == 0:
            self.fail("a token must live at least 1h", param, ctx)
        if lifetime > MAX_TOKEN_LIFETIME:
            self.fail(f"{value} is longer than the longest lifetime, {MAX_TOKEN_LIFETIME.days}d", param, ctx)
        return lifetime


EXPIRES = click.option(
    "--expires",
    type=Lifetime(),
    default=None,
    help="The token stops working after this long: 90d, 12h. Default: never.",
)


def _when(instant: datetime | None) -> str:
    """An expiry on the county's clock, naming the zone."""
    from application.config import county_tz
    from application.readable import local_time, zone_name

    if instant is None:
        return "never"
    tz = county_tz()
    return f"{local_time(instant, tz)} {zone_name(tz)}"


@actors.command("add")
@click.argument("name")
@click.option("--role", required=True, help="recorder, mediator, judge, supervisor, auditor, reader or admin")
@click.option("--region", default=None, help="Region scope; without it the actor's scope is everything.")
@click.option("--organisation", default=None, help="A mediator's organisation code.")
@EXPIRES
def actors_add(
    name: str, role: str, region: str | None, organisation: str | None, expires: timedelta | None
) -> None:
    """Register an actor; prints its bearer token alone on the last line (only its hash is stored)."""
    with open_ledger() as ledger, refusals():
        actor, token = ledger.add_actor(
            name, role, region_code=region, organisation_code=organisation, expires_in=expires
        )
    scope = actor.region_code or "all"
    click.echo(f"actor {actor.name}: role {actor.role}, region {scope}, expires {_when(actor.expires_at)}")
    click.echo(token)


@actors.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per actor, with exact instants.")
def actors_list(as_json: bool) -> None:
    """Every actor: role, scope, and its token: active, revoked, expired (or none: the system actor)."""
    import json

    from application.config import county_tz

    with open_ledger() as ledger:
        listed = ledger.list_actors()
    if as_json:
        for a in listed:
            row = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(a).items()}
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    # Fits 80 columns with the demo's longest names (mediator-ORG621199001001): the scope is a
    # mediator's organisation, else the region; the expiry as a date. --json has every instant
    # (created, rotated, revoked, expires).
    table = Table("name", "role", "scope", "token", "expires", box=None, pad_edge=False)
    table.columns[0].overflow = "fold"
    for a in listed:
        expires = a.expires_at.astimezone(county_tz()).strftime("%Y-%m-%d") if a.expires_at else "-"
        table.add_row(a.name, a.role, a.organisation_code or a.region_code or "all", a.token, expires)
    console.print(table)


@actors.command("revoke")
@click.argument("name")
def actors_revoke(name: str) -> None:
    """Stop NAME's token working; NAME has no valid token until it is rotated."""
    with open_ledger() as ledger, refusals():
        ledger.revoke(name)
    click.echo(f"the token of {name} is revoked (servers may accept it for LEDGER_AUTH_CACHE_SECONDS more)")


@actors.command("rotate")
@click.argument("name")
@EXPIRES
def actors_rotate(name: str, expires: timedelta | None) -> None:
    """Give NAME a new token, printed alone on the last line; the old one stops working."""
    with open_ledger() as ledger, refusals():
        actor, token = ledger.rotate(name, expires_in=expires)
    click.echo(f"actor {actor.name}: new token, expires {_when(actor.expires_at)}; the old one is revoked")
    click.echo(token)


@actors.command("login-link")
@click.argument("name")
@click.option(
    "--minutes", type=click.FloatRange(min=0, min_open=True, max=24 * 60), default=None,
    help="How long the link stays usable. Default: LEDGER_UI_LINK_MINUTES, else 15.",
)
@click.option(
    "--base-url", envvar="LEDGER_UI_BASE_URL", default="http://127.0.0.1:8000", show_default=True,
    help="Where people reach the server (env LEDGER_UI_BASE_URL).",
)
def actors_login_link(name: str, minutes: float | None, base_url: str) -> None:
    """Print a one-time link signing NAME in to the pages, alone on the last line: usable once,
    until it expires; the session it opens ends when NAME's token is revoked or rotated."""
    from application import sign_in_links

    with open_ledger() as ledger, refusals():
        ledger.system_actor()
        link, nonce = sign_in_links.issue(ledger, name, lifetime=sign_in_links.link_lifetime(minutes))
    click.echo(f"one-time sign-in link for {name}, usable once until {_when(link.expires_at)}:")
    click.echo(f"{base_url.rstrip('/')}/ui/login/{nonce}")


@main.command()
@click.option("--follow", is_flag=True, help="Keep following new events until interrupted.")
@click.option("--rebuild", is_flag=True, help="Drop every view and rebuild it from the event store.")
@click.option(
    "--status", "show_status", is_flag=True,
    help="Show how far each view is behind the store and whether an event fails to project; exit 1 if not healthy.",
)
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1, 100_000))
def project(follow: bool, rebuild: bool, show_status: bool, batch_size: int) -> None:
    """Bring the views (case state, deadlines, indicators) up to date with the event store.

    An event that fails to project stops the views just before it: without --follow this ends
    with one line naming it (exit 1); --follow keeps running and retries it with a back-off.
    """
    import logging
    import signal
    import threading

    from projections.runner import ProjectionFailed, ViewRunner

    # This command reports a failing event itself, in one line; not a second time from the log.
    logging.getLogger("ledger.projections").addHandler(logging.NullHandler())

    with open_ledger() as ledger:
        runner = ViewRunner(ledger, batch_size=batch_size)
        try:
            if show_status:
                healthy = _project_status(runner)
                if not healthy:
                    sys.exit(1)
                return
            try:
                with progress_bar("rebuilding" if rebuild else "projecting") as update:
                    done = runner.rebuild(progress=update) if rebuild else runner.catch_up(progress=update)
                console.print(f"{done} events projected; views at {runner.position()}")
            except ProjectionFailed as e:
                click.echo(_failed_line(e), err=True)  # one line, never wrapped to the terminal
                if not follow:
                    sys.exit(1)
            if follow:
                from application.sealing import start_sealing

                stop = threading.Event()

                def request_stop(*_: Any) -> None:
                    # Set from another thread: a handler runs in the main thread, which may hold the
                    # event's own lock inside stop.wait(); setting it here could deadlock for good.
                    threading.Thread(target=stop.set, daemon=True).start()

                signal.signal(signal.SIGTERM, request_stop)
                signal.signal(signal.SIGINT, request_stop)
                start_sealing(ledger, stop)
                _start_warnings(ledger, stop)
                console.print("following; Ctrl-C to stop")

                def report(error: BaseException) -> None:
                    line = _failed_line(error) if isinstance(error, ProjectionFailed) else f"store: {error}"
                    click.echo(f"{line}; retrying in {runner.retry_in():.0f} s", err=True)

                runner.follow(stop, report=report)
        finally:
            runner.close()


def _start_warnings(ledger: Ledger, stop: Any, before: Any = None) -> None:
    """The warning process beside the views (projections/warning_process.py); LEDGER_WARNINGS=0 leaves it out."""
    from application.warning_settings import warnings_enabled
    from projections.warning_process import start_warnings

    if warnings_enabled():
        start_warnings(ledger, stop, before=before)


def _failed_line(e: Any) -> str:
    f = e.failure
    return (
        f"projection failed at position {f.position} (case {f.case_id}, version {f.version}): "
        f"{f.error}: {f.message}; views at {e.position}"
    )


def _project_status(runner: Any) -> bool:
    """Print the views' position, the failing event if any, and the health verdict; True if ok."""
    from application.ledger import utc_now
    from projections.health import judge, stall_seconds
    from projections.schema import TABLES

    lag = runner.lag()
    for table in TABLES:
        if table != "v_meta":
            click.echo(f"{table}\tposition {lag.position}\thead {lag.head}\tbehind {lag.behind}")
    failure = runner.failure()
    progress = runner.views.progress()
    verdict = judge(behind=lag.behind, failure=failure, progress=progress, now=utc_now(), stall=stall_seconds())
    if failure is not None:
        click.echo(
            f"failed\tposition {failure.position}\tcase {failure.case_id}\tversion {failure.version}\t"
            f"{failure.topic}\t{failure.error}: {failure.message}\t"
            f"first seen {failure.first_seen.isoformat()}\tlast seen {failure.last_seen.isoformat()}\t"
            f"attempts {failure.attempts}"
        )
    last = progress.last.isoformat() if progress.last else "never"
    stalled = f"\tstalled for {verdict.stalled_for:.0f} s" if verdict.stalled_for is not None else ""
    click.echo(f"health\t{verdict.status}\tlast progress {last}{stalled}")
    return verdict.status == "ok"


_WITNESS_HELP = (
    "A file outside the store with one JSON line per seal (default: LEDGER_SEAL_WITNESS; unset = no witness)."
)


@main.command()
@click.option("--witness", envvar="LEDGER_SEAL_WITNESS", default=None, help=_WITNESS_HELP)
def verify(witness: str | None) -> None:
    """Check every row of the store: stream hash chains, the seal chain, the latest seal's heads,
    rows outside the notification sequence, actors and tokens; with a witness, that every
    witnessed seal is in the store unchanged. Exit 1 if anything is broken."""
    from application.integrity import verify as verify_store

    with open_ledger() as ledger, progress_bar("verifying") as update:
        report = verify_store(ledger, progress=update, witness=witness or None)
    if report.intact:
        console.print(f"[green]{report.summary()}[/green]")
        for item in report.legacy[:20]:
            console.print(f"  legacy {item['kind']} {item['stream_id']}: {item['events']} events written before chaining")
        return
    console.print(f"[red]{report.summary()}[/red]")
    for b in report.broken[:20]:
        console.print(f"  {b['stream']} {b['case_id']} sequence {b['sequence']} position {b['position']}: {b['problem']}")
    sys.exit(1)


@main.command()
@click.option("--witness", envvar="LEDGER_SEAL_WITNESS", default=None, help=_WITNESS_HELP)
def seal(witness: str | None) -> None:
    """Append a seal: a Merkle root over every stream head, chained to the previous seal, and
    (with a witness) the same seal as one JSON line in the witness file."""
    from application.integrity import BrokenStore, SealRace
    from application.integrity import seal as seal_store

    with open_ledger() as ledger, progress_bar("sealing") as update:
        try:
            sealed, report = seal_store(ledger, ledger.system_actor(), progress=update, witness=witness or None)
        except (BrokenStore, SealRace) as e:
            console.print(f"[red]refused: {e}[/red]")
            sys.exit(1)
    console.print(f"sealed {report.cases} cases, {report.events} events at position {sealed.position}: root {sealed.root}")
    if witness:
        console.print(f"witnessed in {witness}")


@main.command()
@click.argument("case_id")
@click.option("--format", "fmt", type=click.Choice(["md", "json", "pdf"]), default="md", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), help="Write the review here (required for pdf).")
@click.option("--bundle", type=click.Path(file_okay=False), help="Also write an evidence bundle with a standalone verifier.")
@click.option("--purpose", help="Why the parties' personal data is read; kept in the case's access log.")
def review(case_id: str, fmt: str, output: str | None, bundle: str | None, purpose: str | None) -> None:
    """Accountability review (责任倒查) of one case: timeline, deadlines, supervision, risk, related cases."""
    import json
    from pathlib import Path

    from application.access_log import Read, log_reads
    from application.bundle.writer import write_bundle
    from application.config import county_tz
    from application.ledger import utc_now
    from application.review import build_review
    from application.review_markdown import review_pdf, to_markdown
    from projections.access import reads_of_case
    from projections.cases import related_cases
    from projections.runner import ViewRunner

    if fmt == "pdf" and not output:
        raise click.UsageError("--format pdf needs --output FILE")
    with open_ledger() as ledger, refusals():
        case = ledger.get_case(case_id)
        runner = ViewRunner(ledger)
        runner.catch_up()
        with runner.views.cursor() as cur:
            related = related_cases(cur, str(case.id))
            _, reads = reads_of_case(cur, str(case.id))
        runner.close()
        result = build_review(ledger, str(case.id), now=utc_now(), related=related, reads=reads)
        regions = ledger.regions()
        log_reads(ledger, ledger.system_actor(), [Read(str(case.id), False)],
                  endpoint="cli ledger review" + (" --bundle" if bundle else ""), purpose=purpose)
        if bundle:
            for path in write_bundle(ledger, result, Path(bundle)):
                console.print(f"wrote {path}", style="dim")
    if fmt == "pdf":
        from application.pdf_document import NoCjkFont

        try:
            Path(str(output)).write_bytes(review_pdf(result, county_tz(), regions))
        except NoCjkFont as e:
            click.echo(f"refused: {e}", err=True)
            sys.exit(2)
        console.print(f"wrote {output}", style="dim")
        return
    text = json.dumps(result, ensure_ascii=False, indent=1, default=str) if fmt == "json" else to_markdown(result, county_tz(), regions)
    if output:
        Path(output).write_text(text + ("\n" if fmt == "json" else ""), encoding="utf-8")
    else:
        click.echo(text)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="Demo county; on first start 2000 demo disputes and the court feed; a token per role.")
@click.option("--demo-disputes", default=2000, show_default=True, type=click.IntRange(0, 1_000_000), help="How many disputes --demo generates on first start.")
@click.option(
    "--demo-court-scale",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Court feed volume --demo generates, as a share of the realistic one.",
)
def serve(host: str, port: int, demo: bool, demo_disputes: int, demo_court_scale: float) -> None:
    """Serve the HTTP API at /api/v1 with the embedded threaded server.

    For production run several workers instead: gunicorn 'web:create_app()' -w 4
    (on PostgreSQL beside `ledger project --follow`, which keeps the views up to date).
    """
    from werkzeug.serving import run_simple

    from web import create_app

    if demo:
        from application.demo import demo_tokens, generate
        from projections.runner import ViewRunner
        from web.serve import has_cases

        with open_ledger() as ledger, refusals():
            load_demo_reference(ledger)
            load_demo_lead_units(ledger)
            if not has_cases(ledger):
                with progress_bar("demo histories") as update:
                    generate(ledger, disputes=demo_disputes, court_scale=demo_court_scale, progress=update)
            runner = ViewRunner(ledger)
            with progress_bar("projecting") as update:
                runner.catch_up(progress=update)
            runner.close()
            tokens = demo_tokens(ledger)
            supervisor = next((name for role, name, _ in tokens if role == "supervisor"), None)
            link = None
            if supervisor is not None:
                from application import sign_in_links

                _, link = sign_in_links.issue(ledger, supervisor, lifetime=sign_in_links.link_lifetime())
        names = ", ".join(name for _, name, _ in tokens)
        click.echo(f"demo actors {names}; their tokens are shown only now (earlier ones are revoked):")
        for role, _, token in tokens:
            click.echo(f"{role}: {token}")
        if link is not None:
            click.echo(f"sign in to the pages as {supervisor} once, without a token: http://{host}:{port}/ui/login/{link}")
    import threading

    from application.sealing import start_sealing

    app = create_app()
    start_sealing(app.extensions["ledger"], threading.Event())
    views = app.extensions["ledger_views"]
    _start_warnings(app.extensions["ledger"], threading.Event(), views.catch_up if app.config["INLINE_PROJECTION"] else None)
    click.echo(f"serving http://{host}:{port}/api/v1  (OpenAPI: http://{host}:{port}/api/v1/openapi.json)")
    click.echo(f"pages (sign in with a token above): http://{host}:{port}/ui/")
    click.echo(f"API docs (Swagger UI): http://{host}:{port}/api/v1/docs")
    run_simple(host, port, app, threaded=True)


def _register() -> None:
    from cli.cases import case

    main.add_command(case)


_register()
from cli import alerts as _alerts  # noqa: E402,F401  (registers lead-units and warnings)

# Registered last: the instruments module uses this module's helpers.
from cli.instruments import register as _register_instruments  # noqa: E402

_register_instruments(main)
from cli.suggestions import register as _register_suggestions  # noqa: E402

_register_suggestions(main)

from cli.batches import register as _register_batches  # noqa: E402

_register_batches(main)

from cli.transfers import register as _register_transfers  # noqa: E402

_register_transfers(main)
