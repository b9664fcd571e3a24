"""Table models over frozen DTOs, declared as a list of columns; and the model of people found.

Each list view has one `QAbstractTableModel` whose columns are data (`Column`: a heading, the text
shown, and a sort key), so the view, the sort proxy and the tests read the same table. Rows are
replaced wholesale with `set_rows` (a reset): the lists are short and a reset keeps selection code
simple. `ROW_ROLE` gives the row's DTO; `SORT_ROLE` its sort key.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from cars_desktop.services.person_search import PersonMatch
from cars_desktop.services.today import uk_zone

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2


def uk_date(value: date | None) -> str:
    """dd/mm/yyyy, as UK forms write dates."""
    return value.strftime("%d/%m/%Y") if value else ""


def uk_time(value: datetime | None) -> str:
    """HH:MM in UK local time."""
    return value.astimezone(uk_zone()).strftime("%H:%M") if value else ""


def uk_long_date(value: date) -> str:
    """'3 March 2025'."""
    return f"{value.day} {value.strftime('%B %Y')}"


@dataclass(frozen=True)
class Column(Generic[T]):
    """One column: its heading, the text shown, a sort key and an optional tooltip."""

    heading: str
    text: Callable[[T], str]
    sort: Callable[[T], Any] | None = None
    tooltip: Callable[[T], str] | None = None


class ColumnTableModel(QAbstractTableModel, Generic[T]):
    """A read-only table of DTOs described by `Column`s."""

    def __init__(self, columns: Sequence[Column[T]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[T] = []

    def set_rows(self, rows: Sequence[T]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, row: int) -> T:
        return self._rows[row]

    @property
    def rows(self) -> list[T]:
        return list(self._rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt override)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt override)
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        item, column = self._rows[index.row()], self._columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return column.text(item)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(item)
        if role == SORT_ROLE:
            return column.sort(item) if column.sort is not None else column.text(item).casefold()
        if role == ROW_ROLE:
            return item
        return None

    def headerData(  # noqa: N802 (Qt override)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
        return self._columns[section].heading if horizontal and 0 <= section < len(self._columns) else None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


def _sort_date(value: date | None) -> str:
    return value.isoformat() if value else ""


PEOPLE_COLUMNS: list[Column[PersonMatch]] = [
    Column("Name", lambda m: f"{m.person.family_name.upper()}, {m.person.given_names}"),
    Column(
        "Date of birth",
        lambda m: uk_date(m.person.date_of_birth),
        lambda m: _sort_date(m.person.date_of_birth),
    ),
    Column("PNC ID", lambda m: m.person.pnc_id or ""),
    Column("Custody record", lambda m: m.custody_record_number or ""),
    Column("Also known as", lambda m: "; ".join(m.person.aliases[:3])),
    Column("Why it matched", lambda m: m.why, lambda m: -m.score),
]


class PeopleTableModel(ColumnTableModel[PersonMatch]):
    """People found by a search, best match first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(PEOPLE_COLUMNS, parent)

    def person_id(self, row: int) -> uuid.UUID:
        return self.row(row).person.id
