"""The read-access log (查阅记录): who read a case's personal data, when, where and why.

One stream per case, hash-chained like the case's own events, so a reviewer can trust that no
read was removed or altered. Its id derives from the case id: finding a case's log needs no index.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.errors import InvalidValue
from domain.integrity import GENESIS, Chained

_NAMESPACE = UUID("5b0c4b8e-7a43-4d3e-9a55-0c1f6a2e7d11")
PURPOSE_MAX = 200


def check_purpose(purpose: str | None) -> str | None:
    text = (purpose or "").strip()
    if not text:
        return None
    if len(text) > PURPOSE_MAX:
        raise InvalidValue("purpose", f"at most {PURPOSE_MAX} characters")
    return text


class AccessLog(Chained):
    @staticmethod
    def create_id(case_id: str) -> UUID:  # type: ignore[override]
        return uuid5(_NAMESPACE, f"access-log:{case_id}")

    @classmethod
    def open(cls, case_id: str) -> AccessLog:
        return cls._create(cls.Opened, id=cls.create_id(case_id), case_id=case_id, prev_hash=GENESIS)  # type: ignore[attr-defined]

    @event("Opened")
    def __init__(self, case_id: str) -> None:
        self.case_id = case_id
        self.reads = 0

    @event("Read")
    def record_read(self, actor_id: str, actor_role: str, endpoint: str, purpose: str | None, handler: bool) -> None:
        """``handler``: the reader was handling the case then, so no purpose was required."""
        self.reads += 1
