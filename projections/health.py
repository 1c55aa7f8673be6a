"""Whether the views can be trusted right now: ok, degraded (an event fails to project) or
stalled (behind the store and not moving).

The judgement is made from what the views' database holds, never from one process's memory:
web workers beside a separate follower process must see the follower's failure and progress.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

DEFAULT_STALL_SECONDS = 60.0


def stall_seconds() -> float:
    """LEDGER_STALL_SECONDS: how long views may stay behind the store without moving before
    /healthz calls them stalled."""
    raw = os.environ.get("LEDGER_STALL_SECONDS", "").strip()
    if not raw:
        return DEFAULT_STALL_SECONDS
    value = float(raw)
    if not value > 0:
        raise ValueError(f"LEDGER_STALL_SECONDS must be a positive number of seconds, not {raw!r}")
    return value


@dataclass(frozen=True)
class Failure:
    """The event the projection fails on; the views stay just before it."""

    position: int
    case_id: str | None
    version: int | None
    topic: str
    error: str
    message: str
    first_seen: datetime
    last_seen: datetime
    attempts: int

    def summary(self) -> str:
        return (
            f"the event at position {self.position} (case {self.case_id}, version {self.version}, "
            f"{self.topic}) fails to project: {self.error}: {self.message}"
        )


@dataclass(frozen=True)
class Progress:
    """When the views last moved, and when a runner last found them caught up (either shows the
    projection was keeping up at that moment)."""

    moved_at: datetime | None
    caught_up_at: datetime | None

    @property
    def last(self) -> datetime | None:
        known = [t for t in (self.moved_at, self.caught_up_at) if t is not None]
        return max(known) if known else None


@dataclass(frozen=True)
class Verdict:
    status: str  # "ok", "degraded" or "stalled"
    failure: Failure | None = None
    stalled_for: float | None = None  # seconds since the projection was last seen keeping up


def judge(
    *, behind: int, failure: Failure | None, progress: Progress, now: datetime, stall: float
) -> Verdict:
    """A recorded failure makes the views degraded whatever else holds. Otherwise they are stalled
    when they are behind and have neither moved nor been caught up for more than ``stall``
    seconds: an idle follower's heartbeat keeps ``last`` fresh, so a write that has just arrived
    is not mistaken for a stall."""
    if failure is not None:
        return Verdict("degraded", failure=failure)
    last = progress.last
    if behind > 0 and last is not None:
        waited = (now - last).total_seconds()
        if waited > stall:
            return Verdict("stalled", stalled_for=waited)
    return Verdict("ok")
