"""The main window: who is signed in, Ctrl+L, sign out, and the idle lock with a fake clock."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.main_window import MANUAL_LOCK_MESSAGE, MainWindow, idle_message
from tests.conftest import SITE, Workstation
from tests.ui.conftest import FakeClock, workstation_id


def _window(qtbot: QtBot, context: AppContext, session: WorkstationSession) -> MainWindow:
    window = MainWindow(context, session)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    qtbot.waitUntil(lambda: not window.first_page_pending())  # the first page follows the show
    return window


def test_states_who_is_signed_in_where(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, workstation: Workstation
) -> None:
    window = _window(qtbot, context, session)
    text = window.signed_in.text()
    assert text == "Signed in as Sam Worker (Supervisor, Worker) at Oldbury custody block (OLDBURY)"
    assert SITE in text
    assert workstation_id(workstation) in window.workstation.text()
    assert "5 minutes" in window.idle_rule.text()


def test_ctrl_l_locks_and_asks_for_the_unlock_window(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    window = _window(qtbot, context, session)
    with qtbot.waitSignal(window.sig_locked, timeout=1_000) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert session.locked
    assert blocker.args == [MANUAL_LOCK_MESSAGE]
    assert not window.idle_watcher.timer.isActive()


def test_sign_out_locks_and_ends(qtbot: QtBot, context: AppContext, session: WorkstationSession) -> None:
    window = _window(qtbot, context, session)
    with qtbot.waitSignal(window.sig_signed_out, timeout=1_000):
        qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert session.locked


def test_closing_the_window_signs_out(qtbot: QtBot, context: AppContext, session: WorkstationSession) -> None:
    window = _window(qtbot, context, session)
    with qtbot.waitSignal(window.sig_signed_out, timeout=1_000):
        window.close()
    assert session.locked


def test_idle_lock_locks_after_the_period_without_input(
    qtbot: QtBot, context: AppContext, clock: FakeClock, session: WorkstationSession
) -> None:
    window = _window(qtbot, replace(context, idle_check_ms=20), session)
    clock.advance(4 * 60)
    qtbot.wait(60)  # the timer fires, but the period has not passed yet
    assert not session.locked
    with qtbot.waitSignal(window.sig_locked, timeout=2_000) as blocker:
        clock.advance(61)
    assert session.locked
    assert blocker.args == [idle_message(5)]
    assert blocker.args == ["Locked after 5 minutes without use."]
    assert not window.idle_watcher.timer.isActive()


def test_input_postpones_the_idle_lock(
    qtbot: QtBot, context: AppContext, clock: FakeClock, session: WorkstationSession
) -> None:
    window = _window(qtbot, context, session)
    clock.advance(4 * 60)
    qtbot.keyClick(window, Qt.Key.Key_Shift)
    clock.advance(4 * 60)
    window.idle_watcher.check()
    assert not session.locked
    clock.advance(61)
    with qtbot.waitSignal(window.sig_locked, timeout=1_000):
        window.idle_watcher.check()
    assert session.locked


def test_help_about_names_this_version_and_what_the_server_accepts(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    """A standalone workstation has never heard from a server: About says so; a known minimum names
    the installers to run."""
    from cars_desktop import __version__
    from cars_desktop.sync.cycle import SyncStatus
    from cars_desktop.ui.about import about_text

    window = _window(qtbot, context, session)
    about = next(a for a in window.menuBar().actions() if a.text() == "&Help").menu().actions()[-1]
    assert about.text() == "&About CARS Desktop"
    about.trigger()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox) is not None)
    box = window.findChild(QMessageBox)
    assert f"CARS Desktop {__version__}" in box.text()
    assert "not known yet" in box.text()
    box.close()
    known = SyncStatus(0, None, None, None, None, 0, server_minimum_version="0.3.0")
    text = about_text(known, "Workstation: ws-1")
    assert "accepts CARS Desktop 0.3.0 or later" in text
    assert "CARS-Desktop-Setup-0.3.0.exe" in text and "cars-desktop-0.3.0-linux-x86_64.tar.gz" in text
