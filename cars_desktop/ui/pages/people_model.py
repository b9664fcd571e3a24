"""The model of people found by a search (find a person, and the possible matches of a new person).

A `ColumnTableModel` (cars_desktop/ui/table_model.py) over `PersonMatch`es, best match first; the
columns are data, so the view, the sort proxy and the tests read the same table.
"""

from __future__ import annotations

import uuid
from datetime import date

from PySide6.QtCore import QObject

from cars_desktop.services.person_search import PersonMatch
from cars_desktop.ui.table_model import Column, ColumnTableModel
from cars_desktop.ui.widgets.typed_dates import uk_date


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
        match = self.row_at(row)
        if match is None:
            raise IndexError(row)
        return match.person.id
