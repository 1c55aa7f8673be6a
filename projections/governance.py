"""The instrument acts that need the views: issuing a card on the proposal the server computes
now, assessing a village on the evidence the views hold now, and a card's page with its frozen
basis beside today's figures. Called alike by the API (web/instruments) and the CLI.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from application import instruments as acts
from application.ledger import Ledger
from application.receipts import RequestKey
from application.warning_desk import lead_units
from domain.card import Card
from domain.errors import AccessDenied, InvalidValue
from domain.no_litigation import NoLitigationVillage
from domain.reference import Actor
from projections.instruments import card_proposals, town_row, village_evidence
from projections.periods import Period
from projections.store import Cursor

#: A supervisor may issue the proposed level or a milder one, never a harsher one.
_MILDER = {"red": ("red", "yellow"), "yellow": ("yellow",)}


def _county_of(ledger: Ledger, code: str) -> list[str]:
    path = ledger.regions().path(code)
    if not path:
        raise InvalidValue("target_code", f"unknown region {code!r}")
    return path


def proposals(cur: Cursor, *, county: str, period: str, now: datetime) -> dict[str, Any]:
    Period.parse(period)
    return card_proposals(cur, county=county, period=period, rules=acts.card_rules(), now=now)


def issue_card(
    ledger: Ledger,
    cur: Cursor,
    actor: Actor,
    *,
    position: int,
    target_kind: str,
    target_code: str,
    period: str,
    now: datetime,
    level: str | None = None,
    target_name: str | None = None,
    plan_due_on: str | None = None,
    grounds: str | None = None,
    occurred_at: datetime | None = None,
    note: str | None = None,
    key: RequestKey | None = None,
) -> tuple[Card, int]:
    """Issue a card to a town on the proposal computed now (its reasons and the town's figures
    frozen with ``position``, the views' position they were read at), or to a member department
    on the supervisor's grounds with the county's figures of the period."""
    if (first := acts.replay(ledger, key)) is not None:
        return first  # type: ignore[no-any-return]
    period = Period.parse(period).text
    if target_kind == "town":
        path = _county_of(ledger, target_code)
        region = ledger.regions().regions[target_code]
        if region.level != "town":
            raise InvalidValue("target_code", f"{target_code} is a {region.level}, not a town")
        table = proposals(cur, county=path[0], period=period, now=now)
        (town,) = [t for t in table["towns"] if t["region_code"] == target_code]
        if town["card"] is None:
            raise InvalidValue("target_code", f"no card is proposed for {region.name} in {period}")
        level = level or town["card"]
        if level not in _MILDER[town["card"]]:
            raise InvalidValue("level", f"the proposal is {town['card']}: issue {' or '.join(_MILDER[town['card']])}")
        basis = {
            "source": "proposal",
            "proposed": town["card"],
            "reasons": town["reasons"],
            "unjudged": town["unjudged"],
            "figures": town["figures"],
            "county_figures": table["county_figures"],
            "views_position": position,
        }
        return acts.issue_card(
            ledger, actor, target_kind="town", target_code=target_code, target_name=region.name,
            region_path=path[:2], period=period, level=level, basis=basis, plan_due_on=plan_due_on,
            grounds=grounds, occurred_at=occurred_at, note=note, key=key,
        )  # fmt: skip
    if target_kind == "department":
        if not grounds:
            raise InvalidValue("grounds", "a card to a department states its grounds")
        if level is None:
            raise InvalidValue("level", "red or yellow")
        departments = lead_units(ledger).departments
        if departments:
            # Member departments are the lead units of the reference data (DESIGN.md §10).
            if target_code not in departments:
                raise InvalidValue(
                    "target_code", f"unknown department {target_code!r}; one of: {', '.join(sorted(departments))}"
                )
            target_name = departments[target_code].name
        if not target_name:
            raise InvalidValue("target_name", "the department's name (no lead units are loaded to name it)")
        county = _county_of(ledger, (actor.region_path or [_first_county(ledger)])[0])[0]
        county_row = town_row(cur, county=county, town="", period=period)[1]
        basis = {"source": "grounds", "county_figures": county_row, "views_position": position}
        return acts.issue_card(
            ledger, actor, target_kind="department", target_code=target_code, target_name=target_name,
            region_path=[county], period=period, level=level, basis=basis, plan_due_on=plan_due_on,
            grounds=grounds, occurred_at=occurred_at, note=note, key=key,
        )  # fmt: skip
    raise InvalidValue("target_kind", "town or department")


def _first_county(ledger: Ledger) -> str:
    counties = sorted(r.code for r in ledger.regions().regions.values() if r.level == "county")
    if not counties:
        raise InvalidValue("county", "no regions are loaded yet")
    return counties[0]


def card_page(
    ledger: Ledger, cur: Cursor, actor: Actor, card_id: object, *, today: Any, position: int,
    as_of: datetime | None = None,
) -> dict[str, Any]:
    """A card with its frozen basis and, beside it, today's figures of the same town and period;
    with ``as_of``, the card as the ledger knew it then, its rectification judged on that day
    and the figures as the views held them then."""
    from application.config import county_tz
    from domain.card import EVENTS, STATES, rectification

    card = acts.read_card(ledger, actor, card_id, as_of)
    if as_of is not None:
        today = as_of.astimezone(county_tz()).date()
    today_figures = None
    if card.target_kind == "town":
        today_figures = town_row(cur, county=card.county_code, town=card.target_code, period=card.period, as_of=as_of)[0]
    return {
        "id": str(card.id),
        "version": card.version,
        "target_kind": card.target_kind,
        "target_code": card.target_code,
        "target_name": card.target_name,
        "county_code": card.county_code,
        "period": card.period,
        "level": card.level,
        "issued_level": card.issued_level,
        "status": card.status,
        "status_label": STATES[card.status],
        "issued_at": card.issued_at.isoformat(),
        "issued_by": card.issued_by,
        "plan_due_on": card.plan_due_on,
        "plan_filed_on": card.plan_filed_on,
        "rectification": rectification(card.plan_due_on, card.plan_filed_on, today),
        "talks": card.talks,
        "allowed_commands": sorted(card.allowed_commands()),
        "basis": card.basis,
        "today": {"figures": today_figures, "views_position": position, "as_of": None if as_of is None else as_of.isoformat()},
        "events": [EVENTS[type(e).__name__][1] for e in acts.card_history(ledger, actor, card_id, as_of)],
    }


def assess_village(
    ledger: Ledger,
    cur: Cursor,
    actor: Actor,
    village: object,
    *,
    year: int,
    now: datetime,
    tz: ZoneInfo,
    occurred_at: datetime | None = None,
    note: str | None = None,
    key: RequestKey | None = None,
) -> tuple[NoLitigationVillage, int]:
    """Assess an enrolled village for a year on the evidence the views hold now (frozen in the
    event). The year is complete once it has ended in the county's zone."""
    if (first := acts.replay(ledger, key)) is not None:
        return first  # type: ignore[no-any-return]
    found = acts.read_village(ledger, actor, village)
    evidence = village_evidence(
        cur,
        village_code=found.village_code,
        year=year,
        incident_of=lambda p: acts.incident_of(ledger, p),
        domicile=litigation_domicile(),
        kinds=litigation_kinds(),
        major=_major(),
        tz=tz,
    )
    complete = now.astimezone(tz).year > year
    return acts.village_command(
        ledger, actor, found.id, "assess", year=year, complete=complete, evidence=evidence,
        occurred_at=occurred_at, note=note, key=key,
    )  # fmt: skip


def litigation_domicile() -> str:
    """LEDGER_LITIGATION_DOMICILE: whose domicile places a court filing (default defendant)."""
    return os.environ.get("LEDGER_LITIGATION_DOMICILE", "").strip() or "defendant"


def litigation_kinds() -> tuple[str, ...]:
    """LEDGER_LITIGATION_KINDS: the kinds of court case counted as litigation (default 民初,行初)."""
    raw = os.environ.get("LEDGER_LITIGATION_KINDS", "") or "民初,行初"
    return tuple(k.strip() for k in raw.split(",") if k.strip())


def _major() -> tuple[str, ...]:
    """Severities at or above LEDGER_MAJOR_SEVERITY (default major)."""
    order = ("serious", "major", "grave")
    floor = os.environ.get("LEDGER_MAJOR_SEVERITY", "").strip() or "major"
    if floor not in order:
        raise InvalidValue("LEDGER_MAJOR_SEVERITY", f"one of {', '.join(order)}")
    return order[order.index(floor):]


# ---------------------------------------------------------------------- bulletins


def bulletin_figures_now(
    ledger: Ledger, cur: Cursor, actor: Actor, *, town: str, period: str, edition: str, now: datetime
) -> dict[str, Any]:
    """A town's bulletin figures as the views stand now, for a period that has begun."""
    from application.bulletins import town_path
    from application.config import county_tz
    from domain.bulletin import check_edition
    from projections.bulletins import bulletin_figures

    tz = county_tz()
    check_edition(edition)
    path = town_path(ledger, actor, town)
    parsed = Period.parse(period)
    reason = parsed.not_begun(now, tz)
    if reason:
        raise InvalidValue("period", reason)
    names = ledger.regions().regions
    return bulletin_figures(
        cur, county=path[0], county_name=names[path[0]].name, town=town, town_name=names[town].name,
        period=parsed.text, edition=edition, now=now, tz=tz, incident_of=lambda p: acts.incident_of(ledger, p),
    )  # fmt: skip


def _may(actor: Actor, command: str) -> None:
    from domain.bulletin import may_issue

    if not may_issue(actor.role, command):
        raise AccessDenied(f"role {actor.role} may not {command} a bulletin")


def compile_bulletin(
    ledger: Ledger,
    cur: Cursor,
    actor: Actor,
    *,
    position: int,
    town: str,
    period: str,
    edition: str,
    now: datetime,
    occurred_at: datetime | None = None,
    note: str | None = None,
    key: RequestKey | None = None,
) -> tuple[Any, int]:
    """Compile a town's bulletin on the figures the views hold now, frozen with ``position``."""
    from application import bulletins

    if (first := acts.replay(ledger, key)) is not None:
        return first
    _may(actor, "compile")
    figures = bulletin_figures_now(ledger, cur, actor, town=town, period=period, edition=edition, now=now)
    return bulletins.compile_bulletin(
        ledger, actor, town=town, period=figures["period"], edition=edition, figures=figures,
        views_position=position, occurred_at=occurred_at, note=note, key=key,
    )  # fmt: skip


def recompile_bulletin(
    ledger: Ledger,
    cur: Cursor,
    actor: Actor,
    bulletin: object,
    *,
    position: int,
    now: datetime,
    expected_version: int | None = None,
    occurred_at: datetime | None = None,
    note: str | None = None,
    key: RequestKey | None = None,
) -> tuple[Any, int]:
    """A new version of a bulletin on the figures the views hold now (refused, 409, when none
    changed); the versions before it stay as they were compiled."""
    from application import bulletins

    if (first := acts.replay(ledger, key)) is not None:
        return first
    _may(actor, "recompile")
    found = bulletins.read_bulletin(ledger, actor, bulletin)
    figures = bulletin_figures_now(
        ledger, cur, actor, town=found.town_code, period=found.period, edition=found.edition, now=now
    )
    return bulletins.bulletin_command(
        ledger, actor, found.id, "recompile", figures=figures, views_position=position,
        expected_version=expected_version, occurred_at=occurred_at, note=note, key=key,
    )  # fmt: skip
