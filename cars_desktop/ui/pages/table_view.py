"""A sortable, filterable table over a `ColumnTableModel`, and UK date formats for its cells.

The view sorts through a proxy by `SORT_ROLE` and filters on every column's text, selects whole
rows, and is reachable with Tab (its accessible name says what it lists). Pages read the chosen
rows back as source rows through `selected_source_rows`.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from cars_desktop.ui.pages.column_table_model import SORT_ROLE, ColumnTableModel

UK = ZoneInfo("Europe/London")


def uk_datetime(moment: datetime | None) -> str:
    """dd/mm/yyyy HH:MM in UK local time; empty for none."""
    return moment.astimezone(UK).strftime("%d/%m/%Y %H:%M") if moment else ""


def uk_long_datetime(moment: datetime) -> str:
    """ "Tuesday 3 March 2026, 09:00" in UK local time."""
    local = moment.astimezone(UK)
    return f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M}"


def uk_date(day: date | None) -> str:
    """dd/mm/yyyy; empty for none."""
    return day.strftime("%d/%m/%Y") if day else ""


class RecordTable(QTableView):
    """A read-only, row-selecting, sortable table with a text filter proxy."""

    def __init__(
        self,
        model: ColumnTableModel,
        accessible_name: str,
        parent: QWidget | None = None,
        *,
        multi_select: bool = False,
    ) -> None:
        super().__init__(parent)
        self.source = model
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # Qt starts descending; lists read oldest first
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(
            QAbstractItemView.SelectionMode.ExtendedSelection
            if multi_select
            else QAbstractItemView.SelectionMode.SingleSelection
        )
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)  # Tab leaves the table; arrows move within it
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setStretchLastSection(True)
        self.setAccessibleName(accessible_name)

    def set_filter(self, text: str) -> None:
        """Show only rows with `text` in any column."""
        self.proxy.setFilterFixedString(text)

    def selected_source_rows(self) -> list[int]:
        """The chosen rows as indexes into the source model, in display order."""
        rows = {self.proxy.mapToSource(i).row() for i in self.selectionModel().selectedRows()}
        order = [self.proxy.mapToSource(self.proxy.index(r, 0)).row() for r in range(self.proxy.rowCount())]
        return [r for r in order if r in rows]

    def current_source_row(self) -> int | None:
        """The one chosen row (the first if several), or None."""
        rows = self.selected_source_rows()
        return rows[0] if rows else None

    def select_first(self) -> None:
        """Select the top row, so the keyboard user starts somewhere."""
        if self.proxy.rowCount():
            self.selectRow(0)

    def fit_columns(self) -> None:
        """Size columns to their contents once rows are in."""
        self.resizeColumnsToContents()
