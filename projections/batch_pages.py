"""A demonstration batch as the API and the command line show it: the aggregate (standard,
offers, answers, what may be done next) beside its figures from the case views."""

from __future__ import annotations

from typing import Any

from application import batches as acts
from application.ledger import Ledger
from domain.batch import ANSWERS, STANDARD_KINDS, STATES, SUBJECT_KINDS
from domain.reference import Actor
from projections.batch_views import batch_members, indicators
from projections.store import Cursor


def batch_page(ledger: Ledger, cur: Cursor, actor: Actor, batch_id: object, *, views_position: int) -> dict[str, Any]:
    found = acts.read_batch(ledger, actor, batch_id)
    members = {m["case_id"]: m for m in batch_members(cur, str(found.id))}
    cases = []
    for case_id in found.case_ids:
        offer = found.offers.get(case_id) or {}
        answer = offer.get("answer")
        cases.append({
            "case_id": case_id,
            "lead": case_id == found.lead_id,
            "added_at": (members.get(case_id) or {}).get("added_at"),
            "offered_at": offer["offered_at"].isoformat() if offer else None,
            "offered_by": offer.get("offered_by"),
            "answer": answer,
            "answer_label": ANSWERS.get(answer) if answer else None,
            "answered_at": offer["answered_at"].isoformat() if answer else None,
            "answered_by": offer.get("answered_by"),
            "case_status": (members.get(case_id) or {}).get("case_status"),
        })  # fmt: skip
    standard = None
    if found.standard is not None:
        standard = {**found.standard, "kind_label": STANDARD_KINDS[found.standard["kind"]]}
    path = found.region_path + [None]
    return {
        "id": str(found.id),
        "version": found.version,
        "title": found.title,
        "subject_kind": found.subject_kind,
        "subject_kind_label": SUBJECT_KINDS[found.subject_kind],
        "subject_name": found.subject_name,
        "credit_code": found.credit_code,
        "category": found.category,
        "county_code": path[0],
        "town_code": path[1],
        "region_code": found.region_path[-1],
        "status": found.status,
        "status_label": STATES[found.status],
        "lead_id": found.lead_id,
        "standard_kind": None if standard is None else standard["kind"],
        "standard": standard,
        "opened_at": found.opened_at.isoformat(),
        "opened_by": found.opened_by,
        "closed_at": None if found.closed_at is None else found.closed_at.isoformat(),
        "cases": cases,
        "indicators": indicators(found.lead_id, list(members.values())),
        "allowed_commands": sorted(c.replace("_", "-") for c in found.allowed_commands()),
        "views_position": views_position,
    }
