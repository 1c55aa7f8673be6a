"""A projection handler that fails on chosen events, as a poison event would make it fail.

The fault sits where a real one would: inside the projection's handling of one event (or in
writing the batch), so the batch's transaction rolls back exactly as it would for an
OverflowError on an out-of-range date or a NUL that PostgreSQL refuses.
"""

from __future__ import annotations

from typing import Any

import pytest

import projections.case_views
from projections.case_views import _Batch


class Fault:
    """Positions whose event fails, and the error each failure raises; ``heal`` is the fix."""

    def __init__(self, error: BaseException):
        self.error = error
        self.positions: set[int] = set()
        self.raised = 0

    def fail_at(self, position: int) -> None:
        self.positions.add(position)

    def heal(self) -> None:
        self.positions.clear()


def failing_projection(
    monkeypatch: pytest.MonkeyPatch, error: BaseException | None = None, *, when: str = "apply"
) -> Fault:
    """``when="apply"``: the handler of the event raises; ``"flush"``: writing a batch that holds
    the event raises (the event cannot be told from the others until the batch is split)."""
    fault = Fault(error or OverflowError("date value out of range"))
    apply, flush = _Batch.apply, _Batch.flush

    def failing_apply(self: _Batch, event: Any, position: int) -> None:
        if when == "apply" and position in fault.positions:
            fault.raised += 1
            raise fault.error
        if when == "flush" and position in fault.positions:
            self.poisoned = True  # type: ignore[attr-defined]
        apply(self, event, position)

    def failing_flush(self: _Batch) -> None:
        if getattr(self, "poisoned", False):
            fault.raised += 1
            raise fault.error
        flush(self)

    monkeypatch.setattr(projections.case_views._Batch, "apply", failing_apply)
    monkeypatch.setattr(projections.case_views._Batch, "flush", failing_flush)
    return fault
