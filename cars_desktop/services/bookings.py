"""Out-of-hours bookings, whether they were kept, missed appointments and rebooking.

A booking is a completed `out_of_hours_booking` form: its projection (`form_projections.appointment`)
makes the `Appointment`, booked by the form's author, so a booking made here and one made through
the generic form are the same records. Custody staff may not search for people; the booking
carries the detainee's identifiers and is linked to the one person of this site they match exactly
(PNC id, or whole family name, given names and date of birth), or to a new person record made from
them; that save is the only one through which custody staff may add a person (`booking_in_progress`).
Nothing about a matched person is shown back. A worker who has found the person books for them by
id (`BookingRequest.person_id`), which custody staff may not use.

Attendance: a missed required-assessment appointment must be reported to the police (Drugs Act
2005 s.12). Marking one "did not attend" raises the same police-notification action the required
initial assessment form raises for `attended = no` (its action rule is reused, not copied), with
an id derived from the appointment, so marking twice never makes two actions.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from cars_desktop.domain.access import Permission, booking_in_progress, require
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.changes import Changes
from cars_desktop.domain.errors import InvalidInput, RecordNotFound
from cars_desktop.domain.names import normalise_name
from cars_desktop.forms.catalogue import shipped_catalogue
from cars_desktop.forms.computed import with_computed
from cars_desktop.forms.validation import validate
from cars_desktop.services.booking_slots import UK, booked_counts, slot_starts
from cars_desktop.services.form_projections import actions_for, author_role, complete_in_store, derived_id
from cars_desktop.services.forms import FormIncomplete, start_form
from cars_desktop.services.records import save_records
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.record_window import records_updated_between
from cars_desktop.storage.unit_of_work import UnitOfWork
from cars_protocol.records import (
    Action,
    Appointment,
    AppointmentStatus,
    Assessment,
    AssessmentKind,
    Person,
    RecordBase,
    utc_now,
)

Reason = Literal["required_assessment", "voluntary"]
BOOKING_FORM = "out_of_hours_booking"
REQUIRED_FORM = "required_initial"
#: An appointment counts as missed this long after its start with no attendance recorded.
GRACE = timedelta(minutes=30)
#: How far back the lists look (bookings made, appointments missed).
LOOK_BACK = timedelta(days=28)

OUTCOME_LABELS = {
    AppointmentStatus.BOOKED: "Pending",
    AppointmentStatus.ATTENDED: "Kept",
    AppointmentStatus.DID_NOT_ATTEND: "Missed",
    AppointmentStatus.CANCELLED: "Cancelled",
}


@dataclass(frozen=True)
class BookingRequest:
    """What the person booking types in; `person_id` when a worker has found the person already."""

    family_name: str
    given_names: str
    date_of_birth: date | None
    custody_record_number: str
    reason: Reason
    ra1_issued: bool
    starts_at: datetime
    location_site_code: str
    booking_officer: str
    ra1_issued_at: datetime | None = None
    pnc_id: str = ""
    phone: str = ""
    interpreter_needed: bool = False
    language: str = ""
    details_given: bool = True
    notes: str = ""
    person_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Booked:
    """The appointment made, the booking form it came from, and whether a person record was added."""

    appointment: Appointment
    form: Assessment
    new_person: bool
    changes: Changes


@dataclass(frozen=True)
class BookingRow:
    """One of the signed-in user's bookings, with whether it was kept."""

    appointment_id: uuid.UUID
    person_id: uuid.UUID
    name: str
    custody_record_number: str
    starts_at: datetime
    location_site_code: str
    reason: Reason
    status: AppointmentStatus

    @property
    def outcome(self) -> str:
        """Pending, Kept, Missed or Cancelled."""
        return OUTCOME_LABELS[self.status]


@dataclass(frozen=True)
class MissedRow:
    """An appointment whose time passed with no attendance, or one marked missed and not rebooked."""

    appointment: Appointment
    name: str
    date_of_birth: date | None

    @property
    def recorded_missed(self) -> bool:
        """True once someone has marked it "did not attend"."""
        return self.appointment.status is AppointmentStatus.DID_NOT_ATTEND


@dataclass(frozen=True)
class AttendanceRecorded:
    """The appointment as saved, and any police-notification action its absence raised."""

    appointment: Appointment
    actions: tuple[Action, ...]
    new_appointment: Appointment | None
    changes: Changes


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UK).replace(second=0, microsecond=0).isoformat()


