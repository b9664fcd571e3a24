"""Whom a booking is for: the person a worker found, or an exact match custody staff never see.

Real SQLCipher store. A worker (sam.worker) books for a person found on record: no new person.
Custody staff (pc.booker) type the detainee's details: the booking joins a person of this site
only on an exact match of PNC id, or family name, given names and date of birth; anything less
makes a new person. Custody staff learn nothing either way, and may add a person only by booking.
Invented people only.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from cars_desktop.domain.errors import NotPermitted, RecordNotFound
from cars_desktop.services.booking_slots import next_free_slots
from cars_desktop.services.bookings import BookingRequest, book_appointment, my_bookings, rebook
from cars_desktop.services.records import delete_record, find_people, open_record, save_record
from cars_desktop.services.workstation import WorkstationSession
from cars_protocol.records import Appointment, Person, Role, utc_now
from tests import factories
from tests.conftest import CUSTODY, CUSTODY_PASSWORD, SITE, Workstation

DOB = date(1979, 2, 11)


def _request(starts_at: datetime, **extra: object) -> BookingRequest:
    fields: dict[str, object] = {
        "family_name": "Ashcombe-Lyle",
        "given_names": "Perpetua",
        "date_of_birth": DOB,
        "custody_record_number": "20/654321/26",
        "reason": "voluntary",
        "ra1_issued": False,
        "starts_at": starts_at,
        "location_site_code": SITE,
        "booking_officer": "PC Danvers 3302",
    }
    fields.update(extra)
    return BookingRequest(**fields)  # type: ignore[arg-type]


def _people(session: WorkstationSession) -> list[Person]:
    with session.unit_of_work() as uow:
        return [r for r in uow.records.iter_all([Person.record_type]) if isinstance(r, Person)]


def _held(session: WorkstationSession, **extra: Any) -> Person:
    fields: dict[str, Any] = {
        "family_name": "Ashcombe-Lyle",
        "given_names": "Perpetua",
        "date_of_birth": DOB,
        "pnc_id": None,
        "address": "14 Invented Row, Oldbury",
    }
    fields.update(extra)
    saved = save_record(session, factories.person(**fields)).records[0]
    assert isinstance(saved, Person)
    return saved


def _next_slot(session: WorkstationSession) -> datetime:
    return next_free_slots(session, SITE, count=1)[0].starts_at


def test_a_worker_books_for_the_person_they_found(session: WorkstationSession) -> None:
    found = _held(session)
    before = len(_people(session))
    # The details typed differ (a worker may book under the name the person gives today); the
    # person found is who it is for.
    booked = book_appointment(
        session, _request(_next_slot(session), person_id=found.id, given_names="Pet", pnc_id="")
    )
    assert not booked.new_person and booked.appointment.person_id == found.id
    assert len(_people(session)) == before
    assert booked.form.person_id == found.id


def test_a_worker_cannot_book_for_a_person_no_longer_on_record(session: WorkstationSession) -> None:
    gone = _held(session)
    delete_record(session, gone.id, "entered in error by a test")
    with pytest.raises(RecordNotFound, match="no longer on record"):
        book_appointment(session, _request(_next_slot(session), person_id=gone.id))


def test_custody_booking_joins_an_exact_match_and_shows_nothing_of_it(
    workstation: Workstation, session: WorkstationSession
) -> None:
    held = _held(session)
    before = len(_people(session))
    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    try:
        # Case, spaces and hyphens do not matter; every identifier must be there.
        booked = book_appointment(
            custody, _request(_next_slot(custody), family_name="ashcombe lyle", given_names=" PERPETUA ")
        )
        assert booked.appointment.person_id == held.id
        # What comes back is what was typed, never the record's own details.
        assert booked.form.answers["surname"] == "ashcombe lyle"
        assert "address" not in str(booked.form.answers).casefold()
        [row] = my_bookings(custody)
        assert row.name == "PERPETUA ashcombe lyle"
        with pytest.raises(RecordNotFound):
            open_record(custody, held.id)
        with pytest.raises(NotPermitted):
            find_people(custody, "Ashcombe-Lyle", DOB)
    finally:
        custody.lock()
    assert len(_people(session)) == before


@pytest.mark.parametrize(
    "typed",
    [
        {"given_names": "Perp"},  # a prefix is not a match
        {"date_of_birth": DOB + timedelta(days=1)},
        {"family_name": "Ashcombe"},
    ],
)
def test_custody_booking_with_anything_less_than_an_exact_match_makes_a_new_person(
    workstation: Workstation, session: WorkstationSession, typed: dict[str, object]
) -> None:
    held = _held(session)
    before = len(_people(session))
    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    try:
        booked = book_appointment(custody, _request(_next_slot(custody), **typed))
    finally:
        custody.lock()
    assert booked.new_person and booked.appointment.person_id != held.id
    assert len(_people(session)) == before + 1


def test_custody_booking_by_pnc_id_and_not_across_sites_or_between_two(
    workstation: Workstation, session: WorkstationSession
) -> None:
    by_pnc = _held(session, family_name="Thistlewood", given_names="Crispin", pnc_id="77/1122334X")
    elsewhere = _held(session, site_code="WALSALL", family_name="Fenwright", given_names="Ottilie")
    twin_a = _held(session, family_name="Marchbanks", given_names="Ivo")
    twin_b = _held(session, family_name="Marchbanks", given_names="Ivo")
    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    try:
        # The PNC id decides, whatever name is given today.
        pnc = book_appointment(
            custody,
            _request(_next_slot(custody), family_name="Thistle", given_names="C", pnc_id="77/1122334x"),
        )
        assert pnc.appointment.person_id == by_pnc.id
        other_site = book_appointment(
            custody, _request(_next_slot(custody), family_name="Fenwright", given_names="Ottilie")
        )
        assert other_site.new_person and other_site.appointment.person_id != elsewhere.id
        two = book_appointment(
            custody, _request(_next_slot(custody), family_name="Marchbanks", given_names="Ivo")
        )
        assert two.new_person and two.appointment.person_id not in {twin_a.id, twin_b.id}
    finally:
        custody.lock()


def test_custody_staff_cannot_name_a_person_by_id(
    workstation: Workstation, session: WorkstationSession
) -> None:
    held = _held(session)
    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    try:
        for person_id in (held.id, uuid.uuid4()):  # the same answer for someone held and no one
            with pytest.raises(NotPermitted, match="book for a person found on record"):
                book_appointment(custody, _request(_next_slot(custody), person_id=person_id))
    finally:
        custody.lock()


def test_custody_staff_add_a_person_only_by_booking(
    workstation: Workstation, session: WorkstationSession
) -> None:
    before = len(_people(session))
    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    try:
        with pytest.raises(NotPermitted, match="your role does not allow you to save a person"):
            save_record(custody, factories.person(author=CUSTODY, family_name="Wrenhaven"))
        # The same role may add one through a booking.
        assert book_appointment(custody, _request(_next_slot(custody))).new_person
    finally:
        custody.lock()
    assert len(_people(session)) == before + 1


def test_rebooking_a_missed_appointment_keeps_the_person(session: WorkstationSession) -> None:
    held = _held(session)
    missed = save_record(
        session,
        Appointment(
            site_code=SITE,
            author=session.user.username,
            person_id=held.id,
            starts_at=utc_now().replace(second=0, microsecond=0) - timedelta(hours=3),
            location_site_code=SITE,
            reason="required_assessment",
            booked_by=session.user.username,
            booked_by_role=Role.WORKER,
            ra1_issued=True,
        ),
    ).records[0]
    before = len(_people(session))
    done = rebook(session, missed.id, _next_slot(session))
    assert done.new_appointment is not None
    assert done.new_appointment.person_id == held.id
    assert (done.new_appointment.reason, done.new_appointment.ra1_issued) == ("required_assessment", True)
    assert len(_people(session)) == before
