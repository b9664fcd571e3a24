"""Today: everyone in custody or on the court list at this site today, and what each needs next.

The list loads on the task runner (`services.today.load_today`) when the page is built, on F5, and
whenever the change bus reports a change to a record type the list is computed from (a form saved,
a sync that pulled records, a court list imported). Results that arrive after a newer load started
are dropped. Enter on a row opens the person; "Add arrival" finds or creates the person (likely
duplicates listed first) and starts the custody arrival form for them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
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
from cars_desktop.services.today import Need, TodayEntry, load_today, uk_today
from cars_desktop.ui.change_bus import concerns
from cars_desktop.ui.message_label import MessageKind, MessageLabel
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.pages.court_list_import_dialog import CourtListImportDialog
from cars_desktop.ui.pages.new_person_dialog import NewPersonDialog
from cars_desktop.ui.pages.page_spec import PageContext, PageSpec
from cars_desktop.ui.pages.today_model import TodayFilterProxy, TodayTableModel
from cars_desktop.ui.table_model import ROW_ROLE
from cars_desktop.ui.table_view import list_view
from cars_desktop.ui.widgets.typed_dates import uk_long_date

#: Record types Today is computed from; a change to any of them reloads the list.
WATCHED = (
    "person",
    "custody_episode",
    "court_list_entry",
    "drug_test",
    "assessment",
    "review_decision",
    "referral",
    "naloxone_supply",
    "appointment",
)
ARRIVAL_FORM = "custody_arrival"
_ANY_NEED = "any"


class TodayPage(QWidget):
    """The Today list with its filter, the needs filter and the page's actions."""

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._generation = 0
        self.setAccessibleName("Today")
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by name or custody record number")
        self.filter.setAccessibleName("Filter by name or custody record number")
        self.filter.setClearButtonEnabled(True)
        filter_label = QLabel("&Filter")
        filter_label.setBuddy(self.filter)
        self.need_filter = QComboBox()
        self.need_filter.setAccessibleName("Show people who need")
        self.need_filter.addItem("Everyone", None)
        self.need_filter.addItem("Anyone with something to do", _ANY_NEED)
        for need in Need:
            self.need_filter.addItem(need.label, need.value)
        need_label = QLabel("&Show")
        need_label.setBuddy(self.need_filter)
        self.arrival_button = QPushButton("&Add arrival…")
        self.arrival_button.setAccessibleName("Add an arrival in custody")
        self.arrival_button.clicked.connect(self.add_arrival)
        self.import_button = QPushButton("&Import court list…")
        self.import_button.setAccessibleName("Import the court's daily list")
        self.import_button.clicked.connect(self.import_court_list)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setAccessibleName("Refresh the list (F5)")
        self.refresh_button.clicked.connect(self.reload)
        self.status = MessageLabel(MessageKind.NOTICE, "Today list status")
        self.error = MessageLabel(MessageKind.ERROR, "Today list problem")
        self.model = TodayTableModel(self)
        self.proxy = TodayFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = list_view("People here today", fit_to_contents=True)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.activated.connect(lambda index: self.open_row(index.row()))
        self.filter.textChanged.connect(self._filter_changed)
        self.need_filter.currentIndexChanged.connect(self._filter_changed)
        self.filter.returnPressed.connect(self._to_table)

        bar = QHBoxLayout()
        bar.addWidget(filter_label)
        bar.addWidget(self.filter, 2)
        bar.addWidget(need_label)
        bar.addWidget(self.need_filter, 1)
        bar.addStretch(0)
        bar.addWidget(self.arrival_button)
        bar.addWidget(self.import_button)
        bar.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(bar)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, self.reload)
        QShortcut(QKeySequence("Ctrl+F"), self, self.filter.setFocus)
        self.setFocusProxy(self.table)
        context.bus.sig_changed.connect(self._on_changed)
        self._set_heading()
        self.reload()

    def _set_heading(self) -> None:
        site = self._context.session.site_code
        self.heading.setText(f"<h2>Today at {site}: {uk_long_date(uk_today())}</h2>")
        self.heading.setAccessibleName(f"Today at {site}")

    # -- loading ---------------------------------------------------------------------------------

    def reload(self) -> None:
        """Load the list again off the GUI thread."""
        self._generation += 1
        generation = self._generation
        session = self._context.session
        self.error.clear_message()
        run_op(
            self._context.app.runner,
            lambda: load_today(session, now=datetime.now(UTC)),
            lambda entries: self._show(generation, entries),
            self.error.show_message,
            parent=self,
        )

    def _show(self, generation: int, entries: list[TodayEntry]) -> None:
        if generation != self._generation:
            return
        selected = self.selected_entry()
        self._set_heading()
        self.model.set_rows(entries)
        self._reselect(selected)
        self._count()

    def _count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        waiting = sum(1 for e in self.model.rows if e.needs)
        if total == 0:
            self.status.show_message("Nobody is in custody or on the court list here today yet.")
        elif shown == total:
            self.status.show_message(f"{total} people here today; {waiting} with something to do.")
        else:
            self.status.show_message(f"Showing {shown} of {total} people here today.")

    def _on_changed(self, changes: Changes) -> None:
        if concerns(changes, WATCHED):
            self.reload()

    # -- filtering and selection -----------------------------------------------------------------

    def _filter_changed(self) -> None:
        data = self.need_filter.currentData()
        if data == _ANY_NEED:
            self.proxy.set_need(None, anything=True)
        else:
            self.proxy.set_need(Need(data) if data else None)
        self.proxy.set_text(self.filter.text())
        self._count()

    def _to_table(self) -> None:
        if self.proxy.rowCount():
            self.table.setFocus()
            self.table.selectRow(0)

    def selected_entry(self) -> TodayEntry | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        entry = rows[0].data(ROW_ROLE)
        return entry if isinstance(entry, TodayEntry) else None

    def _reselect(self, previous: TodayEntry | None) -> None:
        if previous is None:
            return
        for row in range(self.proxy.rowCount()):
            entry = self.proxy.index(row, 0).data(ROW_ROLE)
            if isinstance(entry, TodayEntry) and entry.source_id == previous.source_id:
                self.table.selectRow(row)
                return

    def open_row(self, proxy_row: int) -> None:
        """Open the person on a (sorted, filtered) row."""
        entry = self.proxy.index(proxy_row, 0).data(ROW_ROLE)
        if isinstance(entry, TodayEntry):
            self._context.navigator.open_person(entry.person_id)

    # -- actions ---------------------------------------------------------------------------------

    def add_arrival(self) -> NewPersonDialog:
        """Find or create the person, then start their custody arrival form."""
        dialog = NewPersonDialog(self._context, "Add arrival", self)
        dialog.sig_person_chosen.connect(self._arrival_person)
        dialog.open()
        return dialog

    def _arrival_person(self, person_id: uuid.UUID) -> None:
        self._context.navigator.open_form(person_id, ARRIVAL_FORM)

    def import_court_list(self) -> CourtListImportDialog:
        """Open the court list import."""
        dialog = CourtListImportDialog(self._context, self)
        dialog.open()
        return dialog


def build(context: PageContext) -> QWidget:
    """Build the page for the main window."""
    return TodayPage(context)


PAGE = PageSpec(
    page_id="today",
    title="Today",
    build=build,
    permission=Permission.VIEW_CASEWORK,
    order=10,
    shortcut="Ctrl+1",
    help_topic="today",
    roles_note="Workers, court workers and supervisors",
)
