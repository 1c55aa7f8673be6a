"""`ledger case show|history` for a person at an 80-column terminal: Chinese labels, county
time, parties masked unless a purpose is declared, and only such reads logged."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner

from application.access_log import case_log
from cli.main import main
from tests.support import World, use_store


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), env={"COLUMNS": "80"}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _case(world: World) -> str:
    case = world.report()
    world.clock.advance(days=4)
    world.do(case.id, "assign", "recorder", route="peoples_mediation", organisation_code="ORG621199001001")
    return str(case.id)


def test_case_show_reads_in_chinese_fits_80_columns_and_masks(world: World, monkeypatch: Any) -> None:
    use_store(monkeypatch, world.ledger.settings)
    case_id = _case(world)
    out = _run("case", "show", case_id)
    assert "已交办 (assigned)" in out and "相邻关系 (neighbour)" in out and "网格排查 (grid_patrol)" in out
    assert "2026-03-02 09:00" in out  # T0, 01:00 UTC, on the county's clock
    assert "+00:00" not in out and "T01:00" not in out
    assert "张**" in out and "张建国" not in out and "13812341234" not in out
    assert "分流交办" in out and "逾期完成" in out  # triage met a day late
    assert max(len(line) for line in out.splitlines()) <= 80, out
    assert case_log(world.ledger, case_id) == []  # nothing unmasked was shown: nothing logged

    out = _run("case", "show", case_id, "--purpose", "复核当事人身份")
    assert "张建国" in out and "11010519491231002X" in out
    (read,) = case_log(world.ledger, case_id)
    assert (read["endpoint"], read["purpose"]) == ("cli ledger case show", "复核当事人身份")

    wide = _run("case", "show", case_id, "--wide")
    assert "哈希" in wide


def test_case_history_logs_only_when_it_shows_personal_data(world: World, monkeypatch: Any) -> None:
    use_store(monkeypatch, world.ledger.settings)
    case_id = _case(world)
    out = _run("case", "history", case_id)
    assert "登记" in out and "分流交办" in out and "补录" not in out.splitlines()[1]
    assert max(len(line) for line in out.splitlines()) <= 80, out
    assert case_log(world.ledger, case_id) == []

    masked = json.loads(_run("case", "history", case_id, "--json"))
    assert masked["events"][0]["payload"]["parties"][0]["name"] == "张**"
    assert case_log(world.ledger, case_id) == []

    shown = json.loads(_run("case", "history", case_id, "--json", "--purpose", "复查"))
    assert shown["events"][0]["payload"]["parties"][0]["name"] == "张建国"
    assert [r["purpose"] for r in case_log(world.ledger, case_id)] == ["复查"]


def test_case_history_json_is_the_apis_history(world: World, monkeypatch: Any) -> None:
    from tests.web.helpers import Http
    from web import close_app, create_app

    use_store(monkeypatch, world.ledger.settings)
    case_id = _case(world)
    world.clock.advance(days=3)
    cli = json.loads(_run("case", "history", case_id, "--json", "--purpose", "复查"))
    app = create_app({"TESTING": True, "STORE_SETTINGS": world.ledger.settings, "CLOCK": world.clock, "INLINE_PROJECTION": True})
    try:
        api = Http(app.test_client(), world).get(f"/disputes/{case_id}/history", "auditor", X_Access_Purpose="%E5%A4%8D%E6%9F%A5").json
    finally:
        close_app(app)
    assert cli == api
    assert set(cli["events"][0]) >= {"seq", "type", "command", "label", "occurred_at", "recorded_at", "late", "hash"}
