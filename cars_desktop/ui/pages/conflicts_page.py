"""Sync conflicts: a supervisor settles each conflicted record field by field, with a reason.

The list comes from the central server (`services.conflicts.list_conflicts`); choosing one shows
both revisions side by side. For each differing field the supervisor keeps the current or the
incoming value (keys: the buttons, or type "current"/"incoming" in the Keep column), gives a reason
and resolves; the merged revision is applied here at once and reaches every workstation by sync.
Without the server the page says the list is not available offline.
"""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cars_desktop.domain.access import Permission
from cars_desktop.domain.changes import Changes
from cars_desktop.services.conflicts import Resolved, Side, list_conflicts, resolve_conflict
from cars_desktop.ui.message_label import MessageKind, MessageLabel
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.pages.conflict_fields_model import ConflictFieldsModel, field_label
from cars_desktop.ui.pages.page_spec import PageContext, PageSpec
from cars_desktop.ui.table_model import Column, ColumnTableModel
from cars_desktop.ui.table_view import RecordTable, fit_columns
from cars_desktop.ui.widgets.typed_dates import uk_datetime
from cars_protocol.sync import ConflictInfo

OFFLINE = "Not available offline: conflicts are listed by the central server."
_SKIP = frozenset({"revision", "updated_at", "author"})

CONFLICT_COLUMNS: tuple[Column[ConflictInfo], ...] = (
    Column("Record", lambda c: c.record_type.replace("_", " ").capitalize()),
    Column("Raised", lambda c: uk_datetime(c.raised_at), lambda c: c.raised_at.isoformat()),
    Column("Current saved by", lambda c: f"{c.current.saved_by}, {uk_datetime(c.current.saved_at)}"),
    Column("Incoming saved by", lambda c: f"{c.incoming.saved_by}, {uk_datetime(c.incoming.saved_at)}"),
    Column("Fields that differ", lambda c: ", ".join(field_label(f) for f in c.fields if f not in _SKIP)),
)


