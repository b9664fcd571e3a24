"""The site settings and reference data page over a real store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from cars_desktop.resources import shipped_reference_list
from cars_desktop.services.reference_view import reference_items, reference_lists
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.reference_repository import ReferenceRepository, StoredReference
from cars_desktop.ui.change_bus import ChangeBus
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.pages.page_spec import PageContext
from cars_desktop.ui.pages.reference_page import ReferenceItemsModel, ReferenceListsModel, ReferencePage
from tests.conftest import ADMIN, ADMIN_PASSWORD, SITE, Workstation
from tests.ui.test_users_admin_page import RecordingNavigator


@pytest.fixture
def admin(workstation: Workstation) -> Iterator[WorkstationSession]:
    unlocked = workstation.unlock(ADMIN, ADMIN_PASSWORD)
    yield unlocked
    unlocked.lock()


def _page(qtbot: QtBot, context: AppContext, session: WorkstationSession) -> ReferencePage:
    page = ReferencePage(PageContext(context, session, ChangeBus(), RecordingNavigator()))
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    return page


def test_models_pass_the_model_tester(qtmodeltester, admin: WorkstationSession) -> None:  # type: ignore[no-untyped-def]
    lists = ReferenceListsModel()
    lists.set_rows(reference_lists(admin, date.today()))
    qtmodeltester.check(lists)
    items = ReferenceItemsModel()
    items.set_rows(reference_items(admin, "providers", date.today()))
    qtmodeltester.check(items)


def test_site_details_and_lists_by_keyboard(
    qtbot: QtBot, context: AppContext, admin: WorkstationSession
) -> None:
    page = _page(qtbot, context, admin)
    assert SITE in page.site.text() and page.phone.text()
    assert "specimen" in page.site_note.text()
    assert page.lists_model.rowCount() > 10
    chosen = page.chosen_list()
    assert chosen is not None and chosen.label == "Accommodation status"  # first by name
    assert page.items_model.rowCount() == len(shipped_reference_list("accommodation_status").items)

    qtbot.keyClick(page.lists, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)  # the lists' buddy label
    assert QApplication.focusWidget() is page.lists
    qtbot.keyClicks(page.lists, "Sites")  # type to jump, as in any list
    chosen = page.chosen_list()
    assert chosen is not None and chosen.name == "sites"
    codes = [page.items_model.index(r, 0).data() for r in range(page.items_model.rowCount())]
    assert SITE in codes
    row = page.lists_model.rows.index(chosen)
    assert page.lists_model.index(row, 3).data() == "Shipped"
    assert page.lists_model.index(row, 2).data() == "Installation"


def test_a_received_version_shows_with_its_date_after_a_refresh(
    qtbot: QtBot, context: AppContext, admin: WorkstationSession
) -> None:
    page = _page(qtbot, context, admin)
    started = date.today() - timedelta(days=3)
    items = [{"code": "NEW", "name": "A new provider", "effective_from": "2020-01-01"}]
    with admin.unit_of_work() as uow:
        ReferenceRepository(uow.session).add(
            StoredReference(
                "providers", 7, started, 1, json.dumps({"list": "providers", "version": 7, "items": items})
            ),
            datetime.now(UTC),
        )
        uow.commit()
    page.choose("providers")
    qtbot.keyClick(page.lists, Qt.Key.Key_F5)
    qtbot.wait(150)  # the Refresh button's shortcut clicks after its short animation
    chosen = page.chosen_list()
    assert chosen is not None and chosen.name == "providers" and chosen.version == 7
    row = page.lists_model.rows.index(chosen)
    assert page.lists_model.index(row, 2).data() == started.strftime("%d/%m/%Y")
    assert page.lists_model.index(row, 3).data() == "Received"
    assert [page.items_model.index(r, 0).data() for r in range(page.items_model.rowCount())] == ["NEW"]
    assert "version 7" in page.items_title.text()
