"""Conflicts page against a real central server on loopback: choose per field, give a reason, resolve.

Two workstations edit one invented person offline (as in tests/sync/test_conflict_service.py); the
supervisor at the first resolves from the page, keeping the incoming family name and the current
phone number, and the merged revision is applied here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from cars_desktop.config import Settings
from cars_desktop.services.enrolment import enrol
from cars_desktop.services.workstation import WorkstationSession, unlock
from cars_desktop.ui.change_bus import ChangeBus
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.pages.conflicts_page import OFFLINE, ConflictsPage
from cars_desktop.ui.pages.page_spec import PageContext
from cars_desktop.ui.task_runner import InlineTaskRunner
from cars_protocol.records import Person
from tests.server.helpers import PASSWORDS, SUPERVISOR, RunningServer, running_server
from tests.sync.test_conflict_service import _make_conflict
from tests.ui.test_custody_booking_page import RecordingNavigator


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path) as running:
        yield running


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


def _http() -> httpx.Client:
    return httpx.Client(timeout=30)


@pytest.fixture
def supervisor(
    server: RunningServer, settings: Settings, http: httpx.Client, tmp_path: Path
) -> Iterator[WorkstationSession]:
    folders = []
    for name in ("a", "b"):
        folder = tmp_path / name
        enrol(settings, folder, server.base_url, server.enrolment_code(), name, http)
        folders.append(folder)
    _, b = _make_conflict(settings, http, folders[0], folders[1])
    b.lock()
    session = unlock(settings, folders[0], SUPERVISOR, PASSWORDS[SUPERVISOR], http=http)
    yield session
    session.lock()


def test_a_supervisor_resolves_a_conflict_field_by_field(
    qtbot: QtBot, supervisor: WorkstationSession, settings: Settings, qtmodeltester: object
) -> None:
    runner = InlineTaskRunner()
    app = AppContext(settings, supervisor.layout.vault.parent, runner, http_factory=_http)
    page = ConflictsPage(PageContext(app, supervisor, ChangeBus(), RecordingNavigator()))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    qtmodeltester.check(page.conflicts)  # type: ignore[attr-defined]
    qtmodeltester.check(page.fields)  # type: ignore[attr-defined]
    assert page.conflicts.rowCount() == 1 and page.note.text() == "1 conflict waiting."
    fields = [page.fields.field_at(r) for r in range(page.fields.rowCount())]
    assert {"family_name", "phone"} <= set(fields)
    assert page.fields.conflict is not None
    current, record_id = page.fields.conflict.current.record, page.fields.conflict.record_id
    assert page.fields.index(fields.index("family_name"), 1).data() == current["family_name"]

    QTest.keyClick(page.resolve_button, Qt.Key.Key_Space)  # nothing chosen, no reason
    assert page.error.text()
    QTest.keyClick(page.all_current, Qt.Key.Key_Space)
    page.field_table.selectRow(fields.index("family_name"))
    QTest.keyClick(page.keep_incoming, Qt.Key.Key_Space)
    assert page.fields.choices()["family_name"] == "incoming"
    assert page.fields.index(fields.index("family_name"), 3).data() == "Incoming"
    assert page.fields.setData(page.fields.index(fields.index("phone"), 3), "current")
    QTest.keyClicks(page.reason, "checked with the custody record")
    QTest.keyClick(page.resolve_button, Qt.Key.Key_Space)
    assert page.error.text() == "", page.error.text()
    assert page.notice.text() == "Resolved: the person is now revision 3."
    assert page.conflicts.rowCount() == 0 and page.note.text() == "No conflicts."
    with supervisor.unit_of_work() as uow:
        merged = uow.records.get(record_id)
    assert isinstance(merged, Person)
    assert (merged.family_name, merged.phone) == ("Pemberton-B", "01210000011")
    qtmodeltester.check(page.fields)  # type: ignore[attr-defined]
    runner.shutdown()


def test_without_a_server_the_page_says_not_available_offline(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    page = ConflictsPage(PageContext(context, session, ChangeBus(), RecordingNavigator()))
    qtbot.addWidget(page)
    assert page.note.text() == OFFLINE and page.conflicts.rowCount() == 0
    page.resolve_button.click()
    assert page.error.text() == "Choose a conflict first"
