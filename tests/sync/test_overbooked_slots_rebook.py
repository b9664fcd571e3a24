"""Over-booked slots are rebooked by a supervisor, and the flag clears once the move syncs.

Two workstations at Oldbury book the same slot while out of touch with each other; a real server
on loopback keeps both bookings and flags the slot. On the supervisor's workstation the booking
over capacity (the later one, made at the other workstation) is offered for that person; moving
it to a free slot changes the same appointment, and after the next sync the server's list is empty
and the other workstation sees the new time.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import httpx
import pytest

from cars_desktop.domain.errors import InvalidInput
from cars_desktop.services.booking_slots import next_free_slots
from cars_desktop.services.bookings import BookingRequest, book_appointment
from cars_desktop.services.day_review import overbooked_slots
from cars_desktop.services.records import open_record
from cars_desktop.services.slot_rebooking import bookings_to_move, move_appointment
from cars_desktop.services.sync import sync_now
from cars_desktop.services.workstation import WorkstationSession
from cars_protocol.records import Appointment, AppointmentStatus
from tests.server.helpers import SITE, SUPERVISOR, RunningServer
from tests.sync.stations import enrol_station, open_station, sync_until_quiet


def _book(session: WorkstationSession, family_name: str, slot: datetime) -> Appointment:
    booked = book_appointment(
        session,
        BookingRequest(
            family_name=family_name,
            given_names="Invented",
            date_of_birth=date(1985, 9, 30),
            custody_record_number="20/111222/26",
            reason="voluntary",
            ra1_issued=False,
            starts_at=slot,
            location_site_code=SITE,
            booking_officer="PS Marlowe 2210",
        ),
    )
    return booked.appointment


def test_the_booking_over_capacity_is_moved_and_the_flag_clears_after_sync(
    server: RunningServer, http: httpx.Client, tmp_path: Path
) -> None:
    folder_a = enrol_station(server.base_url, server.enrolment_code(), tmp_path / "custody-a", http)
    folder_b = enrol_station(server.base_url, server.enrolment_code(), tmp_path / "custody-b", http)
    worker = open_station(folder_a, http)
    supervisor = open_station(folder_b, http, user=SUPERVISOR)
    try:
        slot = next_free_slots(supervisor, SITE, count=1)[0].starts_at
        kept = _book(supervisor, "Harrowgate", slot)
        sync_now(supervisor, http)  # the supervisor's booking reaches the server first: it keeps its place
        over = _book(worker, "Quenby", slot)  # the worker's workstation had not heard of it
        sync_until_quiet([worker, supervisor], http)

        [flagged] = overbooked_slots(supervisor, http)
        assert flagged.appointment_ids == [kept.id, over.id]
        [to_move] = bookings_to_move(supervisor, flagged)
        assert to_move.appointment.id == over.id and to_move.name == "Invented Quenby"
        assert to_move.appointment.person_id == over.person_id

        with pytest.raises(InvalidInput, match="different slot"):
            move_appointment(supervisor, over.id, slot)
        free = next_free_slots(supervisor, SITE, count=1, ignore=over.id)[0].starts_at
        assert free != slot
        moved = move_appointment(supervisor, over.id, free)
        assert (moved.appointment.id, moved.appointment.starts_at) == (over.id, free)
        assert moved.appointment.person_id == over.person_id
        assert overbooked_slots(supervisor, http) == [flagged]  # the server hears of it at the next sync

        sync_until_quiet([supervisor, worker], http)
        assert overbooked_slots(supervisor, http) == []
        seen = open_record(worker, over.id)
        assert isinstance(seen, Appointment)
        assert (seen.starts_at, seen.status) == (free, AppointmentStatus.BOOKED)
        assert bookings_to_move(supervisor, flagged) == []  # nothing left over capacity
    finally:
        worker.lock()
        supervisor.lock()