class ConflictsPage(QWidget):
    """Conflicts on top, the chosen one's fields below, then the reason and "Resolve"."""

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = context
        self.setAccessibleName("Sync conflicts")
        self.conflicts = ColumnTableModel(CONFLICT_COLUMNS, self)
        self.conflict_table = RecordTable(self.conflicts, "Conflicted records")
        self.fields = ConflictFieldsModel(self)
        self.field_table = QTableView()
        self.field_table.setModel(self.fields)
        self.field_table.setAccessibleName("Both versions, field by field")
        self.field_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.field_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.field_table.setTabKeyNavigation(False)
        self.field_table.setWordWrap(True)
        self.field_table.verticalHeader().setVisible(False)
        self.field_table.horizontalHeader().setStretchLastSection(True)
        # Headers readable before anything is loaded (offline, the tables stay empty).
        self.conflict_table.fit_columns()
        fit_columns(self.field_table)
        self.keep_current = QPushButton("Keep &current")
        self.keep_incoming = QPushButton("Keep &incoming")
        self.all_current = QPushButton("All c&urrent")
        self.all_incoming = QPushButton("All i&ncoming")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why these values (for the audit log)")
        self.reason.setAccessibleName("Reason for the resolution")
        self.resolve_button = QPushButton("&Resolve")
        self.reload_button = QPushButton("Re&load from the server")
        for button, name in (
            (self.keep_current, "Keep the current value of the chosen field"),
            (self.keep_incoming, "Keep the incoming value of the chosen field"),
            (self.all_current, "Keep the current value of every field"),
            (self.all_incoming, "Keep the incoming value of every field"),
            (self.resolve_button, "Resolve the conflict with these choices"),
            (self.reload_button, "Reload conflicts from the central server"),
        ):
            button.setAccessibleName(name)
        self.note = QLabel()
        self.note.setAccessibleName("Conflicts status")
        self.error = MessageLabel(MessageKind.ERROR, "Conflict problem")
        self.notice = MessageLabel(MessageKind.NOTICE, "Conflict result")

        choose = QHBoxLayout()
        for button in (self.keep_current, self.keep_incoming, self.all_current, self.all_incoming):
            choose.addWidget(button)
        choose.addStretch(1)
        resolve = QHBoxLayout()
        reason_label = QLabel("Reas&on:")
        reason_label.setBuddy(self.reason)
        resolve.addWidget(reason_label)
        resolve.addWidget(self.reason, 1)
        resolve.addWidget(self.resolve_button)
        layout = QVBoxLayout(self)
        heading = QHBoxLayout()
        heading.addWidget(QLabel("<h2>Sync conflicts</h2>"))
        heading.addStretch(1)
        heading.addWidget(self.reload_button)
        layout.addLayout(heading)
        layout.addWidget(self.note)
        layout.addWidget(self.conflict_table, 1)
        layout.addWidget(self.field_table, 2)
        layout.addLayout(choose)
        layout.addLayout(resolve)
        layout.addWidget(self.error)
        layout.addWidget(self.notice)

        self.conflict_table.selectionModel().selectionChanged.connect(self._conflict_chosen)
        self.keep_current.clicked.connect(lambda: self._choose("current"))
        self.keep_incoming.clicked.connect(lambda: self._choose("incoming"))
        self.all_current.clicked.connect(lambda: self.fields.choose_all("current"))
        self.all_incoming.clicked.connect(lambda: self.fields.choose_all("incoming"))
        self.resolve_button.clicked.connect(self.resolve)
        self.reload_button.clicked.connect(self.refresh)
        context.bus.sig_changed.connect(self._on_changed)
        self.refresh()

    def refresh(self) -> None:
        """Ask the central server for the open conflicts."""
        factory = self._ctx.app.http_factory
        if factory is None:
            self._unavailable(OFFLINE)
            return
        session = self._ctx.session

        def ask() -> list[ConflictInfo]:
            with factory() as http:
                return list_conflicts(session, http)

        self.note.setText("Asking the central server...")
        run_op(self._ctx.app.runner, ask, self._show, self._unavailable, parent=self)

    def _show(self, found: list[ConflictInfo]) -> None:
        self.conflicts.set_rows(found)
        self.conflict_table.fit_columns()
        count = len(found)
        self.note.setText(
            f"{count} conflict{'s' if count != 1 else ''} waiting." if count else "No conflicts."
        )
        self.conflict_table.select_first()
        self._conflict_chosen()

    def _unavailable(self, message: str) -> None:
        self.conflicts.set_rows([])
        self.fields.set_conflict(None)
        self.note.setText(message if message == OFFLINE else f"Not available offline: {message}")

    def _on_changed(self, changes: Changes) -> None:
        chosen = self.fields.conflict
        if chosen is not None and chosen.record_id in changes.record_ids:
            self.refresh()

    def _conflict_chosen(self) -> None:
        row = self.conflict_table.current_source_row()
        self.fields.set_conflict(None if row is None else self.conflicts.row_at(row))
        self.field_table.resizeColumnsToContents()
        if self.fields.rowCount():
            self.field_table.selectRow(0)

    def _choose(self, side: Side) -> None:
        rows = self.field_table.selectionModel().selectedRows()
        if not rows:
            self.error.show_message("choose a field first")
            return
        row = rows[0].row()
        self.fields.choose(row, side)
        if row + 1 < self.fields.rowCount():
            self.field_table.selectRow(row + 1)  # on to the next field, as a person works down the list

    def resolve(self) -> None:
        """Resolve the chosen conflict with the field choices and the reason."""
        self.error.clear_message()
        conflict = self.fields.conflict
        factory = self._ctx.app.http_factory
        if conflict is None or factory is None:
            self.error.show_message("choose a conflict first")
            return
        session, choices, reason = self._ctx.session, self.fields.choices(), self.reason.text()
        conflict_id: uuid.UUID = conflict.conflict_id

        def send() -> Resolved:
            with factory() as http:
                return resolve_conflict(session, http, conflict_id, choices, reason)

        run_op(
            self._ctx.app.runner,
            send,
            self._ctx.bus.broadcasting(
                lambda done: Changes.of(done.record.record_type, done.record.id), self._resolved
            ),
            self.error.show_message,
            parent=self,
        )

    def _resolved(self, done: Resolved) -> None:
        self.reason.clear()
        kind = done.record.record_type.replace("_", " ")
        self.notice.show_message(f"resolved: the {kind} is now revision {done.receipt.server_revision}.")
        self.refresh()


PAGE = PageSpec(
    page_id="conflicts",
    title="Sync conflicts",
    build=ConflictsPage,
    permission=Permission.RESOLVE_CONFLICTS,
    order=75,
    help_topic="conflicts",
    roles_note="Supervisors: settle records changed on two workstations at once.",
)
