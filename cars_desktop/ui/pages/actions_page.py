"""Actions: the open actions a worker owns (a supervisor: everyone's at the site), with due times.

Police notifications, safeguarding and MARAC referrals, NRM referrals through a first responder,
custody officer alerts: each is something a finding obliges someone to do. The list shows the
user's own first, soonest due first, overdue ones saying "Overdue" in the text. Filter by type;
mark the selected action in progress or done with a note (a note is required for done); open the
person. Read and saved through `run_op`; read again when the change bus says actions changed.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtGui import QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cars_desktop.domain.access import Permission
from cars_desktop.domain.changes import Changes
from cars_desktop.services.actions import (
    ActionItem,
    ActionList,
    may_view_whole_site,
    open_actions,
    update_action,
)
from cars_desktop.services.person_record import ACTION_LABELS
from cars_desktop.services.records import Saved
from cars_desktop.ui.change_bus import concerns
from cars_desktop.ui.message_label import MessageKind, MessageLabel
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.pages.actions_model import ActionsModel, Clock, utc_clock
from cars_desktop.ui.pages.page_spec import PageContext, PageSpec
from cars_desktop.ui.table_model import sortable
from cars_desktop.ui.table_view import list_view
from cars_protocol.records import ActionStatus

ALL_TYPES = "All types"


class ActionsPage(QWidget):
    """The open actions list and what can be done to the selected one."""

    def __init__(self, context: PageContext, clock: Clock = utc_clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._token = 0
        self._all: tuple[ActionItem, ...] = ()
        self._list_error = False
        self.setAccessibleName("Actions")
        self.model = ActionsModel(clock, self)
        self.proxy = sortable(self.model, self)
        self.table = list_view("Open actions", self, fit_to_contents=True)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(False)  # the service's order: own first, soonest due first
        self.table.activated.connect(lambda _index: self.open_person())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())

        self.type_filter = QComboBox(self)
        self.type_filter.setAccessibleName("Show actions of type")
        self.type_filter.addItem(ALL_TYPES, None)
        for code, label in ACTION_LABELS.items():
            self.type_filter.addItem(label, code)
        self.type_filter.currentIndexChanged.connect(lambda _i: self._show_filtered())
        type_label = QLabel("&Type:")
        type_label.setBuddy(self.type_filter)
        self.whole_site = QCheckBox("Show &everyone's actions at this site")
        self.whole_site.setAccessibleName("Show everyone's actions at this site")
        self.whole_site.setVisible(may_view_whole_site(context.session))
        self.whole_site.toggled.connect(lambda _on: self.refresh())
        self.count_label = QLabel("")
        self.count_label.setAccessibleName("How many actions are shown")

        self.note = QLineEdit(self)
        self.note.setAccessibleName("Note: what was done (needed to mark an action done)")
        self.note.setPlaceholderText("What was done: who was told, when and how")
        self.note.setMaxLength(500)
        note_label = QLabel("&Note:")
        note_label.setBuddy(self.note)
        self.progress_button = QPushButton("Mark &in progress")
        self.progress_button.setAccessibleName("Mark the selected action in progress")
        self.done_button = QPushButton("Mark &done")
        self.done_button.setAccessibleName("Mark the selected action done, with the note")
        self.person_button = QPushButton("Open &person")
        self.person_button.setAccessibleName("Open the selected action's person")
        self.refresh_button = QPushButton("Re&fresh")
        self.refresh_button.setAccessibleName("Read the actions again")
        self.refresh_button.setShortcut(QKeySequence("F5"))
        self.progress_button.clicked.connect(partial(self.mark, ActionStatus.IN_PROGRESS))
        self.done_button.clicked.connect(partial(self.mark, ActionStatus.DONE))
        self.person_button.clicked.connect(self.open_person)
        self.refresh_button.clicked.connect(self.refresh)
        self.notice = MessageLabel(MessageKind.NOTICE, "Notice", self)
        self.error = MessageLabel(MessageKind.ERROR, "Problem", self)
        self._build_layout(type_label, note_label)
        self._update_buttons()
        context.bus.sig_changed.connect(self._on_changed)

    def _build_layout(self, type_label: QLabel, note_label: QLabel) -> None:
        heading = QLabel("<h2>Actions</h2>")
        heading.setAccessibleName("Actions")
        filters = QHBoxLayout()
        filters.addWidget(type_label)
        filters.addWidget(self.type_filter)
        filters.addWidget(self.whole_site)
        filters.addStretch(1)
        filters.addWidget(self.count_label)
        filters.addWidget(self.refresh_button)
        doing = QHBoxLayout()
        doing.addWidget(note_label)
        doing.addWidget(self.note, 1)
        doing.addWidget(self.progress_button)
        doing.addWidget(self.done_button)
        doing.addWidget(self.person_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(filters)
        layout.addWidget(self.notice)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        layout.addLayout(doing)

    # ----- reading -------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        """Read the list each time the page is shown (the due times move on)."""
        super().showEvent(event)
        self.refresh()

    def refresh(self, log_consultation: bool = True) -> None:
        """Read the open actions (off the GUI thread)."""
        self._token += 1
        token, session, everyone = self._token, self._context.session, self.whole_site.isChecked()
        run_op(
            self._context.app.runner,
            lambda: open_actions(session, whole_site=everyone, log_consultation=log_consultation),
            partial(self._listed, token),
            self._list_failed,
            parent=self,
        )

    def _list_failed(self, message: str) -> None:
        self._list_error = True
        self.error.show_message(message)

    def _listed(self, token: int, listed: ActionList) -> None:
        if token != self._token:
            return
        if self._list_error:  # a refusal to save stays on screen; only a failed read is cleared
            self._list_error = False
            self.error.clear_message()
        self._all = listed.items
        self._show_filtered()

    def _show_filtered(self) -> None:
        selected = self.selected_action()
        code = self.type_filter.currentData()
        rows = [i for i in self._all if code is None or i.action_type.value == code]
        self.model.set_rows(rows)
        overdue = self.model.overdue_count()
        text = f"{len(rows)} open action{'s' if len(rows) != 1 else ''}"
        self.count_label.setText(text + (f", {overdue} overdue" if overdue else ""))
        target = next((r for r, i in enumerate(rows) if selected and i.action_id == selected.action_id), 0)
        if rows:
            self.table.setCurrentIndex(self.proxy.mapFromSource(self.model.index(target, 0)))
        self._update_buttons()

    def _on_changed(self, changes: Changes) -> None:
        if concerns(changes, record_types={"action", "person"}):
            self.refresh(log_consultation=False)

    # ----- doing ---------------------------------------------------------------------------------

    def selected_action(self) -> ActionItem | None:
        """The action with the keyboard focus, if any."""
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.row_at(self.proxy.mapToSource(index).row())

    def _update_buttons(self) -> None:
        item = self.selected_action()
        self.progress_button.setEnabled(item is not None and item.status is ActionStatus.OPEN)
        self.done_button.setEnabled(item is not None)
        self.person_button.setEnabled(item is not None)

    def mark(self, status: ActionStatus) -> None:
        """Mark the selected action in progress or done, with the note typed."""
        item = self.selected_action()
        if item is None:
            return
        note, session, bus = self.note.text(), self._context.session, self._context.bus
        self.notice.clear_message()
        self.error.clear_message()
        word = "done" if status is ActionStatus.DONE else "in progress"

        def saved(_result: Saved) -> None:
            self.note.clear()
            self.notice.show_message(f"{item.type_label} for {item.person_name} marked {word}.")

        run_op(
            self._context.app.runner,
            lambda: update_action(session, item.action_id, item.revision, status, note),
            bus.broadcasting(lambda result: result.changes, saved),
            self._refused,
            parent=self,
        )

    def _refused(self, message: str) -> None:
        self.error.show_message(message)
        self.refresh(log_consultation=False)

    def open_person(self) -> None:
        """Open the selected action's person record."""
        item = self.selected_action()
        if item is not None:
            self._context.navigator.open_person(item.person_id)


def build(context: PageContext) -> QWidget:
    """The page, for the main window."""
    return ActionsPage(context)


PAGE = PageSpec(
    page_id="actions",
    title="Actions",
    build=build,
    permission=Permission.VIEW_CASEWORK,
    order=50,
    help_topic="actions",
    roles_note="Workers: their open actions with due times; supervisors: everyone's at the site.",
)
