"""A repeat group: the same few questions asked for each entry (up to three problem substances, say).

Each entry is a framed block of rows with its own "Remove entry N" button; "Add entry" comes after
the last entry. Both buttons are ordinary Tab stops and press with Space, and adding an entry puts
the focus in its first question, so a worker never needs the mouse. Entries renumber when one is
removed, and their accessible names follow, so a screen reader never announces a stale number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from cars_desktop.forms.spec import FieldSpec, FieldType
from cars_desktop.ui.widgets.field_editors import FieldEditor

if TYPE_CHECKING:
    from cars_desktop.ui.widgets.field_row import FieldRow, IssueKey

RowFactory = Callable[[FieldSpec, int | None], "FieldRow"]


def _rename(widget: QWidget, old: str, new: str) -> None:
    widget.setAccessibleName(widget.accessibleName().replace(old, new, 1))
    widget.setAccessibleDescription(widget.accessibleDescription().replace(old, new, 1))


class _Entry(QFrame):
    """One entry: a heading, its rows and its Remove button."""

    def __init__(self, group: str, index: int, fields: list[FieldSpec], row_factory: RowFactory) -> None:
        super().__init__()
        self.group = group
        self.index = index
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.heading = QLabel()
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.rows = [row_factory(spec, index) for spec in fields]
        self.remove_button = QPushButton()
        self.remove_button.setAutoDefault(True)  # Return presses it when focused, as Space does
        column = QVBoxLayout(self)
        column.addWidget(self.heading)
        for row in self.rows:
            column.addWidget(row)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        column.addLayout(buttons)
        self._name_parts()

    def _name_parts(self) -> None:
        self.heading.setText(f"{self.group}: entry {self.index + 1}")
        self.heading.setAccessibleName(self.heading.text())
        self.remove_button.setText(f"Remove entry {self.index + 1}")
        self.remove_button.setAccessibleName(f"Remove entry {self.index + 1} of {self.group}")

    def renumber(self, index: int) -> None:
        """Move to a new position after an earlier entry was removed."""
        old, new = f"(entry {self.index + 1})", f"(entry {index + 1})"
        self.index = index
        self._name_parts()
        for row in self.rows:
            for widget in [row.editor, *row.editor.focus_widgets()]:
                _rename(widget, old, new)
            row.editor.accessible_name = row.editor.accessible_name.replace(old, new, 1)

    def value(self) -> dict[str, Any]:
        typed = [row for row in self.rows if row.spec.type is not FieldType.COMPUTED]
        values = {row.spec.id: row.editor.value() for row in typed}
        return {key: value for key, value in values.items() if value is not None}

    def set_value(self, value: Mapping[str, Any]) -> None:
        for row in self.rows:
            row.editor.set_value(value.get(row.spec.id))


class RepeatGroupEditor(FieldEditor):
    """A list of entries, each answering the group's fields; the answer is a list of dicts."""

    sig_structure_changed = Signal()
    """An entry was added or removed: the form redoes its Tab order."""

    def __init__(
        self, spec: FieldSpec, accessible_name: str, row_factory: RowFactory, parent: QWidget | None = None
    ) -> None:
        super().__init__(spec, accessible_name, parent)
        self._row_factory = row_factory
        self.entries: list[_Entry] = []
        self.read_only = False
        self._entries_column = QVBoxLayout()
        self._entries_column.setContentsMargins(0, 0, 0, 0)
        self.add_button = QPushButton("Add entry")
        self.add_button.setAutoDefault(True)  # Return presses it when focused, as Space does
        self.add_button.setAccessibleName(f"Add an entry to {accessible_name}")
        self.add_button.clicked.connect(self.add_entry)
        self.limit_note = QLabel()
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(self._entries_column)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.limit_note, 1)
        column.addLayout(buttons)
        self._row.addLayout(column, 1)
        self._update_limit()

    @property
    def max_items(self) -> int | None:
        return self.spec.validation.max_items

    def _new_entry(self) -> _Entry:
        fields = list(self.spec.fields or [])
        entry = _Entry(self.accessible_name, len(self.entries), fields, self._row_factory)
        entry.remove_button.clicked.connect(lambda: self.remove_entry(entry))
        for row in entry.rows:
            row.editor.sig_edited.connect(self._edited)
            row.editor.sig_left.connect(self._left)
            row.editor.set_read_only(self.read_only)
        entry.remove_button.setVisible(not self.read_only)
        self._entries_column.addWidget(entry)
        entry.show()  # a layout shows a new child only at the next event loop turn: too late for Tab
        self.entries.append(entry)
        return entry

    def add_entry(self) -> None:
        """Add an empty entry (if under the limit) and put the focus in its first question."""
        if self.read_only or (self.max_items is not None and len(self.entries) >= self.max_items):
            return
        entry = self._new_entry()
        self._update_limit()
        self.sig_structure_changed.emit()
        self._edited()
        if entry.rows:
            entry.rows[0].editor.focus_first()

    def remove_entry(self, entry: _Entry) -> None:
        """Remove an entry; the focus goes to the next entry's first question, or to Add entry."""
        if self.read_only or entry not in self.entries:
            return
        position = self.entries.index(entry)
        self.entries.remove(entry)
        for index, later in enumerate(self.entries):
            if index >= position:
                later.renumber(index)
        self._update_limit()
        if position < len(self.entries) and self.entries[position].rows:
            self.entries[position].rows[0].editor.focus_first()
        else:
            self.add_button.setFocus(Qt.FocusReason.OtherFocusReason)
        entry.hide()
        self._entries_column.removeWidget(entry)
        entry.deleteLater()
        self.sig_structure_changed.emit()
        self._edited()

    def _update_limit(self) -> None:
        full = self.max_items is not None and len(self.entries) >= self.max_items
        self.add_button.setEnabled(not full and not self.read_only)
        self.add_button.setVisible(not self.read_only)
        if self.max_items is not None:
            self.limit_note.setText(f"{len(self.entries)} of at most {self.max_items} entries")
        else:
            self.limit_note.setText("")

    def value(self) -> Any:
        return [entry.value() for entry in self.entries] or None

    def set_value(self, value: Any) -> None:
        for entry in self.entries:
            entry.hide()
            self._entries_column.removeWidget(entry)
            entry.deleteLater()
        self.entries = []
        for item in value if isinstance(value, list) else []:
            self._new_entry().set_value(item if isinstance(item, Mapping) else {})
        self._update_limit()
        self.sig_structure_changed.emit()

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        for entry in self.entries:
            entry.remove_button.setVisible(not read_only)
            for row in entry.rows:
                row.editor.set_read_only(read_only)
        self._update_limit()

    def refresh(self, answers: Mapping[str, Any]) -> None:
        """Skip logic and scores inside each entry, where names resolve in the entry first."""
        for entry in self.entries:
            item = entry.value()
            for row in entry.rows:
                row.refresh(answers, item)

    def show_messages(self, messages: Mapping[IssueKey, str], show_all: bool) -> None:
        """Each entry's rows show the messages about that entry."""
        for entry in self.entries:
            for row in entry.rows:
                row.show_messages(messages, show_all, entry.index)

    def problem(self) -> str | None:
        return None  # each entry's rows report their own typing problems

    def typing_problems(self) -> list[tuple[FieldRow, str]]:
        """Rows inside the entries whose typed text is not an answer yet."""
        return [found for entry in self.entries for row in entry.rows for found in row.typing_problems()]

    def row_for(self, key: IssueKey) -> FieldRow | None:
        """The row inside an entry that a message is about."""
        field_id, item = key
        if item is None or not 0 <= item < len(self.entries):
            return None
        return next((row for row in self.entries[item].rows if row.spec.id == field_id), None)

    def focus_widgets(self) -> list[QWidget]:
        stops: list[QWidget] = []
        for entry in self.entries:
            for row in entry.rows:
                stops += row.focus_widgets()
            stops.append(entry.remove_button)
        stops.append(self.add_button)
        return stops

    def focus_first(self) -> None:
        if self.entries and self.entries[0].rows:
            self.entries[0].rows[0].editor.focus_first()
        else:
            self.add_button.setFocus(Qt.FocusReason.OtherFocusReason)
