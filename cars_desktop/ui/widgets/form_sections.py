"""The two halves of a form on screen: the sections, one under another in a scroll area, and their index.

The index is a list on the left: arrow keys move through it, Enter (or a click) goes to that section
and puts the focus in its first question. Sections hidden by skip logic are hidden in the index too.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from cars_desktop.forms.spec import Section
from cars_desktop.ui.widgets.field_editors import char_width
from cars_desktop.ui.widgets.field_row import FieldRow, make_row

INDEX_WIDTH_CHARS = 26


class SectionPanel(QFrame):
    """A section's heading, help and rows."""

    def __init__(self, section: Section, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.section = section
        self.shown = True
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.heading = QLabel(section.title)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setAccessibleName(f"Section: {section.title}")
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 8, 0, 16)
        column.setSpacing(4)
        column.addWidget(self.heading)
        if section.help:
            help_text = QLabel(section.help)
            help_text.setWordWrap(True)
            help_text.setTextFormat(Qt.TextFormat.PlainText)
            column.addWidget(help_text)
        self.rows: list[FieldRow] = [make_row(spec) for spec in section.fields]
        for row in self.rows:
            column.addWidget(row)

    def set_shown(self, shown: bool) -> None:
        """Skip logic for the whole section; its rows count as hidden too."""
        self.shown = shown
        self.setHidden(not shown)
        if not shown:
            for row in self.rows:
                row.shown = False

    def first_row(self) -> FieldRow | None:
        """The first question shown in this section, where the focus goes when the section is chosen."""
        return next((row for row in self.rows if row.shown), None)


class SectionIndex(QListWidget):
    """The list of section titles; it shows which section has the focus and how many problems each has."""

    def __init__(self, sections: list[Section], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Sections of the form")
        self.setAccessibleDescription(
            "Press Enter to go to a section; Ctrl+Page Down and Ctrl+Page Up also move between sections"
        )
        self.setMaximumWidth(char_width(self, INDEX_WIDTH_CHARS))
        self.setWordWrap(True)
        self._titles = [section.title for section in sections]
        for title in self._titles:
            self.addItem(QListWidgetItem(title))

    def set_problem_counts(self, counts: list[int]) -> None:
        """Mark each section with the number of answers still to fix (after an attempt to complete)."""
        for row, (title, count) in enumerate(zip(self._titles, counts, strict=True)):
            item = self.item(row)
            item.setText(f"{title} ({count} to fix)" if count else title)

    def mark_current(self, row: int) -> None:
        """Highlight the section that has the focus, without going anywhere."""
        self.blockSignals(True)
        try:
            self.setCurrentRow(row)
        finally:
            self.blockSignals(False)
