"""Which indicator facts a case earns from each of its events (DESIGN.md §6 version 2).

The counting unit is the case: each fact is earned at most once per life of the case (a life
ends when the case is reopened), on the event that first qualifies it. What the case has earned
so far in its life travels with its view row as a small JSON text (``tally``), so the projection
decides from the row alone, and a rebuild decides exactly as the incremental run did.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.codes import MEDIATION_ROUTES, Resolution, Severity

#: Severities in rising order: a threshold counts incidents of its severity or above.
SEVERITIES = tuple(s.value for s in Severity)
INCIDENT_KINDS = ("criminal_escalation", "extreme_act", "mass_incident")
#: Resolutions that end a case by mediation (a follow-up visit counts only after these).
FOLLOWABLE = frozenset({Resolution.MEDIATED.value, Resolution.CONFIRMED.value})
_LEAVES_MEDIATION_UNRESOLVED = frozenset({Resolution.UNRESOLVABLE.value, Resolution.WITHDRAWN.value})


def incident_kind(kind: str, severity: str) -> str:
    """The fact of a case's first incident of ``kind`` (or 'any') at ``severity`` or above."""
    return f"incident.{kind}.{severity}"


@dataclass(frozen=True)
class Earned:
    kind: str
    when: datetime  # the instant whose local day the fact is counted on
    value: float = 0.0


def _seconds(start: str | None, end: datetime) -> float:
    if start is None:
        return 0.0
    # Whole seconds: sums of integers stay exact however they are added up or moved.
    return float(round((end - datetime.fromisoformat(start)).total_seconds()))


def _utc(when: datetime) -> str:
    from projections.periods import utc_text

    return utc_text(when)


class Tally:
    """The counting state of one case: its life, the facts already earned in it, and the few
    instants later facts are measured from."""

    def __init__(self, text: str | None):
        state: dict[str, Any] = json.loads(text) if text else {}
        self.life: int = state.get("life", 1)
        self.seen: set[str] = set(state.get("seen", ()))
        self.started_at: str | None = state.get("started_at")
        self.attempted: bool = state.get("attempted", False)
        self.agreed_at: str | None = state.get("agreed_at")
        self.filed_at: str | None = state.get("filed_at")
        self.followable: bool = state.get("followable", False)
        self.litigated: bool = state.get("litigated", False)

    def text(self) -> str:
        return json.dumps(
            {
                "life": self.life, "seen": sorted(self.seen), "started_at": self.started_at,
                "attempted": self.attempted, "agreed_at": self.agreed_at, "filed_at": self.filed_at,
                "followable": self.followable, "litigated": self.litigated,
            },
            separators=(",", ":"),
        )

    def _once(self, out: list[Earned], kind: str, when: datetime, value: float = 0.0) -> None:
        if kind not in self.seen:
            self.seen.add(kind)
            out.append(Earned(kind, when, value))

    def apply(self, name: str, e: Any) -> list[Earned]:
        """The facts ``e`` (an event of type ``name``) earns the case."""
        out: list[Earned] = []
        when: datetime = e.occurred_at
        if name == "Reported":
            self.started_at = _utc(when)
            self._once(out, "reported", when)
        elif name == "Assigned" and e.route in MEDIATION_ROUTES:
            self._once(out, "assigned", when)
        elif name in ("Accepted", "SessionHeld", "FailureRecorded"):
            self.attempted = True
            if name == "SessionHeld" and e.mode == "online":
                self._once(out, "online_mediations", when)
        elif name == "AgreementRecorded":
            self.attempted = True
            if "agreed" not in self.seen:
                self.agreed_at = _utc(when)
                self._once(out, "agreed", when, _seconds(self.started_at, when))
                if not self.litigated:
                    self._once(out, "resolved_pre_litigation", when)
        elif name == "ConfirmationRequested" and e.online:
            self._once(out, "online_confirmations", when)
        elif name == "ConfirmationDecided":
            self._once(out, "confirmations_granted" if e.granted else "confirmations_rejected", when)
        elif name == "HandedOff":
            # Handed to arbitration or notarisation: mediation ends without an agreement of its
            # own; the hand-off is neither 化解 nor a mediation success.
            self._concluded_failure(out, when)
        elif name == "FiledInCourt":
            self._concluded_failure(out, when)
            self.litigated = True
            self.filed_at = _utc(when)
            self._once(out, "ledger_court_filings", when)
        elif name in ("CourtOutcomeRecorded", "EntrustedAgreementRecorded"):
            # An entrusted mediation's agreement is the suit's outcome (法院调解), not 诉前化解.
            self._once(out, "court_outcomes", when, _seconds(self.filed_at, when))
        elif name in ("Closed", "Withdrawn"):
            if e.resolution in _LEAVES_MEDIATION_UNRESOLVED:
                self._concluded_failure(out, when)
            self.followable = e.resolution in FOLLOWABLE
        elif name == "FollowedUp":
            if self.followable and self.agreed_at is not None and "followed_up" not in self.seen:
                # Counted with the resolution it follows up: on the day of the agreement.
                agreed = datetime.fromisoformat(self.agreed_at)
                self._once(out, "followed_up", agreed)
                if e.satisfaction == "satisfied":
                    self._once(out, "satisfied", agreed)
                if e.relapse:
                    self._once(out, "relapsed", agreed)
        elif name == "Reopened":
            self.life += 1
            self.seen = set()
            self.started_at = _utc(when)
            self.attempted = False
            self.agreed_at = None
            self.followable = False
        elif name == "IncidentReported":
            rank = SEVERITIES.index(e.severity)
            for threshold in SEVERITIES[: rank + 1]:
                self._once(out, incident_kind("any", threshold), when)
                self._once(out, incident_kind(e.kind, threshold), when)
        return out

    def _concluded_failure(self, out: list[Earned], when: datetime) -> None:
        """Mediation tried and never agreed, and the case now leaves mediation for good."""
        if self.attempted and "agreed" not in self.seen:
            self._once(out, "mediation_failed", when)