def booking_answers(request: BookingRequest, custody_suite: str) -> dict[str, Any]:
    """The booking form's answers for a request (blank ones left out, so the form names them)."""
    answers: dict[str, Any] = {
        "booking_officer": request.booking_officer.strip(),
        "custody_suite": custody_suite,
        "surname": request.family_name.strip(),
        "forenames": request.given_names.strip(),
        "custody_record_number": request.custody_record_number.strip().upper(),
        "interpreter_needed": _yes_no(request.interpreter_needed),
        "reason": request.reason,
        "starts_at": _iso(request.starts_at),
        "location_site_code": request.location_site_code,
        "details_given": _yes_no(request.details_given),
    }
    if request.date_of_birth is not None:
        answers["date_of_birth"] = request.date_of_birth.isoformat()
    optional = {
        "pnc_id": request.pnc_id.strip().upper(),
        "phone": request.phone.strip(),
        "notes": request.notes.strip(),
        "language": request.language.strip() if request.interpreter_needed else "",
    }
    answers.update({k: v for k, v in optional.items() if v})
    if request.reason == "required_assessment":
        answers["ra1_issued"] = _yes_no(request.ra1_issued)
        if request.ra1_issued and request.ra1_issued_at is not None:
            answers["ra1_issued_at"] = _iso(request.ra1_issued_at)
    return {k: v for k, v in answers.items() if v not in ("", None)}


def _matching_person(uow: UnitOfWork, request: BookingRequest, site_code: str) -> Person | None:
    """The one live person of this site the identifiers match exactly, else None (no guessing).

    A PNC id names one person; otherwise family name, given names (whole, not a prefix) and date
    of birth must all match once normalised. Two candidates are as good as none: the booking then
    makes a new person for a worker to merge, rather than joining the wrong one.
    """
    found: list[Person] = []
    if request.pnc_id.strip():
        found = uow.records.find_people_by_pnc(request.pnc_id)
    if not found and request.date_of_birth is not None and request.family_name.strip():
        given = normalise_name(request.given_names)
        found = [
            p
            for p in uow.records.find_people(request.family_name, request.date_of_birth, request.given_names)
            if normalise_name(p.given_names) == given
        ]
    here = [p for p in found if p.site_code == site_code]
    return here[0] if len(here) == 1 else None


def check_slot_free(uow: UnitOfWork, site_code: str, starts_at: datetime, ignore: uuid.UUID | None) -> None:
    """Refuse a time that is not an offered slot, or a slot full here (`ignore`: the one moving)."""
    capacity = dict(slot_starts(uow, site_code, starts_at.astimezone(UK).date())).get(starts_at)
    if capacity is None:
        raise InvalidInput(
            "that time is not one of the appointment slots offered; choose a slot from the list"
        )
    counts = booked_counts(uow, site_code)
    if ignore is not None:
        held = uow.records.get(ignore)
        if isinstance(held, Appointment) and held.location_site_code == site_code:
            counts[held.starts_at] -= 1
    if counts[starts_at] >= capacity:
        raise InvalidInput("that slot has just been filled; choose another from the list")


def book_appointment(session: WorkstationSession, request: BookingRequest) -> Booked:
    """Complete an out-of-hours booking form for the request, adding the person if not held.

    Refuses a slot that is not offered or is full, and a form with problems (named by field).
    Everything (person, form, appointment) is saved in one transaction.
    """
    require(session.actor, Permission.BOOK_APPOINTMENTS, "book appointments")
    if request.starts_at <= utc_now():
        raise InvalidInput("the appointment must be in the future; choose a slot from the list")
    answers = booking_answers(request, session.site_code)
    spec = shipped_catalogue().latest(BOOKING_FORM)
    problems = validate(spec, with_computed(spec, answers), completing=True)
    if problems:
        raise FormIncomplete(problems)  # before anything is made, so no person without a booking
    with session.unit_of_work() as uow:
        check_slot_free(uow, request.location_site_code, request.starts_at, None)
        person: Person | None
        if request.person_id is not None:
            # Only someone who may find people books for one by id; for anyone else success or
            # failure would tell whether that id is a person on record.
            require(session.actor, Permission.VIEW_PEOPLE, "book for a person found on record")
            held = uow.records.get(request.person_id)
            person = held if isinstance(held, Person) and held.is_live else None
            if person is None:
                raise RecordNotFound("that person is no longer on record; find them again")
        else:
            person = _matching_person(uow, request, session.site_code)
    new_person: list[RecordBase] = []
    if person is None:
        if request.date_of_birth is None:
            raise InvalidInput("give the date of birth")
        made = Person(
            site_code=session.site_code,
            author=session.user.username,
            family_name=request.family_name.strip(),
            given_names=request.given_names.strip(),
            date_of_birth=request.date_of_birth,
            pnc_id=answers.get("pnc_id"),
            phone=answers.get("phone"),
            interpreter_needed=request.interpreter_needed,
            language=answers.get("language"),
        )
        new_person.append(made)
        person_id = made.id
    else:
        person_id = person.id
    form = start_form(session, BOOKING_FORM, person_id, answers=answers, carry_over=False)
    made_records = complete_in_store(session, form.spec, form.record, answers)
    with booking_in_progress():  # the one save through which custody staff may add a person
        saved = save_records(session, [*new_person, *made_records.all()])
    appointment = next(r for r in saved.records if isinstance(r, Appointment))
    record = next(r for r in saved.records if isinstance(r, Assessment))
    return Booked(appointment, record, bool(new_person), saved.changes)


