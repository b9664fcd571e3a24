"""A table model built from a declarative column list: one per list of rows (DTOs from a service).

Each list on the booking, missed-appointment, day review and conflict pages is a `ColumnTableModel`
over frozen rows and a tuple of `Column`s saying what each column shows and how it sorts, so a page
declares its table rather than writing `data()` again. Rows are replaced whole (`set_rows`), since
every refresh comes back from a service as a new list. `SORT_ROLE` gives a proxy the value to sort
by (a time sorts as a time, not as the text "3 March").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    """One column: its heading, the text a row shows in it, and optionally what it sorts by."""

    title: str
    text: Callable[[Any], str]
    sort_key: Callable[[Any], Any] | None = None
    tooltip: str = ""


class ColumnTableModel(QAbstractTableModel):
    """Rows of any frozen type shown through a fixed column list; read-only."""

    def __init__(self, columns: Sequence[Column], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._rows: list[Any] = []

    # -- the page's side ------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[Any]) -> None:
        """Replace every row (a fresh result from a service)."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    # -- Qt's side ------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        column = self._columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return column.text(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip or None
        if role == SORT_ROLE:
            key = column.sort_key(row) if column.sort_key else column.text(row)
            return key if isinstance(key, int | float | str) else str(key)
        if role == ROW_ROLE:
            return index.row()
        return None

    def headerData(  # noqa: N802 - Qt's signature
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._columns[section].title if 0 <= section < len(self._columns) else None
        return str(section + 1)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
