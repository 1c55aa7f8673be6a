"""The case state of DESIGN.md §8, built the same way from the Case aggregate (what a command
returns, or an as-of replay) and from the case views (queries)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import g

from application.ledger import commands_for
from domain.case import EVENTS, Case, is_late_entry
from domain.codes import (
    Category,
    Coded,
    CourtOutcome,
    PartyKind,
    PartyRole,
    Resolution,
    RiskFlag,
    RiskLevel,
    Route,
    Source,
    Status,
)
from domain.deadlines import KINDS, Deadline, is_reminder, past_due
from domain.integrity import STORED_STATE
from domain.permissions import Bodies
from domain.reference import Actor
from projections.cases import handling_bodies
from projections.periods import parse_utc_text
from web.context import ledger
from web.errors import kebab
from web.json import plain

#: Codes of the case state and the code list that gives each its Chinese label (``<field>_label``).
_LABELLED: dict[str, type[Coded]] = {
    "source": Source, "category": Category, "route": Route, "risk_level": RiskLevel, "resolution": Resolution,
}


def _label(codes: type[Coded], value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return codes(value).label
    except ValueError:  # a code a later version retired: shown as it is, never guessed
        return value


def labelled(state: dict[str, Any]) -> dict[str, Any]:
    """The state with a Chinese label beside every code, for people reading the JSON."""
    for name, codes in _LABELLED.items():
        state[f"{name}_label"] = _label(codes, state[name])
    state["risk_flag_labels"] = [_label(RiskFlag, f) for f in state["risk_flags"]]
    for party in state["parties"]:
        party["role_label"] = _label(PartyRole, party.get("role"))
        party["kind_label"] = _label(PartyKind, party.get("kind"))
    for deadline in state["deadlines"]:
        deadline["label"] = KINDS[deadline["kind"]].label if deadline["kind"] in KINDS else deadline["kind"]
    return state


def _allowed(actor: Actor, status: str, organisation_code: Bodies) -> list[str]:
    """What this caller may issue now, spelt as the command URLs are."""
    return sorted(kebab(c) for c in commands_for(actor, status, organisation_code))


def _mediator_name(mediator_id: str | None) -> str | None:
    """The name the directory of mediators gives, read once per request; None when unknown."""
    if mediator_id is None:
        return None
    names = g.get("mediator_names")
    if names is None:
        names = g.mediator_names = {m.id: m.name for m in ledger().directory().mediators.values()}
    return names.get(mediator_id)


def _agreement(terms: str | None, amount: Any, agreed_at: datetime | None) -> dict[str, Any] | None:
    if terms is None:
        return None
    return {"terms": terms, "amount": None if amount is None else str(amount), "agreed_at": agreed_at}


def _court_outcome(outcome: str | None, summary: str | None, court_case_number: str | None) -> dict[str, Any] | None:
    if outcome is None:
        return None
    return {
        "outcome": outcome,
        "outcome_label": CourtOutcome(outcome).label,
        "summary": summary,
        "court_case_number": court_case_number,
    }


def _deadlines(deadlines: Iterable[Deadline], when: datetime) -> list[dict[str, Any]]:
    return [
        {
            "kind": d.kind,
            "reminder": is_reminder(d.kind),
            "due_at": d.due_at,
            "met_at": d.met_at,
            "open": d.met_at is None,
            "overdue": past_due(d.kind, d.due_at, d.met_at, when),
        }
        for d in deadlines
        if d.cancelled_at is None
    ]


def from_case(
    case: Case, *, actor: Actor, now: datetime, position: int | None, as_of: datetime | None = None
) -> dict[str, Any]:
    """The state of an aggregate; deadlines are judged overdue at ``as_of`` or else ``now``."""
    status = Status(case.status)
    return labelled({
        "id": str(case.id),
        "version": case.version,
        "status": status.value,
        "status_label": status.label,
        "source": case.source,
        "category": case.category,
        "summary": case.summary,
        "region_code": case.region_code,
        "village_code": case.village_code,
        "town_code": case.town_code,
        "county_code": case.county_code,
        "route": case.route,
        "organisation_code": case.organisation_code,
        "mediator_id": case.mediator_id,
        "mediator_name": _mediator_name(case.mediator_id),
        "risk_level": case.risk_level,
        "risk_flags": list(case.risk_flags),
        "people_involved": case.people_involved,
        "amount_in_dispute": case.amount_in_dispute,
        "parties": [p.as_dict() for p in case.parties],
        "reported_at": case.reported_at,
        "closed_at": case.closed_at,
        "resolution": case.resolution,
        "lead_id": case.lead_id,
        "agreement": _agreement(case.agreement_terms, case.agreement_amount, case.agreed_at),
        "court_outcome": _court_outcome(case.court_outcome, case.court_outcome_summary, case.court_case_number),
        "deadlines": _deadlines(case.deadlines, as_of or now),
        "allowed_commands": _allowed(actor, status.value, case.handling_bodies),
        "position": position,
        "as_of": as_of,
    })


def _when(text: str | None) -> datetime | None:
    return None if text is None else parse_utc_text(text)


def from_row(
    row: dict[str, Any], *, actor: Actor, parties: list[dict[str, Any]], deadlines: list[dict[str, Any]]
) -> dict[str, Any]:
    """The state of a case view row; ``deadlines`` as the projections give them (overdue set)."""
    status = Status(row["status"])
    return labelled({
        "id": row["id"],
        "version": row["version"],
        "status": status.value,
        "status_label": status.label,
        "source": row["source"],
        "category": row["category"],
        "summary": row["summary"],
        "region_code": row["region_code"],
        "village_code": row["village_code"],
        "town_code": row["town_code"],
        "county_code": row["county_code"],
        "route": row["route"],
        "organisation_code": row["organisation_code"],
        "mediator_id": row["mediator_id"],
        "mediator_name": _mediator_name(row["mediator_id"]),
        "risk_level": row["risk_level"],
        "risk_flags": [f for f in (row["risk_flags"] or "").split(",") if f],
        "people_involved": row["people_involved"],
        "amount_in_dispute": row["amount_in_dispute"],
        "parties": parties,
        "reported_at": _when(row["reported_at"]),
        "closed_at": _when(row["closed_at"]),
        "resolution": row["resolution"],
        "lead_id": row["lead_id"],
        "agreement": _agreement(row["agreement_terms"], row["agreement_amount"], _when(row["agreed_at"])),
        "court_outcome": _court_outcome(row["court_outcome"], row["court_outcome_summary"], row["court_case_number"]),
        "deadlines": [{k: d[k] for k in ("kind", "reminder", "due_at", "met_at", "open", "overdue")} for d in deadlines],
        "allowed_commands": _allowed(actor, status.value, handling_bodies(row)),
        "position": row["position"],
        "as_of": None,
    })


ENVELOPE = frozenset(
    {
        "originator_id",
        "originator_version",
        "originator_topic",
        "timestamp",
        "actor_id",
        "actor_role",
        "occurred_at",
        "note",
        "prev_hash",
        STORED_STATE,
    }
)


def history_entry(event: Any, *, late_after_hours: float, hash_of: Any, source: str | None = None) -> dict[str, Any]:
    """One stored event as the history shows it: envelope fields, then its payload. ``source``:
    the case's (an imported case's events are never late entries, domain/case.is_late_entry)."""
    name = type(event).__name__
    command, label = EVENTS[name]
    recorded, occurred = event.timestamp, event.occurred_at
    return {
        "seq": event.originator_version,
        "type": name,
        "command": kebab(command),
        "label": label,
        "occurred_at": occurred,
        "recorded_at": recorded,
        "late": is_late_entry(recorded, occurred, late_after_hours, source=source),
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "note": event.note,
        "payload": plain({k: v for k, v in vars(event).items() if k not in ENVELOPE}),
        "prev_hash": getattr(event, "prev_hash", None),
        "hash": hash_of(event),
    }
