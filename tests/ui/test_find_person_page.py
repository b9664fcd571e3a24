"""Find a person over a real encrypted store: debounced search, keyboard, new person with duplicates."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from cars_desktop.services.person_search import PersonQuery, search_people
from cars_desktop.services.records import save_records
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.change_bus import ChangeBus
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.pages.find_person_page import PAGE, FindPersonPage
from cars_desktop.ui.pages.page_spec import PageContext
from cars_desktop.ui.pages.people_model import PeopleTableModel
from tests import factories
from tests.ui.test_today_page import RecordingNavigator


@pytest.fixture
def page_context(context: AppContext, session: WorkstationSession) -> PageContext:
    save_records(
        session,
        [
            factories.person(family_name="Smith", given_names="Jonathan", pnc_id="01/111111A"),
            factories.person(
                family_name="Smyth", given_names="Joanne", date_of_birth=date(1985, 2, 3), pnc_id=None
            ),
            factories.person(
                family_name="Phillips", given_names="Dean", date_of_birth=date(2000, 1, 9), pnc_id=None
            ),
        ],
    )
    return PageContext(context, session, ChangeBus(), RecordingNavigator())


@pytest.fixture
def page(qtbot: QtBot, page_context: PageContext) -> FindPersonPage:
    widget = FindPersonPage(page_context, debounce_ms=20)
    qtbot.addWidget(widget)
    widget.resize(1366, 700)
    widget.show()
    return widget


def _names(page: FindPersonPage) -> list[str]:
    return [page.model.index(r, 0).data() for r in range(page.model.rowCount())]


def test_page_spec() -> None:
    assert (PAGE.page_id, PAGE.order, PAGE.shortcut) == ("find_person", 20, "Ctrl+2")


def test_model_passes_the_model_tester(qtmodeltester: Any, page_context: PageContext) -> None:
    model = PeopleTableModel()
    model.set_rows(search_people(page_context.session, PersonQuery(name="smith")))
    assert model.rowCount() == 2
    qtmodeltester.check(model)


def test_typing_is_debounced_then_searched(qtbot: QtBot, page: FindPersonPage) -> None:
    page.name.setFocus()
    QTest.keyClicks(page.name, "filips")
    assert page.timer.isActive() and page.model.rowCount() == 0  # not yet: still typing
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=2000)
    assert _names(page)[0] == "PHILLIPS, Dean"
    assert "1 person found" in page.status.text()


def test_enter_searches_then_enter_opens(
    qtbot: QtBot, page: FindPersonPage, page_context: PageContext
) -> None:
    page.name.setFocus()
    QTest.keyClicks(page.name, "smith jon")
    QTest.keyClick(page.name, Qt.Key.Key_Return)  # searches at once
    assert not page.timer.isActive()
    assert _names(page)[0] == "SMITH, Jonathan"
    QTest.keyClick(page.name, Qt.Key.Key_Return)  # to the results
    assert page.table.hasFocus()
    QTest.keyClick(page.table, Qt.Key.Key_Return)
    nav = page_context.navigator
    assert isinstance(nav, RecordingNavigator)
    assert nav.calls == [("open_person", page.model.person_id(0))]


def test_pnc_and_date_of_birth(page: FindPersonPage) -> None:
    page.pnc.setText("01/111111a")
    page.search_now()
    assert _names(page) == ["SMITH, Jonathan"]
    page.pnc.clear()
    page.dob.setText("3/2/1985")
    page.search_now()
    assert _names(page) == ["SMYTH, Joanne"]
    page.dob.setText("not a date")
    page.search_now()
    assert "date of birth" in page.error.text().casefold()


def test_new_person_lists_duplicates_first(
    qtbot: QtBot, page: FindPersonPage, page_context: PageContext
) -> None:
    page.name.setText("Jon Smith")
    page.dob.setText("17/04/1990")
    page.timer.stop()
    dialog = page.new_person()
    assert (dialog.given.text(), dialog.family.text()) == ("Jon", "Smith")
    dialog.check()
    assert dialog.model.rowCount() == 1 and dialog.model.index(0, 0).data() == "SMITH, Jonathan"
    dialog.create_button.click()  # the worker says none of these is them
    nav = page_context.navigator
    assert isinstance(nav, RecordingNavigator)
    assert nav.calls[-1][0] == "open_person"
    found = search_people(
        page_context.session, PersonQuery(name="Jon Smith", date_of_birth=date(1990, 4, 17))
    )
    assert sum(1 for m in found if "same date of birth" in m.why) == 2  # a new one, as the worker said
