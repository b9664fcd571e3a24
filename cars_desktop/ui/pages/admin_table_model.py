"""A read-only table model over a list of frozen DTOs, declared as a table of columns.

The administrator pages each show lists of service DTOs (users, reference lists and items, audit
entries). Each list is one `QAbstractTableModel` (ARCHITECTURE.md pattern 5); what differs between
them is only the columns, so a model is declared as a tuple of `Column`s (title, how to show a row,
how to sort it) and the Qt plumbing lives here once. Rows are replaced whole (`set_rows`) when a
fresh read arrives from the task runner: the lists are short, or paged by the service.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

R = TypeVar("R")
AnyIndex = QModelIndex | QPersistentModelIndex

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
"""The value a proxy sorts by (dates as dates, counts as numbers), not the text shown."""


@dataclass(frozen=True)
class Column(Generic[R]):
    """One column: its heading, the text of a row, and optionally a sort key and a fuller tooltip."""

    title: str
    text: Callable[[R], str]
    sort_key: Callable[[R], Any] | None = None
    tooltip: Callable[[R], str] | None = None
    numeric: bool = False  # right-aligned


class RowsTableModel(QAbstractTableModel, Generic[R]):
    """Rows of `R`, shown through `columns`; read-only and selectable."""

    def __init__(self, columns: Sequence[Column[R]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._rows: list[R] = []

    @property
    def columns(self) -> tuple[Column[R], ...]:
        return self._columns

    @property
    def rows(self) -> tuple[R, ...]:
        return tuple(self._rows)

    def set_rows(self, rows: Sequence[R]) -> None:
        """Replace every row (a fresh read from the service)."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> R | None:
        """The DTO shown in `row`, or None if there is no such row."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows) or index.column() >= len(self._columns):
            return None
        row = self._rows[index.row()]
        column = self._columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return column.text(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip(row) if column.tooltip else column.text(row) or None
        if role == SORT_ROLE:
            return column.sort_key(row) if column.sort_key else column.text(row).lower()
        if role == Qt.ItemDataRole.TextAlignmentRole and column.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(  # noqa: N802 (Qt API)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            return self._columns[section].title
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._rows):
            return str(section + 1)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class _KeyedSortProxy(QSortFilterProxyModel):
    """Sorts by `SORT_ROLE`, comparing keys of mixed types (None first) without raising."""

    def lessThan(self, left: AnyIndex, right: AnyIndex) -> bool:  # noqa: N802 (Qt override)
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a is None or b is None:
            return a is None and b is not None
        try:
            return bool(a < b)
        except TypeError:
            return str(a) < str(b)


def sortable(model: QAbstractTableModel, parent: QWidget | None = None) -> QSortFilterProxyModel:
    """A proxy that lets the view sort `model` by clicking (or Ctrl+clicking) a heading."""
    proxy = _KeyedSortProxy(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    return proxy


def list_view(accessible_name: str, parent: QWidget | None = None) -> QTableView:
    """A table view as the admin pages use it: whole rows, one at a time, reachable by Tab."""
    view = QTableView(parent)
    view.setAccessibleName(accessible_name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setTabKeyNavigation(False)  # Tab leaves the table; the arrow keys move within it
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
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
