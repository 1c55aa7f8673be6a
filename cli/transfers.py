"""``ledger import ledger`` and ``ledger export …``: a county's Excel ledgers in, tables out."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.markup import escape

from cli.main import console, counted, open_ledger, print_problems, progress_bar, refusals

_FORMAT = click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True)
_OUTPUT = click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True, help="The file to write.")


@click.group("import")
def import_group() -> None:
    """Bring old records in."""


@import_group.command("ledger")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--sheet", default=None, help="The workbook's sheet (default: the first).")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False), help="A TOML file of headers and values, added to the default.")
@click.option("--region", default=None, help="The county, town or village the ledger belongs to (village names are looked up inside it).")
@click.option("--dry-run", is_flag=True, help="Check the whole file and report; write nothing.")
@click.option("--skip-bad", "rejects", default=None, type=click.Path(dir_okay=False), help="Import the good rows and write the bad ones to REJECTS (CSV).")
def import_ledger(file: str, sheet: str | None, mapping: str | None, region: str | None, dry_run: bool, rejects: str | None) -> None:
    """Import a county's 矛盾纠纷排查化解台账 (XLSX, or CSV in UTF-8 or GBK) as case histories.

    Every row is checked first; a bad row refuses the whole file (exit 2) unless --skip-bad.
    Rows imported before write nothing. Each event notes the file's SHA-256 and its row.
    """
    from application.ledger_import import import_ledger_file
    from application.ledger_mapping import load_mapping
    from application.table_files import write_rejects

    with open_ledger() as ledger, refusals(), progress_bar("rows", "rows") as update:
        report = import_ledger_file(
            ledger, ledger.system_actor(), Path(file).read_bytes(), Path(file).name, sheet=sheet,
            mapping=load_mapping(mapping), region=region, dry_run=dry_run, skip_bad=rejects is not None,
            progress=lambda done, total: update(done, total or done),
        )  # fmt: skip
    console.print(f"header on row {report.header_row}; columns: " + ", ".join(f"{h}→{f}" for f, h in report.columns.items()), soft_wrap=True)
    print_problems(report.problems)
    for u in report.as_dict()["unmapped"]:
        console.print(f"  not mapped: {escape(u['column'])} {escape(u['value'])!r} ({counted(u['rows'], 'row')})", soft_wrap=True)
    for d in report.duplicates[:50]:
        console.print(f"  row {d['row']}: duplicate ({d['rule']}) of case {d['case_id']}")
    console.print(
        f"{counted(report.rows, 'row')}: {report.ok} ok, {len(report.bad_rows)} bad, {report.already_imported} imported before, "
        f"{len(report.duplicates)} duplicates; {counted(report.written, 'case')} written ({report.events} events)"
        + (" (dry run: nothing written)" if dry_run else ""),
        soft_wrap=True,
    )
    if report.refused and not dry_run:
        console.print(f"[red]refused:[/red] {counted(len(report.bad_rows), 'bad row')}; nothing imported (--skip-bad REJECTS imports the good rows)", soft_wrap=True)
        sys.exit(2)
    if rejects and report.problems and not dry_run:
        write_rejects(rejects, report.header, report.rejected_cells, report.problems)
        console.print(f"rejects written to {escape(rejects)}", soft_wrap=True)


@click.group("export")
def export_group() -> None:
    """Tables out: the 台账 of cases and the indicator table, as XLSX or CSV."""


@export_group.command("cases")
@click.option("--region", required=True, help="County, town or village code.")
@click.option("--period", default=None, help="Cases reported in this period (2026, 2026-Q1, 2026-03, 2026-01..2026-08).")
@_FORMAT
@_OUTPUT
def export_cases(region: str, period: str | None, fmt: str, output: str) -> None:
    """The cases of a region in the 台账 layout: Chinese headers, one row per case, county time."""
    from application.config import county_tz
    from application.ledger_export import case_records
    from projections.periods import Period
    from web.exports.files import cases_file

    with open_ledger() as ledger, refusals():
        ledger.region_path("region", region, levels=("county", "town", "village", "grid"))
        since, until = Period.parse(period).bounds(county_tz()) if period else (None, None)
        records = case_records(ledger, region, since, until)
        Path(output).write_bytes(cases_file(records, fmt))
    console.print(f"{counted(len(records), 'case')} written to {escape(output)}", soft_wrap=True)


@export_group.command("indicators")
@click.option("--region", required=True, help="County or town code.")
@click.option("--period", required=True, help="2026, 2026-H1, 2026-Q1, 2026-03 or 2026-01..2026-08.")
@click.option("--level", default="town", show_default=True, type=click.Choice(["county", "town", "village"]))
@_FORMAT
@_OUTPUT
def export_indicators(region: str, period: str, level: str, fmt: str, output: str) -> None:
    """The indicator table: one row per region of LEVEL inside REGION (XLSX: with a totals row)."""
    from application.config import county_tz
    from projections.runner import ViewRunner
    from web.exports.files import indicators_file

    with open_ledger() as ledger, refusals():
        ledger.region_path("region", region, levels=("county", "town", "village"))
        runner = ViewRunner(ledger)
        try:
            runner.catch_up()
            with runner.views.cursor() as cur:
                data = indicators_file(cur, fmt, region=region, period=period, level=level, now=ledger.clock(), tz=county_tz())
        finally:
            runner.close()
        Path(output).write_bytes(data)
    console.print(f"indicators of {escape(region)} for {escape(period)} written to {escape(output)}", soft_wrap=True)


def register(main: click.Group) -> None:
    main.add_command(import_group)
    main.add_command(export_group)
