"""Commands and reads of the periodic bulletins (涉诉情况通报) on the ledger.

The same discipline as the other instruments (application/instruments.py): role first, then
region scope (a bulletin outside it is "not found"), then the aggregate's state machine and
values; one save with optimistic concurrency and an optional Idempotency-Key receipt. The
figures are compiled by the caller from the views (projections/bulletins.py), never taken from
a client.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from application.instruments import (
    InstrumentNotFound,
    _act,
    _command_allowed,
    _get,
    _history,
    _read_allowed,
    _save,
    as_of,
    instrument_command,
    replay,
)
from application.ledger import Ledger
from application.receipts import RequestKey
from domain import bulletin as bulletins
from domain.bulletin import Bulletin, bulletin_id, figures_hash
from domain.errors import AccessDenied, InvalidValue
from domain.reference import Actor


def read_bulletin(ledger: Ledger, actor: Actor, bulletin: object, recorded_at: datetime | None = None) -> Bulletin:
    """The bulletin now, or as the ledger knew it at ``recorded_at``; in scope as it stands now."""
    _read_allowed(actor, bulletins.READ_ROLES)
    found = _get(ledger, Bulletin, "bulletin", bulletin)
    if not actor.covers(found.region_path):
        raise InstrumentNotFound("bulletin", bulletin)
    return as_of(ledger, found, "bulletin", recorded_at)


def find_bulletin(ledger: Ledger, actor: Actor, town: str, period: str, edition: str) -> Bulletin | None:
    """The bulletin of a town, period and edition, None when none was compiled yet."""
    try:
        return read_bulletin(ledger, actor, bulletin_id(town, period, edition))
    except InstrumentNotFound:
        return None


def bulletin_history(ledger: Ledger, actor: Actor, bulletin: object) -> list[Any]:
    return _history(ledger, read_bulletin(ledger, actor, bulletin))


def town_path(ledger: Ledger, actor: Actor, town: str) -> list[str]:
    """[county, town] of a town inside the actor's scope."""
    path = ledger.region_path("region", town, levels=("town",))
    if not actor.covers(path):
        raise AccessDenied(f"{town} lies outside {actor.name}'s region")
    return path


def compile_bulletin(
    ledger: Ledger,
    actor: Actor,
    *,
    town: str,
    period: str,
    edition: str,
    figures: dict[str, Any],
    views_position: int,
    occurred_at: datetime | None = None,
    note: str | None = None,
    key: RequestKey | None = None,
) -> tuple[Bulletin, int]:
    """The first version of a town's bulletin; compiling one that exists is refused (recompile it)."""
    if (first := replay(ledger, key)) is not None:
        return first  # type: ignore[no-any-return]
    _command_allowed(actor, bulletins.may_issue(actor.role, "compile"), "compile a bulletin")
    path = town_path(ledger, actor, town)
    compiled = Bulletin.compile(
        _act(ledger, actor, occurred_at, note),
        region_path=path,
        town_name=ledger.regions().regions[town].name,
        period=period,
        edition=edition,
        figures=figures,
        views_position=views_position,
    )
    try:
        return _save(ledger, compiled, None, key, "compile")  # type: ignore[return-value]
    except InvalidValue:
        raise InvalidValue("period", f"a {edition} bulletin of {town} for {period} exists: recompile it") from None


def bulletin_command(ledger: Ledger, actor: Actor, bulletin: object, command: str, **kwargs: Any) -> tuple[Bulletin, int]:
    return instrument_command(ledger, actor, bulletins, read_bulletin, bulletin, command, **kwargs)


def versions(ledger: Ledger, actor: Actor, bulletin: object, recorded_at: datetime | None = None) -> list[dict[str, Any]]:
    """Every version as it was compiled: its figures, their stored hash and whether a hash
    recomputed from the stored figures equals it, what changed from the version before, and
    where it was sent."""
    found = read_bulletin(ledger, actor, bulletin, recorded_at)
    result: list[dict[str, Any]] = []
    for e in _history(ledger, found):
        name = type(e).__name__
        if name in ("Compiled", "Recompiled"):
            result.append({
                "number": getattr(e, "number", 1),
                "figures_hash": e.figures_hash,
                "hash_verifies": figures_hash(e.figures) == e.figures_hash,
                "previous_hash": getattr(e, "previous_hash", None),
                "changes": getattr(e, "changes", []),
                "compiled_at": e.occurred_at,
                "compiled_by": e.actor_id,
                "views_position": e.views_position,
                "event_version": e.originator_version,
                "figures": e.figures,
                "issues": [],
            })  # fmt: skip
        elif name == "Issued":
            result[e.number - 1]["issues"].append(
                {"issued_at": e.occurred_at, "issued_by": e.actor_id, "recipients": list(e.recipients)}
            )
    return result


def page(
    ledger: Ledger, actor: Actor, bulletin: object, number: int | None = None, recorded_at: datetime | None = None
) -> dict[str, Any]:
    """A bulletin at one of its versions (default the latest): the figures as compiled then,
    their hash (recomputed and compared), what changed from the version before, where it was
    sent; and the bulletin's state now."""
    found = read_bulletin(ledger, actor, bulletin, recorded_at)
    every = versions(ledger, actor, found.id, recorded_at)
    chosen = number or found.number
    if not 1 <= chosen <= len(every):
        raise InvalidValue("version", f"between 1 and {len(every)}")
    shown = every[chosen - 1]
    return {
        "id": str(found.id),
        "version": found.version,
        "town_code": found.town_code,
        "town_name": found.town_name,
        "county_code": found.region_path[0],
        "period": found.period,
        "edition": found.edition,
        "edition_label": bulletins.EDITIONS[found.edition],
        "status": found.status,
        "status_label": bulletins.STATES[found.status],
        "allowed_commands": sorted(found.allowed_commands()),
        "latest_number": found.number,
        "as_of": recorded_at,
        "versions": [
            {"number": v["number"], "figures_hash": v["figures_hash"], "compiled_at": v["compiled_at"],
             "issued": bool(v["issues"]), "changes": len(v["changes"])}
            for v in every
        ],  # fmt: skip
        **{k: v for k, v in shown.items() if k != "event_version"},
    }
