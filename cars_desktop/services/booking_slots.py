"""The next free appointment slots at a site, from the reference data in effect on each day.

Where the slots come from, for one site on one UK day:

* `appointment_slots` items for the site whose weekdays include the day: each is a start time (UK
  local) and a capacity (0 closes the slot);
* otherwise every hour on the hour within the site's `service_hours` that day, capacity
  `DEFAULT_CAPACITY` (the server counts an unconfigured slot the same way, so a slot offered here
  is the slot the server checks for over-booking).

A slot is free while fewer live, still-booked appointments at that site and start are held here
than its capacity. Two workstations offline can still fill the same slot; the server flags that
and a supervisor rebooks it from the day review.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from cars_desktop.domain.errors import InvalidInput
from cars_desktop.resources import ReferenceItem, ReferenceList
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.unit_of_work import UnitOfWork
from cars_desktop.sync.reference import effective_reference
from cars_protocol.records import Appointment, AppointmentStatus, utc_now

UK = ZoneInfo("Europe/London")
DEFAULT_CAPACITY = 1
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: A slot starting sooner than this is not offered: the person has to get there.
LEAD_TIME = timedelta(minutes=30)
SEARCH_DAYS = 14


@dataclass(frozen=True)
class SlotOffer:
    """One appointment slot: where, when (UTC), how many it holds and how many are booked here."""

    site_code: str
    starts_at: datetime
    capacity: int
    booked: int

    @property
    def free(self) -> int:
        """Places left, as far as this workstation knows."""
        return max(self.capacity - self.booked, 0)

    @property
    def slot_key(self) -> tuple[str, datetime]:
        return (self.site_code, self.starts_at)


def _list_or_none(uow: UnitOfWork, kind: str, on: date) -> ReferenceList | None:
    try:
        return effective_reference(uow, kind, on)
    except InvalidInput:
        return None  # a list neither received nor shipped: nothing configured


def _in_effect(items: Iterable[ReferenceItem], on: date) -> list[ReferenceItem]:
    return [item for item in items if item.in_effect(on)]


def slot_starts(uow: UnitOfWork, site_code: str, day: date) -> list[tuple[datetime, int]]:
    """Each slot start (UTC) at the site on this UK day with its capacity, in time order."""
    weekday = WEEKDAYS[day.weekday()]
    configured = _list_or_none(uow, "appointment_slots", day)
    found: dict[datetime, int] = {}
    if configured is not None:
        for item in _in_effect(configured.items_on(day), day):
            if item.extra("site_code") != site_code or weekday not in (item.extra("weekdays") or WEEKDAYS):
                continue
            local = datetime.combine(day, time.fromisoformat(str(item.extra("start"))), UK)
            found[local.astimezone(UTC)] = int(item.extra("capacity") or 0)
    if found:
        return sorted(found.items())
    hours = _list_or_none(uow, "service_hours", day)
    if hours is None:
        return []
    for item in _in_effect(hours.items_on(day), day):
        if item.extra("site_code") != site_code or item.extra("weekday") != weekday:
            continue
        opens = time.fromisoformat(str(item.extra("opens")))
        closes = time.fromisoformat(str(item.extra("closes")))
        hour = opens.hour + (1 if opens.minute else 0)
        while time(hour) < closes and hour < 24:
            if datetime.combine(day, time(hour)) + timedelta(hours=1) <= datetime.combine(day, closes):
                local = datetime.combine(day, time(hour), UK)
                found[local.astimezone(UTC)] = DEFAULT_CAPACITY
            hour += 1
    return sorted(found.items())


def booked_counts(uow: UnitOfWork, site_code: str) -> Counter[datetime]:
    """Live, still-booked appointments held here at the site, by start time (UTC)."""
    counts: Counter[datetime] = Counter()
    for record in uow.records.iter_all([Appointment.record_type]):
        if (
            isinstance(record, Appointment)
            and record.is_live
            and record.status is AppointmentStatus.BOOKED
            and record.location_site_code == site_code
        ):
            counts[record.starts_at] += 1
    return counts


def next_free_slots(
    session: WorkstationSession,
    site_code: str,
    count: int = 8,
    after: datetime | None = None,
    ignore: uuid.UUID | None = None,
) -> list[SlotOffer]:
    """The next `count` slots with a free place at the site, soonest first, within two weeks.

    `ignore` leaves one appointment out of the counts (the one being moved).
    """
    start = (after or utc_now()) + LEAD_TIME
    with session.unit_of_work() as uow:
        counts = booked_counts(uow, site_code)
        if ignore is not None:
            moved = uow.records.get(ignore)
            if isinstance(moved, Appointment) and moved.location_site_code == site_code:
                counts[moved.starts_at] -= 1
        offers: list[SlotOffer] = []
        first_day = start.astimezone(UK).date()
        for offset in range(SEARCH_DAYS):
            for starts_at, capacity in slot_starts(uow, site_code, first_day + timedelta(days=offset)):
                offer = SlotOffer(site_code, starts_at, capacity, max(counts[starts_at], 0))
                if starts_at >= start and offer.free > 0:
                    offers.append(offer)
                    if len(offers) >= count:
                        return offers
    return offers


def uk_label(moment: datetime) -> str:
    """A slot as people read it: "Tuesday 3 March 2026, 09:00" (UK local time)."""
    local = moment.astimezone(UK)
    return f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M}"
