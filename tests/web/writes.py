"""What a test counts as written: case events and command receipts, told apart by topic
(access-log entries and reference data are written by other paths)."""

from __future__ import annotations

from collections import Counter
from typing import Any

CASE_TOPIC = "domain.case:Case."
RECEIPT_TOPIC = "application.receipts:CommandReceipt."


def writes(world: Any) -> Counter[str]:
    """{"case": n, "receipt": m} over the whole store."""
    recorder = world.ledger.recorder
    counted: Counter[str] = Counter()
    for notification in recorder.select_notifications(start=1, limit=1_000_000):
        if notification.topic.startswith(CASE_TOPIC):
            counted["case"] += 1
        elif notification.topic.startswith(RECEIPT_TOPIC):
            counted["receipt"] += 1
    return counted
