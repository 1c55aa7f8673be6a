"""The domain's exception tree; the web layer maps each class to one HTTP status."""

from __future__ import annotations

from collections.abc import Iterable


class LedgerError(Exception):
    """Base of every refusal the ledger gives on purpose."""


class InvalidValue(LedgerError):
    """A field broke a rule. ``field`` names it so clients can point at it."""

    def __init__(self, field: str, rule: str):
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


class IllegalTransition(LedgerError):
    def __init__(self, status: str, command: str, allowed: Iterable[str]):
        self.status = status
        self.command = command
        self.allowed = sorted(allowed)
        super().__init__(
            f"{command} is not allowed in state {status}; "
            f"allowed: {', '.join(self.allowed) or 'none'}"
        )


class RuleViolation(LedgerError):
    """A command allowed in this state but refused by a business rule (e.g. a second extension)."""

    def __init__(self, command: str, rule: str):
        super().__init__(f"{command}: {rule}")
        self.command = command
        self.rule = rule


class AccessDenied(LedgerError):
    """The actor's role or region scope does not cover this command or case."""

    code = "forbidden"
