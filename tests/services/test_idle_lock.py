"""The idle lock saves drafts, then locks, once the idle period has passed."""

from __future__ import annotations

from cars_desktop.services.idle_lock import IdleLock
from tests.conftest import Workstation


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_locks_only_after_the_idle_period_and_saves_drafts_first(workstation: Workstation) -> None:
    session = workstation.unlock()
    clock = FakeClock()
    idle = IdleLock(session, clock)
    drafts: list[bool] = []
    session.on_before_lock(lambda: drafts.append(session.locked))
    clock.now += 4 * 60
    assert not idle.lock_if_due()
    idle.touch()
    clock.now += 4 * 60
    assert not idle.lock_if_due()
    assert idle.seconds_left() == 60
    clock.now += 61
    assert idle.lock_if_due()
    assert session.locked
    assert drafts == [False]
    assert not idle.lock_if_due()
