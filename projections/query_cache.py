"""Results of view queries, kept while the views stay at one tracking position.

The views change only when a projection batch commits, and every batch moves the tracking
position, so a query's result read at position P is exact for as long as the views are still at
P. Entries are dropped the moment a request sees a newer position: nothing is ever served from
older views than the request itself would read (read-your-writes holds unchanged). A result
that depends on the clock must not be cached, or must carry its clock-dependent part outside.

Cached values are shared between requests: callers treat them as read-only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class PositionCache:
    def __init__(self, capacity: int = 512):
        self.capacity = capacity
        self._generation: str | None = None
        self._position = -1
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(
        self, generation: str | None, position: int, key: Hashable, compute: Callable[[], T]
    ) -> T:
        """The value for ``key`` at ``position`` of the views' ``generation`` (a rebuild starts a
        new one, from position 0), computed once per position; least recently used entries
        beyond ``capacity`` are dropped. ``capacity`` 0 turns caching off."""
        if self.capacity <= 0:
            return compute()
        with self._lock:
            if generation != self._generation:
                self._entries.clear()
                self._generation, self._position = generation, position
            elif position > self._position:
                self._entries.clear()
                self._position = position
            elif position == self._position and key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]  # type: ignore[no-any-return]
        # Computed outside the lock; a request that read an older position (its transaction
        # began before a batch committed) is answered without touching the newer entries.
        value = compute()
        with self._lock:
            self.misses += 1
            if (generation, position) == (self._generation, self._position):
                self._entries[key] = value
                while len(self._entries) > self.capacity:
                    self._entries.popitem(last=False)
        return value
