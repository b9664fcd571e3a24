"""The main window's navigation: the page list model, Ctrl+1..9, lazy pages, pages by role."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from cars_desktop.domain.access import Permission
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.main_window import PAGE_FAILED_MESSAGE, MainWindow
from cars_desktop.ui.navigation import PAGE_ID_ROLE, PageListModel
from cars_desktop.ui.pages.page_spec import PageContext, PageSpec
from cars_desktop.ui.pages.registry import pages_for
from tests.conftest import CUSTODY, CUSTODY_PASSWORD, Workstation

BUILT: list[str] = []


def _builder(page_id: str):  # type: ignore[no-untyped-def]
    def build(context: PageContext) -> QWidget:
        BUILT.append(page_id)
        label = QLabel(f"page {page_id} for {context.session.user.username}")
        label.setObjectName(page_id)
        return label

    return build


def fake_pages() -> list[PageSpec]:
    """Three pages: one for everyone, one for reviewers, one for bookers."""
    return [
        PageSpec("today", "Today", _builder("today"), Permission.VIEW_CASEWORK, order=10, help_topic="today"),
        PageSpec("review", "Day review", _builder("review"), Permission.REVIEW_CASEWORK, order=20),
        PageSpec("book", "Book appointment", _builder("book"), Permission.BOOK_APPOINTMENTS, order=30),
        PageSpec("settings", "Settings", _builder("settings"), None, order=900, shortcut="Ctrl+,"),
    ]


def shown_window(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, pages: Sequence[PageSpec] | None = None
) -> MainWindow:
    """A main window over `pages` (the fake ones by default), shown and active."""
    window = MainWindow(context, session, pages=fake_pages() if pages is None else pages)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.resize(1366, 768)
        window.show()
        window.activateWindow()
    return window


def test_the_page_list_model_passes_the_model_tester(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = PageListModel(fake_pages())
    qtmodeltester.check(model)
    assert model.rowCount() == 4
    index = model.index(3, 0)
    assert model.data(index) == "Settings  (Ctrl+,)"
    assert model.data(model.index(1, 0)) == "Day review  (Ctrl+2)"
    assert model.data(index, PAGE_ID_ROLE) == "settings"
    assert model.data(index, Qt.ItemDataRole.AccessibleTextRole) == "Settings (press Ctrl+,)"
    assert model.row_of("review") == 1
    assert model.row_of("nothing") == -1


def test_pages_are_built_on_first_use_and_ctrl_number_switches(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    BUILT.clear()
    window = shown_window(qtbot, context, session)
    assert BUILT == ["today"]  # the first page opens at once; the rest wait until asked for
    assert window.current_page_id == "today"
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page_id == "review"
    assert window.current_page() is not None and window.current_page().objectName() == "review"
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert BUILT == ["today", "review"]  # built once each
    assert window.nav.currentIndex().row() == 1
    assert "Day review" in window.windowTitle()


def test_the_page_list_works_by_keyboard(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    window = shown_window(qtbot, context, session)
    qtbot.keyClick(window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.nav
    qtbot.keyClick(window.nav, Qt.Key.Key_Down)
    qtbot.keyClick(window.nav, Qt.Key.Key_Down)
    assert window.current_page_id == "book"
    assert window.nav.accessibleName() == "Pages"
    for action in (window.lock_action, window.sync_now_action, window.switch_user_action, window.help_action):
        assert action.text() and not action.shortcut().isEmpty()


def test_a_user_sees_only_the_pages_their_roles_allow(
    qtbot: QtBot, context: AppContext, workstation: Workstation
) -> None:
    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    try:
        window = shown_window(qtbot, context, custody)
        assert [p.page_id for p in window.page_specs] == ["book", "settings"]
        assert window.show_page("today") is None  # asked for by a page: ignored
        assert window.current_page_id == "book"
        window.close()
    finally:
        custody.lock()


def test_a_broken_page_shows_a_message_not_a_crash(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    def broken(_context: PageContext) -> QWidget:
        raise RuntimeError("bug")

    pages = [PageSpec("broken", "Broken", broken)]
    window = shown_window(qtbot, context, session, pages)
    widget = window.current_page()
    assert isinstance(widget, QLabel)
    assert widget.text() == PAGE_FAILED_MESSAGE


def test_the_registry_pages_build_for_the_worker(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    """Every registered page opens for a worker-supervisor without error."""
    window = shown_window(qtbot, context, session, pages_for(session.actor))
    for spec in window.page_specs:
        widget = window.show_page(spec.page_id)
        assert widget is not None
        assert not (isinstance(widget, QLabel) and widget.text() == PAGE_FAILED_MESSAGE), spec.page_id
