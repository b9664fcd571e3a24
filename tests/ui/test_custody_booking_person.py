"""The booking page and whom a booking is for, over a real seeded store.

Custody staff type a detainee who is already on record: the booking joins that person, and the
page offers no look-up, no name completion and shows nothing of the record. A worker looks the
person up (or arrives with one found, `book_for`) and books for them: no new person. Invented people.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from cars_desktop.services.records import open_record, save_record
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.change_bus import ChangeBus
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.pages.custody_booking_page import NEW_PERSON, CustodyBookingPage
from cars_desktop.ui.pages.page_spec import PageContext
from cars_protocol.records import Appointment, Person
from tests import factories
from tests.conftest import CUSTODY, CUSTODY_PASSWORD, Workstation
from tests.ui.test_custody_booking_page import RecordingNavigator

ADDRESS = "3 Imaginary Close, Oldbury"


def _held(session: WorkstationSession) -> Person:
    saved = save_record(
        session,
        factories.person(
            family_name="Gallowglass",
            given_names="Wilhelmina",
            date_of_birth=date(1983, 7, 14),
            pnc_id="82/5566778R",
            address=ADDRESS,
            phone="07700 900123",
        ),
    ).records[0]
    assert isinstance(saved, Person)
    return saved


def _people(session: WorkstationSession) -> int:
    with session.unit_of_work() as uow:
        return sum(1 for _ in uow.records.iter_all([Person.record_type]))


def _page(qtbot: QtBot, context: AppContext, session: WorkstationSession) -> CustodyBookingPage:
    page = CustodyBookingPage(PageContext(context, session, ChangeBus(), RecordingNavigator()))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    with qtbot.waitActive(page):  # typing into the date edit needs it shown and focused
        page.show()
        page.activateWindow()
    return page


def _shown_text(page: CustodyBookingPage) -> str:
    """Everything the page shows in words: labels, fields, lists and both tables."""
    parts = [w.text() for w in page.findChildren(QLabel)]
    parts += [w.text() for w in page.findChildren(QLineEdit)]
    for box in page.findChildren(QComboBox):
        parts += [box.itemText(i) for i in range(box.count())]
    for model in (page.slots, page.bookings):
        for row in range(model.rowCount()):
            for column in range(model.columnCount()):
                parts.append(str(model.index(row, column).data()))
    return "\n".join(parts)


def test_custody_staff_book_someone_held_and_learn_nothing(
    qtbot: QtBot, context: AppContext, workstation: Workstation, session: WorkstationSession
) -> None:
    held = _held(session)
    before = _people(session)
    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    try:
        page = _page(qtbot, context, custody)
        assert page.book_for_box is None and page.lookup_button is None
        assert all(edit.completer() is None for edit in page.findChildren(QLineEdit))
        QTest.keyClicks(page.surname, "GALLOWGLASS")
        QTest.keyClicks(page.forenames, "wilhelmina")
        page.date_of_birth.setFocus()
        QTest.keyClicks(page.date_of_birth, "14071983")
        assert page.date_of_birth.date().toPython() == date(1983, 7, 14)
        QTest.keyClicks(page.custody_record, "20/777888/26")
        QTest.keyClicks(page.officer, "PC Varga 1187")
        page.reason.setCurrentIndex(page.reason.findData("voluntary"))
        QTest.keyClick(page.book_button, Qt.Key.Key_Space)
        assert page.error.text() == "", page.error.text()
        assert page.notice.text() == "Booked. Print the appointment letter for the person to take with them."
        [row] = page.bookings.rows
        assert row.name == "wilhelmina GALLOWGLASS"  # as typed, never as held
        shown = _shown_text(page)
        for secret in (ADDRESS, "07700", held.pnc_id or "-", "Wilhelmina", "Gallowglass"):
            assert secret not in shown
    finally:
        custody.lock()
    booked = open_record(session, row.appointment_id)
    assert isinstance(booked, Appointment) and booked.person_id == held.id
    assert _people(session) == before


def test_a_worker_looks_the_person_up_and_books_for_them(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    held = _held(session)
    before = _people(session)
    page = _page(qtbot, context, session)
    assert page.book_for_box is not None and page.lookup_button is not None
    assert page.book_for_box.currentText() == NEW_PERSON
    QTest.keyClicks(page.surname, "Galowglass")  # a slip the look-up tolerates
    QTest.keyClicks(page.forenames, "Wilhelmina")
    page.date_of_birth.setFocus()
    QTest.keyClicks(page.date_of_birth, "14071983")
    QTest.keyClick(page.lookup_button, Qt.Key.Key_Space)
    assert page.book_for_box.count() >= 2
    assert page.book_for_box.itemText(1) == "GALLOWGLASS, Wilhelmina (born 14/07/1983, PNC 82/5566778R)"
    page.book_for_box.setCurrentIndex(1)
    assert page.chosen_person() == held
    assert page.surname.text() == "Gallowglass" and page.surname.isReadOnly()
    QTest.keyClicks(page.custody_record, "20/777889/26")
    QTest.keyClicks(page.officer, "Sam Worker")
    page.reason.setCurrentIndex(page.reason.findData("voluntary"))
    QTest.keyClick(page.book_button, Qt.Key.Key_Space)
    assert page.error.text() == "", page.error.text()
    [row] = page.bookings.rows
    assert row.person_id == held.id
    assert _people(session) == before
    assert page.book_for_box.currentText() == NEW_PERSON and not page.surname.isReadOnly()


def test_book_for_a_person_found_elsewhere(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    held = _held(session)
    page = _page(qtbot, context, session)
    page.book_for(held)
    assert page.chosen_person() == held
    assert (page.forenames.text(), page.pnc_id.text()) == ("Wilhelmina", "82/5566778R")
    request = page.request()
    assert request is not None and request.person_id == held.id


def test_book_appointment_on_a_person_record_opens_the_booking_for_them(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    """From a person's record (Alt+B) to the booking page with that person chosen: nothing retyped."""
    from cars_desktop.ui.main_window import MainWindow
    from cars_desktop.ui.pages.person_page import PersonPage

    held = _held(session)
    window = MainWindow(context, session)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    qtbot.waitUntil(lambda: not window.first_page_pending())
    window.navigator.open_person(held.id)
    person_page = window.current_page()
    assert isinstance(person_page, PersonPage)
    qtbot.waitUntil(lambda: person_page.book_button.isEnabled())
    person_page.book_button.click()
    booking = window.current_page()
    assert isinstance(booking, CustodyBookingPage)
    assert booking.chosen_person() == held
    assert booking.surname.text() == "Gallowglass" and booking.surname.isReadOnly()
