"""The table views every list uses: whole-row selection, keyboard-first, sorted through a proxy.

Two shapes over the one `ColumnTableModel` (cars_desktop/ui/table_model.py): `list_view` configures
a plain `QTableView` for a page that wires its own proxy (`sortable`) and selection; `RecordTable`
is a view that owns its sorting and filtering proxy and hands the chosen rows back as source rows.
Both select whole rows, leave the table with Tab (the arrow keys move within it) and carry an
accessible name that says what the list holds.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from cars_desktop.ui.table_model import ColumnTableModel, sortable


def configure_list(view: QTableView, accessible_name: str, *, multi_select: bool = False) -> None:
    """Read-only, whole rows, Tab leaves the table, alternating rows, last column stretched."""
    view.setAccessibleName(accessible_name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(
        QAbstractItemView.SelectionMode.ExtendedSelection
        if multi_select
        else QAbstractItemView.SelectionMode.SingleSelection
    )
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setTabKeyNavigation(False)  # Tab leaves the table; the arrow keys move within it
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)


def list_view(
    accessible_name: str, parent: QWidget | None = None, *, fit_to_contents: bool = False
) -> QTableView:
    """A table view of whole rows, one at a time, that keeps to one line a row.

    `fit_to_contents` sizes columns to their text continuously (Qt samples 1,000 rows at most);
    otherwise the page calls `fit_columns` after new rows arrive and the worker may resize.
    """
    view = QTableView(parent)
    configure_list(view, accessible_name)
    view.setWordWrap(False)
    if fit_to_contents:
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return view


def fit_columns(view: QTableView, widest: int = 320) -> None:
    """Size columns to what they show (after new rows arrive), none wider than `widest` pixels.

    The last column stretches over what is left, so long details stay readable at 1366x768.
    """
    view.resizeColumnsToContents()
    header = view.horizontalHeader()
    for section in range(header.count() - 1):
        if header.sectionSize(section) > widest:
            header.resizeSection(section, widest)


class RecordTable(QTableView):
    """A read-only, row-selecting table that sorts by `SORT_ROLE` and filters on any column's text."""

    def __init__(
        self,
        model: ColumnTableModel[Any],
        accessible_name: str,
        parent: QWidget | None = None,
        *,
        multi_select: bool = False,
    ) -> None:
        super().__init__(parent)
        self.source = model
        self.proxy = sortable(model, self)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # Qt starts descending; lists read oldest first
        configure_list(self, accessible_name, multi_select=multi_select)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

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

    def fit_columns(self, widest: int = 320) -> None:
        """Size columns to their contents once rows are in (none wider than `widest` pixels)."""
        fit_columns(self, widest)
