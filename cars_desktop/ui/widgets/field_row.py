"""One question on screen: its label, help, editor and the message beside it; and the editor for each type.

Labels sit above their editors rather than beside them, so a long question never squeezes its
answer and the form reads the same at 1366x768 as on a large screen. Skip logic hides whole rows;
a hidden row keeps what was typed in it (the worker may change their mind), and the service leaves
hidden answers out of a completed record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from cars_desktop.forms.computed import compute
from cars_desktop.forms.expressions import Scope
from cars_desktop.forms.spec import FieldSpec, FieldType
from cars_desktop.forms.validation import is_required, is_visible
from cars_desktop.ui.message_label import MessageKind, MessageLabel
from cars_desktop.ui.widgets.choice_editors import ChoiceEditor, MultipleChoiceEditor
from cars_desktop.ui.widgets.date_editors import DateEditor, DateTimeEditor, TimeEditor
from cars_desktop.ui.widgets.field_editors import (
    ComputedView,
    FieldEditor,
    LongTextEditor,
    NumberEditor,
    PersonLookupEditor,
    ShortTextEditor,
    SignatureEditor,
)
from cars_desktop.ui.widgets.repeat_group_editor import RepeatGroupEditor

IssueKey = tuple[str, int | None]
"""Where a message belongs: the field id and, inside a repeat group, the entry's position."""


def make_editor(spec: FieldSpec, accessible_name: str) -> FieldEditor:
    """The editor for a field's type."""
    kind = spec.type
    if kind is FieldType.SHORT_TEXT:
        return ShortTextEditor(spec, accessible_name)
    if kind is FieldType.LONG_TEXT:
        return LongTextEditor(spec, accessible_name)
    if kind in (FieldType.INTEGER, FieldType.DECIMAL):
        return NumberEditor(spec, accessible_name, whole=kind is FieldType.INTEGER)
    if kind is FieldType.DATE:
        return DateEditor(spec, accessible_name)
    if kind is FieldType.TIME:
        return TimeEditor(spec, accessible_name)
    if kind is FieldType.DATETIME:
        return DateTimeEditor(spec, accessible_name)
    if kind is FieldType.MULTIPLE_CHOICE:
        return MultipleChoiceEditor(spec, accessible_name)
    if kind is FieldType.LOOKUP and spec.lookup == "person":
        return PersonLookupEditor(spec, accessible_name)
    if kind in (FieldType.SINGLE_CHOICE, FieldType.SCALE, FieldType.YES_NO, FieldType.LOOKUP):
        return ChoiceEditor(spec, accessible_name)
    if kind is FieldType.SIGNATURE:
        return SignatureEditor(spec, accessible_name)
    if kind is FieldType.COMPUTED:
        return ComputedView(spec, accessible_name)
    if kind is FieldType.REPEAT_GROUP:
        return RepeatGroupEditor(spec, accessible_name, make_row)
    raise ValueError(f"no editor for fields of type {kind}")


def make_row(spec: FieldSpec, entry: int | None = None) -> FieldRow:
    """A row for a field; inside a repeat group the accessible name says which entry it belongs to."""
    name = spec.label if entry is None else f"{spec.label} (entry {entry + 1})"
    return FieldRow(spec, make_editor(spec, name))


class FieldRow(QWidget):
    """A field's label, help text, editor and message, shown or hidden together by skip logic."""

    def __init__(self, spec: FieldSpec, editor: FieldEditor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.editor = editor
        self.shown = True
        self.label = QLabel(spec.label)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        focus = editor.focus_widgets()
        if focus and spec.type is not FieldType.MULTIPLE_CHOICE:
            self.label.setBuddy(focus[0])
        self.help = QLabel(spec.help or "")
        self.help.setWordWrap(True)
        self.help.setTextFormat(Qt.TextFormat.PlainText)
        self.help.setStyleSheet("color: palette(placeholder-text);")
        self.help.setVisible(bool(spec.help))
        self.message = MessageLabel(MessageKind.ERROR, f"Problem with {spec.label}")
        self.carried_note = MessageLabel(MessageKind.NOTICE, f"{spec.label} was carried over")
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 4, 0, 4)
        column.setSpacing(2)
        column.addWidget(self.label)
        column.addWidget(self.help)
        column.addWidget(self.carried_note)
        column.addWidget(editor)
        column.addWidget(self.message)
        if spec.help:
            for widget in focus:
                before = widget.accessibleDescription()
                widget.setAccessibleDescription(f"{before}. {spec.help}" if before else spec.help)

    def mark_carried(self, source: str) -> None:
        """Say this answer came from an earlier form, so the worker confirms it rather than assumes it."""
        self.carried_note.show_message(f"Carried over {source}: check it still applies and change it if not.")
        for widget in self.editor.focus_widgets():
            before = widget.accessibleDescription()
            note = f"carried over {source}"
            widget.setAccessibleDescription(f"{before}. {note}" if before else note)

    @property
    def repeat_group(self) -> RepeatGroupEditor | None:
        """The repeat-group editor, if this row is one."""
        return self.editor if isinstance(self.editor, RepeatGroupEditor) else None

    def refresh(self, answers: Mapping[str, Any], item: Mapping[str, Any] | None = None) -> None:
        """Apply skip logic, the required mark and a live score for these answers (with scores worked out)."""
        scope = Scope(answers, item)
        self.shown = is_visible(self.spec, scope)
        self.setHidden(not self.shown)
        required = self.spec.type is not FieldType.COMPUTED and is_required(self.spec, scope)
        self.label.setText(self.spec.label + (" (required)" if required else ""))
        if isinstance(self.editor, ComputedView) and self.spec.computed is not None:
            if item is None:
                self.editor.show_result(answers.get(self.spec.id))
            else:
                self.editor.show_result(compute(self.spec.computed, {**answers, **item}))
        if self.repeat_group is not None:
            self.repeat_group.refresh(answers)

    def show_messages(
        self, messages: Mapping[IssueKey, str], show_all: bool, item: int | None = None
    ) -> None:
        """Show the message for this field (a typing problem first), once the worker has left the field.

        `show_all` (after an attempt to complete) shows every message, touched or not.
        """
        text = (self.editor.problem() or messages.get((self.spec.id, item))) if self.shown else None
        if not text:
            self.message.clear_message()
        elif show_all or self.editor.touched or not self.message.isHidden():
            self.message.show_message(text)
        if self.repeat_group is not None:
            self.repeat_group.show_messages(messages, show_all)

    def typing_problems(self) -> list[tuple[FieldRow, str]]:
        """Visible rows (this one or inside its entries) whose typed text is not an answer yet."""
        if not self.shown:
            return []
        problem = self.editor.problem()
        found = [(self, problem)] if problem else []
        if self.repeat_group is not None:
            found += self.repeat_group.typing_problems()
        return found

    def row_for(self, key: IssueKey) -> FieldRow | None:
        """The row a message is about: this one, or one inside an entry of this repeat group."""
        field_id, item = key
        if field_id == self.spec.id and item is None:
            return self
        if self.repeat_group is not None:
            return self.repeat_group.row_for(key)
        return None

    def focus_widgets(self) -> list[QWidget]:
        """Every Tab stop in this row, in order (a repeat group's entries and buttons included)."""
        return self.editor.focus_widgets()
