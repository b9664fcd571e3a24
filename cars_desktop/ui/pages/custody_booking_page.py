"""Book an out-of-hours appointment: the custody staff's page (and workers may use it too).

The detainee's identifiers, the custody record number, the reason and RA1, and one of the next
free slots at the chosen place; "Book" completes the booking form through `services.bookings`
(custody staff never search for people: the service links silently to an exact match or adds
the person, and the page shows nothing of anyone held). A worker may instead look the person up
("Look up on record") or arrive with one found elsewhere (`book_for`): the booking is then for
that person, with no new person record. Then the appointment letter opens in the print preview.
Below, the user's own bookings show whether each was kept. Every read and write goes through
`run_op`; the lists refresh when appointments change.
"""

from __future__ import annotations

import uuid
from datetime import UTC

from PySide6.QtCore import QDate, QDateTime, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cars_desktop.documents.model import DocumentKind
from cars_desktop.domain.access import Permission, allows
from cars_desktop.domain.changes import Changes
from cars_desktop.resources import reference_list
from cars_desktop.services.booking_slots import SlotOffer, next_free_slots
from cars_desktop.services.bookings import Booked, BookingRequest, BookingRow, book_appointment, my_bookings
from cars_desktop.services.person_search import PersonMatch, PersonQuery, search_people
from cars_desktop.ui.change_bus import concerns
from cars_desktop.ui.message_label import MessageKind, MessageLabel
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.pages.custody_booking_model import bookings_model, slots_model
from cars_desktop.ui.pages.page_spec import PageContext, PageSpec
from cars_desktop.ui.table_view import RecordTable
from cars_desktop.ui.widgets.typed_dates import uk_date
from cars_protocol.records import Person

DATE_FORMAT = "dd/MM/yyyy"
NEW_PERSON = "A new person, from the details typed"
#: How many people a look-up offers.
LOOKUP_LIMIT = 8


def person_label(person: Person) -> str:
    """ "ASHCOMBE-LYLE, Perpetua (born 11/02/1979, PNC 77/1122334X)" for the "Book for" list."""
    pnc = f", PNC {person.pnc_id}" if person.pnc_id else ""
    return f"{person.family_name.upper()}, {person.given_names} (born {uk_date(person.date_of_birth)}{pnc})"


