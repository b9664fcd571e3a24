"""The audit log viewer over a real store: filters, paging, verification, and its own consultation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.changes import Changes
from cars_desktop.services.audit_log_view import AuditFilter, read_audit_page
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.change_bus import ChangeBus
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.pages.audit_log_model import AuditLogModel
from cars_desktop.ui.pages.audit_log_page import AuditLogPage
from cars_desktop.ui.pages.page_spec import PageContext
from cars_desktop.ui.task_runner import TaskRunner
from tests.conftest import ADMIN, ADMIN_PASSWORD, WORKER, Workstation
from tests.ui.test_users_admin_page import RecordingNavigator


@pytest.fixture
def admin(workstation: Workstation) -> Iterator[WorkstationSession]:
    unlocked = workstation.unlock(ADMIN, ADMIN_PASSWORD)
    yield unlocked
    unlocked.lock()


def _fill(session: WorkstationSession, count: int) -> None:
    with session.unit_of_work() as uow:
        for n in range(count):
            uow.audit(AuditEvent(AuditOperation.CONSULTATION, "person", f"00000000-0000-0000-0000-{n:012d}"))
        uow.commit()


def _page(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, size: int = 10
) -> tuple[AuditLogPage, ChangeBus]:
    bus = ChangeBus()
    page = AuditLogPage(PageContext(context, session, bus, RecordingNavigator()), page_size=size)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    return page, bus


def _consultations(session: WorkstationSession) -> int:
    return read_audit_page(session, AuditFilter(record_type="audit_log", operation="consultation")).total


def test_model_passes_the_model_tester(qtmodeltester, admin: WorkstationSession) -> None:  # type: ignore[no-untyped-def]
    model = AuditLogModel()
    model.set_rows(read_audit_page(admin, AuditFilter()).entries)
    assert model.rowCount() > 0
    qtmodeltester.check(model)
    assert model.headerData(1, Qt.Orientation.Horizontal) == "When (UK time)"


def test_opening_pages_and_filtering_by_keyboard(
    qtbot: QtBot, context: AppContext, admin: WorkstationSession
) -> None:
    _fill(admin, 25)
    before = _consultations(admin)
    page, bus = _page(qtbot, context, admin)
    assert _consultations(admin) == before + 1  # opening is logged once
    assert page.model.rowCount() == 10
    total = page.page.total if page.page else 0
    assert page.position.text() == f"Entries 1 to 10 of {total:,}, newest first"
    newest = page.model.row_at(0)
    # the log as it was found: the opening's own entry is written after the read
    assert newest is not None and newest.record_id == "00000000-0000-0000-0000-000000000024"

    qtbot.keyClick(page.table, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: page.position.text().startswith("Entries 11 to 20"))
    assert not ({e.seq for e in page.model.rows} & {newest.seq})
    qtbot.keyClick(page.table, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: page.position.text().startswith("Entries 1 to 10"))
    assert _consultations(admin) == before + 1  # turning pages is not logged

    # filter on one record by keyboard: Alt+I reaches the record id field, Return applies
    qtbot.keyClick(page.table, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is page.record_id
    qtbot.keyClicks(page.record_id, "00000000-0000-0000-0000-000000000007")
    qtbot.keyClick(page.record_id, Qt.Key.Key_Return)
    assert page.model.rowCount() == 1 and page.position.text() == "Entries 1 to 1 of 1, newest first"
    assert _consultations(admin) == before + 2
    logged = read_audit_page(admin, AuditFilter(record_type="audit_log"), page_size=1).entries[0]
    assert "record_id: 00000000-0000-0000-0000-000000000007" in logged.details

    # a bad date is explained, and nothing is read or logged
    page.date_from.setText("31/02/2025")
    page.apply_filter()
    assert "from" in page.error.text() and "no such date" in page.error.text()
    assert _consultations(admin) == before + 2

    page.clear_filter()
    assert page.error.isHidden() and page.model.rowCount() == 10
    # live: something saved elsewhere shows at the top of the newest page, without logging a view
    _fill(admin, 1)
    bus.broadcast(Changes(users=True))
    # since the first read: its own entry, two new filters logged, and the entry saved elsewhere
    assert page.page is not None and page.page.total == total + 4
    assert page.model.row_at(0) is not None and page.model.row_at(0).seq == page.page.newest_seq  # type: ignore[union-attr]


def test_user_and_kind_filters(qtbot: QtBot, context: AppContext, admin: WorkstationSession) -> None:
    page, _ = _page(qtbot, context, admin)
    assert page.user.findText(WORKER) >= 0
    page.user.setCurrentText(ADMIN)
    page.operation.setCurrentIndex(page.operation.findData("login"))
    page.apply_filter()
    assert page.model.rowCount() >= 1
    assert all(e.username == ADMIN and e.operation == "login" for e in page.model.rows)
    assert page.model.index(0, 4).data() == "Unlocked"


def test_verify_chain_reports_the_count_and_a_break(
    qtbot: QtBot, context: AppContext, admin: WorkstationSession
) -> None:
    page, _ = _page(qtbot, context, admin)
    qtbot.keyClick(page.table, Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: page.verify_result.isVisible())
    assert page.verify_result.text().startswith("The audit log is intact: ")
    assert page.verify_button.isEnabled() and page.progress.isHidden()

    with admin.store.engine.begin() as connection:  # an insider edits one entry
        connection.exec_driver_sql("UPDATE audit_log SET username = 'someone' WHERE seq = 2")
    page.verify()
    assert page.verify_error.isVisible() and "did not verify" in page.verify_error.text()
    assert page.verify_result.isHidden()


def test_reads_and_verifies_off_the_gui_thread(
    qtbot: QtBot, workstation: Workstation, admin: WorkstationSession
) -> None:
    runner = TaskRunner()
    context = AppContext(workstation.settings, workstation.data_dir, runner)
    try:
        page, _ = _page(qtbot, context, admin)
        qtbot.waitUntil(lambda: page.model.rowCount() > 0)
        page.verify()
        assert page.progress.isVisible() or page.verify_result.isVisible()
        qtbot.waitUntil(lambda: page.verify_result.isVisible())
        assert page.progress.isHidden()
    finally:
        runner.shutdown()
