"""Day review with a real central server on loopback: sign-offs from another workstation, rebooking.

Two enrolled workstations at Oldbury (real SQLCipher stores) and a real server. A sign-off made on
one shows on the other's day review after a sync; an over-booked slot is rebooked from the list
through the dialog, and leaves the list once the move has synced. Invented people only.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from cars_desktop.documents.model import DocumentKind
from cars_desktop.services.booking_slots import UK, next_free_slots
from cars_desktop.services.bookings import BookingRequest, book_appointment
from cars_desktop.services.day_review import sign_off_day
from cars_desktop.services.records import open_record
from cars_desktop.services.sync import sync_now
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.change_bus import ChangeBus
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.pages.day_review_page import DayReviewPage
from cars_desktop.ui.pages.page_spec import PageContext
from cars_desktop.ui.task_runner import InlineTaskRunner
from cars_protocol.records import Appointment, utc_now
from tests.server.helpers import SITE, SUPERVISOR, RunningServer, running_server
from tests.sync.stations import enrol_station, open_station, station_settings, sync_until_quiet
from tests.ui.test_custody_booking_page import RecordingNavigator


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path) as running:
        yield running


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


def _page(
    qtbot: QtBot, folder: Path, session: WorkstationSession
) -> tuple[DayReviewPage, RecordingNavigator]:
    runner = InlineTaskRunner()
    context = AppContext(station_settings(), folder, runner, http_factory=lambda: httpx.Client(timeout=30))
    navigator = RecordingNavigator()
    page = DayReviewPage(PageContext(context, session, ChangeBus(), navigator))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    return page, navigator


def _book(session: WorkstationSession, family_name: str, slot: datetime) -> Appointment:
    request = BookingRequest(
        family_name=family_name,
        given_names="Invented",
        date_of_birth=date(1985, 9, 30),
        custody_record_number="20/111222/26",
        reason="required_assessment",
        ra1_issued=True,
        ra1_issued_at=utc_now() - timedelta(minutes=10),
        starts_at=slot,
        location_site_code=SITE,
        booking_officer="PS Marlowe 2210",
    )
    return book_appointment(session, request).appointment


def test_a_sign_off_made_at_another_workstation_shows_after_a_sync(
    qtbot: QtBot, server: RunningServer, http: httpx.Client, tmp_path: Path
) -> None:
    folder_a = enrol_station(server.base_url, server.enrolment_code(), tmp_path / "custody-a", http)
    folder_b = enrol_station(server.base_url, server.enrolment_code(), tmp_path / "custody-b", http)
    at_a = open_station(folder_a, http, user=SUPERVISOR)
    at_b = open_station(folder_b, http, user=SUPERVISOR)
    try:
        page, _navigator = _page(qtbot, folder_b, at_b)
        assert page.sign_offs.text().startswith("Not signed off yet")
        assert page.sign_off_button.isEnabled()
        sign_off_day(at_a, utc_now().astimezone(UK).date(), [SITE])
        sync_until_quiet([at_a, at_b], http)
        QTest.keyClick(page.show_button, Qt.Key.Key_Space)
        assert page.sign_offs.text().startswith("Oldbury custody block: Signed off by Ria Supervisor at ")
        assert not page.sign_off_button.isEnabled()  # this supervisor has signed it off already
    finally:
        at_a.lock()
        at_b.lock()


def test_an_over_booked_slot_is_rebooked_from_the_list_and_leaves_it_after_sync(
    qtbot: QtBot, server: RunningServer, http: httpx.Client, tmp_path: Path
) -> None:
    folder_a = enrol_station(server.base_url, server.enrolment_code(), tmp_path / "custody-a", http)
    folder_b = enrol_station(server.base_url, server.enrolment_code(), tmp_path / "custody-b", http)
    worker = open_station(folder_a, http)
    supervisor = open_station(folder_b, http, user=SUPERVISOR)
    try:
        slot = next_free_slots(supervisor, SITE, count=1)[0].starts_at
        _book(supervisor, "Harrowgate", slot)
        sync_now(supervisor, http)
        over = _book(worker, "Quenby", slot)
        sync_until_quiet([worker, supervisor], http)

        page, navigator = _page(qtbot, folder_b, supervisor)
        assert page.overbooked.rowCount() == 1
        assert not page.rebook_button.isEnabled()
        page.overbooked_table.select_first()
        assert page.rebook_button.isEnabled()
        QTest.keyClick(page.rebook_button, Qt.Key.Key_Space)
        dialog = page._rebook_dialog
        assert dialog is not None and dialog.isVisible()
        assert dialog.bookings.count() == 1
        assert dialog.bookings.currentText().startswith(
            "Invented Quenby (born 30/09/1985), booked by sam.worker"
        )
        assert dialog.slots.count() > 0
        new_time = dialog.slots.currentData()
        assert new_time != slot
        QTest.keyClick(dialog.rebook_button, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: not dialog.isVisible())
        assert page.notice.text().startswith("Rebooked for ")
        assert navigator.calls == [
            ("preview_document", over.person_id, DocumentKind.RA2_APPOINTMENT_CHANGE.value, None, None)
        ]
        assert page.overbooked.rowCount() == 1  # the server has not heard of the move yet

        sync_until_quiet([supervisor, worker], http)
        QTest.keyClick(page.server_button, Qt.Key.Key_Space)
        assert page.overbooked.rowCount() == 0
        assert not page.rebook_button.isEnabled()
        seen = open_record(worker, over.id)
        assert isinstance(seen, Appointment) and seen.starts_at == new_time
    finally:
        worker.lock()
        supervisor.lock()
