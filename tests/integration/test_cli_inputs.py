"""What a new user feeds the CLI: region files as Chinese Excel saves them, bad counts, --version
and --help, and the region list they read back. Through click's runner, configured as a user
would (LEDGER_DB, or LEDGER_DATABASE_URL with LEDGER_PG_SCHEMA)."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from rich.cells import cell_len
from rich.console import Console

import cli.main
from application.config import StoreSettings
from application.ledger import Ledger
from application.reference_files import demo_text
from cli.main import main
from tests.support import use_store

DEMO_REGIONS = demo_text("regions.csv")


def sqlite_store(path: Path) -> StoreSettings:
    return StoreSettings(sqlite_path=str(path), url=None, schema="public")


def ledger_cli(*args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == code, (result.output, result.exception)
    # A refusal or usage error ends in SystemExit; any other exception is a traceback for the user.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def loaded_regions(store: StoreSettings) -> dict[str, tuple[str, str, str | None, dict[int, int]]]:
    ledger = Ledger(settings=store)
    try:
        regions = ledger.regions().regions
        return {c: (r.level, r.name, r.parent_code, dict(r.population)) for c, r in regions.items()}
    finally:
        ledger.close()


def case_events_in(store: StoreSettings) -> int:
    ledger = Ledger(settings=store)
    try:
        stored = ledger.recorder.select_notifications(start=None, limit=10_000)
        return sum(1 for n in stored if n.topic.startswith("domain.case:Case."))
    finally:
        ledger.close()


REFERENCE_FILES = (
    ("regions", "regions.csv"),
    ("organisations", "organisations.csv"),
    ("mediators", "mediators.csv"),
)


def load_reference(folder: Path, encoding: str) -> list[str]:
    """`ledger regions|organisations|mediators load` of the demo county's files in ``encoding``."""
    said = []
    for group, name in REFERENCE_FILES:
        source = folder / f"{encoding}-{name}"
        source.write_bytes(demo_text(name).encode(encoding))
        said.append(ledger_cli(group, "load", str(source)).output.strip())
    return said


def loaded_reference(store: StoreSettings) -> tuple[Any, ...]:
    ledger = Ledger(settings=store)
    try:
        directory = ledger.directory()
        return dict(directory.organisations), dict(directory.mediators)
    finally:
        ledger.close()


@pytest.fixture(scope="module")
def utf8_load(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], dict[str, Any], tuple[Any, ...]]:
    """The demo county as the loaders read it from plain UTF-8 files: what they said, and what they loaded."""
    folder = tmp_path_factory.mktemp("utf8")
    store = sqlite_store(folder / "ledger.sqlite3")
    with pytest.MonkeyPatch.context() as mp:
        use_store(mp, store)
        said = load_reference(folder, "utf-8")
    return said, loaded_regions(store), loaded_reference(store)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "gb18030"])
