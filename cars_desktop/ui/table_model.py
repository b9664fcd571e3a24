"""One read-only table model for every list of service rows, declared as a table of columns.

Each list a page shows (people found, today's work, the timeline, bookings, audit entries, users…)
is one `QAbstractTableModel` (ARCHITECTURE.md pattern 5). What differs between the lists is only
their columns, so a list is declared as a tuple of `Column`s (heading, the text of a row, how it
sorts, an optional tooltip, right alignment for numbers) and the Qt plumbing lives here once, where
`qtmodeltester` checks it. Rows are frozen DTOs from a service, replaced whole by `set_rows` when a
fresh read arrives from the task runner (the lists are short or paged by the service, and a reset
keeps selection code simple).

Roles a view or proxy may ask for besides the shown text: `SORT_ROLE` (the value to sort by, so a
date sorts as a date and not as the text "3 March") and `ROW_ROLE` (the row's DTO itself, for a
proxy that filters on it or a page that reads the chosen row through a proxy index).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

R = TypeVar("R")
AnyIndex = QModelIndex | QPersistentModelIndex

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
"""The value a proxy sorts by (dates as dates, counts as numbers), not the text shown."""
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
"""The row's DTO itself."""

_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


@dataclass(frozen=True)
class Column(Generic[R]):
    """One column: its heading, the text of a row, and optionally a sort key, tooltip and alignment.

    Without a sort key a column sorts by its text, case-blind. `tooltip` is either one fixed hint
    for the whole column ("UK local time") or a fuller text per row; without one, a cell's tooltip
    is its own text, so a value cut short at 1366x768 can still be read whole.
    """

    title: str
    text: Callable[[R], str]
    sort_key: Callable[[R], Any] | None = None
    tooltip: Callable[[R], str] | str | None = None
    numeric: bool = False  # right-aligned

    def tooltip_of(self, row: R) -> str | None:
        """The tooltip of this column's cell in `row` (None when there is nothing to say)."""
        if isinstance(self.tooltip, str):
            return self.tooltip or None
        if self.tooltip is not None:
            return self.tooltip(row)
        return self.text(row) or None

    def sort_value(self, row: R) -> Any:
        """What `row` sorts by in this column."""
        return self.sort_key(row) if self.sort_key is not None else self.text(row).casefold()


class ColumnTableModel(QAbstractTableModel, Generic[R]):
    """Rows of `R` shown through `columns`; read-only and selectable."""

    def __init__(self, columns: Sequence[Column[R]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._rows: list[R] = []

    # -- the page's side ------------------------------------------------------------------------

    @property
    def columns(self) -> tuple[Column[R], ...]:
        return self._columns

    @property
    def rows(self) -> tuple[R, ...]:
        """Every row, in source order (a copy: the page cannot change the model behind Qt's back)."""
        return tuple(self._rows)

    def set_rows(self, rows: Sequence[R]) -> None:
        """Replace every row (a fresh read from the service)."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> R | None:
        """The DTO shown in source row `row`, or None if there is no such row (-1 included)."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    # -- Qt's side ------------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            not index.isValid()
            or not (0 <= index.row() < len(self._rows))
            or index.column() >= len(self._columns)
        ):
            return None
        row = self._rows[index.row()]
        column = self._columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return column.text(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip_of(row)
        if role == SORT_ROLE:
            return column.sort_value(row)
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole and column.numeric:
            return _RIGHT
        return None

    def headerData(  # noqa: N802 - Qt's signature
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
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


def sort_less_than(a: Any, b: Any) -> bool:
    """Order two sort keys of possibly mixed types (None first) without raising."""
    if a is None or b is None:
        return a is None and b is not None
    try:
        return bool(a < b)
    except TypeError:
        return str(a) < str(b)


class KeyedSortProxy(QSortFilterProxyModel):
    """Sorts by `SORT_ROLE` (any Python keys: dates, tuples, numbers) and filters on every column."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterKeyColumn(-1)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def lessThan(self, left: AnyIndex, right: AnyIndex) -> bool:  # noqa: N802 - Qt override
        return sort_less_than(left.data(SORT_ROLE), right.data(SORT_ROLE))


def sortable(model: QAbstractTableModel, parent: QObject | None = None) -> KeyedSortProxy:
    """A proxy that lets the view sort `model` by clicking (or Ctrl+clicking) a heading."""
    proxy = KeyedSortProxy(parent)
    proxy.setSourceModel(model)
    return proxy
