"""The main window's notification area: short notices above the page that never block the worker.

Each notice has a key (one notice per subject: "returned", "conflicts", "notice"), a sentence, an
optional button that goes where the work is, and a Dismiss button. A dismissed notice stays away
until its text changes (three returned forms after two is news again). Notices are announced to
screen readers through `MessageLabel`; their buttons are in the tab order with accessible names.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from cars_desktop.ui.message_label import MessageKind, MessageLabel


class Notice(QFrame):
    """One notice: its sentence, perhaps a button to act on it, and Dismiss."""

    def __init__(
        self,
        text: str,
        on_dismiss: Callable[[], None],
        action_text: str | None = None,
        on_action: Callable[[], object] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("notice")
        self.setStyleSheet("QFrame#notice { background: palette(alternate-base); }")
        self.label = MessageLabel(MessageKind.NOTICE, "Notification")
        self.label.show_message(text)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.label, 1)
        self.action_button: QPushButton | None = None
        if action_text and on_action is not None:
            self.action_button = QPushButton(action_text)
            self.action_button.setAccessibleName(action_text.replace("&", ""))
            self.action_button.clicked.connect(on_action)
            row.addWidget(self.action_button)
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setAccessibleName(f"Dismiss: {self.label.text()}")
        self.dismiss_button.clicked.connect(on_dismiss)
        row.addWidget(self.dismiss_button)

    def text(self) -> str:
        return self.label.text()


class NotificationArea(QWidget):
    """The notices shown now, newest last; hidden when there are none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Notifications")
        self._column = QVBoxLayout(self)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._notices: dict[str, Notice] = {}
        self._dismissed: dict[str, str] = {}
        self.setVisible(False)

    def show_notice(
        self,
        key: str,
        text: str,
        action_text: str | None = None,
        on_action: Callable[[], object] | None = None,
    ) -> None:
        """Show (or replace) the notice for `key`, unless this very text was dismissed."""
        if self._dismissed.get(key) == text:
            return
        current = self._notices.get(key)
        if current is not None and current.text() == text:
            return
        self.clear_notice(key)
        notice = Notice(text, lambda: self.dismiss(key), action_text, on_action, self)
        self._notices[key] = notice
        self._column.addWidget(notice)
        self.setVisible(True)

    def clear_notice(self, key: str) -> None:
        """Take a notice away (its subject has gone)."""
        notice = self._notices.pop(key, None)
        if notice is not None:
            notice.hide()
            notice.deleteLater()
        self.setVisible(bool(self._notices))

    def dismiss(self, key: str) -> None:
        """The user closed a notice: it stays away until its text changes."""
        notice = self._notices.get(key)
        if notice is not None:
            self._dismissed[key] = notice.text()
        self.clear_notice(key)

    def clear_all(self) -> None:
        """Remove every notice (the session ends)."""
        for key in list(self._notices):
            self.clear_notice(key)

    def notice(self, key: str) -> Notice | None:
        """The notice for `key`, if shown."""
        return self._notices.get(key)

    def texts(self) -> list[str]:
        """What the notices say, in order."""
        return [n.text() for n in self._notices.values()]
