"""The composition root of the GUI: build the context, the windows and the task runner, and run.

Everything the windows need is made here and passed down in an `AppContext`; nothing is looked up
from a module-level singleton. `GuiController` shows the first-run set-up when the data folder has
no store, then switches between the unlock window and a main window per session, and makes sure
that however the program ends the session is locked and no background task is still running.

Settings: `run_gui` reads `settings.json` in the data folder (`services/local_settings.py`) and lays
it over the environment's settings; a bad file is reported on the unlock window, never a crash.
Each user's display preferences are applied when they unlock and put back when the session ends.
Drafts open at a lock are reopened when the same user unlocks again (ids only are kept).
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from cars_desktop.config import Settings
from cars_desktop.domain.errors import InvalidInput
from cars_desktop.services.local_settings import (
    Preferences,
    load_local_settings,
    settings_with_local_file,
)
from cars_desktop.storage.layout import StoreLayout
from cars_desktop.ui.appearance import apply_appearance, reset_appearance
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.message_label import as_sentence
from cars_desktop.ui.task_runner import TaskRunner, log_unexpected
from cars_desktop.ui.unlock_window import UnlockWindow

# Start-up speed: the unlock window must be on screen within a second of the process starting, and
# it needs only the settings file, the vault's clear part and Qt. The store stack (SQLAlchemy,
# Alembic, SQLCipher), the sync client (httpx), the documents (ReportLab), the main window and the
# pages are imported later: inside the functions that need them, and in the background by
# `GuiController.warm_up` while the user types. tests/ui/test_startup_imports.py guards this.
if TYPE_CHECKING:
    import httpx

    from cars_desktop.services.workstation import WorkstationSession
    from cars_desktop.ui.first_run_window import FirstRunWindow
    from cars_desktop.ui.form_window import FormTicket
    from cars_desktop.ui.main_window import MainWindow

__all__ = ["AppContext", "GuiController", "run_gui"]

log = logging.getLogger(__name__)

APPLICATION_NAME = "CARS Desktop"

WARM_UP_IN_BACKGROUND: tuple[str, ...] = (
    "cars_desktop.services.workstation",
    "cars_desktop.sync.client",
    "cars_desktop.services.sync",
    "cars_desktop.services.documents",
    "cars_desktop.services.forms",
    "cars_desktop.services.today",
    "cars_desktop.services.person_record",
    "cars_desktop.services.person_search",
    "cars_desktop.services.reports",  # reportlab and the KPI code, for the supervisors' Reports page
)
"""Qt-free modules behind the main window that pull in the heavy libraries (store, sync, documents,
forms), imported on the task runner while the unlock window waits for a password. A module left
out is still imported when needed, on the GUI thread and so a little later; listing it is only an
optimisation."""

WARM_UP_ON_GUI_THREAD: tuple[str, ...] = (
    "cars_desktop.ui.widgets.field_editors",
    "cars_desktop.ui.widgets.form_view",
    "cars_desktop.ui.widgets.form_widget",
    "cars_desktop.ui.form_window",
    "cars_desktop.ui.pdf_pages",
    "cars_desktop.ui.print_preview_dialog",
    "cars_desktop.ui.navigator",
    "cars_desktop.ui.sync_controller",
    "cars_desktop.ui.sync_status_bar",
    "cars_desktop.ui.main_window",
)
"""Qt modules are imported on the GUI thread, one per event-loop turn after the background ones:
importing widget code on a worker thread is allowed by Qt, but one module-level font or pixmap
would make it unsafe. The main window's imports are listed leaves first so that each turn imports
one module's own code (tens of milliseconds), not the whole tree at once (about 300 ms). The page
modules follow (`registry.PAGE_MODULES`). A name no longer there is logged and skipped."""


class GuiController(QObject):
    """Shows the unlock window, a main window per unlocked session, and the unlock window again."""

    sig_quit = Signal()
    """The user signed out or closed the main window: the program should end."""

    def __init__(
        self, context: AppContext, parent: QObject | None = None, *, settings_problem: str | None = None
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.settings_problem = settings_problem
        self.unlock_window = UnlockWindow(context)
        self.unlock_window.sig_unlocked.connect(self._on_unlocked)
        self.first_run_window: FirstRunWindow | None = None
        self.main_window: MainWindow | None = None
        self.session: WorkstationSession | None = None
        self._resume: tuple[str, list[FormTicket]] = ("", [])
        self._stopping = False
        self._warmed = False

    def start(self) -> None:
        """Show the set-up window on a first run, else the unlock window."""
        if not StoreLayout(self.context.data_dir).exists():
            # Imported here: set-up (enrolment, the store's creation) is needed once per workstation.
            from cars_desktop.ui.first_run_window import FirstRunWindow

            window = FirstRunWindow(self.context)
            window.sig_done.connect(self._on_set_up)
            self.first_run_window = window
            window.showMaximized()
            return
        self._show_unlock()

    def _show_unlock(self) -> None:
        if self.settings_problem:
            self.unlock_window.notice.show_message(self.settings_problem)
        self.unlock_window.showMaximized()  # a shared PC: the lock screen fills it

    def _on_set_up(self) -> None:
        self.unlock_window.reload_workstation()
        self._show_unlock()
        self.unlock_window.username.setFocus()
        window, self.first_run_window = self.first_run_window, None
        if window is not None:
            window.close()
            window.deleteLater()

    def _preferences(self, username: str) -> Preferences:
        try:
            return load_local_settings(self.context.data_dir).preferences_of(username)
        except InvalidInput:
            return Preferences()  # the problem was said at start-up; the standard look is safe

    def _on_unlocked(self, session: WorkstationSession) -> None:
        if self._stopping:  # an unlock that finished while the program was closing
            self._lock_quietly(session, "quit")
            return
        self.session = session
        username = session.user.username
        resume_user, tickets = self._resume
        self._resume = ("", [])
        preferences = self._preferences(username)
        apply_appearance(preferences)
        # Imported here, not at the top: the unlock window is shown first (usually warmed up by now).
        from cars_desktop.ui.main_window import MainWindow

        window = MainWindow(
            self.context,
            session,
            resume=tickets if resume_user == username else (),
            preferences=preferences,
        )
        window.sig_locked.connect(self._on_locked)
        window.sig_switch_user.connect(self._on_switch_user)
        window.sig_signed_out.connect(self._on_signed_out)
        self.main_window = window
        window.showMaximized()
        self.unlock_window.hide()

    def _keep_drafts(self) -> None:
        """Remember which drafts were open, to reopen them if the same user unlocks next."""
        if self.main_window is not None and self.session is not None:
            self._resume = (self.session.user.username, list(self.main_window.resume_tickets))

    def _on_locked(self, message: str) -> None:
        self._back_to_unlock(message, self.session.user.username if self.session else "")

    def _on_switch_user(self, message: str) -> None:
        self._back_to_unlock(message, "")

    def _back_to_unlock(self, message: str, username: str) -> None:
        self._keep_drafts()
        if self.session is not None:
            self._adopt_settings(self.session.settings)
        reset_appearance()
        # Show the unlock window before closing the main one, so Qt never sees zero windows and quits.
        self.unlock_window.show_locked(message, username)
        self.unlock_window.showMaximized()
        self.unlock_window.activateWindow()
        self._drop_main_window()

    def _adopt_settings(self, settings: Settings) -> None:
        """Settings an administrator saved during the session stay in use for the next unlock."""
        if settings is not self.context.settings:
            self.context = replace(self.context, settings=settings)
            self.unlock_window.use_settings(settings)

    def _on_signed_out(self) -> None:
        self._drop_main_window()
        self.sig_quit.emit()

    def _drop_main_window(self) -> None:
        window, self.main_window, self.session = self.main_window, None, None
        if window is not None:
            window.close()  # the session is locked by now, so closing does not sign out again
            window.deleteLater()

    def warm_up(self) -> None:
        """Import what the main window needs while the unlock window waits for a password.

        Started once the unlock window is painted, so it costs the first paint nothing: the Qt-free
        modules on the task runner (imports hold the GIL, but a worker thread gives the GUI thread
        its turn every few milliseconds, so typing stays responsive), then the Qt modules on the GUI
        thread one per event-loop turn. A failure is logged and left for the real import to report.
        """
        if self._stopping or self._warmed:
            return
        self._warmed = True
        self.context.runner.run(_import_background_modules, self._warm_gui_modules, self._warm_up_failed)

    def _warm_gui_modules(self, _: object = None) -> None:
        pending = gui_warm_up_steps()

        def next_one() -> None:
            if self._stopping or not pending:
                return
            try:
                pending.pop(0)()
            except Exception as exc:  # the real import will report it; the others are still worth it
                self._warm_up_failed(exc)
            QTimer.singleShot(0, self, next_one)

        next_one()

    @staticmethod
    def _warm_up_failed(exc: BaseException) -> None:
        log_unexpected("importing the main window's modules in advance", exc)

    @staticmethod
    def _lock_quietly(session: WorkstationSession, reason: str) -> None:
        try:
            session.lock(reason)
        except Exception as exc:
            log_unexpected("locking the session at exit", exc)

    def shutdown(self) -> None:
        """Deliver finished work, lock any open session, close the windows, stop the runner.

        Safe to call more than once (it runs on `aboutToQuit` and again after the event loop).
        """
        if self._stopping:
            return
        self._stopping = True
        runner = self.context.runner
        runner.wait_for_done()  # an unlock in flight arrives here and is locked by _on_unlocked
        if self.session is not None and not self.session.locked:
            self._lock_quietly(self.session, "quit")
        self._drop_main_window()
        self._resume = ("", [])
        if self.first_run_window is not None:
            self.first_run_window.close()
        self.unlock_window.close()
        reset_appearance()
        runner.shutdown()


def gui_warm_up_steps() -> list[Callable[[], object]]:
    """The warm-up's GUI-thread steps, one per event-loop turn: the Qt modules, then the Qt classes."""
    from cars_desktop.ui.pages.registry import PAGE_MODULES

    imports: list[Callable[[], object]] = [
        partial(importlib.import_module, name) for name in (*WARM_UP_ON_GUI_THREAD, *PAGE_MODULES)
    ]
    return imports + qt_class_steps()


