"""Missed appointments page over a real store: did not attend raises the police action; rebook opens RA2."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from cars_desktop.services.records import save_record
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.change_bus import ChangeBus
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.pages.missed_appointments_page import MissedAppointmentsPage
from cars_desktop.ui.pages.page_spec import PageContext
from cars_protocol.records import Action, ActionType, Appointment, Person, Role, utc_now
from tests import factories
from tests.conftest import SITE
from tests.ui.test_custody_booking_page import RecordingNavigator


def _missed(
    session: WorkstationSession, person: Person, reason: Literal["required_assessment", "voluntary"]
) -> Appointment:
    made = Appointment(
        site_code=SITE,
        author=session.user.username,
        person_id=person.id,
        starts_at=utc_now().replace(second=0, microsecond=0) - timedelta(hours=2),
        location_site_code=SITE,
        reason=reason,
        booked_by="pc.booker",
        booked_by_role=Role.CUSTODY_STAFF,
        out_of_hours=True,
        ra1_issued=reason == "required_assessment",
    )
    save_record(session, made)
    return made


def _page(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> tuple[MissedAppointmentsPage, RecordingNavigator]:
    navigator = RecordingNavigator()
    page = MissedAppointmentsPage(PageContext(context, session, ChangeBus(), navigator))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    return page, navigator


def test_did_not_attend_raises_the_police_action_and_rebooking_opens_the_ra2(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, qtmodeltester: object
) -> None:
    person = save_record(session, factories.person()).records[0]
    assert isinstance(person, Person)
    required = _missed(session, person, "required_assessment")
    page, navigator = _page(qtbot, context, session)
    qtmodeltester.check(page.model)  # type: ignore[attr-defined]
    assert page.model.rowCount() == 1 and page.slots.count() == 8
    QTest.keyClick(page.missed_button, Qt.Key.Key_Space)
    assert "police notification" in page.notice.text()
    with session.unit_of_work() as uow:
        [action] = [a for a in uow.records.for_person(person.id, "action") if isinstance(a, Action)]
    assert action.action_type is ActionType.POLICE_NOTIFICATION and action.source_record_id == required.id
    [row] = page.model.rows  # still listed: missed, not yet rebooked
    assert row.recorded_missed and not page.missed_button.isEnabled()
    first_slot = page.slots.itemData(0)
    QTest.keyClick(page.rebook_button, Qt.Key.Key_Space)
    assert page.error.text() == ""
    assert navigator.calls == [("preview_document", person.id, "ra2_appointment_change", None, None)]
    assert page.model.rowCount() == 0
    with session.unit_of_work() as uow:
        booked = [a for a in uow.records.for_person(person.id, "appointment") if isinstance(a, Appointment)]
    assert first_slot in {a.starts_at for a in booked}
    qtmodeltester.check(page.model)  # type: ignore[attr-defined]


def test_a_voluntary_one_recorded_as_came_leaves_the_list_without_an_action(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    person = save_record(session, factories.person()).records[0]
    assert isinstance(person, Person)
    _missed(session, person, "voluntary")
    page, navigator = _page(qtbot, context, session)
    page.filter.setText("Quillfeather")
    assert page.table.proxy.rowCount() == 1
    page.filter.setText("nobody of that name")
    assert page.table.proxy.rowCount() == 0
    page.filter.clear()
    page.table.select_first()
    page.attended_button.click()
    assert page.notice.text() == "Attendance recorded."
    assert page.model.rowCount() == 0 and navigator.calls == []
    with session.unit_of_work() as uow:
        assert uow.records.for_person(person.id, "action") == []
