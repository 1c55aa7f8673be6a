"""What `ledger serve --demo` needs besides the server: whether the store has cases yet (its demo
actors and their tokens are application.demo.demo_tokens)."""

from __future__ import annotations

from application.ledger import Ledger
from domain.case import Case

REPORTED_TOPIC = f"{Case.__module__}:{Case.__qualname__}.Reported"


def has_cases(ledger: Ledger) -> bool:
    return bool(ledger.recorder.select_notifications(start=1, limit=1, topics=[REPORTED_TOPIC]))
