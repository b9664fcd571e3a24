"""The main window's page list: a small list model over the pages the user may open, and its view.

A model (not a QListWidget) so the list is tested with `qtmodeltester` like every other list, and
so the window reads page specs back from rows rather than from item text. Each row shows the page
title and its shortcut; the tooltip and the accessible text say the same in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from cars_desktop.ui.pages.page_spec import PageSpec

PAGE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
"""The role that gives a row's page id."""

ModelIndex = QModelIndex | QPersistentModelIndex


def page_shortcuts(pages: Sequence[PageSpec]) -> dict[str, str]:
    """Each page's key: its own if it names one, else Ctrl+1..9 by its place in the list."""
    keys: dict[str, str] = {}
    for number, page in enumerate(pages, start=1):
        key = page.shortcut or (f"Ctrl+{number}" if number <= 9 else "")
        if key:
            keys[page.page_id] = key
    return keys


class PageListModel(QAbstractListModel):
    """The pages a signed-in user may open, in display order; read-only.

    `shortcuts` gives each page's key (the page's own, else Ctrl+1..9 by position), as the window
    assigns them, so the list shows the keys that really work.
    """

    def __init__(
        self,
        pages: Sequence[PageSpec],
        parent: QWidget | None = None,
        shortcuts: dict[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self._pages = list(pages)
        self._shortcuts = shortcuts if shortcuts is not None else page_shortcuts(self._pages)

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        """Pages have no children: only the root has rows."""
        return 0 if parent.isValid() else len(self._pages)

    def page(self, row: int) -> PageSpec:
        """The page spec at `row`."""
        return self._pages[row]

    def row_of(self, page_id: str) -> int:
        """The row of a page, or -1 if this user does not have it."""
        return next((row for row, page in enumerate(self._pages) if page.page_id == page_id), -1)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Title (with its shortcut), tooltip, accessible text and page id."""
        if not index.isValid() or not 0 <= index.row() < len(self._pages):
            return None
        page = self._pages[index.row()]
        keys = self._shortcuts.get(page.page_id, "")
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{page.title}  ({keys})" if keys else page.title
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"{page.title} (press {keys})" if keys else page.title
        if role == PAGE_ID_ROLE:
            return page.page_id
        return None


class NavigationList(QListView):
    """The list on the left: arrow keys move, Enter or a click opens, and the current row is shown."""

    sig_page_chosen = Signal(str)
    """The user chose a page (its id)."""

    def __init__(self, model: PageListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setObjectName("navigation")
        self.setAccessibleName("Pages")
        self.setAccessibleDescription("The pages you can open; arrow keys move, Enter opens")
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setUniformItemSizes(True)
        self.setSpacing(2)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.selectionModel().currentRowChanged.connect(self._current_changed)

    def page_model(self) -> PageListModel:
        """The model, typed."""
        model = self.model()
        assert isinstance(model, PageListModel)
        return model

    def select_page(self, page_id: str) -> None:
        """Mark a page as the current one without announcing it as a new choice."""
        row = self.page_model().row_of(page_id)
        if row < 0:
            return
        index = self.page_model().index(row, 0)
        self.blockSignals(True)
        self.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.blockSignals(False)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and not self.signalsBlocked():
            self.sig_page_chosen.emit(self.page_model().page(current.row()).page_id)

    def sizeHintForColumn(self, column: int) -> int:  # noqa: N802 (Qt override)
        """Wide enough for the longest title and its shortcut, so nothing is cut off."""
        return super().sizeHintForColumn(column) + self.fontMetrics().horizontalAdvance("    ")
