"""Cards and 无讼村 records are hash-chained like cases: an edited frozen basis, an edited
assessment's evidence, or a removed event is named by `ledger verify`, on both stores."""

from __future__ import annotations

from typing import Any

from application import instruments as acts
from application.integrity import seal, verify
from tests.integration.test_tampering import Table, _named
from tests.support import COUNTY, TOWN, VILLAGE, World


def _card(world: World) -> Any:
    supervisor = world.actors["supervisor"]
    basis = {"reasons": [{"indicator": "litigation_per_10k", "value": 2.5}], "figures": {"court_filings": 9}}
    card, _ = acts.issue_card(
        world.ledger, supervisor, target_kind="town", target_code=TOWN, target_name="城关镇",
        region_path=[COUNTY, TOWN], period="2026-Q1", level="yellow", basis=basis,
    )  # fmt: skip
    acts.card_command(world.ledger, supervisor, card.id, "hold_talk", held_on="2026-03-02", minutes="约谈", attendees=["镇长"])
    return card


def test_an_edited_card_basis_is_named(world: World) -> None:
    card = _card(world)
    assert verify(world.ledger, witness=None).intact
    Table(world).edit(card.id, 1, rb'"court_filings":9', b'"court_filings":1')
    [broken] = _named(verify(world.ledger, witness=None), "")
    assert (broken["case_id"], broken["stream"], broken["sequence"]) == (str(card.id), "card", 2)


def test_a_removed_card_event_is_named_by_the_seal(world: World) -> None:
    card = _card(world)
    seal(world.ledger, world.actors["admin"], witness=None)
    Table(world).delete(card.id, 2)
    found = _named(verify(world.ledger, witness=None), "")
    assert any(b["case_id"] == str(card.id) and "were sealed" in b["problem"] for b in found)


def test_an_edited_assessment_is_named(world: World) -> None:
    supervisor = world.actors["supervisor"]
    acts.enrol_village(world.ledger, supervisor, village_code=VILLAGE, year=2025, sponsor_code="FY", sponsor_name="县法院")
    items = [{"case_id": "c1", "case_number": "(2025)甘1199民初1号"}]
    empty = {"count": 0, "items": []}
    evidence = {"year": 2025, "court_source": "ledger_filings", "court_cases": {"count": 1, "items": items},
                "serious_incidents": empty, "mass_incidents": empty}  # fmt: skip
    village, _ = acts.village_command(world.ledger, supervisor, VILLAGE, "assess", year=2025, complete=True, evidence=evidence)
    seal(world.ledger, world.actors["admin"], witness=None)
    Table(world).edit(village.id, 2, rb'"passed":false', b'"passed":true')
    found = _named(verify(world.ledger, witness=None), "")
    assert any(b["stream"] == "no-litigation village" and b["sequence"] == 2 for b in found)


def test_an_edited_bulletin_figure_is_named_and_its_hash_no_longer_verifies(world: World) -> None:
    from application import bulletins

    supervisor = world.actors["supervisor"]
    figures = {"indicators": [{"region_code": TOWN, "disputes_reported": 3}], "rank": []}
    compiled, _ = bulletins.compile_bulletin(world.ledger, supervisor, town=TOWN, period="2026-Q1", edition="general",
                                             figures=figures, views_position=1)  # fmt: skip
    bulletins.bulletin_command(world.ledger, supervisor, compiled.id, "issue", recipients=["城关镇党委"])
    assert [v["hash_verifies"] for v in bulletins.versions(world.ledger, supervisor, compiled.id)] == [True]
    Table(world).edit(compiled.id, 1, rb'"disputes_reported":3', b'"disputes_reported":1')
    [broken] = _named(verify(world.ledger, witness=None), "")
    assert (broken["case_id"], broken["stream"], broken["sequence"]) == (str(compiled.id), "bulletin", 2)
    [version] = bulletins.versions(world.ledger, supervisor, compiled.id)
    assert version["figures"]["indicators"][0]["disputes_reported"] == 1 and not version["hash_verifies"]
