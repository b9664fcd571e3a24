"""Locking the workstation after a spell without input, on a shared custody-block PC.

Qt-free: the UI reports input with `touch()` and asks `due()` from a timer; the clock is
injectable so the rule is tested without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from cars_desktop.services.workstation import WorkstationSession


class IdleLock:
    """Tracks the last input and locks the session once the idle period has passed."""

    def __init__(self, session: WorkstationSession, clock: Callable[[], float] = time.monotonic) -> None:
        self.session = session
        self._clock = clock
        self._last_input = clock()

    def touch(self) -> None:
        """Called on every key press or mouse move."""
        self._last_input = self._clock()

    @property
    def period_s(self) -> float:
        """The idle period, read from the session each time: a changed setting applies at once."""
        return self.session.settings.idle_lock_minutes * 60

    def seconds_left(self) -> float:
        return max(0.0, self.period_s - (self._clock() - self._last_input))

    def due(self) -> bool:
        return not self.session.locked and self.seconds_left() <= 0

    def lock_if_due(self) -> bool:
        """Save drafts and lock if the period has passed; True if it locked now."""
        if not self.due():
            return False
        self.session.lock("idle")
        return True
