"""Reference data versions received from the central server, as the JSON they arrived in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cars_desktop.storage.tables import ReferenceDataRow


@dataclass(frozen=True)
class StoredReference:
    """One received version of one kind."""

    kind: str
    version: int
    effective_from: date
    seq: int
    body: str


def _stored(row: ReferenceDataRow) -> StoredReference:
    return StoredReference(row.kind, row.version, row.effective_from, row.seq, row.body)


class ReferenceRepository:
    """Received reference versions over one session (a unit of work's)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, item: StoredReference, at: datetime) -> bool:
        """Keep a version; False (and nothing changed) if this kind's version is already held.

        A version never changes once imported centrally, so a repeat is the same data again.
        """
        if self.session.get(ReferenceDataRow, (item.kind, item.version)) is not None:
            return False
        self.session.add(
            ReferenceDataRow(
                kind=item.kind,
                version=item.version,
                effective_from=item.effective_from,
                seq=item.seq,
                body=item.body,
                received_at=at,
            )
        )
        self.session.flush()
        return True

    def in_effect(self, kind: str, on: date) -> StoredReference | None:
        """The newest version of `kind` in effect on `on` (latest effective date, then version)."""
        row = self.session.scalars(
            select(ReferenceDataRow)
            .where(ReferenceDataRow.kind == kind, ReferenceDataRow.effective_from <= on)
            .order_by(ReferenceDataRow.effective_from.desc(), ReferenceDataRow.version.desc())
            .limit(1)
        ).first()
        return _stored(row) if row is not None else None

    def all(self) -> list[StoredReference]:
        """Every version held, by kind then version."""
        rows = self.session.scalars(
            select(ReferenceDataRow).order_by(ReferenceDataRow.kind, ReferenceDataRow.version)
        )
        return [_stored(r) for r in rows]
