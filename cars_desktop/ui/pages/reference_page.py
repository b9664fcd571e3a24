"""Site settings and the reference data in use, read-only, for administrators.

When a letter shows an old phone number or a drop-down lacks a new provider, the administrator
looks here: the site's letterhead and contact details as letters print them today, and for each
reference list the version in effect today, since when, whether it shipped with the program or
came from the central server, how many items it has, and whether a later version is waiting for
its date. Choosing a list shows its items. Nothing is edited here: reference data changes only
centrally (`cars-server admin reference import`) and reaches the workstation by sync.

Lists are re-read each time the page is shown (a sync may have brought a version) and with F5.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cars_desktop.domain.access import Permission
from cars_desktop.services.reference_view import (
    ReferenceItemView,
    ReferenceListSummary,
    SiteSettings,
    reference_items,
    reference_lists,
    site_settings,
)
from cars_desktop.ui.message_label import MessageKind, MessageLabel
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.pages.page_spec import PageContext, PageSpec
from cars_desktop.ui.pages.user_dialogs import button
from cars_desktop.ui.table_model import Column, ColumnTableModel, sortable
from cars_desktop.ui.table_view import fit_columns, list_view
from cars_desktop.ui.widgets.typed_dates import format_date


def _day(day: date | None, empty: str = "") -> str:
    return format_date(day) if day else empty


def _waiting(summary: ReferenceListSummary) -> str:
    if not summary.waiting_versions:
        return ""
    more = f" (+{summary.waiting_versions - 1} more)" if summary.waiting_versions > 1 else ""
    return f"From {_day(summary.next_effective_from)}{more}"


LIST_COLUMNS: tuple[Column[ReferenceListSummary], ...] = (
    Column("List", lambda s: s.label),
    Column("Version", lambda s: str(s.version), sort_key=lambda s: s.version, numeric=True),
    Column(
        "In effect since",
        lambda s: _day(s.effective_from, "Installation"),
        sort_key=lambda s: s.effective_from or date.min,
    ),
    Column(
        "Source",
        lambda s: "Shipped" if s.source == "shipped" else "Received",
        tooltip=lambda s: s.source_label,
    ),
    Column("Items", lambda s: str(s.items_in_effect), sort_key=lambda s: s.items_in_effect, numeric=True),
    Column("Next version", _waiting, sort_key=lambda s: s.next_effective_from or date.max),
)

ITEM_COLUMNS: tuple[Column[ReferenceItemView], ...] = (
    Column("Code", lambda i: i.code),
    Column("Name", lambda i: i.name),
    Column("From", lambda i: _day(i.effective_from), sort_key=lambda i: i.effective_from),
    Column("Until", lambda i: _day(i.effective_to), sort_key=lambda i: i.effective_to or date.max),
    Column("In use today", lambda i: "Yes" if i.in_effect else "No"),
    Column("Other details", lambda i: i.details),
)


class ReferenceListsModel(ColumnTableModel[ReferenceListSummary]):
    """Every reference list with the version in effect."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(LIST_COLUMNS, parent)


