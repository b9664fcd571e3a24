"""When to try the next sync: exponential backoff with full jitter after failures.

Qt-free: the UI's timer asks `next_delay()` after each cycle. Randomness and the clock are
injected, so tests check the schedule without sleeping. Full jitter (a uniform delay between zero
and the exponential cap) keeps a room of workstations that lost the network together from all
retrying at the same moment when it comes back.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """The retry schedule of one workstation's background sync."""

    interval_s: float = 120.0  # the normal wait between good cycles
    base_s: float = 5.0  # the cap after the first failure
    max_s: float = 15 * 60.0  # the cap never grows beyond this
    uniform: Callable[[float, float], float] = field(default=random.uniform)
    clock: Callable[[], float] = field(default=time.monotonic)
    failures: int = 0
    _due_at: float | None = None

    def succeeded(self) -> float:
        """A good cycle: back to the normal interval; returns the delay until the next one."""
        self.failures = 0
        return self._schedule(self.interval_s)

    def failed(self) -> float:
        """A failed cycle: the next delay is uniform in [0, min(max, base * 2^(failures-1))]."""
        self.failures += 1
        cap = min(self.max_s, self.base_s * 2 ** min(self.failures - 1, 32))
        return self._schedule(self.uniform(0.0, cap))

    def _schedule(self, delay: float) -> float:
        self._due_at = self.clock() + delay
        return delay

    def due(self) -> bool:
        """Whether the next cycle should run now (true before any cycle has run)."""
        return self._due_at is None or self.clock() >= self._due_at

    def remaining(self) -> float:
        """Seconds until the next cycle is due (0 when due)."""
        if self._due_at is None:
            return 0.0
        return max(0.0, self._due_at - self.clock())