def test_files_saved_by_chinese_excel_load_as_their_utf8_twins(
    encoding: str,
    utf8_load: tuple[list[str], dict[str, Any], tuple[Any, ...]],
    store: StoreSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert DEMO_REGIONS.encode(encoding) != DEMO_REGIONS.encode("utf-8")
    use_store(monkeypatch, store)

    said = load_reference(tmp_path, encoding)

    utf8_said, utf8_regions, utf8_directory = utf8_load
    assert said == utf8_said
    assert said[0] == f"{len(utf8_regions)} regions loaded"
    assert loaded_regions(store) == utf8_regions
    assert loaded_reference(store) == utf8_directory
    assert utf8_regions["621199"][1] == "青山县"
    assert utf8_regions["621199001001"][3] == {2024: 9791, 2025: 9986, 2026: 10080}
    organisations, mediators = utf8_directory
    assert organisations["ORGC-COUNTY"].name == "青山县人民调解委员会"
    assert mediators["M0001"].name == "安彩霞"


@pytest.mark.parametrize(
    ("group", "latin1"),
    [
        ("regions", "code,level,name,parent_code\n621199,county,Café Müller,\n"),
        ("organisations", "code,name,kind,region_code\nORG1,Café Müller,county_committee,621199\n"),
        ("mediators", "id,name,organisation_code,kind\nM1,José Müller,ORGC-COUNTY,peoples_mediator\n"),
    ],
)
def test_a_latin1_file_is_refused_in_one_line_and_writes_nothing(
    group: str, latin1: str, store: StoreSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a Western spreadsheet saves: é is a Latin-1 byte that is neither UTF-8 nor GB18030
    # where a comma follows it.
    source = tmp_path / f"{group}.csv"
    source.write_bytes(latin1.encode("latin-1"))
    use_store(monkeypatch, store)

    result = ledger_cli(group, "load", str(source), code=2)

    offset = source.read_bytes().index(b"\xe9")
    assert result.output == (
        f"refused: file: is neither UTF-8 nor GBK/GB18030 text (byte 0xe9 on line 2, at offset {offset}); "
        "save it as CSV UTF-8\n"
    )
    assert loaded_regions(store) == {}
    assert loaded_reference(store) == ({}, {})


def test_a_refusal_quotes_the_file_as_written_not_as_terminal_markup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "organisations.csv"
    source.write_text("code,name,kind,region_code\nORG1,调委会,town_committee,[/red]\n", encoding="utf-8")
    use_store(monkeypatch, sqlite_store(tmp_path / "ledger.sqlite3"))

    result = ledger_cli("organisations", "load", str(source), code=2)

    assert result.output == "refused: row 1.region_code: unknown region [/red]\n"


def test_a_utf8_file_with_control_characters_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "regions.csv"
    source.write_bytes(b"code,level,name,parent_code\n621199,county,\x00\x01,\n")
    use_store(monkeypatch, sqlite_store(tmp_path / "ledger.sqlite3"))

    result = ledger_cli("regions", "load", str(source), code=2)

    assert result.output.strip() == "refused: file: holds the control character '\\x00' on line 2, column 15"


def test_a_field_too_long_for_a_csv_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "regions.csv"
    source.write_text(
        'code,level,name,parent_code\n621199,county,"' + "县" * 200_000 + '",\n', encoding="utf-8"
    )
    use_store(monkeypatch, sqlite_store(tmp_path / "ledger.sqlite3"))

    result = ledger_cli("regions", "load", str(source), code=2)

    assert result.output.startswith(
        "refused: file: is not a CSV that can be read: field larger than field limit"
    )


def test_an_empty_region_list_says_how_to_fill_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_store(monkeypatch, sqlite_store(tmp_path / "ledger.sqlite3"))

    result = ledger_cli("regions", "list")

    assert (
        result.output == "no regions loaded: ledger regions load FILE.csv, or ledger init --reference demo\n"
    )


def test_counts_of_loaded_regions_are_pluralised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_store(monkeypatch, sqlite_store(tmp_path / "ledger.sqlite3"))
    lines = DEMO_REGIONS.splitlines()
    one, three = tmp_path / "one.csv", tmp_path / "three.csv"
    one.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
    three.write_text("\n".join(lines[:4]) + "\n", encoding="utf-8")

    assert ledger_cli("regions", "load", str(one)).output == "1 region loaded\n"
    assert ledger_cli("regions", "load", str(three)).output == "3 regions loaded\n"


def test_regions_list_has_a_header_and_chinese_level_names_within_80_columns(
    store: StoreSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_store(monkeypatch, store)
    monkeypatch.setattr(cli.main, "console", Console(width=80))
    ledger_cli("init", "--reference", "demo")

    lines = ledger_cli("regions", "list").output.splitlines()

    assert lines[0].split() == ["code", "level", "name", "parent", "population"]
    regions = loaded_regions(store)
    assert len(lines) == 1 + len(regions)
    chinese = {"county": "县", "town": "乡镇(街道)", "village": "村(社区)", "grid": "网格"}
    assert {level for level, *_ in regions.values()} == set(chinese)
    for line in lines[1:]:
        code, level, label, name, *rest = line.split()
        assert (level, name) == regions[code][:2]
        assert label == chinese[level]
        population = regions[code][3]
        if population:
            latest = max(population)
            assert rest[-2:] == [str(population[latest]), f"({latest})"]
        assert cell_len(line) <= 80, line


def test_version_is_the_installed_package_version() -> None:
    result = ledger_cli("--version")
    assert result.output == f"ledger, version {version('dispute-ledger')}\n"


def test_help_names_the_settings_and_where_the_rest_are() -> None:
    result = ledger_cli("--help")
    epilog = result.output.split("Settings (environment variables", 1)[1]
    for setting in ("LEDGER_DB", "LEDGER_DATABASE_URL", "LEDGER_PG_SCHEMA", "LEDGER_TZ", "README"):
        assert setting in epilog


@pytest.mark.parametrize(
    ("option", "value", "rule"),
    [
        ("--disputes", "-5", "-5 is not in the range x>=1"),
        ("--disputes", "0", "0 is not in the range x>=1"),
        ("--years", "0", "0.0 is not in the range x>0"),
        ("--years", "-1.5", "-1.5 is not in the range x>0"),
    ],
)
def test_demo_refuses_counts_that_are_not_positive(
    option: str, value: str, rule: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = sqlite_store(tmp_path / "ledger.sqlite3")
    use_store(monkeypatch, store)

    result = ledger_cli("demo", option, value, code=2)

    assert f"Invalid value for '{option}': {rule}" in result.output
    assert not Path(store.sqlite_path).exists()


def test_demo_of_one_dispute_says_so_in_the_singular(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = sqlite_store(tmp_path / "ledger.sqlite3")
    use_store(monkeypatch, store)

    result = ledger_cli("demo", "--disputes", "1", "--years", "0.5", "--court-scale", "0")

    events = case_events_in(store)
    assert result.output.splitlines()[-3:] == [
        f"{events} event{'s' if events != 1 else ''} recorded for 1 dispute",
        "0 court records imported from the court case feed",
        "4 villages enrolled as 无讼村 demonstration villages",
    ]


@pytest.mark.parametrize(
    ("args", "option", "rule"),
    [
        (["serve", "--demo", "--demo-disputes", "-5"], "--demo-disputes", "-5 is not in the range 0<=x<=1000000"),
        (["project", "--batch-size", "0"], "--batch-size", "0 is not in the range 1<=x<=100000"),
        (["project", "--batch-size", "-1"], "--batch-size", "-1 is not in the range 1<=x<=100000"),
    ],
)
def test_serve_and_project_refuse_counts_out_of_range(
    args: list[str], option: str, rule: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = sqlite_store(tmp_path / "ledger.sqlite3")
    use_store(monkeypatch, store)

    result = ledger_cli(*args, code=2)

    assert f"Invalid value for '{option}': {rule}" in result.output
    assert not Path(store.sqlite_path).exists()
