"""The custody staff's booking page over a real store: book by keyboard, print the letter, see it pending.

A custody user (pc.booker) sees only this page and settings, and cannot open people or records.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from cars_desktop.domain.errors import RecordNotFound
from cars_desktop.services.records import open_record
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.change_bus import ChangeBus
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.pages.custody_booking_page import PAGE, CustodyBookingPage
from cars_desktop.ui.pages.page_spec import PageContext
from cars_desktop.ui.pages.registry import pages_for
from tests.conftest import CUSTODY, CUSTODY_PASSWORD, Workstation


@dataclass
class RecordingNavigator:
    """A Navigator that remembers what the page asked for."""

    calls: list[tuple[object, ...]] = field(default_factory=list)

    def show_page(self, page_id: str) -> None:
        self.calls.append(("show_page", page_id))

    def open_person(self, person_id: uuid.UUID) -> None:
        self.calls.append(("open_person", person_id))

    def open_form(
        self,
        person_id: uuid.UUID,
        form_id: str,
        record_id: uuid.UUID | None = None,
        *,
        read_only: bool = False,
        amend: bool = False,
    ) -> None:
        self.calls.append(("open_form", person_id, form_id, record_id, read_only, amend))

    def book_appointment(self, person_id: uuid.UUID) -> None:
        self.calls.append(("book_appointment", person_id))

    def preview_document(
        self, person_id: uuid.UUID, kind: str, source_id: uuid.UUID | None = None, variant: str | None = None
    ) -> None:
        self.calls.append(("preview_document", person_id, kind, source_id, variant))

    def notify(self, message: str) -> None:
        self.calls.append(("notify", message))


@pytest.fixture
def custody(workstation: Workstation) -> Iterator[WorkstationSession]:
    session = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    yield session
    session.lock()


def _page(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> tuple[CustodyBookingPage, RecordingNavigator]:
    navigator = RecordingNavigator()
    page = CustodyBookingPage(PageContext(context, session, ChangeBus(), navigator))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    with qtbot.waitActive(page):
        page.show()
        page.activateWindow()
    return page, navigator


def _type(qtbot: QtBot, widget: object, text: str) -> None:
    widget.setFocus()  # type: ignore[attr-defined]
    QTest.keyClicks(widget, text)  # type: ignore[arg-type]


def test_custody_staff_book_by_keyboard_print_the_letter_and_see_it_pending(
    qtbot: QtBot, context: AppContext, custody: WorkstationSession, qtmodeltester: object
) -> None:
    page, navigator = _page(qtbot, context, custody)
    qtmodeltester.check(page.slots)  # type: ignore[attr-defined]
    qtmodeltester.check(page.bookings)  # type: ignore[attr-defined]
    assert page.slots.rowCount() == 8 and page.bookings.rowCount() == 0
    chosen = page.slots.row_at(0)
    _type(qtbot, page.surname, "Brackenridge")
    _type(qtbot, page.forenames, "Tobias")
    page.date_of_birth.setFocus()
    QTest.keyClicks(page.date_of_birth, "02061988")
    _type(qtbot, page.custody_record, "20/123456/26")
    page.ra1_issued.setFocus()
    QTest.keyClick(page.ra1_issued, Qt.Key.Key_Space)
    assert page.ra1_issued.isChecked() and page.ra1_time.isEnabled()
    _type(qtbot, page.officer, "PS Okafor 4471")
    page.book_button.setFocus()
    QTest.keyClick(page.book_button, Qt.Key.Key_Space)
    assert page.error.text() == "", page.error.text()
    assert "booked" in page.notice.text().lower()
    [row] = page.bookings.rows
    assert (row.name, row.outcome, row.starts_at) == ("Tobias Brackenridge", "Pending", chosen.starts_at)
    assert chosen.starts_at not in [offer.starts_at for offer in page.slots.rows]
    assert page.print_button.hasFocus()
    QTest.keyClick(page.print_button, Qt.Key.Key_Space)
    assert navigator.calls[-1] == (
        "preview_document",
        row.person_id,
        "appointment_letter",
        row.appointment_id,
        None,
    )
    qtmodeltester.check(page.bookings)  # type: ignore[attr-defined]


def test_a_problem_is_shown_beside_the_slots_and_nothing_is_booked(
    qtbot: QtBot, context: AppContext, custody: WorkstationSession
) -> None:
    page, navigator = _page(qtbot, context, custody)
    _type(qtbot, page.surname, "Brackenridge")
    page.book_button.click()  # no first names, no custody record number, no RA1
    assert "attention" in page.error.text()
    assert page.bookings.rowCount() == 0 and navigator.calls == []
    assert page.book_button.isEnabled()


def test_custody_staff_see_only_booking_and_settings_and_no_records(
    custody: WorkstationSession, session: WorkstationSession
) -> None:
    visible = {spec.page_id for spec in pages_for(custody.actor)}
    assert PAGE.page_id in visible
    assert visible <= {"book_appointment", "settings"}
    worker_pages = {spec.page_id for spec in pages_for(session.actor)}
    assert PAGE.page_id in worker_pages
    with pytest.raises(RecordNotFound):
        open_record(custody, uuid.uuid4())


def test_every_control_has_an_accessible_name(
    qtbot: QtBot, context: AppContext, custody: WorkstationSession
) -> None:
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QTableView

    page, _ = _page(qtbot, context, custody)
    for kind in (QLineEdit, QComboBox, QAbstractButton, QTableView):
        for widget in page.findChildren(kind):
            inner = widget.objectName().startswith("qt_")  # a spin box's own line edit
            if widget.focusPolicy() != Qt.FocusPolicy.NoFocus and widget.isVisible() and not inner:
                assert widget.accessibleName() or (isinstance(widget, QAbstractButton) and widget.text()), (
                    widget
                )
