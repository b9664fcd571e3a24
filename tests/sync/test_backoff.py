"""The retry schedule: exponential caps with full jitter, reset by a good cycle (no sleeping)."""

from __future__ import annotations

from cars_desktop.sync.backoff import Backoff


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_caps_double_up_to_the_maximum_and_the_delay_is_drawn_below_the_cap() -> None:
    caps: list[float] = []

    def uniform(low: float, high: float) -> float:
        caps.append(high)
        return high / 2

    backoff = Backoff(interval_s=60, base_s=5, max_s=40, uniform=uniform, clock=_Clock())
    delays = [backoff.failed() for _ in range(6)]
    assert caps == [5, 10, 20, 40, 40, 40]
    assert delays == [c / 2 for c in caps]


def test_a_good_cycle_resets_to_the_normal_interval() -> None:
    backoff = Backoff(interval_s=60, base_s=5, max_s=40, uniform=lambda lo, hi: hi, clock=_Clock())
    backoff.failed()
    backoff.failed()
    assert backoff.succeeded() == 60
    assert backoff.failures == 0
    assert backoff.failed() == 5


def test_due_follows_the_injected_clock() -> None:
    clock = _Clock()
    backoff = Backoff(interval_s=60, uniform=lambda lo, hi: hi, clock=clock)
    assert backoff.due()
    backoff.succeeded()
    assert not backoff.due() and backoff.remaining() == 60
    clock.now += 60
    assert backoff.due() and backoff.remaining() == 0
