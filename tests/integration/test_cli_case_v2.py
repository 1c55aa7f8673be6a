"""`ledger case request-confirmation|extend-confirmation|entrust-mediation|add-joint-body`: the
commands of the case model's version 2 from a terminal; a refusal exits 2 and writes nothing."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner

from cli.main import main
from tests.support import COURT, TOWN_COMMITTEE, VILLAGE_COMMITTEE, World, use_store


def _run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["case", *args], env={"COLUMNS": "200"}, catch_exceptions=False)
    assert result.exit_code == code, result.output
    # The console may wrap at 80 columns whatever COLUMNS says (it is made once per process).
    return " ".join(result.output.split())


def test_a_joint_application_and_its_one_extension_from_the_terminal(world: World, monkeypatch: Any) -> None:
    use_store(monkeypatch, world.ledger.settings)
    case = world.report()
    for command, actor, args in [
        ("assign", "recorder", {"route": "peoples_mediation", "organisation_code": VILLAGE_COMMITTEE}),
        ("add_joint_body", "recorder", {"organisation_code": TOWN_COMMITTEE}),
        ("accept", "town-mediator", {}),
        ("record_agreement", "mediator", {"terms": "共同疏通排水沟"}),
    ]:
        world.clock.advance(hours=2)
        world.do(case.id, command, actor, **args)
    case_id = str(case.id)
    before = world.event_count()
    out = _run("request-confirmation", case_id, "--court", COURT, "--applicant", "张建国", "--as", "mediator", code=2)
    assert "refused" in out and "jointly" in out and world.event_count() == before
    out = _run("request-confirmation", case_id, "--court", COURT, "--applicant", "张建国", "--applicant", "李秀英", "--as", "mediator")
    assert "司法确认中 (confirmation_pending)" in out
    assert _run("extend-confirmation", case_id, "--reason", "经院长批准", "--as", "judge").startswith("extend-confirmation")
    before = world.event_count()
    assert "only once" in _run("extend-confirmation", case_id, "--reason", "再次", "--as", "judge", code=2)
    assert world.event_count() == before


def test_entrusted_mediation_and_a_joint_body_that_cannot_mediate_from_the_terminal(world: World, monkeypatch: Any) -> None:
    use_store(monkeypatch, world.ledger.settings)
    case = world.report()
    world.do(case.id, "file_in_court", "judge", court_code=COURT, court_case_number="(2026)甘1199民初9号", reason="起诉")
    out = _run("entrust-mediation", str(case.id), "--organisation", VILLAGE_COMMITTEE, "--as", "judge")
    assert "已立案 (litigating)" in out
    assert world.ledger.get_case(case.id).entrusted_to == VILLAGE_COMMITTEE
    other = world.report()
    world.do(other.id, "assign", "recorder", route="peoples_mediation", organisation_code=VILLAGE_COMMITTEE)
    before = world.event_count()
    out = _run("add-joint-body", str(other.id), "--organisation", "ORGC-ARB", "--as", "recorder", code=2)
    assert "cannot mediate" in out and world.event_count() == before
