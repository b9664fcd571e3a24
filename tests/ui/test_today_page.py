"""Today over a real encrypted store: model checks, filters, keyboard, live refresh, arrivals, court list."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from cars_desktop.domain.changes import Changes
from cars_desktop.services.records import save_records
from cars_desktop.services.today import Need, load_today
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.change_bus import ChangeBus
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.pages.page_spec import PageContext
from cars_desktop.ui.pages.today_model import TodayFilterProxy, TodayTableModel
from cars_desktop.ui.pages.today_page import PAGE, TodayPage
from cars_protocol.records import CustodyEpisode, DrugResult, DrugTest, Person
from tests import factories
from tests.conftest import SITE


class RecordingNavigator:
    """Records what a page asked the main window to do."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

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
        self.calls.append(("open_form", (person_id, form_id)))

    def preview_document(
        self, person_id: uuid.UUID, kind: str, source_id: uuid.UUID | None = None, variant: str | None = None
    ) -> None:
        self.calls.append(("preview_document", (person_id, kind)))

    def notify(self, message: str) -> None:
        self.calls.append(("notify", message))


def _arrival(
    session: WorkstationSession, family: str, given: str, minutes_ago: int, positive: bool = False
) -> Person:
    person = factories.person(family_name=family, given_names=given, pnc_id=None)
    episode = CustodyEpisode(
        site_code=SITE,
        author="sam.worker",
        person_id=person.id,
        custody_record_number=f"OB-{family[:3].upper()}-{minutes_ago}",
        arrived_at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
    )
    records: list[Any] = [person, episode]
    if positive:
        records.append(
            DrugTest(
                site_code=SITE,
                author="sam.worker",
                person_id=person.id,
                episode_id=episode.id,
                sample_taken_at=episode.arrived_at,
                results={"opiates": DrugResult.POSITIVE},
            )
        )
    save_records(session, records)
    return person


@pytest.fixture
def page_context(context: AppContext, session: WorkstationSession) -> PageContext:
    return PageContext(context, session, ChangeBus(), RecordingNavigator())


@pytest.fixture
def page(qtbot: QtBot, page_context: PageContext, session: WorkstationSession) -> TodayPage:
    _arrival(session, "Ashdown", "Pip", 50, positive=True)
    _arrival(session, "Brackley", "Rue", 30)
    _arrival(session, "Corrigan", "Tam", 10, positive=True)
    widget = TodayPage(page_context)
    qtbot.addWidget(widget)
    widget.resize(1366, 700)
    widget.show()
    return widget


def _names(page: TodayPage) -> list[str]:
    return [page.proxy.index(r, 1).data() for r in range(page.proxy.rowCount())]


def test_page_spec() -> None:
    assert (PAGE.page_id, PAGE.order, PAGE.shortcut) == ("today", 10, "Ctrl+1")


def test_models_pass_the_model_tester(qtmodeltester: Any, session: WorkstationSession) -> None:
    _arrival(session, "Ashdown", "Pip", 50, positive=True)
    _arrival(session, "Brackley", "Rue", 30)
    model = TodayTableModel()
    model.set_rows(load_today(session))
    qtmodeltester.check(model)
    proxy = TodayFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    proxy.set_need(Need.TEST_FOLLOW_UP)
    assert proxy.rowCount() == 1


def test_loads_sorts_and_filters(page: TodayPage) -> None:
    assert _names(page) == ["ASHDOWN, Pip", "BRACKLEY, Rue", "CORRIGAN, Tam"]
    assert page.proxy.index(0, 5).data() == "Positive test to follow up"
    page.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    assert _names(page)[0] == "CORRIGAN, Tam"
    page.filter.setText("brack")
    assert _names(page) == ["BRACKLEY, Rue"]
    page.filter.setText("OB-COR")  # the custody record number
    assert _names(page) == ["CORRIGAN, Tam"]
    page.filter.clear()
    page.need_filter.setCurrentIndex(page.need_filter.findData(Need.TEST_FOLLOW_UP.value))
    assert sorted(_names(page)) == ["ASHDOWN, Pip", "CORRIGAN, Tam"]
    page.need_filter.setCurrentIndex(page.need_filter.findData("any"))
    assert len(_names(page)) == 2
    assert "Showing 2 of 3" in page.status.text()


