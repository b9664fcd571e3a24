"""Appointment slots are shared: count bookings as they arrive and flag a slot that is over-booked.

Workstations book appointments offline, so two of them can fill the same slot. The server never
drops or refuses such a booking (it is a record someone made and a person was told about); it
keeps every booking and flags the slot in `slot_overbookings` for a supervisor to rebook, and
clears the flag once the slot is back within capacity (a booking cancelled, moved or deleted).

Capacity per (site, slot start) comes from the `appointment_slots` reference data in effect on the
slot's UK date (an item for the site whose `start` and `weekdays` match the slot's UK local time);
a slot with no configured item holds `DEFAULT_CAPACITY`.

`record_bookings` runs inside the push's transaction *after* the feed stamp: the stamp holds the
`feed_head` row lock until commit, so on PostgreSQL two pushes booking the same slot are counted
one after the other, each seeing the other's committed booking (SQLite serialises writers anyway).
It costs nothing for a batch without appointments.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, delete, insert, select, update

from cars_protocol.records import AppointmentStatus
from cars_protocol.sync import OverbookedSlot
from cars_server.reference.feed import body_in_effect
from cars_server.storage.tables import AppointmentBookingRow, SlotOverbookingRow
from cars_server.sync.clock import as_utc

SLOT_KIND = "appointment_slots"
DEFAULT_CAPACITY = 1
UK = ZoneInfo("Europe/London")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Slot = tuple[str, datetime]  # (site code, start in UTC)


def record_bookings(connection: Connection, appointments: Mapping[str, str], now: datetime) -> None:
    """Update the booking index for these appointments (id -> current body JSON) and recheck slots.

    Both the slots they now hold and the ones they held before are rechecked, so moving or
    cancelling a booking can clear a flag as well as raise one.
    """
    if not appointments:
        return
    ids = sorted(appointments)
    previous = {
        row.appointment_id: ((row.site_code, as_utc(row.slot_start)), as_utc(row.booked_at))
        for row in connection.execute(
            select(
                AppointmentBookingRow.appointment_id,
                AppointmentBookingRow.site_code,
                AppointmentBookingRow.slot_start,
                AppointmentBookingRow.booked_at,
            ).where(AppointmentBookingRow.appointment_id.in_(ids))
        )
    }
    slots: set[Slot] = {slot for slot, _booked_at in previous.values()}
    rows: list[dict[str, Any]] = []
    for appointment_id in ids:
        body = json.loads(appointments[appointment_id])
        slot: Slot = (str(body["location_site_code"]), as_utc(datetime.fromisoformat(str(body["starts_at"]))))
        earlier = previous.get(appointment_id)
        rows.append(
            {
                "appointment_id": appointment_id,
                "site_code": slot[0],
                "slot_start": slot[1],
                "active": body.get("tombstone") is None
                and body.get("status", AppointmentStatus.BOOKED.value) == AppointmentStatus.BOOKED.value,
                # A booking keeps its place in the queue while it stays in the same slot.
                "booked_at": earlier[1] if earlier is not None and earlier[0] == slot else now,
            }
        )
        slots.add(slot)
    connection.execute(delete(AppointmentBookingRow).where(AppointmentBookingRow.appointment_id.in_(ids)))
    connection.execute(insert(AppointmentBookingRow), rows)
    for slot in sorted(slots):
        _recheck(connection, slot, now)


def _recheck(connection: Connection, slot: Slot, now: datetime) -> None:
    """Raise, update or clear the over-booking flag of one slot."""
    site_code, start = slot
    booked = list(
        connection.scalars(
            select(AppointmentBookingRow.appointment_id)
            .where(
                AppointmentBookingRow.site_code == site_code,
                AppointmentBookingRow.slot_start == start,
                AppointmentBookingRow.active.is_(True),
            )
            .order_by(AppointmentBookingRow.booked_at, AppointmentBookingRow.appointment_id)
        )
    )
    capacity = capacity_of(connection, site_code, start)
    flag = connection.execute(
        select(SlotOverbookingRow.resolved_at).where(
            SlotOverbookingRow.site_code == site_code, SlotOverbookingRow.slot_start == start
        )
    ).first()
    where = (SlotOverbookingRow.site_code == site_code, SlotOverbookingRow.slot_start == start)
    if len(booked) > capacity:
        values: dict[str, Any] = {"capacity": capacity, "appointment_ids": json.dumps(booked)}
        if flag is None:
            connection.execute(
                insert(SlotOverbookingRow).values(
                    site_code=site_code, slot_start=start, raised_at=now, resolved_at=None, **values
                )
            )
        else:
            if flag.resolved_at is not None:  # over-booked again after being sorted out
                values |= {"raised_at": now, "resolved_at": None}
            connection.execute(update(SlotOverbookingRow).where(*where).values(**values))
    elif flag is not None and flag.resolved_at is None:
        connection.execute(
            update(SlotOverbookingRow)
            .where(*where)
            .values(resolved_at=now, capacity=capacity, appointment_ids=json.dumps(booked))
        )


def capacity_of(connection: Connection, site_code: str, start: datetime) -> int:
    """How many bookings the slot at `site_code` starting at `start` (UTC) may hold."""
    local = start.astimezone(UK)
    body = body_in_effect(connection, SLOT_KIND, local.date())
    if body is None:
        return DEFAULT_CAPACITY
    hhmm, weekday = local.strftime("%H:%M"), _WEEKDAYS[local.weekday()]
    for item in body.get("items", []):
        if (
            item.get("site_code") == site_code
            and item.get("start") == hhmm
            and weekday in item.get("weekdays", _WEEKDAYS)
            and _in_effect(item, local.date())
        ):
            return int(item["capacity"])
    return DEFAULT_CAPACITY


def _in_effect(item: Mapping[str, Any], on: date) -> bool:
    starts = date.fromisoformat(str(item["effective_from"]))
    ends = item.get("effective_to")
    return starts <= on and (ends is None or on < date.fromisoformat(str(ends)))


def overbooked_slots(engine: Engine, site_codes: frozenset[str] | None) -> list[OverbookedSlot]:
    """Open over-bookings at these sites (None = all), soonest slot first."""
    query = (
        select(SlotOverbookingRow.__table__)
        .where(SlotOverbookingRow.resolved_at.is_(None))
        .order_by(SlotOverbookingRow.slot_start, SlotOverbookingRow.site_code)
    )
    if site_codes is not None:
        query = query.where(SlotOverbookingRow.site_code.in_(sorted(site_codes)))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        OverbookedSlot(
            site_code=row.site_code,
            starts_at=as_utc(row.slot_start),
            capacity=row.capacity,
            appointment_ids=[uuid.UUID(value) for value in json.loads(row.appointment_ids)],
            raised_at=as_utc(row.raised_at),
        )
        for row in rows
    ]
