"""Seeded custody episodes are never released in the future, even when seeded for today."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from cars_desktop.services.seed import CaseworkGenerator
from cars_protocol.records import CustodyEpisode, RecordBase
from tests.conftest import SITE, WORKER

PEOPLE = 400


def episodes(now: datetime | None, end: date, seed: int = 3) -> list[CustodyEpisode]:
    generator = CaseworkGenerator(random.Random(seed), SITE, WORKER, end, 10, now=now)
    records: list[RecordBase] = []
    for _ in range(PEOPLE):
        records.extend(generator.person())
    return [r for r in records if isinstance(r, CustodyEpisode)]


def test_seeded_for_today_in_the_morning_nobody_is_released_after_now() -> None:
    today = date(2026, 11, 26)
    morning = datetime.combine(today, time(9, 30), tzinfo=UTC)
    seeded = episodes(morning, today)
    released = [e.released_at for e in seeded if e.released_at is not None]
    assert released, "some people should have been released in the ten days"
    assert max(released) <= morning
    # Yesterday's late arrivals are still in custody this morning rather than released this evening.
    assert any(e.released_at is None and e.arrived_at.date() < today for e in seeded)


def test_the_same_seed_gives_the_same_people_whatever_the_time_of_day() -> None:
    today = date(2026, 11, 26)
    early = episodes(datetime.combine(today, time(6, 0), tzinfo=UTC), today)
    late = episodes(datetime.combine(today, time(23, 0), tzinfo=UTC), today)
    assert [(e.id, e.arrived_at) for e in early] == [(e.id, e.arrived_at) for e in late]
    assert sum(e.released_at is not None for e in late) > sum(e.released_at is not None for e in early)


def test_by_default_the_limit_is_the_real_clock() -> None:
    now = datetime.now(UTC)
    seeded = episodes(None, now.date() + timedelta(days=1))  # an end day still to come
    assert all(e.released_at <= now for e in seeded if e.released_at is not None)
