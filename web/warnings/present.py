"""A warning and its events as JSON-ready dicts (HTTP answers and `ledger warnings show`)."""

from __future__ import annotations

from typing import Any

from domain.integrity import event_hash
from domain.mass_warning import EVENTS, MassWarning, MissedDeadline
from domain.warning_lifecycle import DEADLINE, MASS, STATE_LABELS, allowed


def warning_state(w: MassWarning | MissedDeadline) -> dict[str, Any]:
    common: dict[str, Any] = {
        "id": str(w.id),
        "version": w.version,
        "status": w.status,
        "status_label": STATE_LABELS[w.status],
        "region_code": w.region_code,
        "region_path": list(w.region_path),
        "category": w.category,
        "raised_at": w.raised_at,
        "allowed_commands": sorted(c.replace("_", "-") for c in allowed(w.KIND, w.status) if c != "add_evidence"),
    }
    if isinstance(w, MassWarning):
        return {
            **common,
            "kind": MASS,
            "rule": w.rule,
            "subject": w.subject,
            "threshold": w.threshold,
            "window_days": w.window_days,
            "case_ids": w.case_ids,
            "evidence": [
                {"case_id": e["case_id"], "region_code": e["region_path"][-1], "reported_at": e["reported_at"]}
                for e in w.evidence
            ],
            "lead_unit": w.lead,
            "handling_due_at": w.handling_due_at,
            "dismissal_reason": w.dismissal_reason,
        }
    return {
        **common,
        "kind": DEADLINE,
        "case_id": w.case_id,
        "deadline_kind": w.deadline_kind,
        "deadline_seq": w.deadline_seq,
        "due_at": w.due_at,
        "organisation_code": w.organisation_code,
        "mediator_id": w.mediator_id,
        "instruction": w.instruction,
    }


_HIDDEN = {"originator_id", "originator_version", "timestamp", "actor_id", "actor_role", "occurred_at", "note", "prev_hash"}


def history_entry(e: Any) -> dict[str, Any]:
    name = type(e).__name__
    command, label = EVENTS.get(name, (name, name))
    return {
        "seq": e.originator_version,
        "event": name,
        "command": command.replace("_", "-"),
        "label": label,
        "actor_id": e.actor_id,
        "actor_role": e.actor_role,
        "occurred_at": e.occurred_at,
        "recorded_at": e.timestamp,
        "note": e.note,
        "data": {k: v for k, v in e.__dict__.items() if k not in _HIDDEN},
        "hash": event_hash(e),
    }
