"""Which kind of organisation each route hands a case to (DESIGN.md §4, version 2).

Arbitration and notarisation are not mediation: a case assigned to them leaves the mediation
system (a hand-off, resolution ``referred``). Litigation is never assigned: a case reaches court
by file_in_court.
"""

from __future__ import annotations

from domain.codes import Route
from domain.errors import InvalidValue

_INDUSTRY = frozenset(
    {
        "industry_financial",
        "industry_labour",
        "industry_medical",
        "industry_traffic",
        "industry_property",
        "industry_family",
        "industry_commercial",
    }
)

#: The organisation kinds (domain/reference.ORGANISATION_KINDS) each route may be assigned to.
ROUTE_KINDS: dict[Route, frozenset[str]] = {
    Route.PEOPLES_MEDIATION: frozenset({"village_committee", "town_committee", "county_committee"}),
    Route.INDUSTRY_MEDIATION: _INDUSTRY,
    # 特邀调解: mediators invited by a court sit in its litigation service centre or in a body it lists.
    Route.INVITED_MEDIATION: frozenset({"court", "tribunal", "lawyer_mediation"}) | _INDUSTRY,
    Route.ADMINISTRATIVE_MEDIATION: frozenset({"administrative"}),
    Route.LAWYER_MEDIATION: frozenset({"lawyer_mediation"}),
    Route.ARBITRATION: frozenset({"arbitration"}),
    Route.NOTARISATION: frozenset({"notary"}),
    Route.LITIGATION: frozenset(),
}

#: Routes whose assignment hands the case on and ends its mediation.
HAND_OFF_ROUTES = frozenset({Route.ARBITRATION.value, Route.NOTARISATION.value})


def check_route(route: str, organisation_code: str, organisation_kind: str | None) -> None:
    """Refuse a route that cannot be assigned, or an organisation whose kind does not fit it."""
    if route == Route.LITIGATION.value:
        raise InvalidValue("route", "litigation is never assigned: a case goes to court by file_in_court (立案)")
    kinds = ROUTE_KINDS[Route(route)]
    if organisation_kind not in kinds:
        raise InvalidValue(
            "organisation_code",
            f"{organisation_code} is a {organisation_kind or 'unknown kind of'} organisation; "
            f"route {route} goes to: {', '.join(sorted(kinds))}",
        )


#: Kinds of body that may join a 联合调解 (司法所 and 派出所 are administrative bodies here).
JOINT_KINDS = frozenset().union(
    *(kinds for route, kinds in ROUTE_KINDS.items() if route.value not in HAND_OFF_ROUTES)
) | frozenset({"governance_centre"})


def check_joint_body(organisation_code: str, organisation_kind: str | None) -> None:
    if organisation_kind not in JOINT_KINDS:
        raise InvalidValue(
            "organisation_code",
            f"{organisation_code} is a {organisation_kind or 'unknown kind of'} organisation, which cannot mediate",
        )


def is_hand_off(args: dict[str, object]) -> bool:
    return args.get("route") in HAND_OFF_ROUTES
