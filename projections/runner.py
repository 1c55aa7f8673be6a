"""Keeps the views caught up with the event store: inline, as a follower, or by rebuilding.

The library's ProjectionRunner commits one transaction per event and cannot follow an SQLite
store (no subscriptions there); this loop reads pages of notifications and hands each page to
the projection as one batch, which keeps the same exactly-once guarantee per batch.

An event the projection cannot process (decoding, a handler, or the batch's SQL) must not stop
the runner nor leave the views half-done: the failing batch rolls back and is split until the one
failing event is found, the events before it are committed (the views stop just before it), and
the failure is recorded in the views' database for `ledger project --status`, /healthz and the
reads. The runner retries that event with a growing back-off; once the views move past it (fixed
code or data), the record goes in the same transaction as the tracking position.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.persistence import InterfaceError, Notification, OperationalError

from application.config import StoreSettings, county_tz
from application.ledger import Ledger
from projections.case_views import LedgerViews, StalePosition
from projections.health import Failure, stall_seconds
from projections.store import ViewsMixin, open_views

Progress = Callable[[int, int], None]
log = logging.getLogger("ledger.projections")

#: The store not answering (connection lost, database locked): no event is to blame, so nothing
#: is recorded against one; the follower waits and tries again, and the stall rule reports it.
TRANSIENT = (OperationalError, InterfaceError)


@dataclass(frozen=True)
class Lag:
    position: int
    head: int

    @property
    def behind(self) -> int:
        return max(0, self.head - self.position)


class ProjectionFailed(Exception):
    """The views cannot get past ``failure.position``; they are at ``position``."""

    def __init__(self, failure: Failure, position: int):
        super().__init__(f"views stopped at position {position}: {failure.summary()}")
        self.failure = failure
        self.position = position


class _EventFailed(Exception):
    def __init__(self, notification: Notification, error: BaseException):
        super().__init__(str(error))
        self.notification = notification
        self.error = error


class ViewRunner:
    def __init__(
        self,
        ledger: Ledger,
        *,
        batch_size: int = 1000,
        clock: Callable[[], datetime] | None = None,
        first_retry: float = 1.0,
        max_retry: float = 60.0,
        replica: StoreSettings | None = None,
    ):
        self.ledger = ledger
        self.batch_size = batch_size
        self.clock = clock or ledger.clock
        #: Views read from a streaming replica: never written here (the follower on the primary
        #: projects, replication brings the rows), only read and waited for.
        self.read_only = replica is not None
        self.views: ViewsMixin = open_views(replica or ledger.settings, self.clock, replica=self.read_only)
        self.projection = LedgerViews(self.views, county_tz())
        self._lock = threading.Lock()
        # Retrying a failing event: at first after first_retry seconds, doubling up to max_retry.
        self.first_retry, self.max_retry = first_retry, max_retry
        self._failed: Failure | None = None
        self._retry_at = 0.0
        self._retry_delay = first_retry
        self._heartbeat_at: datetime | None = None

    def close(self) -> None:
        self.views.datastore.close()  # type: ignore[attr-defined]

    def position(self) -> int:
        return self.views.max_tracking_id("ledger") or 0

    def lag(self) -> Lag:
        return Lag(self.position(), self.ledger.recorder.max_notification_id() or 0)

    def failure(self) -> Failure | None:
        """The failure recorded in the views' database, by this process or any other."""
        return self.views.failure()

    def catch_up(self, *, until: int | None = None, progress: Progress | None = None) -> int:
        """Process every event recorded so far (or up to ``until``); returns how many.

        Raises ProjectionFailed when an event cannot be projected (the views are then just before
        it, and the failure is recorded), also without trying again while the back-off runs."""
        if self.read_only:
            return 0
        with self._lock:
            head = until if until is not None else self.ledger.recorder.max_notification_id() or 0
            position = self.position()
            if position >= head:
                self._forget_failure_before(position)
                if until is None:
                    self._heartbeat()
                return 0
            self._wait_for_retry(position)
            done = [0]
            while position < head:
                limit = min(self.batch_size, head - position)
                if self._failed is not None and self._failed.position == position + 1:
                    limit = 1  # the event that failed, alone: a retry costs one event
                notifications = self.ledger.recorder.select_notifications(
                    start=position + 1, limit=limit, stop=head
                )
                if not notifications:
                    break
                try:
                    self._project(notifications, position, done)
                except StalePosition:
                    # Another process moved the views; continue from where it got to.
                    position = self.position()
                    continue
                except _EventFailed as e:
                    raise self._record(e) from e.error
                position = notifications[-1].id
                self._forget_failure_before(position)
                if progress:
                    progress(position, head)
            if until is None and position >= head:
                self._heartbeat()
            return done[0]

    def _project(self, notifications: Sequence[Notification], start: int, done: list[int]) -> None:
        items: list[tuple[Any, int]] = []
        for n in notifications:
            try:
                event = self.ledger.mapper.to_domain_event(n)
            except Exception as e:  # noqa: BLE001 - the safety net: whatever it is, it is this event's
                self._apply(items, start, notifications, done)
                raise _EventFailed(n, e) from e
            items.append((event, n.id))
        self._apply(items, start, notifications, done)

    def _apply(
        self, items: list[tuple[Any, int]], start: int, notifications: Sequence[Notification], done: list[int]
    ) -> None:
        """Project ``items`` as one batch; if that fails, as two halves, and so on down to the one
        failing event. Halves are applied in order, so everything before that event commits."""
        if not items:
            return
        try:
            self.projection.process_batch(items, expected_start=start)
        except (StalePosition, *TRANSIENT):
            raise
        except Exception as e:  # noqa: BLE001 - the safety net: any failure is located, then recorded
            if len(items) == 1:
                raise _EventFailed(next(n for n in notifications if n.id == items[0][1]), e) from e
            half = len(items) // 2
            self._apply(items[:half], start, notifications, done)
            self._apply(items[half:], items[half - 1][1], notifications, done)
            return
        done[0] += len(items)

    def _record(self, failed: _EventFailed) -> ProjectionFailed:
        n, error = failed.notification, failed.error
        if self._failed is None or self._failed.position != n.id:  # once, not at every retry
            log.error(
                "projection failed at position %s (case %s, version %s): %s: %s",
                n.id,
                n.originator_id,
                n.originator_version,
                type(error).__name__,
                error,
            )
        failure: Failure | None
        try:
            failure = self.views.record_failure(
                n.id, str(n.originator_id), n.originator_version, n.topic, type(error).__name__, str(error)
            )
        except TRANSIENT as e:
            log.error("could not record the projection failure at position %s: %s", n.id, e)
            failure = None
        if failure is None:  # not stored: described from what is known here
            now = self.clock()
            failure = Failure(
                n.id,
                str(n.originator_id),
                n.originator_version,
                n.topic,
                type(error).__name__,
                str(error),
                now,
                now,
                1,
            )
        if self._failed is None or self._failed.position != failure.position:
            self._retry_delay = self.first_retry
        self._failed = failure
        self._retry_at = time.monotonic() + self._retry_delay
        self._retry_delay = min(self._retry_delay * 2, self.max_retry)
        return ProjectionFailed(failure, self.position())

    def _wait_for_retry(self, position: int) -> None:
        """While the back-off runs, a known failure is answered without touching the store again."""
        failed = self._failed
        if failed is not None and position == failed.position - 1 and time.monotonic() < self._retry_at:
            raise ProjectionFailed(failed, position)

    def _forget_failure_before(self, position: int) -> None:
        if self._failed is not None and position >= self._failed.position:
            self._failed = None
            self._retry_delay = self.first_retry

    def retry_in(self) -> float:
        """Seconds until the failing event is tried again (0 when nothing is failing)."""
        return max(0.0, self._retry_at - time.monotonic()) if self._failed is not None else 0.0

    def _heartbeat(self) -> None:
        """Say, now and then, that the views are at the store's head: without it an idle
        follower would look stalled the moment a write arrives."""
        now = self.clock()
        if (
            self._heartbeat_at is not None
            and 0 <= (now - self._heartbeat_at).total_seconds() < stall_seconds() / 4
        ):
            return
        self.views.record_caught_up()
        self._heartbeat_at = now

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

    def follow(
        self,
        stop: threading.Event,
        *,
        poll: float = 0.2,
        progress: Progress | None = None,
        report: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Catch up, then keep polling until ``stop`` is set. Neither a failing event nor a store
        that stops answering ends the loop: each is reported (``report``, else the log) and tried
        again after a back-off."""
        unreachable_delay = poll
        while not stop.is_set():
            try:
                done = self.catch_up(progress=progress)
            except ProjectionFailed as e:
                (report or _log_failure)(e)
                stop.wait(max(poll, self.retry_in()))
                continue
            except TRANSIENT as e:
                (report or _log_failure)(e)
                stop.wait(unreachable_delay)
                unreachable_delay = min(max(unreachable_delay, self.first_retry) * 2, self.max_retry)
                continue
            unreachable_delay = poll
            if not done:
                stop.wait(poll)

    def rebuild(self, *, progress: Progress | None = None) -> int:
        """Drop every view and rebuild from the first event. A recorded failure is forgotten
        (and recorded again if the event still fails); ProjectionFailed as for catch_up."""
        with self._lock:
            self.views.drop_views()
            self.views.create_views(query_indexes=False)
            self.views.clear_failure()
            self._failed = None
            self._retry_delay = self.first_retry
        done = self.catch_up(progress=progress)
        self.views.create_query_indexes()
        return done


def _log_failure(error: BaseException) -> None:
    log.warning("views not caught up, will retry: %s", error)
