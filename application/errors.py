"""Refusals raised by the application on top of the domain's."""

from __future__ import annotations

from uuid import UUID

from domain.errors import LedgerError


class CaseNotFound(LedgerError):
    def __init__(self, case_id: UUID | str):
        super().__init__(f"no dispute case {case_id}")
        self.case_id = case_id


class UnknownActor(LedgerError):
    """No actor for this name or token (HTTP 401)."""


class VersionConflict(LedgerError):
    def __init__(self, expected: int | None, current: int):
        super().__init__(f"the case is at version {current}, not {expected}")
        self.expected = expected
        self.current = current