def qt_class_steps() -> list[Callable[[], object]]:
    """One step per Qt class (QtCore, QtGui, QtWidgets): make PySide6 create its Python type now.

    PySide6 creates a Qt class's Python type and enums the first time it is used. The main window's
    idle lock watches every event through a Python event filter, so the first event to a Qt-private
    object (QComboBox's first item makes a gesture manager) makes PySide6 find its nearest known
    class, creating hundreds of those types in one go: 130-480 ms on the GUI thread while Today was
    being built, measured on 26/11/2026. Made here one class per event-loop turn while the unlock
    window waits (a few ms each, QStyle's about 50 ms), that later lookup finds them made.
    """
    from PySide6 import QtCore, QtGui, QtWidgets

    return [
        partial(getattr, module, name)
        for module in (QtCore, QtGui, QtWidgets)
        for name in dir(module)
        if name.startswith("Q")
    ]


def _skip_httpx_command_line() -> None:
    """Keep httpx from importing its command line (click, rich, pygments' lexers) in this program.

    `import httpx` imports `httpx._main` for its `httpx` shell command when click and rich are
    installed (they are, for cars-desktop's own command line): about 250 ms of imports holding the
    GIL, which stalled the unlock window's GUI thread during the warm-up, for a command the desktop
    program never runs. A stand-in module takes its place; called before httpx is first imported.
    """
    if "httpx" in sys.modules or "httpx._main" in sys.modules:
        return
    stand_in = ModuleType("httpx._main")

    def main(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("httpx's command line is not part of the CARS Desktop program")

    stand_in.main = main  # type: ignore[attr-defined]
    sys.modules["httpx._main"] = stand_in


def _import_background_modules() -> None:
    """Runs on the task runner: import the Qt-free heavy modules (see WARM_UP_IN_BACKGROUND)."""
    _skip_httpx_command_line()
    for name in WARM_UP_IN_BACKGROUND:
        importlib.import_module(name)


def _build_http(ca_file: str | None, timeout_s: float) -> httpx.Client:
    """The sync's HTTP client; httpx and the sync client are imported only when one is made."""
    from cars_desktop.sync.client import build_http

    return build_http(ca_file, timeout_s)


def _log_uncaught(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """Exceptions escaping a Qt slot are bugs: log them (type and stack only) instead of stderr."""
    log_unexpected("uncaught in the GUI", exc.with_traceback(tb))


def run_gui(settings: Settings, data_dir: Path, argv: list[str] | None = None) -> int:
    """Run the desktop program until the user quits; returns the exit status."""
    _skip_httpx_command_line()  # whichever imports httpx first: the warm-up or an early unlock
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing  # tests, or a host that made its own; its arguments were given already
    else:
        app = QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName(APPLICATION_NAME)
    settings, problem = settings_with_local_file(settings, data_dir)
    settings_problem = as_sentence(problem) if problem is not None else None
    # The sync's HTTP client is made per session, and only on an enrolled workstation (MainWindow).
    ca_file = str(settings.server_ca_file) if settings.server_ca_file is not None else None
    context = AppContext(
        settings=settings,
        data_dir=data_dir,
        runner=TaskRunner(),
        http_factory=partial(_build_http, ca_file, settings.sync_timeout_s),
    )
    controller = GuiController(context, settings_problem=settings_problem)
    controller.sig_quit.connect(app.quit)
    app.aboutToQuit.connect(controller.shutdown)
    previous_hook = sys.excepthook
    sys.excepthook = _log_uncaught
    try:
        # Warm up only once the unlock window is on screen, so the first paint never waits for it.
        controller.unlock_window.sig_first_paint.connect(controller.warm_up)
        controller.start()
        status = app.exec()
    finally:
        controller.shutdown()
        sys.excepthook = previous_hook
        app.aboutToQuit.disconnect(controller.shutdown)
        # Closing the last window posts a Quit event; left queued, it would end the next event loop
        # run on this QApplication (a test's, or a host program's) the moment it starts.
        QCoreApplication.removePostedEvents(app, QEvent.Type.Quit)
    return status
