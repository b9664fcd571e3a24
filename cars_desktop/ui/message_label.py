"""An inline message (an error or a notice) that screen readers are told about.

Qt has no ARIA "alert" role for a label; the nearest is to raise an accessibility Alert event when
the text changes, which screen readers announce. The text also goes in the accessible description,
so it is read when the label is reached with the keyboard or a reader's review cursor.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleEvent
from PySide6.QtWidgets import QLabel, QWidget


class MessageKind(Enum):
    """How a message looks; the words must carry the meaning too, never the colour alone."""

    ERROR = "color: #a4000f; font-weight: bold;"
    NOTICE = "color: palette(window-text); font-weight: bold;"


class MessageLabel(QLabel):
    """A word-wrapped label, hidden while empty, announced when it changes."""

    def __init__(self, kind: MessageKind, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)  # service messages are text, never markup
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setStyleSheet(kind.value)
        self.setAccessibleName(accessible_name)
        self.setVisible(False)

    def show_message(self, text: str) -> None:
        """Show `text` and have assistive technology announce it."""
        text = as_sentence(text)
        self.setText(text)
        self.setAccessibleDescription(text)
        self.setVisible(bool(text))
        if text and QAccessible.isActive():
            QAccessible.updateAccessibility(QAccessibleEvent(self, QAccessible.Event.Alert))

    def clear_message(self) -> None:
        """Hide the label until the next message."""
        self.show_message("")


def as_sentence(text: str) -> str:
    """Service messages are written to follow "cars-desktop: " on a command line; a window shows them
    as sentences. (They never start with a user name, which must keep its case.)"""
    return text[:1].upper() + text[1:]
