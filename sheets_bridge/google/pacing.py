"""Client-side pacing: stay under a per-minute request budget instead of running into 429s."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable


class MinuteBudget:
    """At most `per_minute` requests in any 60 s window. Thread-safe; the clock is injected."""

    def __init__(self, per_minute: int, clock: Callable[[], float], window: float = 60.0):
        self.per_minute, self.clock, self.window = per_minute, clock, window
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take a slot; return how many seconds to wait before using it (0 when free now)."""
        with self._lock:
            now = self.clock()
            while self._sent and self._sent[0] <= now - self.window:
                self._sent.popleft()
            if len(self._sent) < self.per_minute:
                self._sent.append(now)
                return 0.0
            # The slot frees when the oldest of the last `per_minute` leaves the window.
            start = self._sent[-self.per_minute] + self.window
            self._sent.append(start)
            return start - now

    def used(self) -> int:
        with self._lock:
            now = self.clock()
            return sum(1 for t in self._sent if now - self.window < t <= now)
