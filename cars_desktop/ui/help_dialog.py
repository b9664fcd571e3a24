"""F1 help: a read-only window showing one help topic from `resources/help/<topic>.md`.

Help is plain Markdown shipped with the program, so it can be read and corrected without touching
code, and works offline. A page names its topic in its `PageSpec.help_topic`; a form's topic is its
form id. A topic without a file falls back to the general one rather than showing nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from cars_desktop.resources import resources_root

GENERAL_TOPIC = "general"
_TOPIC_NAME = re.compile(r"^[a-z0-9_\-]+$")


def help_folder() -> Path:
    """Where the help topics are."""
    return resources_root() / "help"


def has_topic(topic: str | None) -> bool:
    """Whether a help file exists for `topic` (names are checked, so no path can be smuggled in)."""
    return bool(topic) and bool(_TOPIC_NAME.match(topic or "")) and (help_folder() / f"{topic}.md").is_file()


def resolve_topic(topic: str | None) -> str:
    """The topic itself if it has a file, else the general topic."""
    return topic if topic is not None and has_topic(topic) else GENERAL_TOPIC


def help_markdown(topic: str | None) -> str:
    """The Markdown of a topic (or of the general topic)."""
    path = help_folder() / f"{resolve_topic(topic)}.md"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return "# Help\n\nThe help files are missing from this installation. Ask IT support to reinstall."


def topic_title(markdown: str) -> str:
    """The first heading of a topic, for the window title."""
    for line in markdown.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return "Help"


class HelpDialog(QDialog):
    """One topic, readable by keyboard (the text takes the focus; Escape closes)."""

    def __init__(self, topic: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.topic = resolve_topic(topic)
        markdown = help_markdown(topic)
        self.setWindowTitle(f"Help — {topic_title(markdown)}")
        self.setAccessibleName("Help")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setSizeGripEnabled(True)
        self.text = QTextBrowser()
        self.text.setAccessibleName("Help text")
        self.text.setOpenExternalLinks(False)
        self.text.setOpenLinks(False)  # topics are self-contained; nothing opens a browser
        self.text.setMarkdown(markdown)
        self.text.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close help")
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(self.text, 1)
        column.addWidget(buttons)
        self.resize(self.fontMetrics().averageCharWidth() * 90, self.fontMetrics().height() * 32)
        self.text.setFocus()

    def plain_text(self) -> str:
        """What the dialog shows, as text (for tests and screen-reader checks)."""
        return self.text.toPlainText()


def open_help(topic: str | None, parent: QWidget | None) -> HelpDialog:
    """Open help without blocking the event loop (the idle lock and autosave keep running)."""
    dialog = HelpDialog(topic, parent)
    dialog.open()
    return dialog
