"""The ledger's cases in the 台账 layout counties keep and send upward: one row per case, Chinese
headers, instants in the county's time zone. The headers are those `ledger import ledger` reads
(application/demo_data/ledger_mapping.toml), so an export imports again as the same histories.

Cases are read from the store (one pass over the case events), not from the views: an export
is a record, and it does not wait for a projection.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from application.config import county_tz
from application.ledger import Ledger, _topics_of
from domain.case import Case
from domain.codes import MEDIATION_ROUTES, CourtOutcome, Route, Satisfaction

_CASE_TOPICS = _topics_of(Case)
#: An id number or phone a party has not: kept in its place, so the columns stay aligned.
NONE = "无"

#: (header, key of a case record); the headers are the default mapping's first names.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("序号", "serial"),
    ("登记日期", "reported_at"),
    ("纠纷类型", "category"),
    ("所在村（社区）", "village"),
    ("当事人", "party_names"),
    ("身份证号", "party_ids"),
    ("联系电话", "party_phones"),
    ("涉及人数", "people_involved"),
    ("涉及金额", "amount_in_dispute"),
    ("纠纷简要情况", "summary"),
    ("分流方式", "route"),
    ("交办日期", "assigned_at"),
    ("化解责任单位/调解组织", "organisation"),
    ("调解员", "mediator"),
    ("化解结果", "outcome"),
    ("化解日期", "outcome_at"),
    ("是否司法确认", "confirmed"),
    ("司法确认结果", "confirmation_result"),
    ("司法确认日期", "confirmation_at"),
    ("立案日期", "filed_at"),
    ("立案案号", "court_case_number"),
    ("审结方式", "court_outcome"),
    ("审结日期", "court_outcome_at"),
    ("办结日期", "closed_at"),
    ("回访情况", "follow_up"),
    ("回访日期", "follow_up_at"),
    ("是否反复", "relapse"),
    ("案件编号", "id"),
)
HEADERS = tuple(h for h, _ in COLUMNS)


def _first(facts: dict[str, Any], key: str, value: Any) -> None:
    facts.setdefault(key, value)


def _facts(events: list[Any]) -> dict[str, Any]:
    """When each step of the 台账 happened, from the case's events (first occurrences)."""
    facts: dict[str, Any] = {}
    for e in events:
        name = type(e).__name__
        at = e.occurred_at
        if name == "Assigned":
            # The first hand-over to mediation is what the indicators count (disputes_assigned);
            # the last organisation is who handled it (a reopened case no longer names it).
            if "assigned_at" not in facts or (e.route in MEDIATION_ROUTES and facts["route"] not in MEDIATION_ROUTES):
                facts["assigned_at"], facts["route"] = at, e.route
            facts["assigned"] = (e.organisation_code, e.mediator_id)
        elif name == "AgreementRecorded":
            if "agreed_at" in facts and facts.get("confirmations", [("",)])[-1][0] == "驳回":
                facts["confirmations"].append(("重新调解成功", at))
            _first(facts, "agreed_at", at)
        elif name == "FailureRecorded":
            _first(facts, "failed_at", at)
        elif name == "ConfirmationDecided":
            facts.setdefault("confirmations", []).append(("确认有效" if e.granted else "驳回", at))
        elif name == "FiledInCourt":
            _first(facts, "filed", (e.court_case_number, at))
        elif name == "CourtOutcomeRecorded":
            _first(facts, "court_outcome", (e.outcome, at))
        elif name == "Closed":
            _first(facts, "closed_at", at)
        elif name == "Withdrawn":
            _first(facts, "withdrawn_at", at)
        elif name == "FollowedUp":
            _first(facts, "follow_up", (e.satisfaction, at))
            facts["relapse"] = facts.get("relapse", False) or bool(e.relapse)
    return facts


def case_histories(ledger: Ledger, region: str, since: datetime | None = None, until: datetime | None = None) -> Iterator[tuple[Case, list[Any]]]:
    """Each case inside ``region`` reported in [since, until), with its events, by report time."""
    events: dict[UUID, list[Any]] = {}
    for n in ledger.scan(_CASE_TOPICS):
        events.setdefault(n.originator_id, []).append(ledger.mapper.to_domain_event(n))
    found = []
    for stream in events.values():
        case: Any = None
        for e in stream:
            case = e.mutate(case)
        if not isinstance(case, Case) or region not in case.region_path:
            continue
        if (since is not None and case.reported_at < since) or (until is not None and case.reported_at >= until):
            continue
        found.append((case, stream))
    found.sort(key=lambda item: (item[0].reported_at, str(item[0].id)))
    yield from found