def _booking_forms(uow: UnitOfWork, author: str, since: datetime) -> dict[uuid.UUID, Assessment]:
    """The author's booking forms saved since then, by the id of the appointment each made."""
    forms: dict[uuid.UUID, Assessment] = {}
    for record in records_updated_between(uow.session, Assessment.record_type, since):
        if (
            isinstance(record, Assessment)
            and record.kind is AssessmentKind.OUT_OF_HOURS_BOOKING
            and record.author == author
        ):
            forms[derived_id(record.id, Appointment.record_type)] = record
    return forms


def my_bookings(session: WorkstationSession, now: datetime | None = None) -> list[BookingRow]:
    """The signed-in user's bookings of the last four weeks and to come, soonest first."""
    require(session.actor, Permission.BOOK_APPOINTMENTS, "see bookings")
    since = (now or utc_now()) - LOOK_BACK
    username = session.user.username
    rows: list[BookingRow] = []
    with session.unit_of_work() as uow:
        forms = _booking_forms(uow, username, since - LOOK_BACK)
        for record in uow.records.iter_all([Appointment.record_type]):
            if not (isinstance(record, Appointment) and record.is_live and record.booked_by == username):
                continue
            if record.starts_at < since:
                continue
            form = forms.get(record.id)
            answers = form.answers if form is not None else {}
            name = " ".join(str(answers.get(k, "")) for k in ("forenames", "surname")).strip()
            rows.append(
                BookingRow(
                    appointment_id=record.id,
                    person_id=record.person_id,
                    name=name or "(booked without the form)",
                    custody_record_number=str(answers.get("custody_record_number", "")),
                    starts_at=record.starts_at,
                    location_site_code=record.location_site_code,
                    reason=record.reason,
                    status=record.status,
                )
            )
    rows.sort(key=lambda r: r.starts_at)
    return rows


def missed_appointments(session: WorkstationSession, now: datetime | None = None) -> list[MissedRow]:
    """Appointments at this site whose time passed with nothing recorded, or missed and not rebooked.

    Oldest first; four weeks back. Listing is a consultation of each person shown (logged by id).
    """
    require(session.actor, Permission.VIEW_ALL_APPOINTMENTS, "see missed appointments")
    at = now or utc_now()
    site = session.site_code
    with session.unit_of_work() as uow:
        appointments = [
            r
            for r in uow.records.iter_all([Appointment.record_type])
            if isinstance(r, Appointment) and r.is_live
        ]
        rebooked_after: dict[uuid.UUID, datetime] = {}
        for a in appointments:
            if a.status is AppointmentStatus.BOOKED:
                rebooked_after[a.person_id] = max(rebooked_after.get(a.person_id, a.starts_at), a.starts_at)
        rows: list[MissedRow] = []
        for a in appointments:
            if a.location_site_code != site or not (at - LOOK_BACK <= a.starts_at <= at - GRACE):
                continue
            waiting = a.status is AppointmentStatus.BOOKED
            unrebooked = (
                a.status is AppointmentStatus.DID_NOT_ATTEND
                and rebooked_after.get(a.person_id, a.starts_at) <= a.starts_at
            )
            if not (waiting or unrebooked):
                continue
            person = uow.records.get(a.person_id)
            if isinstance(person, Person):
                rows.append(MissedRow(a, f"{person.given_names} {person.family_name}", person.date_of_birth))
            else:
                rows.append(MissedRow(a, "(person not held here)", None))
        uow.audit(
            AuditEvent(
                AuditOperation.CONSULTATION,
                "appointment",
                details={"list": "missed_appointments", "ids": [str(r.appointment.id) for r in rows][:50]},
            )
        )
        uow.commit()
    rows.sort(key=lambda r: r.appointment.starts_at)
    return rows


