"""Accountability review (责任倒查) of one case: what happened, which deadline was met or missed
and by whom, late entries, supervision, risk handling. Every statement cites its event by
sequence number and hash, so a reviewer can check it against the ledger or a bundle."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from application.access_log import case_log
from application.config import late_entry_hours
from application.ledger import Ledger
from domain.case import EVENTS, is_late_entry
from domain.deadlines import KINDS, is_reminder, past_due
from domain.integrity import STORED_STATE, event_hash
from domain.lifecycle import PROGRESS
from domain.reference import Actor

ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor_id", "actor_role",
            "occurred_at", "note", "prev_hash", STORED_STATE}


def _cite(e: Any) -> dict[str, Any]:
    return {"sequence": e.originator_version, "hash": event_hash(e)}


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 2)


def related_in_scope(
    ledger: Ledger, related: list[dict[str, Any]], reader: Actor | None
) -> tuple[list[dict[str, Any]], int]:
    """The related cases the reader may read, and how many others there are. One outside the
    reader's region is only counted: its id, status, category or village would describe a case
    that the reader is told does not exist (404). The region comes from the store, which is
    never behind the views the related rows were found in."""
    if reader is None or not reader.region_path:
        return list(related), 0
    inside = [r for r in related if reader.covers(ledger.get_case(r["id"]).region_path)]
    return inside, len(related) - len(inside)


def build_review(
    ledger: Ledger,
    case_id: str,
    *,
    now: datetime,
    related: list[dict[str, Any]] | None = None,
    reads: list[dict[str, Any]] | None = None,
    reader: Actor | None = None,
) -> dict[str, Any]:
    """``reads``: the case's access log from the views (projections/access.py reads_of_case),
    which also holds the list pages that showed the case; without it, only the case's own log
    is read from the store, and list reads are left out. ``reader`` (None: the whole ledger, as
    the CLI) decides which related cases are described and which only counted."""
    events = ledger.history(case_id)
    case = ledger.case_as_of(case_id)
    assert case is not None
    late_after = late_entry_hours()
    related_shown, related_outside = related_in_scope(ledger, related or [], reader)
    by_seq = {e.originator_version: e for e in events}

    timeline = []
    for e in events:
        name = type(e).__name__
        delay = e.timestamp - e.occurred_at  # type: ignore[attr-defined]
        timeline.append({
            **_cite(e),
            "event": name,
            "label": EVENTS[name][1],
            "occurred_at": e.occurred_at.isoformat(),  # type: ignore[attr-defined]
            "recorded_at": e.timestamp.isoformat(),
            "actor_id": e.actor_id,  # type: ignore[attr-defined]
            "actor_role": e.actor_role,  # type: ignore[attr-defined]
            "late_entry": is_late_entry(e.timestamp, e.occurred_at, late_after, source=case.source),  # type: ignore[attr-defined]
            "recorded_after_hours": _hours(delay),
            "details": {k: v for k, v in e.__dict__.items() if k not in ENVELOPE and k not in ("parties",)},
        })

    deadlines = []
    for d in case.deadlines:
        due_passed = d.cancelled_at is None and past_due(d.kind, d.due_at, d.met_at, now)
        if is_reminder(d.kind):
            # The parties' window: whether and when they used it, never a miss of the body's.
            outcome = "reminder, cancelled" if d.cancelled_at is not None else (
                "reminder, acted on" if d.met_at is not None else "reminder")
        elif d.superseded:
            # An extension granted after the due date does not undo the miss before it.
            outcome = "missed, then re-dated" if d.cancelled_at > d.due_at else "re-dated"  # type: ignore[operator]
        elif d.cancelled_at is not None:
            outcome = "cancelled"
        elif d.met_at is None:
            outcome = "missed (still open)" if due_passed else "open"
        else:
            outcome = "met late" if d.missed else "met in time"
        # Who held the case when the deadline fell due (or when it was met, if earlier).
        at = min(d.due_at, d.met_at) if d.met_at else d.due_at
        holder = ledger.case_as_of(case_id, occurred_at=at)
        opened_by = by_seq[d.seq]
        entry: dict[str, Any] = {
            "kind": d.kind,
            "label": KINDS[d.kind].label,
            "opened_at": d.opened_at.isoformat(),
            "in_force_from": d.in_force_from.isoformat(),
            "due_at": d.due_at.isoformat(),
            "outcome": outcome,
            "reminder": is_reminder(d.kind),
            "opened_by": _cite(opened_by) | {"actor_id": opened_by.actor_id},  # type: ignore[attr-defined]
            "held_by": {
                "organisation_code": holder.organisation_code if holder else None,
                "mediator_id": holder.mediator_id if holder else None,
            },
        }
        if d.met_at is not None and d.met_seq is not None:
            met = by_seq[d.met_seq]
            entry["met"] = _cite(met) | {"at": d.met_at.isoformat(), "actor_id": d.met_by}
            if d.missed and not is_reminder(d.kind):
                entry["late_by_hours"] = _hours(d.met_at - d.due_at)
        elif due_passed:
            entry["late_by_hours"] = _hours(now - d.due_at)
        elif d.superseded and d.cancelled_at > d.due_at:  # type: ignore[operator]
            entry["late_by_hours"] = _hours(d.cancelled_at - d.due_at)  # type: ignore[operator]
        deadlines.append(entry)

    notes = []
    supervision = [d for d in case.deadlines if d.kind == "supervision"]
    for e in events:
        if type(e).__name__ == "SupervisionNoteAdded":
            deadline = next(d for d in supervision if d.seq == e.originator_version)
            notes.append({
                **_cite(e),
                "instruction": e.instruction,  # type: ignore[attr-defined]
                "by": e.actor_id,  # type: ignore[attr-defined]
                "due_at": deadline.due_at.isoformat(),
                "answered": deadline.met_at is not None,
                "answered_by": _cite(by_seq[deadline.met_seq]) if deadline.met_seq else None,
                "answered_in_time": deadline.met_at is not None and deadline.met_at <= deadline.due_at,
            })

    risks = []
    high_window = timedelta(days=ledger.rules.triage_high_risk_days)
    for i, e in enumerate(events):
        if type(e).__name__ != "RiskAssessed":
            continue
        risk: dict[str, Any] = {**_cite(e), "level": e.level, "flags": list(e.flags), "by": e.actor_id}  # type: ignore[attr-defined]
        if e.level in ("high", "critical"):  # type: ignore[attr-defined]
            action = next((a for a in events[i + 1:] if EVENTS[type(a).__name__][0] in PROGRESS | {"add_supervision_note"}), None)
            risk["followed_by"] = _cite(action) | {"event": type(action).__name__} if action else None
            risk["acted_within_deadline"] = bool(
                action and action.occurred_at - e.occurred_at <= high_window  # type: ignore[attr-defined]
            )
        risks.append(risk)

    incidents = [
        {**_cite(e), "kind": e.kind, "severity": e.severity, "description": e.description,  # type: ignore[attr-defined]
         "occurred_at": e.occurred_at.isoformat()}  # type: ignore[attr-defined]
        for e in events if type(e).__name__ == "IncidentReported"
    ]
    return {
        "case_id": str(case.id),
        "status": case.status,
        "region_path": case.region_path,
        "category": case.category,
        "reported_at": case.reported_at.isoformat(),
        "reviewed_at": now.isoformat(),
        "incidents": incidents,
        "timeline": timeline,
        "deadlines": deadlines,
        "missed_deadlines": [
            d for d in deadlines if d["outcome"] in ("met late", "missed (still open)", "missed, then re-dated")
        ],
        "supervision_notes": notes,
        "late_entries": [t for t in timeline if t["late_entry"]],
        "risk_assessments": risks,
        "related_cases": related_shown,
        "related_outside_scope": related_outside,
        "head": _cite(events[-1]),
        "access_log": _reads_around(case_log(ledger, str(case.id)) if reads is None else reads, incidents),
    }


def _reads_around(entries: list[dict[str, Any]], incidents: list[dict[str, Any]]) -> dict[str, Any]:
    """Who read the parties' personal data, split at the first incident (when there is one).
    Each read cites its own log (``log``, ``sequence``, ``hash``): access logs are chains of
    their own, apart from the case's events."""
    reads = [{**r, "read_at": r["read_at"].isoformat()} for r in entries]
    if not incidents:
        return {"incident_at": None, "before": reads, "after": []}
    first = min(datetime.fromisoformat(i["occurred_at"]) for i in incidents)
    return {
        "incident_at": first.isoformat(),
        "before": [r for r in reads if datetime.fromisoformat(r["read_at"]) <= first],
        "after": [r for r in reads if datetime.fromisoformat(r["read_at"]) > first],
    }
