"""The release page over a real seeded store: today's people, the checklist's buttons, the release pack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from cars_desktop.documents.model import DocumentKind
from cars_desktop.services.documents import preview_document, record_print
from cars_desktop.services.records import save_records
from cars_desktop.services.seed import seed
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.pages.release_page import ReleasePage
from cars_protocol.records import Person
from tests.services.test_release import EPISODE, HARM_FORM, PERSON, supply
from tests.ui.test_person_page import RecordingNavigator, page_context


@pytest.fixture
def leaving(session: WorkstationSession) -> Person:
    """Invented casework for 20 people, plus one arrived two hours ago with a kit in property."""
    seed(session, 20, days=3)
    now = datetime.now(UTC)
    episode = EPISODE.model_copy(
        update={
            "arrived_at": now - timedelta(hours=2),
            "created_at": now - timedelta(hours=2),
            "updated_at": now - timedelta(hours=2),
        }
    )
    save_records(session, [PERSON, episode, HARM_FORM, supply(supplied_on=now.date(), episode_id=episode.id)])
    return PERSON


def shown(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> tuple[ReleasePage, RecordingNavigator]:
    page_ctx, navigator = page_context(context, session)
    page = ReleasePage(page_ctx)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    qtbot.waitExposed(page)
    return page, navigator


def choose(page: ReleasePage, person: Person) -> None:
    """Move down the list by keyboard to the person."""
    page.people.setFocus()
    row = next(i for i, p in enumerate(page.model.rows) if p.person_id == person.id)
    page.people.setCurrentIndex(page.model.index(0, 0))
    for _ in range(row):
        QTest.keyClick(page.people, Qt.Key.Key_Down)


def test_todays_people_and_the_checklist_of_the_one_chosen(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, leaving: Person, qtmodeltester: Any
) -> None:
    page, _ = shown(qtbot, context, session)
    assert leaving.id in {p.person_id for p in page.model.rows}
    qtmodeltester.check(page.model)
    choose(page, leaving)
    view = page.checklist
    assert view.person_id == leaving.id and view.checklist is not None
    assert "Jo Leaving" in view.heading.text()
    states = {k: label.text() for k, label in view.state_labels.items()}
    assert states == {
        "naloxone": "Not done",
        "appointment": "Not done",
        "referral": "Not done",
        "pack": "Not done",
    }
    assert view.summary.text() == "4 of 4 items still to do."


def test_each_button_opens_what_does_the_item(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, leaving: Person
) -> None:
    page, navigator = shown(qtbot, context, session)
    page.show_person(leaving.id)
    view = page.checklist
    for key in ("naloxone", "appointment", "referral"):
        button = view.item_buttons[key]
        assert button.accessibleName()
        button.setFocus()
        QTest.keyClick(button, Qt.Key.Key_Space)
    assert navigator.calls[0] == ("open_form", (leaving.id, "harm_reduction", HARM_FORM.id), {"amend": True})
    assert navigator.calls[1] == ("open_form", (leaving.id, "out_of_hours_booking", None), {})
    assert navigator.calls[2] == ("open_form", (leaving.id, "referral", None), {})
    QTest.keyClick(view.pack_button, Qt.Key.Key_Space)
    assert navigator.calls[3] == ("preview_document", (leaving.id, "release_pack", None, None), {})
    QTest.keyClick(view.person_button, Qt.Key.Key_Space)
    assert navigator.calls[4] == ("open_person", (leaving.id,), {})


def test_the_pack_printed_shows_done_when_the_page_is_shown_again(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, leaving: Person
) -> None:
    page, _ = shown(qtbot, context, session)
    page.show_person(leaving.id)
    pack = preview_document(session, leaving.id, DocumentKind.RELEASE_PACK)
    record_print(session, pack, None, "Custody printer 1")
    page.hide()
    page.show()
    assert page.checklist.state_labels["pack"].text() == "Done"
    assert page.checklist.summary.text() == "3 of 4 items still to do."


def test_a_saved_supply_change_refreshes_the_checklist(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, leaving: Person
) -> None:
    page, _ = shown(qtbot, context, session)
    page.show_person(leaving.id)
    stored = supply(supplied_on=datetime.now(UTC).date())
    with session.unit_of_work() as uow:
        current = uow.records.get(stored.id)
    assert current is not None
    handed_back = current.model_copy(update={"returned_on_release": True})
    page.checklist._context.bus.broadcast(save_records(session, [handed_back]).changes)
    assert page.checklist.state_labels["naloxone"].text() == "Done"
