"""The actions page over a real seeded store: own first, overdue in words, filter, mark by keyboard."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from cars_desktop.services.records import open_record, save_records
from cars_desktop.services.seed import seed
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.pages.actions_page import ActionsPage
from cars_protocol.records import Action, ActionStatus, ActionType, Person
from tests.conftest import SITE, WORKER
from tests.ui.test_person_page import RecordingNavigator, page_context

NOW = datetime.now(UTC)


@pytest.fixture
def made(session: WorkstationSession) -> dict[str, Action]:
    seed(session, 20, days=3)
    person = Person(
        site_code=SITE, author=WORKER, family_name="Acted", given_names="Lee", date_of_birth=date(1979, 8, 1)
    )
    actions = {
        "overdue": Action(
            site_code=SITE,
            author=WORKER,
            person_id=person.id,
            action_type=ActionType.POLICE_NOTIFICATION,
            owner=WORKER,
            due_at=NOW - timedelta(hours=3),
        ),
        "later": Action(
            site_code=SITE,
            author=WORKER,
            person_id=person.id,
            action_type=ActionType.MARAC,
            owner=WORKER,
            due_at=NOW + timedelta(hours=30),
        ),
        "theirs": Action(
            site_code=SITE,
            author="jo.worker",
            person_id=person.id,
            action_type=ActionType.NRM,
            owner="jo.worker",
            due_at=NOW + timedelta(hours=1),
        ),
    }
    save_records(session, [person, *actions.values()])
    return actions


def shown(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> tuple[ActionsPage, RecordingNavigator]:
    page_ctx, navigator = page_context(context, session)
    page = ActionsPage(page_ctx)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    return page, navigator


def test_own_actions_first_with_overdue_said_in_words(
    qtbot: QtBot,
    context: AppContext,
    session: WorkstationSession,
    made: dict[str, Action],
    qtmodeltester: Any,
) -> None:
    page, _ = shown(qtbot, context, session)
    qtmodeltester.check(page.model)
    qtmodeltester.check(page.proxy)
    ids = [i.action_id for i in page.model.rows]
    assert ids[0] == made["overdue"].id and made["later"].id in ids
    assert made["theirs"].id not in ids  # not the user's own
    first = page.model.index(0, 0).data()
    assert first.startswith("Overdue: ")
    assert page.model.index(0, 0).data(Qt.ItemDataRole.FontRole).bold()
    assert "overdue" in page.count_label.text()
    assert page.whole_site.isVisible()  # sam.worker is a supervisor too
    page.whole_site.setChecked(True)
    assert made["theirs"].id in {i.action_id for i in page.model.rows}
    assert page.model.rows[-1].owner == "jo.worker" or not page.model.rows[-1].mine


def test_filter_by_type(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, made: dict[str, Action]
) -> None:
    page, _ = shown(qtbot, context, session)
    page.type_filter.setCurrentIndex(page.type_filter.findData("marac"))
    assert [i.action_id for i in page.model.rows] == [made["later"].id]
    page.type_filter.setCurrentIndex(0)
    assert len(page.model.rows) >= 2


def test_mark_in_progress_then_done_with_a_note_by_keyboard(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, made: dict[str, Action]
) -> None:
    page, navigator = shown(qtbot, context, session)
    page.table.setFocus()
    assert page.selected_action() is not None and page.selected_action().action_id == made["overdue"].id
    QTest.keyClick(page.progress_button, Qt.Key.Key_Space)
    assert page.selected_action().status is ActionStatus.IN_PROGRESS  # read again through the change bus
    QTest.keyClick(page.done_button, Qt.Key.Key_Space)
    assert "say what was done" in page.error.text().lower()
    page.note.setFocus()
    QTest.keyClicks(page.note, "PC 1234 told by phone")
    QTest.keyClick(page.done_button, Qt.Key.Key_Space)
    assert "marked done" in page.notice.text()
    assert made["overdue"].id not in {i.action_id for i in page.model.rows}
    stored = open_record(session, made["overdue"].id)
    assert isinstance(stored, Action) and stored.status is ActionStatus.DONE
    assert (stored.notes or "").endswith("PC 1234 told by phone")
    page.table.setFocus()
    QTest.keyClick(page.table, Qt.Key.Key_Return)
    assert navigator.calls[-1][0] == "open_person"
