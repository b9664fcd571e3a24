"""The main window of an unlocked session.

For now it states plain facts (who is signed in, in which roles, at which site and workstation) and
offers Lock and Sign out; the worker's pages arrive in later issues. It owns the idle lock for its
session, the session's change bus, and (on an enrolled workstation) the background sync with its
status bar; whichever way the session ends it emits one signal so the application can show the
unlock window again (`sig_locked`) or quit (`sig_signed_out`). Locking stops the sync first.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QFont, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QToolBar, QVBoxLayout, QWidget
from shiboken6 import isValid

from cars_desktop.services.idle_lock import IdleLock
from cars_desktop.services.workstation import WorkstationSession, session_identity
from cars_desktop.ui.change_bus import ChangeBus
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.idle_watcher import IdleWatcher
from cars_desktop.ui.sync_controller import SyncController, SyncMode, SyncSnapshot, is_enrolled
from cars_desktop.ui.sync_status_bar import SyncStatusBar
from cars_desktop.ui.task_runner import log_unexpected
from cars_desktop.ui.workstation_facts import roles_label

log = logging.getLogger(__name__)


def minutes_text(minutes: float) -> str:
    """A duration as words, singular when it should be: "1 minute", "2.5 minutes"."""
    return f"{minutes:g} minute" + ("" if minutes == 1 else "s")


def idle_message(minutes: float) -> str:
    """What the unlock window says after an idle lock."""
    return f"Locked after {minutes_text(minutes)} without use."


MANUAL_LOCK_MESSAGE = "Locked. Type your password to unlock."


class MainWindow(QMainWindow):
    """The signed-in user's window; it locks its session by hand, when idle, or when closed."""

    sig_locked = Signal(str)
    """The session was locked and the unlock window should return, showing this message."""
    sig_signed_out = Signal()
    """The session was locked because the user signed out or closed the window; the program ends."""

    def __init__(
        self, context: AppContext, session: WorkstationSession, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._context = context
        self.session = session
        self.facts = session_identity(session)
        self.setWindowTitle(f"CARS Desktop — {self.facts.site_name}")
        self.setAccessibleName("CARS Desktop main window")

        self.lock_action = QAction("&Lock", self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.setToolTip("Lock the workstation now (Ctrl+L)")
        self.lock_action.triggered.connect(self.lock_now)
        self.sign_out_action = QAction("&Sign out and quit", self)
        self.sign_out_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.sign_out_action.setToolTip("Lock the workstation and close CARS Desktop (Ctrl+Q)")
        self.sign_out_action.triggered.connect(self.sign_out)
        self.sync_now_action = QAction("S&ync now", self)
        self.sync_now_action.setShortcut(QKeySequence("F9"))
        self.sync_now_action.setToolTip("Send and fetch changes with the central server now (F9)")
        self.change_bus = ChangeBus(self)
        self._build_menus()
        self.setCentralWidget(self._build_facts())
        self.sync_bar = SyncStatusBar(self.sync_now_action, self)
        self.statusBar().addPermanentWidget(self.sync_bar, 1)
        self.sync = self._build_sync()

        self.idle_watcher = IdleWatcher(IdleLock(session, context.clock), context.idle_check_ms, parent=self)
        self.idle_watcher.sig_due.connect(self._lock_idle)
        self.idle_watcher.start()
        if self.sync is not None:
            self.sync.start()

    def _build_sync(self) -> SyncController | None:
        """Background sync for an enrolled workstation; a standalone one says it does not sync."""
        context = self._context
        enrolled = is_enrolled(self.session)
        if not enrolled or context.http_factory is None:
            mode = SyncMode.DISABLED if enrolled else SyncMode.STANDALONE
            self.sync_now_action.setEnabled(False)
            self.sync_bar.show_snapshot(SyncSnapshot(mode))
            return None
        sync = SyncController(
            self.session,
            context.runner,
            self.change_bus,
            context.http_factory,
            context.sync_hold,
            clock=context.clock,
            interval_s=context.settings.sync_interval_s,
            debounce_ms=context.sync_debounce_ms,
            tick_ms=context.sync_tick_ms,
            parent=self,
        )
        sync.sig_state.connect(self.sync_bar.show_snapshot)
        sync.sig_revoked.connect(self._lock_revoked)
        self.sync_now_action.triggered.connect(sync.sync_now)
        return sync

    def _stop_sync(self) -> None:
        if self.sync is not None and isValid(self.sync):
            self.sync.stop()

    def _build_menus(self) -> None:
        menu = self.menuBar().addMenu("&Workstation")
        menu.setAccessibleName("Workstation menu")
        menu.addAction(self.sync_now_action)
        menu.addAction(self.lock_action)
        menu.addSeparator()
        menu.addAction(self.sign_out_action)
        toolbar = QToolBar("Workstation")
        toolbar.setObjectName("workstation_toolbar")
        toolbar.setAccessibleName("Workstation toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addAction(self.lock_action)
        toolbar.addAction(self.sign_out_action)
        self.addToolBar(toolbar)

    def _build_facts(self) -> QWidget:
        user = self.session.user
        self.signed_in = QLabel(
            f"Signed in as {user.display_name} ({roles_label(user.roles)}) at {self.facts.site_label}"
        )
        font = QFont(self.signed_in.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.signed_in.setFont(font)
        self.workstation = QLabel(f"Workstation: {self.facts.workstation_id}")
        self.idle_rule = QLabel(
            f"The workstation locks itself after {minutes_text(self._context.settings.idle_lock_minutes)} "
            "without use. Press Ctrl+L to lock it now."
        )
        page = QWidget()
        page.setAccessibleName("Session")
        column = QVBoxLayout(page)
        for label in (self.signed_in, self.workstation, self.idle_rule):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setAccessibleName(label.text())
            column.addWidget(label)
        column.addStretch(1)
        return page

    def _lock(self, reason: str) -> bool:
        """Finish background work, then lock; False if the session was already locked."""
        self.idle_watcher.stop()
        self._stop_sync()
        if self.session.locked:
            return False
        # A task may still be using the store: let it finish and deliver before the store closes.
        self._context.runner.wait_for_done()
        try:
            self.session.lock(reason)
        except Exception as exc:
            # Logged, not shown: the window still goes back to the unlock screen, and the key goes
            # with the session object, which nothing holds any longer.
            log_unexpected("locking the session", exc)
        return True

    def lock_now(self) -> None:
        """Lock by hand (Ctrl+L) and return to the unlock window."""
        if self._lock("manual"):
            self.sig_locked.emit(MANUAL_LOCK_MESSAGE)

    def _lock_revoked(self, message: str) -> None:
        """The central server withdrew this workstation: its keys are gone; lock now and say so."""
        self._lock("device_revoked")  # the service has locked the store already; this stops the rest
        self.sig_locked.emit(message)

    def _lock_idle(self) -> None:
        self._context.runner.wait_for_done()
        try:
            locked = self.idle_watcher.idle_lock.lock_if_due()
        except Exception as exc:
            log_unexpected("locking the idle session", exc)
            locked = True
        if locked:
            self._stop_sync()
            self.sig_locked.emit(idle_message(self._context.settings.idle_lock_minutes))
        else:  # input arrived while finishing work: keep going
            self.idle_watcher.start()

    def sign_out(self) -> None:
        """Lock and end the program (Ctrl+Q)."""
        self._lock("sign_out")
        self.sig_signed_out.emit()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        """Closing the window while signed in signs out; after a lock it just closes."""
        self.idle_watcher.stop()
        self._stop_sync()
        if not self.session.locked:
            self._lock("window_closed")
            self.sig_signed_out.emit()
        event.accept()
