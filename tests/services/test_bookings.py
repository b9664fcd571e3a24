"""Out-of-hours bookings: free slots from reference data, booking through the form, kept or missed.

Real SQLCipher store; custody staff (pc.booker) book, the worker-supervisor (sam.worker) records
attendance and rebooks. Invented people only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Literal

import pytest

from cars_desktop.domain.errors import InvalidInput, NotPermitted, RecordNotFound
from cars_desktop.services.booking_slots import UK, next_free_slots, uk_label
from cars_desktop.services.bookings import (
    BookingRequest,
    book_appointment,
    missed_appointments,
    my_bookings,
    rebook,
    record_attendance,
)
from cars_desktop.services.records import find_people, open_record, save_record
from cars_desktop.services.workstation import WorkstationSession
from cars_protocol.records import (
    Action,
    ActionType,
    Appointment,
    AppointmentStatus,
    Assessment,
    Person,
    Role,
    utc_now,
)
from tests import factories
from tests.conftest import CUSTODY, CUSTODY_PASSWORD, SITE, Workstation


def _request(starts_at: datetime, **extra: object) -> BookingRequest:
    fields: dict[str, object] = {
        "family_name": "Brackenridge",
        "given_names": "Tobias",
        "date_of_birth": date(1988, 6, 2),
        "custody_record_number": "20/123456/26",
        "reason": "required_assessment",
        "ra1_issued": True,
        "ra1_issued_at": utc_now() - timedelta(minutes=20),
        "starts_at": starts_at,
        "location_site_code": SITE,
        "booking_officer": "PS Okafor 4471",
        "pnc_id": "88/4455667T",
    }
    fields.update(extra)
    return BookingRequest(**fields)  # type: ignore[arg-type]


def test_slots_follow_the_service_hours_on_the_hour(session: WorkstationSession) -> None:
    monday_late = datetime(2026, 3, 2, 22, 30, tzinfo=UK)
    offers = next_free_slots(session, SITE, count=3, after=monday_late)
    assert [uk_label(o.starts_at) for o in offers] == [
        "Tuesday 3 March 2026, 07:00",
        "Tuesday 3 March 2026, 08:00",
        "Tuesday 3 March 2026, 09:00",
    ]
    assert all(o.capacity == 1 and o.free == 1 for o in offers)
    # Coventry has no weekend cover: Saturday evening's next slot is Monday morning.
    saturday = datetime(2026, 3, 7, 18, 0, tzinfo=UK)
    assert uk_label(next_free_slots(session, "COVENTRY", count=1, after=saturday)[0].starts_at) == (
        "Monday 9 March 2026, 07:00"
    )


def test_custody_staff_book_a_new_detainee_and_see_only_their_own_bookings(
    workstation: Workstation,
) -> None:
    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    try:
        slot = next_free_slots(custody, SITE, count=1)[0]
        booked = book_appointment(custody, _request(slot.starts_at))
        assert booked.new_person
        appointment = booked.appointment
        assert (appointment.booked_by, appointment.booked_by_role) == (CUSTODY, Role.CUSTODY_STAFF)
        assert appointment.out_of_hours and appointment.ra1_issued
        assert appointment.starts_at == slot.starts_at
        assert booked.form.status.value == "completed"
        assert {"appointment", "assessment", "person"} <= booked.changes.record_types
        # The slot (capacity 1) is now full: not offered, and refused if asked for.
        assert slot.starts_at not in [o.starts_at for o in next_free_slots(custody, SITE, count=3)]
        with pytest.raises(InvalidInput, match="filled"):
            book_appointment(custody, _request(slot.starts_at))
        [row] = my_bookings(custody)
        assert (row.name, row.outcome, row.custody_record_number) == (
            "Tobias Brackenridge",
            "Pending",
            "20/123456/26",
        )
        # Custody staff see nothing else: no search, no person record.
        with pytest.raises(NotPermitted):
            find_people(custody, "Brackenridge")
        with pytest.raises(RecordNotFound):
            open_record(custody, appointment.person_id)
        # A second booking with the same PNC id joins the same person (no duplicate).
        later = next_free_slots(custody, SITE, count=1)[0]
        again = book_appointment(custody, _request(later.starts_at, reason="voluntary", ra1_issued=False))
        assert not again.new_person and again.appointment.person_id == appointment.person_id
    finally:
        custody.lock()


def test_a_required_booking_without_the_ra1_is_refused_by_the_form(workstation: Workstation) -> None:
    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    try:
        slot = next_free_slots(custody, SITE, count=1)[0]
        with pytest.raises(InvalidInput, match="RA1"):
            book_appointment(custody, _request(slot.starts_at, ra1_issued=False))
        assert my_bookings(custody) == []
        with pytest.raises(NotPermitted):
            missed_appointments(custody)
    finally:
        custody.lock()


def _past_appointment(
    session: WorkstationSession,
    person: Person,
    reason: Literal["required_assessment", "voluntary"],
    hours_ago: int,
) -> Appointment:
    made = Appointment(
        site_code=SITE,
        author=session.user.username,
        person_id=person.id,
        starts_at=utc_now().replace(second=0, microsecond=0) - timedelta(hours=hours_ago),
        location_site_code=SITE,
        reason=reason,
        booked_by=session.user.username,
        booked_by_role=Role.WORKER,
        ra1_issued=reason == "required_assessment",
    )
    saved = save_record(session, made).records[0]
    assert isinstance(saved, Appointment)
    return saved


def test_a_missed_required_assessment_raises_the_police_notification_once(
    session: WorkstationSession,
) -> None:
    person = save_record(session, factories.person()).records[0]
    assert isinstance(person, Person)
    missed = _past_appointment(session, person, "required_assessment", 3)
    [row] = missed_appointments(session)
    assert row.appointment.id == missed.id and row.name == "Marnie Quillfeather" and not row.recorded_missed
    done = record_attendance(session, missed.id, attended=False)
    assert done.appointment.status is AppointmentStatus.DID_NOT_ATTEND
    [action] = done.actions
    assert action.action_type is ActionType.POLICE_NOTIFICATION and action.source_record_id == missed.id
    assert action.due_at is not None and "s.12" in (action.notes or "")
    with pytest.raises(InvalidInput, match="already recorded"):
        record_attendance(session, missed.id, attended=False)
    [still] = missed_appointments(session)  # missed, not yet rebooked
    assert still.recorded_missed
    slot = next_free_slots(session, SITE, count=1)[0]
    again = rebook(session, missed.id, slot.starts_at)
    assert again.actions == ()  # the action was raised when it was marked missed
    assert again.new_appointment is not None and again.new_appointment.reason == "required_assessment"
    assert missed_appointments(session) == []
    with session.unit_of_work() as uow:
        actions = [r for r in uow.records.for_person(person.id, "action") if isinstance(r, Action)]
    assert len(actions) == 1


def test_rebooking_an_unmarked_appointment_marks_it_missed_and_kept_ones_leave_the_list(
    session: WorkstationSession,
) -> None:
    person = save_record(session, factories.person()).records[0]
    assert isinstance(person, Person)
    voluntary = _past_appointment(session, person, "voluntary", 2)
    kept = _past_appointment(session, person, "voluntary", 5)
    assert {r.appointment.id for r in missed_appointments(session)} == {voluntary.id, kept.id}
    record_attendance(session, kept.id, attended=True)
    slot = next_free_slots(session, SITE, count=1)[0]
    done = rebook(session, voluntary.id, slot.starts_at)
    assert done.appointment.status is AppointmentStatus.DID_NOT_ATTEND and done.actions == ()
    assert done.new_appointment is not None and done.new_appointment.starts_at == slot.starts_at
    assert missed_appointments(session) == []
    with pytest.raises(InvalidInput, match="future"):
        rebook(session, voluntary.id, datetime(2020, 1, 1, 9, tzinfo=UTC))


def test_custody_staff_cannot_record_attendance(
    workstation: Workstation, session: WorkstationSession
) -> None:
    person = save_record(session, factories.person()).records[0]
    assert isinstance(person, Person)
    missed = _past_appointment(session, person, "voluntary", 2)
    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    try:
        with pytest.raises(NotPermitted):
            record_attendance(custody, missed.id, attended=True)
    finally:
        custody.lock()
    assert isinstance(open_record(session, missed.id), Appointment)
    assert not isinstance(open_record(session, missed.id), Assessment)
