"""Drawing any `FormSpec` and keeping the screen in step with the answers: the form widget without the store.

The view lays a form out (section index on the left, the sections in a scroll area on the right),
binds each answer to its editor, and on every change reapplies skip logic, live scores and messages
with the same `forms` functions the services use, so what the worker sees is what completing will
check. It knows nothing of drafts, saving or amendments; `FormWidget` adds those.

Keyboard: Tab follows the form; Ctrl+Page Down / Ctrl+Page Up move between sections; the section
index takes Enter.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget
from shiboken6 import isValid

from cars_desktop.forms.computed import with_computed
from cars_desktop.forms.expressions import Scope, evaluate
from cars_desktop.forms.spec import FieldType, FormSpec
from cars_desktop.forms.validation import Issue, validate
from cars_desktop.ui.message_label import MessageKind, MessageLabel
from cars_desktop.ui.widgets.field_editors import char_width
from cars_desktop.ui.widgets.field_row import FieldRow, IssueKey
from cars_desktop.ui.widgets.form_sections import SectionIndex, SectionPanel

CONTENT_WIDTH_CHARS = 96


class FormView(QWidget):
    """A form on screen, bound both ways to its answers; subclasses decide what happens to them."""

    def __init__(self, spec: FormSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.editable = True
        self.completion_tried = False
        """After an attempt to complete, every problem shows (not only those of fields left)."""
        self._focused_once = False
        self.setAccessibleName(spec.title)
        self._build()
        self.next_section_action = self.add_shortcut(
            "Next section",
            [QKeySequence(Qt.KeyboardModifier.ControlModifier | Qt.Key.Key_PageDown)],
            lambda: self.step_section(1),
        )
        self.previous_section_action = self.add_shortcut(
            "Previous section",
            [QKeySequence(Qt.KeyboardModifier.ControlModifier | Qt.Key.Key_PageUp)],
            lambda: self.step_section(-1),
        )
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_moved)

    def _build(self) -> None:
        self.title = QLabel(self.spec.title)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.title.setAccessibleName(self.spec.title)
        self.title.setToolTip(self.spec.purpose)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.state.setAccessibleName("Form status")
        self.summary = MessageLabel(MessageKind.ERROR, "Problems to fix before completing")
        self.save_error = MessageLabel(MessageKind.ERROR, "Saving problem")
        self.notice = MessageLabel(MessageKind.NOTICE, "Notice")

        self.panels = [SectionPanel(section) for section in self.spec.sections]
        self.rows: list[FieldRow] = [row for panel in self.panels for row in panel.rows]
        for row in self.rows:
            row.editor.sig_edited.connect(self.on_edited)
            row.editor.sig_left.connect(self.refresh)
            if row.repeat_group is not None:
                row.repeat_group.sig_structure_changed.connect(self.fix_tab_order)

        content = QWidget()
        content.setMaximumWidth(char_width(content, CONTENT_WIDTH_CHARS))
        column = QVBoxLayout(content)
        purpose = QLabel(self.spec.purpose)
        purpose.setWordWrap(True)
        purpose.setTextFormat(Qt.TextFormat.PlainText)
        purpose.setStyleSheet("color: palette(placeholder-text);")
        column.addWidget(purpose)
        for panel in self.panels:
            column.addWidget(panel)
        column.addStretch(1)
        holder = QWidget()
        holder_row = QHBoxLayout(holder)
        holder_row.setContentsMargins(0, 0, 0, 0)
        holder_row.addWidget(content, 1)
        holder_row.addStretch(0)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setWidget(holder)
        self.scroll_area.setAccessibleName(f"{self.spec.title}: questions")

        self.index = SectionIndex(list(self.spec.sections))
        self.index.itemActivated.connect(lambda item: self.go_to_section(self.index.row(item)))
        self.index.itemClicked.connect(lambda item: self.go_to_section(self.index.row(item)))

        body = QHBoxLayout()
        body.addWidget(self.index)
        body.addWidget(self.scroll_area, 1)
        self.button_row = QHBoxLayout()
        """The status line, then whatever buttons the subclass adds."""
        self.button_row.addWidget(self.state, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(self.save_error)
        layout.addWidget(self.notice)
        layout.addLayout(body, 1)
        layout.addLayout(self.button_row)

    def add_shortcut(self, text: str, keys: list[QKeySequence], slot: Callable[[], Any]) -> QAction:
        """An action whose shortcut works wherever the focus is inside the form."""
        action = QAction(text, self)
        action.setShortcuts(keys)
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def trailing_tab_stops(self) -> list[QWidget]:
        """Widgets Tab reaches after the last question (the subclass's buttons)."""
        return []

    def fix_tab_order(self) -> None:
        """Tab follows the form, also after entries are added to a repeat group (new widgets go last)."""
        stops = [w for row in self.rows for w in row.focus_widgets()]
        stops += [*self.trailing_tab_stops(), self.index]
        for before, after in pairwise(stops):
            QWidget.setTabOrder(before, after)

    def release(self) -> None:
        """Stop following the application's focus: the form is closing."""
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.disconnect(self._focus_moved)

    # ----- answers ------------------------------------------------------------------------------

    def load(self, answers: dict[str, Any]) -> None:
        """Show stored answers (fields they lack are cleared) as if nothing had been typed yet."""
        for row in self.rows:
            row.editor.set_value(answers.get(row.spec.id))
            row.editor.touched = False
        self.fix_tab_order()
        self.refresh()

    def answers(self) -> dict[str, Any]:
        """The answers on screen, in the stored shapes (scores are left to the service to work out)."""
        found = {}
        for row in self.rows:
            if row.spec.type is FieldType.COMPUTED:
                continue
            value = row.editor.value()
            if value is not None:
                found[row.spec.id] = value
        return found

    # ----- keeping the screen in step ------------------------------------------------------------

    def on_edited(self) -> None:
        """The worker changed an answer."""
        self.refresh()

    def refresh(self) -> None:
        """Reapply skip logic, scores and messages for the answers on screen."""
        full = with_computed(self.spec, self.answers())
        for panel in self.panels:
            for row in panel.rows:
                row.refresh(full)
            section = panel.section
            panel.set_shown(section.shown_when is None or evaluate(section.shown_when, Scope(full)))
        for number, panel in enumerate(self.panels):
            self.index.setRowHidden(number, not panel.shown)
        issues = validate(self.spec, full, completing=self.completion_tried) if self.editable else []
        self.show_issues(issues)

    def show_issues(self, issues: list[Issue]) -> None:
        """Messages beside the fields; after an attempt to complete, also in the summary and the index."""
        messages: dict[IssueKey, str] = {}
        for issue in issues:
            messages.setdefault((issue.field_id, issue.item), issue.message)
        for row in self.rows:
            row.show_messages(messages, show_all=self.completion_tried)
        counts = [0] * len(self.panels)
        if not self.completion_tried:
            self.summary.clear_message()
            self.index.set_problem_counts(counts)
            return
        about = [problem_row for problem_row, _ in self.typing_problems()]
        about += [
            found for issue in issues if (found := self.row_for((issue.field_id, issue.item))) is not None
        ]
        for problem_row in about:
            counts[self._panel_of(problem_row)] += 1
        self.index.set_problem_counts(counts)
        lines = [f"{row.editor.accessible_name}: {text}" for row, text in self.typing_problems()]
        lines += [issue.text for issue in issues]
        if lines:
            count = len(lines)
            heading = f"Before this form can be completed, {count} answer{'s' if count != 1 else ''} "
            heading += ("needs" if count == 1 else "need") + " attention:"
            self.summary.show_message("\n".join([heading, *(f"• {line}" for line in lines)]))
        else:
            self.summary.clear_message()

    def typing_problems(self) -> list[tuple[FieldRow, str]]:
        """Shown fields whose typed text is not an answer yet (a date still being typed)."""
        return [found for row in self.rows for found in row.typing_problems()]

    def row_for(self, key: IssueKey) -> FieldRow | None:
        """The row a message is about, inside repeat-group entries too."""
        for row in self.rows:
            found = row.row_for(key)
            if found is not None:
                return found
        return None

    def _panel_of(self, row: QWidget) -> int:
        for number, panel in enumerate(self.panels):
            if panel.isAncestorOf(row):
                return number
        return 0

    def focus_first_problem(self, issues: list[Issue]) -> None:
        """Put the focus on the first field, in form order, that has a typing problem or an issue."""
        rows = [row for row, _ in self.typing_problems()]
        rows += [row for issue in issues if (row := self.row_for((issue.field_id, issue.item))) is not None]
        if not rows:
            return
        order = [w for row in self.rows for w in row.focus_widgets()]

        def position(row: FieldRow) -> int:
            return next((order.index(w) for w in row.focus_widgets() if w in order), 0)

        first = min(rows, key=position)
        first.editor.focus_first()
        self.scroll_area.ensureWidgetVisible(first)

    # ----- sections and focus -------------------------------------------------------------------

    def _focus_moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is None or not isValid(self) or not self.isAncestorOf(new):
            return
        for number, panel in enumerate(self.panels):
            if panel.isAncestorOf(new):
                self.index.mark_current(number)
                return

    def go_to_section(self, number: int) -> None:
        """Show a section and put the focus in its first question."""
        panel = self.panels[number]
        if not panel.shown:
            return
        self.index.mark_current(number)
        self.scroll_area.verticalScrollBar().setValue(panel.y())
        first = panel.first_row()
        if first is not None:
            first.editor.focus_first()

    def current_section(self) -> int:
        """The section holding the focus (else the one marked in the index)."""
        focus = QApplication.focusWidget()
        for number, panel in enumerate(self.panels):
            if focus is not None and panel.isAncestorOf(focus):
                return number
        return max(self.index.currentRow(), 0)

    def step_section(self, step: int) -> None:
        """Go to the next (1) or previous (-1) section that is shown.

        Going back from inside a section first goes to that section's start, as Ctrl+Up does in a
        word processor; from its first question it goes to the section before.
        """
        current = self.current_section()
        first = self.panels[current].first_row()
        if step < 0 and first is not None and not first.editor.has_focus_within():
            self.go_to_section(current)
            return
        number = current + step
        while 0 <= number < len(self.panels):
            if self.panels[number].shown:
                self.go_to_section(number)
                return
            number += step

    def focus_first_field(self) -> bool:
        """Put the focus in the first question that takes it; False if none does (a read-only form)."""
        for row in self.rows:
            if not row.shown:
                continue
            for widget in row.focus_widgets():
                if widget.isEnabled():
                    widget.setFocus(Qt.FocusReason.OtherFocusReason)
                    return True
        return False

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        """The first field gets the focus when the form first appears."""
        super().showEvent(event)
        if not self._focused_once:
            self._focused_once = True
            self.focus_first_field()
