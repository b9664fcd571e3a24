"""Settings saved on the Settings page are in use at once, and still after a lock and unlock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.appearance import LARGE_PRINT_SCALE, reset_appearance
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.main_window import MainWindow
from cars_desktop.ui.pages.settings_page import SettingsPage
from tests.conftest import ADMIN, ADMIN_PASSWORD, Workstation
from tests.ui.conftest import FakeClock
from tests.ui.journey_support import running_program, unlock_by_keyboard

NEW_SERVER = "https://cars-new.example.test"


@pytest.fixture(autouse=True)
def _standard_look() -> Iterator[None]:
    yield None
    reset_appearance()


@pytest.fixture
def admin(workstation: Workstation) -> Iterator[WorkstationSession]:
    session = workstation.unlock(ADMIN, ADMIN_PASSWORD)
    yield session
    if not session.locked:
        session.lock()


def settings_page(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> tuple[MainWindow, SettingsPage]:
    window = MainWindow(context, session)
    qtbot.addWidget(window)
    window.show()
    page = window.show_page("settings")
    assert isinstance(page, SettingsPage)
    return window, page


def type_into(page: SettingsPage, name: str, text: str) -> None:
    editor = page.workstation.editors[name]
    assert isinstance(editor, QLineEdit)
    editor.setText(text)


def test_idle_minutes_saved_apply_at_once(
    qtbot: QtBot, context: AppContext, admin: WorkstationSession, clock: FakeClock
) -> None:
    window, page = settings_page(qtbot, replace(context, idle_check_ms=20), admin)
    assert "5 minutes" in window.idle_rule.text()
    type_into(page, "idle_lock_minutes", "2")
    page.save_workstation_button.click()
    assert page.workstation_message.text() == "The workstation settings are saved and in use."
    assert admin.settings.idle_lock_minutes == 2
    assert "2 minutes" in window.idle_rule.text() and "2 minutes" in page.in_use.text()
    clock.advance(2 * 60 + 1)  # 2 minutes, not the 5 the window started with
    with qtbot.waitSignal(window.sig_locked, timeout=2_000) as locked:
        window.idle_watcher.check()
    assert admin.locked
    assert locked.args == ["Locked after 2 minutes without use."]


def test_the_server_address_saved_is_the_one_the_sync_uses_next(
    qtbot: QtBot, context: AppContext, admin: WorkstationSession
) -> None:
    _window, page = settings_page(qtbot, context, admin)
    type_into(page, "server_url", NEW_SERVER + "/")
    page.save_workstation_button.click()
    assert admin.settings.server_url == NEW_SERVER  # services.sync.server_client reads it each sync
    assert NEW_SERVER in page.in_use.text()


def test_large_print_and_high_contrast_saved_apply_to_the_window_at_once(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.font().pointSizeF()
    window, page = settings_page(qtbot, context, session)
    assert not window.large_print()
    page.preferences.editors["large_print"].setChecked(True)  # type: ignore[union-attr]
    page.preferences.editors["high_contrast"].setChecked(True)  # type: ignore[union-attr]
    page.save_preferences_button.click()
    assert window.large_print()  # documents are now previewed in large print too
    assert window.preferences.high_contrast
    assert app.font().pointSizeF() == pytest.approx(before * LARGE_PRINT_SCALE)


def test_settings_saved_in_a_session_are_used_by_the_next_unlock(
    qtbot: QtBot, context: AppContext, workstation: Workstation
) -> None:
    with running_program(context) as program:
        unlock_by_keyboard(qtbot, program.unlock_window, ADMIN, ADMIN_PASSWORD)
        window = program.main_window
        assert window is not None
        page = window.show_page("settings")
        assert isinstance(page, SettingsPage)
        type_into(page, "idle_lock_minutes", "3")
        page.save_workstation_button.click()
        window.lock_now()
        assert program.main_window is None
        unlock_by_keyboard(qtbot, program.unlock_window, ADMIN, ADMIN_PASSWORD)
        qtbot.waitUntil(lambda: program.main_window is not None)
        again = program.main_window
        assert again is not None
        assert again.session.settings.idle_lock_minutes == 3
        assert "3 minutes" in again.idle_rule.text()
