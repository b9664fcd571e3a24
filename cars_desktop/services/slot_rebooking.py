"""Rebooking an over-booked appointment slot: which bookings are over capacity, and moving one.

Workstations that were offline can fill one slot twice; the server keeps every booking and flags
the slot (`services.day_review.overbooked_slots`). The bookings beyond capacity are the latest
ones (the server lists a slot's bookings oldest first, and the earliest keep their places). A
supervisor moves one to a free slot at the same place: the same appointment, next revision, new
time, so the person's history keeps one appointment and the server's recount of the old slot
clears the flag once the change arrives (after the next sync).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from cars_desktop.domain.access import Permission, require
from cars_desktop.domain.changes import Changes
from cars_desktop.domain.errors import InvalidInput, RecordNotFound
from cars_desktop.services.bookings import check_slot_free
from cars_desktop.services.records import save_record
from cars_desktop.services.workstation import WorkstationSession
from cars_protocol.records import Appointment, AppointmentStatus, Person, utc_now
from cars_protocol.sync import OverbookedSlot


@dataclass(frozen=True)
class OverbookedBooking:
    """One booking in an over-booked slot that should move, with whom it is for."""

    appointment: Appointment
    name: str
    date_of_birth: date | None


@dataclass(frozen=True)
class Moved:
    """The appointment at its new time, for the change bus and the RA2 notice."""

    appointment: Appointment
    changes: Changes


def bookings_to_move(session: WorkstationSession, slot: OverbookedSlot) -> list[OverbookedBooking]:
    """The slot's bookings beyond its capacity held here (latest booked first), still booked there.

    A booking the server lists that has not reached this workstation yet is left out until it
    syncs; one already moved or cancelled here is left out too.
    """
    require(session.actor, Permission.VIEW_ALL_APPOINTMENTS, "see over-booked appointments")
    over = list(reversed(slot.appointment_ids[slot.capacity :]))
    found: list[OverbookedBooking] = []
    with session.unit_of_work() as uow:
        for appointment_id in over:
            record = uow.records.get(appointment_id)
            if not (
                isinstance(record, Appointment)
                and record.is_live
                and record.status is AppointmentStatus.BOOKED
                and record.starts_at == slot.starts_at
                and record.location_site_code == slot.site_code
            ):
                continue
            person = uow.records.get(record.person_id)
            if isinstance(person, Person):
                name = f"{person.given_names} {person.family_name}"
                found.append(OverbookedBooking(record, name, person.date_of_birth))
            else:
                found.append(OverbookedBooking(record, "(person not held here)", None))
    return found


def move_appointment(session: WorkstationSession, appointment_id: uuid.UUID, starts_at: datetime) -> Moved:
    """Move a booked appointment to a free slot at the same place (same record, next revision)."""
    require(session.actor, Permission.EDIT_CASEWORK, "rebook appointments")
    if starts_at <= utc_now():
        raise InvalidInput("the new appointment must be in the future; choose a slot from the list")
    with session.unit_of_work() as uow:
        record = uow.records.get(appointment_id)
        if not isinstance(record, Appointment) or not record.is_live:
            raise RecordNotFound("that appointment is no longer on record")
        if record.status is not AppointmentStatus.BOOKED:
            raise InvalidInput("only an appointment still booked can be moved; this one is already recorded")
        if record.starts_at == starts_at:
            raise InvalidInput("choose a different slot from the one the appointment is in")
        check_slot_free(uow, record.location_site_code, starts_at, record.id)
    saved = save_record(session, record.model_copy(update={"starts_at": starts_at}))
    moved = saved.records[0]
    assert isinstance(moved, Appointment)
    return Moved(moved, saved.changes)
