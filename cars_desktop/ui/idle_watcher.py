"""The Qt side of the idle lock: report input to `IdleLock` and ask it, on a timer, whether to lock.

The rule itself (how long, what counts as due) lives in the Qt-free `services.idle_lock`; this
class only feeds it. It watches the whole application, not one window, so typing in a dialog
counts as use.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal

from cars_desktop.services.idle_lock import IdleLock

INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)


class IdleWatcher(QObject):
    """Touches the idle lock on input; emits `sig_due` when the idle period has run out."""

    sig_due = Signal()
    """The idle period has passed; the owner should lock (it decides how, to finish work first)."""

    def __init__(self, idle_lock: IdleLock, interval_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.idle_lock = idle_lock
        self.timer = QTimer(self)
        self.timer.setObjectName("idle_lock_check")
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self._watching = False

    def start(self) -> None:
        """Begin watching input and checking."""
        app = QCoreApplication.instance()
        if app is not None and not self._watching:
            app.installEventFilter(self)
            self._watching = True
        self.idle_lock.touch()
        self.timer.start()

    def stop(self) -> None:
        """Stop the timer and the event filter; safe to call twice."""
        self.timer.stop()
        app = QCoreApplication.instance()
        if app is not None and self._watching:
            app.removeEventFilter(self)
        self._watching = False

    def check(self) -> None:
        """Emit `sig_due` if the session should now lock."""
        if self.idle_lock.due():
            self.stop()
            self.sig_due.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() in INPUT_EVENTS:
            self.idle_lock.touch()
        return False  # only watching; the event goes on as usual
