"""The read-access logs (查阅记录): who read a case's personal data, when, where and why.

Two kinds of stream, both hash-chained like the case's own events, so a reviewer can trust
that no read was removed or altered:

- AccessLog, one per case: each read of that one case (its details, history, review). Its id
  derives from the case id, so finding a case's log needs no index.
- ListingLog, one per actor: each list request that disclosed personal data, as ONE entry
  naming every case it showed. A page of fifty cases is one append, not fifty; the views index
  the entry under each case it names (projections/access.py), so a case's log still shows it.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.errors import InvalidValue
from domain.integrity import GENESIS, Chained
from domain.values import check_characters

_NAMESPACE = UUID("5b0c4b8e-7a43-4d3e-9a55-0c1f6a2e7d11")
PURPOSE_MAX = 200


def check_purpose(purpose: str | None) -> str | None:
    text = (purpose or "").strip()
    if not text:
        return None
    if len(text) > PURPOSE_MAX:
        raise InvalidValue("purpose", f"at most {PURPOSE_MAX} characters")
    # The rule every stored text obeys: PostgreSQL could not index a NUL or a lone surrogate.
    return check_characters("purpose", text)


class AccessLog(Chained):
    """The reads of one case."""

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
    def record_read(
        self, actor_id: str, actor_role: str, endpoint: str, purpose: str | None, handler: bool
    ) -> None:
        """``handler``: the reader was handling the case then, so no purpose was required."""
        self.reads += 1


class ListingLog(Chained):
    """The list requests of one actor that disclosed personal data, one entry per request."""

    @staticmethod
    def create_id(actor_id: str) -> UUID:  # type: ignore[override]
        return uuid5(_NAMESPACE, f"listing-log:{actor_id}")

    @classmethod
    def open(cls, actor_id: str) -> ListingLog:
        return cls._create(cls.Opened, id=cls.create_id(actor_id), owner=actor_id, prev_hash=GENESIS)  # type: ignore[attr-defined]

    @event("Opened")
    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.requests = 0

    @event("Listed")
    def record_listing(
        self,
        actor_id: str,
        actor_role: str,
        endpoint: str,
        purpose: str | None,
        case_ids: list[str],
        handled: list[str],
    ) -> None:
        """``case_ids``: every case whose personal data the answer showed, in the answer's order;
        ``handled``: those of them the reader was handling then."""
        if not case_ids:
            raise InvalidValue("case_ids", "a listing discloses at least one case")
        self.requests += 1
