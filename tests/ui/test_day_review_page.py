"""Day review page, real store: a supervisor opens, returns and approves a colleague's work, signs off."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from cars_desktop.services.records import save_record, save_records
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.change_bus import ChangeBus
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.pages.day_review_page import OFFLINE, DayReviewPage
from cars_desktop.ui.pages.page_spec import PageContext
from cars_protocol.records import Assessment, AssessmentKind, AssessmentStatus, Person, utc_now
from tests import factories
from tests.conftest import SITE
from tests.ui.test_custody_booking_page import RecordingNavigator

COLLEAGUE = "dana.worker"


def _done(person: Person, kind: AssessmentKind) -> Assessment:
    return Assessment(
        site_code=SITE,
        author=COLLEAGUE,
        person_id=person.id,
        kind=kind,
        form_id=kind.value,
        form_version=1,
        answers={"notes": "invented"},
        status=AssessmentStatus.COMPLETED,
        completed_at=utc_now(),
    )


def _select(page: DayReviewPage, kind: AssessmentKind) -> None:
    page.table.clearSelection()
    for row in range(page.table.proxy.rowCount()):
        source = page.table.proxy.mapToSource(page.table.proxy.index(row, 0)).row()
        if page.model.row_at(source).kind is kind:
            page.table.selectionModel().select(
                page.table.proxy.index(row, 0),
                QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
            )


def test_a_supervisor_returns_and_approves_then_signs_off_the_day(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, qtmodeltester: object
) -> None:
    person = save_record(session, factories.person()).records[0]
    assert isinstance(person, Person)
    lifestyle = _done(person, AssessmentKind.LIFESTYLE)
    required = _done(person, AssessmentKind.REQUIRED_INITIAL)
    save_records(session, [lifestyle, required])
    navigator = RecordingNavigator()
    page = DayReviewPage(PageContext(context, session, ChangeBus(), navigator))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    qtmodeltester.check(page.model)  # type: ignore[attr-defined]
    qtmodeltester.check(page.workstations)  # type: ignore[attr-defined]
    qtmodeltester.check(page.overbooked)  # type: ignore[attr-defined]
    assert page.model.rowCount() == 2 and "2 waiting for review" in page.summary.text()
    assert page.server_note.text() == OFFLINE  # this test program has no central server

    _select(page, AssessmentKind.REQUIRED_INITIAL)
    QTest.keyClick(page.open_button, Qt.Key.Key_Space)
    assert navigator.calls == [("open_form", person.id, "required_initial", required.id, True, False)]
    QTest.keyClicks(page.comment, "Add the time the RA1 was given.")
    QTest.keyClick(page.return_button, Qt.Key.Key_Space)
    assert page.notice.text() == "1 assessment returned to the worker."
    QTest.keyClick(page.sign_off_button, Qt.Key.Key_Space)
    assert "1 assessment still waits" in page.error.text()

    _select(page, AssessmentKind.LIFESTYLE)
    QTest.keyClick(page.approve_button, Qt.Key.Key_Space)
    assert page.notice.text() == "1 assessment approved."
    statuses = {row.kind: row.status for row in page.model.rows}
    assert statuses == {
        AssessmentKind.LIFESTYLE: AssessmentStatus.APPROVED,
        AssessmentKind.REQUIRED_INITIAL: AssessmentStatus.RETURNED,
    }
    page.filter.setText("returned")
    assert page.table.proxy.rowCount() == 1
    page.filter.clear()
    QTest.keyClick(page.sign_off_button, Qt.Key.Key_Space)
    assert "signed off" in page.notice.text()
    assert page.sign_offs.text().startswith("Oldbury custody block: Signed off by Sam Worker at ")
    assert not page.sign_off_button.isEnabled()
    qtmodeltester.check(page.model)  # type: ignore[attr-defined]


def test_a_supervisor_cannot_approve_their_own_work(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    person = save_record(session, factories.person()).records[0]
    assert isinstance(person, Person)
    own = _done(person, AssessmentKind.LIFESTYLE).model_copy(update={"author": session.user.username})
    save_record(session, own)
    page = DayReviewPage(PageContext(context, session, ChangeBus(), RecordingNavigator()))
    qtbot.addWidget(page)
    page.table.select_first()
    page.approve_button.click()
    assert "own work" in page.error.text()
    assert page.model.row_at(0).status is AssessmentStatus.COMPLETED


def test_the_fields_have_label_shortcuts(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    """Alt+letter from anywhere on the page puts the cursor in the day, sites, filter or comment."""
    page = DayReviewPage(PageContext(context, session, ChangeBus(), RecordingNavigator()))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    for key, field in (
        (Qt.Key.Key_L, page.filter),
        (Qt.Key.Key_M, page.comment),
        (Qt.Key.Key_I, page.sites),
        (Qt.Key.Key_D, page.day),
    ):
        page.table.setFocus()
        QTest.keyClick(QApplication.focusWidget(), key, Qt.KeyboardModifier.AltModifier)
        assert QApplication.focusWidget() is field, (
            f"Alt+{key.name[-1]} should reach {field.accessibleName()!r}"
        )
    QTest.keyClick(page.table, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    QTest.keyClicks(QApplication.focusWidget(), "Add the time.")
    assert page.comment.text() == "Add the time."
    assert page.filter_label.text() == "Fi&lter:" and page.comment_label.text() == "Co&mment:"
    # Alt+S presses "Show the day" (only one mnemonic per letter: two would just take turns at the focus).
    shown: list[bool] = []
    page.show_button.clicked.connect(lambda: shown.append(True))
    QTest.keyClick(page.table, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: shown == [True])  # a mnemonic clicks after a short animation


def test_the_kpis_button_leads_to_the_reports_page(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    """Day review is where a supervisor ends the day; the KPIs are one key away (Alt+K)."""
    navigator = RecordingNavigator()
    page = DayReviewPage(PageContext(context, session, ChangeBus(), navigator))
    qtbot.addWidget(page)
    page.show()
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    QTest.keyClick(page.table, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    # a mnemonic "animates" the click: it lands a moment later
    qtbot.waitUntil(lambda: ("show_page", "reports") in navigator.calls)