class ReferenceItemsModel(ColumnTableModel[ReferenceItemView]):
    """The items of one list's version in effect."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(ITEM_COLUMNS, parent)


def _value(accessible_name: str) -> QLabel:
    label = QLabel()
    label.setAccessibleName(accessible_name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
    )
    label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # reachable by Tab, so a screen reader reads it
    return label


class ReferencePage(QWidget):
    """Site settings above; lists on the left, the chosen list's items on the right."""

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.setAccessibleName("Site settings and reference data")
        self._loaded = False
        self.on = date.today()

        heading = QLabel("<h2>Site settings and reference data</h2>")
        self.site_box = QGroupBox("This site (letters and contact cards print these details)")
        site_form = QFormLayout(self.site_box)
        self.site = _value("Site")
        self.service = _value("Service name")
        self.address = _value("Address")
        self.phone = _value("Phone")
        self.email = _value("E-mail")
        self.hours = _value("Opening hours")
        self.workstation = _value("Workstation id")
        left, right = QFormLayout(), QFormLayout()
        for form, rows in (
            (left, (("Site", self.site), ("Service", self.service), ("Address", self.address))),
            (
                right,
                (
                    ("Phone", self.phone),
                    ("E-mail", self.email),
                    ("Hours", self.hours),
                    ("Workstation", self.workstation),
                ),
            ),
        ):
            for text, widget in rows:
                form.addRow(text, widget)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        site_form.addRow(columns)
        self.site_note = MessageLabel(MessageKind.NOTICE, "About the site details", self)
        site_form.addRow(self.site_note)

        self.lists_model = ReferenceListsModel(self)
        self.lists_proxy = sortable(self.lists_model, self)
        self.lists = list_view("Reference lists", self)
        self.lists.setModel(self.lists_proxy)
        self.lists.setSortingEnabled(True)
        self.lists.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.items_model = ReferenceItemsModel(self)
        self.items_proxy = sortable(self.items_model, self)
        self.items = list_view("Items of the chosen list", self)
        self.items.setModel(self.items_proxy)
        self.items.setSortingEnabled(True)
        self.items.sortByColumn(
            -1, Qt.SortOrder.AscendingOrder
        )  # the list's own order until a heading is clicked
        self.items_title = QLabel("Items")
        self.items_title.setBuddy(self.items)
        lists_title = QLabel("Reference &lists in use today")
        lists_title.setBuddy(self.lists)

        left_pane, right_pane = QWidget(), QWidget()
        left_layout, right_layout = QVBoxLayout(left_pane), QVBoxLayout(right_pane)
        left_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(lists_title)
        left_layout.addWidget(self.lists, 1)
        right_layout.addWidget(self.items_title)
        right_layout.addWidget(self.items, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left_pane)
        splitter.addWidget(right_pane)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)

        self.refresh_button = button("Refresh", "Refresh the site settings and lists", "F5")
        self.refresh_button.clicked.connect(self.refresh)
        self.as_of = QLabel("")
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(self.as_of)
        top.addWidget(self.refresh_button)
        note = QLabel(
            "Read-only: reference data is changed centrally and arrives with the next sync. A list "
            "shipped with the program is used until the first version received from the server takes effect."
        )
        note.setWordWrap(True)
        self.error = MessageLabel(MessageKind.ERROR, "Problem", self)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.site_box)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(splitter, 1)
        self.lists.selectionModel().selectionChanged.connect(self._list_chosen)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        """Re-read whenever the page comes into view: a sync may have brought a new version."""
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        """Read the site settings and the lists as in effect today."""
        self.on = date.today()
        self.as_of.setText(f"As in effect on {format_date(self.on)}")
        session, on, runner = self._context.session, self.on, self._context.app.runner
        keep = self.chosen_list()
        run_op(
            runner, lambda: site_settings(session, on), self._show_site, self.error.show_message, parent=self
        )

        def show_lists(lists: list[ReferenceListSummary]) -> None:
            self.error.clear_message()
            self.lists_model.set_rows(lists)
            fit_columns(self.lists, widest=260)
            self.choose(keep.name if keep else None)

        run_op(runner, lambda: reference_lists(session, on), show_lists, self.error.show_message, parent=self)

    def _show_site(self, found: SiteSettings) -> None:
        self.site.setText(f"{found.site_name} ({found.site_code})")
        self.workstation.setText(found.workstation_id)
        head = found.letterhead
        self.service.setText(head.service_name if head else "")
        self.address.setText("\n".join(head.address) if head else "")
        self.phone.setText(head.phone if head else "")
        self.email.setText(head.email if head else "")
        self.hours.setText(head.hours if head else "")
        if head is None:
            self.site_note.show_message(f"Letters cannot be printed: {found.problem}")
        elif head.specimen:
            self.site_note.show_message(
                "These are specimen details shipped with the program: ask the central service to send "
                "this site's real letterhead before letters go to anyone."
            )
        else:
            self.site_note.clear_message()

    def chosen_list(self) -> ReferenceListSummary | None:
        """The list whose row is selected, if any."""
        rows = self.lists.selectionModel().selectedRows()
        return self.lists_model.row_at(self.lists_proxy.mapToSource(rows[0]).row()) if rows else None

    def choose(self, name: str | None) -> None:
        """Select the list called `name` (else the first) and show its items."""
        rows = self.lists_model.rows
        row = next((i for i, s in enumerate(rows) if s.name == name), 0)
        index = self.lists_proxy.mapFromSource(self.lists_model.index(row, 0))
        if not index.isValid():
            index = self.lists_proxy.index(0, 0)
        if index.isValid():
            self.lists.setCurrentIndex(index)
            self.lists.selectRow(index.row())

    def _list_chosen(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        chosen = self.chosen_list()
        if chosen is None:
            self.items_model.set_rows([])
            return
        self.items_title.setText(
            f"&Items of {chosen.label}, version {chosen.version} ({chosen.source_label.lower()})"
        )
        session, on, name = self._context.session, self.on, chosen.name
        run_op(
            self._context.app.runner,
            lambda: reference_items(session, name, on),
            self._show_items,
            self.error.show_message,
            parent=self,
        )

    def _show_items(self, items: list[ReferenceItemView]) -> None:
        self.items_model.set_rows(items)
        fit_columns(self.items, widest=260)


def build(context: PageContext) -> QWidget:
    """The page, for the main window."""
    return ReferencePage(context)


PAGE = PageSpec(
    page_id="reference",
    title="Site and reference data",
    build=build,
    permission=Permission.MANAGE_SETTINGS,
    order=910,
    help_topic="reference",
    roles_note="Administrators: the site's letterhead and the reference data versions in use.",
)