def case_record(ledger: Ledger, case: Case, events: list[Any], serial: int) -> dict[str, Any]:
    """One case as a 台账 row's values, with its parties as a list (so a reader's copy can be
    masked as every other answer is, web/auth.mask_personal)."""
    directory, catalogue = ledger.directory(), ledger.regions()
    facts = _facts(events)
    # Town, village (and grid) names: a village's name alone may repeat in another town.
    place = "".join(catalogue.regions[c].name for c in case.region_path[1:] if c in catalogue.regions)
    org_code, mediator_id = facts.get("assigned", (None, None))
    route = facts.get("route")
    org = directory.organisations.get(org_code or "")
    mediator = directory.mediators.get(mediator_id or "")
    if case.resolution == "withdrawn":
        outcome, outcome_at = "撤回", facts.get("withdrawn_at")
    elif "agreed_at" in facts:
        outcome, outcome_at = "调解成功", facts["agreed_at"]
    elif "failed_at" in facts:
        outcome, outcome_at = "调解不成功", facts["failed_at"]
    elif "filed" in facts:
        outcome, outcome_at = "移交", facts["filed"][1]
    elif org_code:
        outcome, outcome_at = "调解中", None
    else:
        outcome, outcome_at = None, None
    confirmations = facts.get("confirmations", [])
    zone = county_tz()
    filed = facts.get("filed")
    court = facts.get("court_outcome")
    follow_up = facts.get("follow_up")
    return {
        "serial": serial,
        "id": str(case.id),
        "status": case.status,
        "organisation_code": case.organisation_code,
        "reported_at": case.reported_at,
        "category": case.category,
        "village": place or case.region_code,
        "parties": [p.as_dict() for p in case.parties],
        "people_involved": case.people_involved,
        "amount_in_dispute": case.amount_in_dispute,
        "summary": case.summary,
        "route": Route(route).label if route and route != Route.LITIGATION.value else None,
        "assigned_at": facts.get("assigned_at"),
        "organisation": org.name if org else org_code,
        "mediator": mediator.name if mediator else mediator_id,
        "outcome": outcome,
        "outcome_at": outcome_at,
        "confirmed": "是" if confirmations else "否",
        "confirmation_result": "；".join(r for r, _ in confirmations) or None,
        # One decision: an instant (a date cell); several: their instants as text, in order.
        "confirmation_at": (
            None if not confirmations else confirmations[0][1] if len(confirmations) == 1
            else "；".join(f"{at.astimezone(zone):%Y-%m-%d %H:%M:%S}" for _, at in confirmations)
        ),
        "filed_at": filed[1] if filed else None,
        "court_case_number": filed[0] if filed else None,
        "court_outcome": CourtOutcome(court[0]).label if court else None,
        "court_outcome_at": court[1] if court else None,
        "closed_at": facts.get("closed_at") if outcome != "撤回" else outcome_at,
        "follow_up": Satisfaction(follow_up[0]).label if follow_up else None,
        "follow_up_at": follow_up[1] if follow_up else None,
        "relapse": ("是" if facts.get("relapse") else "否") if follow_up else None,
    }


def case_records(ledger: Ledger, region: str, since: datetime | None = None, until: datetime | None = None) -> list[dict[str, Any]]:
    return [case_record(ledger, c, e, i) for i, (c, e) in enumerate(case_histories(ledger, region, since, until), 1)]


def ledger_line(record: dict[str, Any]) -> list[Any]:
    """A record as the 台账's cells; instants to the second (the file writer puts them in the
    county's wall-clock time)."""
    from domain.codes import Category

    parties = record["parties"]
    values = {
        **record,
        "category": Category(record["category"]).label,
        "party_names": "、".join(p["name"] for p in parties),
        "party_ids": "、".join(p.get("id_number") or NONE for p in parties) if any(p.get("id_number") for p in parties) else None,
        "party_phones": "、".join(p.get("phone") or NONE for p in parties) if any(p.get("phone") for p in parties) else None,
        "amount_in_dispute": None if record["amount_in_dispute"] is None else str(record["amount_in_dispute"]),
    }
    out = []
    for _, key in COLUMNS:
        v = values.get(key)
        if isinstance(v, datetime):
            v = v.replace(microsecond=0)
        out.append(v)
    return out