def _line(name: str, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setAccessibleName(name)
    edit.setPlaceholderText(placeholder)
    return edit


class CustodyBookingPage(QWidget):
    """The booking form on the left, free slots and the user's bookings on the right."""

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = context
        self._last_booked: tuple[uuid.UUID, uuid.UUID] | None = None  # (person, appointment)
        self.setAccessibleName("Book an out-of-hours appointment")

        self.surname = _line("Surname")
        self.forenames = _line("First names")
        self.date_of_birth = QDateEdit()
        self.date_of_birth.setDisplayFormat(DATE_FORMAT)
        self.date_of_birth.setCalendarPopup(True)
        self.date_of_birth.setDate(QDate(1990, 1, 1))
        self.date_of_birth.setAccessibleName("Date of birth")
        self.pnc_id = _line("PNC ID", "for example 19/1234567K")
        self.custody_record = _line("Custody record number", "for example 20/123456/26")
        self.reason = QComboBox()
        self.reason.setAccessibleName("Reason for the appointment")
        self.reason.addItem("Required assessment (after a positive test)", "required_assessment")
        self.reason.addItem("Voluntary (the person wants help)", "voluntary")
        self.ra1_issued = QCheckBox("RA1 written notice given")
        self.ra1_issued.setAccessibleName("RA1 written notice given")
        self.ra1_time = QDateTimeEdit(QDateTime.currentDateTime())
        self.ra1_time.setDisplayFormat(f"{DATE_FORMAT} HH:mm")
        self.ra1_time.setAccessibleName("RA1 given (date and time)")
        self.location = QComboBox()
        self.location.setAccessibleName("Appointment location")
        for site in reference_list("sites").current():
            self.location.addItem(site.name, site.code)
        self.location.setCurrentIndex(max(self.location.findData(context.session.site_code), 0))
        self.officer = _line("Your name and collar or staff number")
        self.phone = _line("Phone number for a reminder")
        self.interpreter = QCheckBox("Needs an interpreter")
        self.interpreter.setAccessibleName("Needs an interpreter")
        self.language = _line("Language")
        self.details_given = QCheckBox("Appointment details given to the detainee")
        self.details_given.setAccessibleName("Appointment details given to the detainee")
        self.details_given.setChecked(True)
        self.notes = _line("Notes for the CARS team")
        # Only those who may find people get the look-up: custody staff are never offered a name,
        # a completion or any record, so a booking tells them nothing about who is held.
        self.may_look_up = allows(context.session.actor, Permission.VIEW_PEOPLE)
        self.book_for_box: QComboBox | None = None
        self.lookup_button: QPushButton | None = None
        if self.may_look_up:
            self.book_for_box = QComboBox()
            self.book_for_box.setAccessibleName("Book for")
            self.book_for_box.addItem(NEW_PERSON, None)
            self.lookup_button = QPushButton("Look up on recor&d")
            self.lookup_button.setAccessibleName("Look up the person on record from the details typed")

        form = QFormLayout()
        form.addRow("&Surname", self.surname)
        form.addRow("&First names", self.forenames)
        form.addRow("Date of &birth", self.date_of_birth)
        form.addRow("&PNC ID (if known)", self.pnc_id)
        form.addRow("&Custody record number", self.custody_record)
        form.addRow("&Reason", self.reason)
        form.addRow("", self.ra1_issued)
        form.addRow("RA1 &given at", self.ra1_time)
        form.addRow("&Location", self.location)
        form.addRow("Your &name and number", self.officer)
        form.addRow("P&hone (optional)", self.phone)
        form.addRow("", self.interpreter)
        form.addRow("Lan&guage", self.language)
        form.addRow("", self.details_given)
        form.addRow("No&tes (optional)", self.notes)
        if self.book_for_box is not None and self.lookup_button is not None:
            lookup_row = QHBoxLayout()
            lookup_row.addWidget(self.book_for_box, 1)
            lookup_row.addWidget(self.lookup_button)
            form.addRow("Book f&or", lookup_row)
        detainee = QGroupBox("Detainee and appointment")
        detainee.setLayout(form)

        self.slots = slots_model(self)
        self.slot_table = RecordTable(self.slots, "Next free appointment slots")
        self.book_button = QPushButton("&Book this slot")
        self.book_button.setAccessibleName("Book the chosen slot")
        self.print_button = QPushButton("&Print appointment letter")
        self.print_button.setAccessibleName("Print the appointment letter")
        self.print_button.setEnabled(False)
        self.error = MessageLabel(MessageKind.ERROR, "Booking problem")
        self.notice = MessageLabel(MessageKind.NOTICE, "Booking result")
        slot_box = QGroupBox("Next free slots")
        slot_layout = QVBoxLayout(slot_box)
        slot_layout.addWidget(self.slot_table)
        buttons = QHBoxLayout()
        buttons.addWidget(self.book_button)
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        slot_layout.addLayout(buttons)
        slot_layout.addWidget(self.error)
        slot_layout.addWidget(self.notice)

        self.bookings = bookings_model(self)
        self.booking_table = RecordTable(self.bookings, "Your bookings")
        self.reprint_button = QPushButton("Print letter for the chosen booking")
        self.reprint_button.setAccessibleName("Print the letter for the chosen booking")
        own_box = QGroupBox("Your bookings (last four weeks and to come)")
        own_layout = QVBoxLayout(own_box)
        own_layout.addWidget(self.booking_table)
        own_layout.addWidget(self.reprint_button, 0, Qt.AlignmentFlag.AlignLeft)

        right = QVBoxLayout()
        right.addWidget(slot_box, 2)
        right.addWidget(own_box, 3)
        title = QLabel("<h2>Book an out-of-hours appointment</h2>")
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        columns = QHBoxLayout()
        columns.addWidget(detainee, 2)
        columns.addLayout(right, 3)
        layout.addLayout(columns)

        self.reason.currentIndexChanged.connect(self._reason_changed)
        self.ra1_issued.toggled.connect(self._reason_changed)
        self.interpreter.toggled.connect(self.language.setEnabled)
        self.location.currentIndexChanged.connect(self.refresh_slots)
        self.book_button.clicked.connect(self.book)
        self.print_button.clicked.connect(self.print_letter)
        self.reprint_button.clicked.connect(self.print_chosen)
        if self.book_for_box is not None and self.lookup_button is not None:
            self.lookup_button.clicked.connect(self.look_up)
            self.book_for_box.currentIndexChanged.connect(self._person_chosen)
        context.bus.sig_changed.connect(self._on_changed)
        self.language.setEnabled(False)
        self._reason_changed()
        self.refresh()

    # -- reading ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the free slots and the user's bookings."""
        self.refresh_slots()
        session = self._ctx.session
        run_op(
            self._ctx.app.runner,
            lambda: my_bookings(session),
            self._show_bookings,
            self.error.show_message,
            parent=self,
        )

    def refresh_slots(self) -> None:
        session, site = self._ctx.session, str(self.location.currentData())
        run_op(
            self._ctx.app.runner,
            lambda: next_free_slots(session, site),
            self._show_slots,
            self.error.show_message,
            parent=self,
        )

    def _show_slots(self, offers: list[SlotOffer]) -> None:
        self.slots.set_rows(offers)
        self.slot_table.fit_columns()
        self.slot_table.select_first()

    def _show_bookings(self, rows: list[BookingRow]) -> None:
        self.bookings.set_rows(rows)
        self.booking_table.fit_columns()

    def _on_changed(self, changes: Changes) -> None:
        if concerns(changes, ("appointment",)):
            self.refresh()

    def _reason_changed(self) -> None:
        required = self.reason.currentData() == "required_assessment"
        self.ra1_issued.setEnabled(required)
        self.ra1_time.setEnabled(required and self.ra1_issued.isChecked())

    # -- booking ------------------------------------------------------------------------------

    def request(self) -> BookingRequest | None:
        """What the form says, or None (with a message) when no slot is chosen."""
        row = self.slot_table.current_source_row()
        slot = None if row is None else self.slots.row_at(row)
        if slot is None:
            self.error.show_message("choose one of the free slots")
            return None
        required = self.reason.currentData() == "required_assessment"
        dob = self.date_of_birth.date().toPython()
        chosen = self.chosen_person()
        return BookingRequest(
            family_name=self.surname.text(),
            given_names=self.forenames.text(),
            date_of_birth=dob,  # type: ignore[arg-type]
            custody_record_number=self.custody_record.text(),
            reason="required_assessment" if required else "voluntary",
            ra1_issued=required and self.ra1_issued.isChecked(),
            ra1_issued_at=self.ra1_time.dateTime().toPython().astimezone(UTC),  # type: ignore[attr-defined]
            starts_at=slot.starts_at,
            location_site_code=slot.site_code,
            booking_officer=self.officer.text(),
            pnc_id=self.pnc_id.text(),
            phone=self.phone.text(),
            interpreter_needed=self.interpreter.isChecked(),
            language=self.language.text(),
            details_given=self.details_given.isChecked(),
            notes=self.notes.text(),
            person_id=None if chosen is None else chosen.id,
        )

    def book(self) -> None:
        """Book the chosen slot for the detainee in the form."""
        self.error.clear_message()
        self.notice.clear_message()
        request = self.request()
        if request is None:
            return
        session = self._ctx.session
        self.book_button.setEnabled(False)
        run_op(
            self._ctx.app.runner,
            lambda: book_appointment(session, request),
            self._ctx.bus.broadcasting(lambda done: done.changes, self._booked),
            self._failed,
            parent=self,
        )

    def _failed(self, message: str) -> None:
        self.book_button.setEnabled(True)
        self.error.show_message(message)

    def _booked(self, done: Booked) -> None:
        self.book_button.setEnabled(True)
        self._last_booked = (done.appointment.person_id, done.appointment.id)
        self.print_button.setEnabled(True)
        self._offer_people([])  # the next booking is for someone else until chosen again
        for edit in (self.surname, self.forenames, self.pnc_id, self.custody_record, self.phone, self.notes):
            edit.clear()
        self.notice.show_message("booked. Print the appointment letter for the person to take with them.")
        self.print_button.setFocus()

    # -- whom for (workers only) --------------------------------------------------------------

    def chosen_person(self) -> Person | None:
        """The person on record the booking is for, or None for a new person from the details."""
        if self.book_for_box is None:
            return None
        data = self.book_for_box.currentData()
        return data if isinstance(data, Person) else None

    def book_for(self, person: Person) -> None:
        """Book for a person already found (from their record): their details, no new person."""
        if self.book_for_box is None:
            return  # custody staff: never offered
        self._offer_people([person])
        self.book_for_box.setCurrentIndex(1)

    def look_up(self) -> None:
        """Find people on record like the details typed (PNC ID, or name and date of birth)."""
        self.error.clear_message()
        query = PersonQuery(
            name=f"{self.forenames.text()} {self.surname.text()}".strip(),
            date_of_birth=self.date_of_birth.date().toPython(),  # type: ignore[arg-type]
            pnc_id=self.pnc_id.text(),
        )
        session = self._ctx.session
        run_op(
            self._ctx.app.runner,
            lambda: search_people(session, query),
            self._found,
            self.error.show_message,
            parent=self,
        )

    def _found(self, matches: list[PersonMatch]) -> None:
        people = [m.person for m in matches[:LOOKUP_LIMIT]]
        self._offer_people(people)
        if not people:
            self.notice.show_message("no one on record matches; the booking will add a new person.")
        elif self.book_for_box is not None:
            self.book_for_box.setFocus()

    def _offer_people(self, people: list[Person]) -> None:
        box = self.book_for_box
        if box is None:
            return
        box.blockSignals(True)
        box.clear()
        box.addItem(NEW_PERSON, None)
        for person in people:
            box.addItem(person_label(person), person)
        box.blockSignals(False)
        self._person_chosen()

    def _person_chosen(self) -> None:
        person = self.chosen_person()
        for edit in (self.surname, self.forenames, self.pnc_id):
            edit.setReadOnly(person is not None)
        self.date_of_birth.setReadOnly(person is not None)
        if person is None:
            return
        self.surname.setText(person.family_name)
        self.forenames.setText(person.given_names)
        born = person.date_of_birth
        self.date_of_birth.setDate(QDate(born.year, born.month, born.day))
        self.pnc_id.setText(person.pnc_id or "")

    def print_letter(self) -> None:
        """Open the letter for the booking just made in the print preview."""
        if self._last_booked is not None:
            person_id, appointment_id = self._last_booked
            self._ctx.navigator.preview_document(
                person_id, DocumentKind.APPOINTMENT_LETTER.value, appointment_id
            )

    def print_chosen(self) -> None:
        """Open the letter for the booking chosen in the list."""
        row = self.booking_table.current_source_row()
        booking = None if row is None else self.bookings.row_at(row)
        if booking is None:
            self.error.show_message("choose one of your bookings first")
            return
        self._ctx.navigator.preview_document(
            booking.person_id, DocumentKind.APPOINTMENT_LETTER.value, booking.appointment_id
        )


PAGE = PageSpec(
    page_id="book_appointment",
    title="Book appointment",
    build=CustodyBookingPage,
    permission=Permission.BOOK_APPOINTMENTS,
    order=60,
    help_topic="book_appointment",
    roles_note="Custody staff (their only page besides settings); workers may book here too.",
)
