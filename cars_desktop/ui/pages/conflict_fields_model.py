"""One conflict side by side, field by field: the field, both values, and which one to keep.

Only the fields that differ are listed (bookkeeping such as the revision number is settled by the
service, not chosen). Nothing is chosen at first, so no field is settled by default; the
"Keep" column is editable ("current" or "incoming") and `choices()` hands the service exactly what
was chosen.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from cars_desktop.services.conflicts import BOOKKEEPING_FIELDS, Side
from cars_protocol.sync import ConflictInfo

Index = QModelIndex | QPersistentModelIndex
HEADINGS = ("Field", "Current (on the server)", "Incoming (from the workstation)", "Keep")
KEEP_COLUMN = 3
SIDE_LABELS: dict[Side, str] = {"current": "Current", "incoming": "Incoming"}


def shown(value: Any) -> str:
    """A field's value as plain text: words as they are, lists and objects as compact JSON."""
    if value is None:
        return "(blank)"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return json.dumps(value, ensure_ascii=False)


def field_label(name: str) -> str:
    return name.replace("_", " ").capitalize()


class ConflictFieldsModel(QAbstractTableModel):
    """The differing fields of one conflict with the supervisor's choice for each."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._conflict: ConflictInfo | None = None
        self._fields: list[str] = []
        self._choices: dict[str, Side] = {}

    def set_conflict(self, conflict: ConflictInfo | None) -> None:
        """Show another conflict (or none); choices start empty."""
        self.beginResetModel()
        self._conflict = conflict
        self._fields = [f for f in conflict.fields if f not in BOOKKEEPING_FIELDS] if conflict else []
        self._choices = {}
        self.endResetModel()

    @property
    def conflict(self) -> ConflictInfo | None:
        return self._conflict

    def field_at(self, row: int) -> str:
        return self._fields[row]

    def choose(self, row: int, side: Side) -> None:
        """Keep one side's value of the field in `row`."""
        self._choices[self._fields[row]] = side
        index = self.index(row, KEEP_COLUMN)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole])

    def choose_all(self, side: Side) -> None:
        """Keep one side for every field."""
        for row in range(len(self._fields)):
            self.choose(row, side)

    def choices(self) -> dict[str, Side]:
        return dict(self._choices)

    def undecided(self) -> list[str]:
        return [f for f in self._fields if f not in self._choices]

    # -- Qt's side ------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self._fields)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(HEADINGS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self._conflict is None or not index.isValid() or not (0 <= index.row() < len(self._fields)):
            return None
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.AccessibleTextRole,
            Qt.ItemDataRole.EditRole,
        ):
            return None
        name = self._fields[index.row()]
        column = index.column()
        if column == 0:
            return field_label(name)
        if column == 1:
            return shown(self._conflict.current.record.get(name))
        if column == 2:
            return shown(self._conflict.incoming.record.get(name))
        choice = self._choices.get(name)
        if role == Qt.ItemDataRole.EditRole:
            return choice or ""
        return SIDE_LABELS[choice] if choice else "Choose"

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or index.column() != KEEP_COLUMN or role != Qt.ItemDataRole.EditRole:
            return False
        side = str(value).strip().lower()
        if side not in SIDE_LABELS:
            return False
        self.choose(index.row(), "current" if side == "current" else "incoming")
        return True

    def headerData(  # noqa: N802 - Qt's signature
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return HEADINGS[section] if 0 <= section < len(HEADINGS) else None
        return str(section + 1)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
        return flags | Qt.ItemFlag.ItemIsEditable if index.column() == KEEP_COLUMN else flags
