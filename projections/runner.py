"""Keeps the views caught up with the event store: inline, as a follower, or by rebuilding.

The library's ProjectionRunner commits one transaction per event and cannot follow an SQLite
store (no subscriptions there); this loop reads pages of notifications and hands each page to
the projection as one batch, which keeps the same exactly-once guarantee per batch.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from application.config import county_tz
from application.ledger import Ledger
from projections.case_views import LedgerViews, StalePosition
from projections.store import ViewsMixin, open_views

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Lag:
    position: int
    head: int

    @property
    def behind(self) -> int:
        return max(0, self.head - self.position)


class ViewRunner:
    def __init__(self, ledger: Ledger, *, batch_size: int = 1000):
        self.ledger = ledger
        self.batch_size = batch_size
        self.views: ViewsMixin = open_views(ledger.settings)
        self.projection = LedgerViews(self.views, county_tz())
        self._lock = threading.Lock()

    def close(self) -> None:
        self.views.datastore.close()  # type: ignore[attr-defined]

    def position(self) -> int:
        return self.views.max_tracking_id("ledger") or 0

    def lag(self) -> Lag:
        return Lag(self.position(), self.ledger.recorder.max_notification_id() or 0)

    def catch_up(self, *, until: int | None = None, progress: Progress | None = None) -> int:
        """Process every event recorded so far (or up to ``until``); returns how many."""
        with self._lock:
            done = 0
            head = until if until is not None else self.ledger.recorder.max_notification_id() or 0
            position = self.position()
            while position < head:
                notifications = self.ledger.recorder.select_notifications(
                    start=position + 1, limit=min(self.batch_size, head - position), stop=head
                )
                if not notifications:
                    break
                items = [(self.ledger.mapper.to_domain_event(n), n.id) for n in notifications]
                try:
                    self.projection.process_batch(items, expected_start=position)
                except StalePosition:
                    # Another process moved the views; continue from where it got to.
                    position = self.position()
                    continue
                done += len(items)
                position = items[-1][1]
                if progress:
                    progress(position, head)
            return done

    def wait_for(self, position: int, timeout: float) -> bool:
        """True once the views have reached ``position``; catches up itself meanwhile."""
        deadline = time.monotonic() + timeout
        while True:
            if self.position() >= position:
                return True
            self.catch_up(until=position)
            if self.position() >= position:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)

    def follow(self, stop: threading.Event, *, poll: float = 0.2, progress: Progress | None = None) -> None:
        """Catch up, then keep polling until ``stop`` is set."""
        while not stop.is_set():
            if not self.catch_up(progress=progress):
                stop.wait(poll)

    def rebuild(self, *, progress: Progress | None = None) -> int:
        """Drop every view and rebuild from the first event."""
        with self._lock:
            self.views.drop_views()
            self.views.create_views(query_indexes=False)
        done = self.catch_up(progress=progress)
        self.views.create_query_indexes()
        return done