def test_enter_on_a_row_opens_the_person(qtbot: QtBot, page: TodayPage, page_context: PageContext) -> None:
    page.filter.setFocus()
    QTest.keyClicks(page.filter, "corr")
    QTest.keyClick(page.filter, Qt.Key.Key_Return)  # to the table, first row selected
    assert page.table.hasFocus()
    QTest.keyClick(page.table, Qt.Key.Key_Return)
    nav = page_context.navigator
    assert isinstance(nav, RecordingNavigator)
    (call,) = nav.calls
    assert call[0] == "open_person"


def test_refreshes_live_when_work_is_saved(
    page: TodayPage, page_context: PageContext, session: WorkstationSession
) -> None:
    person = _arrival(session, "Dunmore", "Ola", 5)
    assert len(_names(page)) == 3  # nobody told the page yet
    page_context.bus.broadcast(Changes.of_records([person]))
    assert "DUNMORE, Ola" in _names(page)


def test_add_arrival_checks_for_duplicates_then_starts_the_arrival_form(
    qtbot: QtBot, page: TodayPage, page_context: PageContext
) -> None:
    dialog = page.add_arrival()
    QTest.keyClicks(dialog.family, "Ashdowne")
    QTest.keyClicks(dialog.given, "Pip")
    QTest.keyClicks(dialog.dob, "17/04/1990")
    QTest.keyClick(dialog.dob, Qt.Key.Key_Return)
    assert dialog.model.rowCount() == 1  # the Ashdown already known
    assert "1 known person" in dialog.message.text()
    QTest.keyClick(dialog.table, Qt.Key.Key_Return)  # use this person
    nav = page_context.navigator
    assert isinstance(nav, RecordingNavigator)
    assert nav.calls[-1][0] == "open_form" and nav.calls[-1][1][1] == "custody_arrival"
    assert not dialog.isVisible()


def test_add_arrival_of_somebody_new(qtbot: QtBot, page: TodayPage, page_context: PageContext) -> None:
    dialog = page.add_arrival()
    assert not dialog.create_button.isEnabled()  # not before the duplicate check
    dialog.family.setText("Zeller")
    dialog.given.setText("Ivo")
    dialog.dob.setText("01/02/1988")
    dialog.check()
    assert dialog.model.rowCount() == 0 and dialog.create_button.isEnabled()
    dialog.create_button.click()
    nav = page_context.navigator
    assert isinstance(nav, RecordingNavigator)
    assert nav.calls[-1][0] == "open_form"


def test_bad_date_of_birth_is_named(page: TodayPage) -> None:
    dialog = page.add_arrival()
    dialog.family.setText("Zeller")
    dialog.given.setText("Ivo")
    dialog.dob.setText("31/31/1988")
    dialog.check()
    dialog.reject()
    assert dialog.error.text().startswith("Date of birth: there is no such date")


def test_court_list_import_previews_and_imports(
    qtbot: QtBot, tmp_path: Path, page: TodayPage, page_context: PageContext
) -> None:
    today = datetime.now(UTC).astimezone().strftime("%d/%m/%Y")
    path = tmp_path / "list.csv"
    path.write_text(
        "Date,Court,Courtroom,Surname,Forenames,Date of birth,PNC ID,Offence,Hearing time\n"
        f"{today},Oldbury,1,Evers,Kit,05/05/1995,,Theft,10:00\n"
        f"{today},Oldbury,1,Bad,Row,05/05/2995,,Theft,10:00\n",
        encoding="utf-8",
    )
    dialog = page.import_court_list()
    dialog.load_file(path)
    assert dialog.model.rowCount() == 2
    assert dialog.model.index(1, 5).data() == "Not imported"
    assert "date of birth: is not in the past" in dialog.model.index(1, 6).data()
    assert "1 to import, 1 with problems" in dialog.summary.text()
    dialog.import_button.click()
    assert "EVERS, Kit" in _names(page)  # the bus told Today
    nav = page_context.navigator
    assert isinstance(nav, RecordingNavigator)
    assert nav.calls[-1][0] == "notify"
