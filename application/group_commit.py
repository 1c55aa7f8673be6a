"""Group commit: the events of commands saved at the same moment by threads of one process go to
the store in one transaction.

Each command's events still commit all together or not at all; what changes is that several
commands share a transaction, its table lock and its fsync. The PostgreSQL recorder locks the
events table for the whole of every insert transaction (so that notification ids commit in id
order, which followers rely on), so without this, concurrent commands queue for that lock one
fsync at a time (bench/RESULTS.md, "Commands beside raw single-row inserts").

The first thread to find no commit under way commits every save waiting at that moment; the
others wait for it and take their own recordings. A batch the store refuses (a version conflict,
the same idempotency key twice) is committed again one save at a time, so each save gets exactly
the answer it would have had alone.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import Recording

#: The most saves one transaction takes (a batch's lock is held while all of them are inserted).
MAX_BATCH = 64


def group_commit_enabled() -> bool:
    return os.environ.get("LEDGER_GROUP_COMMIT", "1").strip().lower() not in ("0", "false", "no", "off")


class _Save:
    __slots__ = ("error", "events", "recordings", "settled")

    def __init__(self, events: Sequence[Any]):
        self.events = events
        self.recordings: list[Recording[Any]] = []
        self.error: BaseException | None = None
        self.settled = False


class GroupCommit(Application[Any]):
    """Mixed into the Ledger: ``_record`` (the library's one call that writes) batches saves."""

    #: Batch sizes committed so far (tests and benchmarks read it; one int per batch is cheap).
    batch_sizes: list[int]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._group = group_commit_enabled()
        self._waiting: list[_Save] = []
        self._waiting_lock = threading.Lock()
        self._commit_lock = threading.Lock()
        self.batch_sizes = []

    def _record(self, processing_event: ProcessingEvent[Any]) -> list[Recording[Any]]:
        if not self._group or processing_event.tracking is not None or processing_event.saved_kwargs:
            return super()._record(processing_event)
        save = _Save(processing_event.events)
        with self._waiting_lock:
            self._waiting.append(save)
        while not save.settled:
            with self._commit_lock:
                if not save.settled:
                    with self._waiting_lock:
                        batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                    self._commit(batch)
        if save.error is not None:
            raise save.error
        cache = self.repository.cache
        if cache and not self.repository.fastforward:
            for aggregate_id, aggregate in processing_event.aggregates.items():
                cache.put(aggregate_id, aggregate)
        return save.recordings

    def _commit(self, batch: list[_Save]) -> None:
        try:
            if len(batch) > 1:
                try:
                    recordings = self.events.put([e for save in batch for e in save.events])
                except Exception:  # noqa: BLE001 - answered below, save by save
                    pass
                else:
                    self.batch_sizes.append(len(batch))
                    start = 0
                    for save in batch:
                        save.recordings = recordings[start : start + len(save.events)]
                        start += len(save.events)
                        save.settled = True
                    return
            for save in batch:
                try:
                    save.recordings = self.events.put(save.events)
                    self.batch_sizes.append(1)
                except Exception as e:  # noqa: BLE001 - raised in the thread whose save it is
                    save.error = e
                save.settled = True
        finally:
            for save in batch:
                if not save.settled:
                    save.error = RuntimeError("the save was not committed: its batch was interrupted")
                    save.settled = True
