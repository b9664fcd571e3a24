"""First run: no store in the data folder, so the set-up window; standalone set-up by keyboard."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from cars_desktop.app import GuiController
from cars_desktop.config import Settings
from cars_desktop.services.workstation import unlock
from cars_desktop.storage.layout import StoreLayout
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.first_run_window import FirstRunWindow, last_group
from cars_desktop.ui.task_runner import InlineTaskRunner

PASSWORD = "a long enough admin pass"


def _context(tmp_path: Path, settings: Settings) -> AppContext:
    return AppContext(settings, tmp_path / "new-store", InlineTaskRunner())


def _standalone(qtbot: QtBot, window: FirstRunWindow, again: str = PASSWORD) -> None:
    window.standalone_choice.setChecked(True)
    qtbot.keyClick(window.next_button, Qt.Key.Key_Space)
    assert window.pages.currentIndex() == 2
    qtbot.keyClicks(window.admin_username, "first.admin")
    qtbot.keyClicks(window.admin_password, PASSWORD)
    qtbot.keyClicks(window.admin_confirm, again)
    qtbot.keyClick(window.admin_confirm, Qt.Key.Key_Return)


def test_the_application_starts_with_set_up_when_there_is_no_store(
    qtbot: QtBot, tmp_path: Path, settings: Settings
) -> None:
    context = _context(tmp_path, settings)
    controller = GuiController(context)
    try:
        controller.start()
        window = controller.first_run_window
        assert window is not None and window.isVisible()
        assert not controller.unlock_window.isVisible()
        _standalone(qtbot, window)
        key = window.recovery_key
        window.written_down.setChecked(True)
        qtbot.keyClicks(window.key_check, last_group(key))
        qtbot.keyClick(window.key_check, Qt.Key.Key_Return)
        assert controller.first_run_window is None
        assert controller.unlock_window.isVisible()
        assert controller.unlock_window.form_enabled
    finally:
        controller.shutdown()


def test_standalone_set_up_shows_the_key_once_and_wants_it_typed_back(
    qtbot: QtBot, tmp_path: Path, settings: Settings
) -> None:
    context = _context(tmp_path, settings)
    window = FirstRunWindow(context)
    qtbot.addWidget(window)
    window.show()
    done: list[bool] = []
    window.sig_done.connect(lambda: done.append(True))
    _standalone(qtbot, window)
    assert window.pages.currentIndex() == 3
    key = window.recovery_key
    assert window.key_label.text() == key and key.count("-") == 8
    assert not window.continue_button.isEnabled()
    qtbot.keyClicks(window.key_check, "ZZZZ" if last_group(key) != "ZZZZ" else "YYYY")
    window.written_down.setChecked(True)
    assert window.continue_button.isEnabled()
    window.confirm_key()
    assert "not the last group" in window.error.text()
    assert not done
    window.key_check.clear()
    qtbot.keyClicks(window.key_check, last_group(key).lower())
    window.confirm_key()
    assert done == [True]
    assert window.key_label.text() == "" and window.recovery_key == ""
    session = unlock(settings, context.data_dir, "first.admin", PASSWORD)
    assert session.user.username == "first.admin"
    session.lock()


def test_passwords_that_differ_are_refused_and_nothing_is_created(
    qtbot: QtBot, tmp_path: Path, settings: Settings
) -> None:
    context = _context(tmp_path, settings)
    window = FirstRunWindow(context)
    qtbot.addWidget(window)
    window.show()
    _standalone(qtbot, window, again="something else entirely")
    assert "not the same" in window.error.text()
    assert window.pages.currentIndex() == 2
    assert window.admin_password.text() == "" and window.admin_confirm.text() == ""
    assert not StoreLayout(context.data_dir).exists()


def test_a_weak_password_is_refused_with_the_services_message(
    qtbot: QtBot, tmp_path: Path, settings: Settings
) -> None:
    context = _context(tmp_path, settings)
    window = FirstRunWindow(context)
    qtbot.addWidget(window)
    window.show()
    window.standalone_choice.setChecked(True)
    window.next_button.click()
    window.admin_username.setText("first.admin")
    window.admin_password.setText("short")
    window.admin_confirm.setText("short")
    window.create_button.click()
    assert window.error.isVisible() and window.error.text()
    assert window.pages.currentIndex() == 2
    assert not StoreLayout(context.data_dir).exists()


def test_enrolment_needs_an_address_and_a_code(qtbot: QtBot, tmp_path: Path, settings: Settings) -> None:
    context = replace(_context(tmp_path, settings), http_factory=None)
    window = FirstRunWindow(context)
    qtbot.addWidget(window)
    window.show()
    window.next_button.click()
    assert window.pages.currentIndex() == 1
    window.server_url.setText("cars.example.test")
    window.enrol_button.click()
    assert "https://" in window.error.text()
    window.server_url.setText("https://cars.example.test")
    window.enrol_button.click()
    assert "code" in window.error.text()
    window.code.setText("ABCD-1234")
    window.enrol_button.click()
    assert "without a network connection" in window.error.text()
