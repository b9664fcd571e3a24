"""The main window's navigation: the page list model, Ctrl+1..9, lazy pages, pages by role."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit, QVBoxLayout, QWidget
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
    if window.page_specs:  # the first page is built on an event-loop turn after the show
        qtbot.waitUntil(lambda: not window.first_page_pending())
    return window


def typing_pages() -> list[PageSpec]:
    """One page with a text field that would take the keyboard focus if it were given it."""

    def build(context: PageContext) -> QWidget:
        BUILT.append("typing")
        page = QWidget()
        field = QLineEdit(page)
        field.setObjectName("typing_field")
        page.setFocusProxy(field)
        return page

    return [PageSpec("today", "Today", build, Permission.VIEW_CASEWORK, order=10)]


def test_the_first_page_is_built_after_the_window_is_shown(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    """Built in the constructor it held the window's first paint back (and blocked 370+ ms at once)."""
    BUILT.clear()
    window = MainWindow(context, session, pages=fake_pages())
    qtbot.addWidget(window)
    assert BUILT == [] and window.first_page_pending()  # the frame, menus and status bar first
    window.show()
    qtbot.waitUntil(lambda: window.current_page_id == "today")
    assert BUILT == ["today"] and not window.first_page_pending()


def test_a_page_shown_before_the_first_one_is_kept(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    BUILT.clear()
    window = MainWindow(context, session, pages=fake_pages())
    qtbot.addWidget(window)
    window.show_page("review")  # e.g. a notification's button, before the event loop turned
    window.show()
    qtbot.wait(50)
    assert window.current_page_id == "review" and BUILT == ["review"]


def test_a_late_first_page_leaves_the_focus_in_an_open_dialog(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    """The worker opened a dialog before the first page was built: the page must not take the keys."""
    BUILT.clear()
    window = MainWindow(context, session, pages=typing_pages())
    qtbot.addWidget(window)
    window.show()
    window.nav.clearFocus()
    dialog = QDialog(window)
    field = QLineEdit(dialog)
    QVBoxLayout(dialog).addWidget(field)
    dialog.open()  # window-modal, as Add arrival is
    qtbot.waitUntil(lambda: window.current_page_id == "today")
    qtbot.waitUntil(dialog.isActiveWindow)
    field.setFocus()
    qtbot.wait(20)
    typing = window.findChild(QLineEdit, "typing_field")
    assert typing is not None
    assert QApplication.focusWidget() is field
    assert window.focusWidget() is not typing  # nor waiting there for when the dialog closes
    dialog.close()


def test_the_first_page_takes_the_focus_when_the_window_is_in_front_and_nothing_has_it(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    window = MainWindow(context, session, pages=typing_pages())
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    if window.first_page_pending():
        window.nav.clearFocus()
        qtbot.waitUntil(lambda: not window.first_page_pending())
    else:  # the activation turned the event loop already: build it again the same way
        window._hide_personal_data()
        window.nav.clearFocus()
        window._show_first_page()
    page = window.current_page()
    assert page is not None
    assert QApplication.focusWidget() is page.focusProxy()


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
    assert BUILT == ["today"]  # the first page opens with the window; the rest wait until asked for
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
