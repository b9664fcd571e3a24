"""Print history: when each document was first printed or saved, so a reprint says "COPY" and when.

The audit log says the same things (it is the legal record), but it is a chain for checking, not
an index for asking "was this letter printed before?"; this table answers that in one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from cars_desktop.storage.tables import to_db_time

_INSERT = (
    "INSERT INTO document_prints (person_id, kind, source_id, recipient, destination, sha256, pages,"
    " copy_of, printed_at, printed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_FIRST = (
    "SELECT printed_at FROM document_prints WHERE person_id = ? AND kind = ? AND source_id = ?"
    " ORDER BY printed_at, seq LIMIT 1"
)
_FOR_PERSON = (
    "SELECT person_id, kind, source_id, recipient, destination, sha256, pages, copy_of, printed_at,"
    " printed_by FROM document_prints WHERE person_id = ? ORDER BY printed_at, seq"
)


@dataclass(frozen=True)
class DocumentPrint:
    """One print or save of one document."""

    person_id: str
    kind: str
    source_id: str
    recipient: str
    destination: str
    sha256: str
    pages: int
    copy_of: datetime | None
    printed_at: datetime
    printed_by: str


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class PrintHistoryRepository:
    """Prints and saves over one session (a unit of work's), in its transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, item: DocumentPrint) -> None:
        """Keep one print or save; committed with the audit entry that logs it."""
        self.session.connection().exec_driver_sql(
            _INSERT,
            (
                item.person_id,
                item.kind,
                item.source_id,
                item.recipient,
                item.destination,
                item.sha256,
                item.pages,
                to_db_time(item.copy_of) if item.copy_of else None,
                to_db_time(item.printed_at),
                item.printed_by,
            ),
        )

    def first_printed(self, person_id: str, kind: str, source_id: str) -> datetime | None:
        """When this document was first printed or saved, or None if never."""
        row = self.session.connection().exec_driver_sql(_FIRST, (person_id, kind, source_id)).first()
        return _time(row.printed_at) if row else None

    def for_person(self, person_id: str) -> list[DocumentPrint]:
        """Every print and save of documents about a person, oldest first."""
        rows = self.session.connection().exec_driver_sql(_FOR_PERSON, (person_id,)).all()
        return [
            DocumentPrint(
                row.person_id,
                row.kind,
                row.source_id,
                row.recipient,
                row.destination,
                row.sha256,
                row.pages,
                _time(row.copy_of),
                datetime.fromisoformat(row.printed_at),
                row.printed_by,
            )
            for row in rows
        ]