def _police_actions(session: WorkstationSession, appointment: Appointment, at: datetime) -> list[Action]:
    """The required initial assessment's "did not attend" action rule, applied to this appointment."""
    spec = shipped_catalogue().latest(REQUIRED_FORM)
    probe = Assessment(
        id=appointment.id,
        site_code=session.site_code,
        author=session.user.username,
        person_id=appointment.person_id,
        kind=AssessmentKind.REQUIRED_INITIAL,
        form_id=spec.id,
        form_version=spec.version,
        answers={"attended": "no"},
    )
    return actions_for(spec, probe, session.user.username, at)


def _open_appointment(
    session: WorkstationSession, appointment_id: uuid.UUID
) -> tuple[Appointment, set[uuid.UUID]]:
    with session.unit_of_work() as uow:
        record = uow.records.get(appointment_id)
        if not isinstance(record, Appointment) or not record.is_live:
            raise RecordNotFound("that appointment is no longer on record")
        held = {a.id for a in uow.records.for_person(record.person_id, Action.record_type)}
    return record, held


def _missed(
    session: WorkstationSession, appointment: Appointment, held: set[uuid.UUID], at: datetime
) -> tuple[Appointment, list[Action]]:
    updated = appointment.model_copy(update={"status": AppointmentStatus.DID_NOT_ATTEND})
    actions: list[Action] = []
    if appointment.reason == "required_assessment":
        actions = [a for a in _police_actions(session, appointment, at) if a.id not in held]
    return updated, actions


def record_attendance(
    session: WorkstationSession, appointment_id: uuid.UUID, attended: bool
) -> AttendanceRecorded:
    """Mark a booked appointment kept or missed; a missed required assessment raises the police action."""
    require(session.actor, Permission.EDIT_CASEWORK, "record attendance")
    appointment, held = _open_appointment(session, appointment_id)
    if appointment.status is not AppointmentStatus.BOOKED:
        raise InvalidInput("attendance is already recorded for this appointment")
    if appointment.starts_at > utc_now():
        raise InvalidInput("this appointment has not started yet")
    at = utc_now()
    actions: list[Action] = []
    if attended:
        updated = appointment.model_copy(update={"status": AppointmentStatus.ATTENDED})
    else:
        updated, actions = _missed(session, appointment, held, at)
    saved = save_records(session, [updated, *actions])
    stored = saved.records[0]
    assert isinstance(stored, Appointment)
    return AttendanceRecorded(
        stored, tuple(a for a in saved.records[1:] if isinstance(a, Action)), None, saved.changes
    )


def rebook(session: WorkstationSession, appointment_id: uuid.UUID, starts_at: datetime) -> AttendanceRecorded:
    """Book a missed appointment again at a free slot at the same place.

    An appointment still marked booked is marked missed first (its time has passed), which for a
    required assessment raises the police action; the new appointment keeps the reason and RA1.
    """
    require(session.actor, Permission.EDIT_CASEWORK, "rebook appointments")
    appointment, held = _open_appointment(session, appointment_id)
    if appointment.status not in (AppointmentStatus.BOOKED, AppointmentStatus.DID_NOT_ATTEND):
        raise InvalidInput("only a missed appointment can be rebooked here")
    if starts_at <= utc_now():
        raise InvalidInput("the new appointment must be in the future; choose a slot from the list")
    with session.unit_of_work() as uow:
        check_slot_free(uow, appointment.location_site_code, starts_at, None)
    at = utc_now()
    to_save: list[RecordBase] = []
    actions: list[Action] = []
    if appointment.status is AppointmentStatus.BOOKED:
        updated, actions = _missed(session, appointment, held, at)
        to_save += [updated, *actions]
    new = Appointment(
        site_code=session.site_code,
        author=session.user.username,
        person_id=appointment.person_id,
        starts_at=starts_at,
        location_site_code=appointment.location_site_code,
        reason=appointment.reason,
        booked_by=session.user.username,
        booked_by_role=author_role(session.user.roles),
        ra1_issued=appointment.ra1_issued,
    )
    saved = save_records(session, [*to_save, new])
    old = next((r for r in saved.records if r.id == appointment.id), appointment)
    made = saved.records[-1]
    assert isinstance(old, Appointment) and isinstance(made, Appointment)
    return AttendanceRecorded(
        old, tuple(a for a in saved.records if isinstance(a, Action)), made, saved.changes
    )
