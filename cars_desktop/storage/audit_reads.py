"""Reading the audit log a page at a time: the only SQL the audit log viewer needs.

Keyset paging on `seq` (the log's primary key), newest first; every filter is a bound parameter.
Times are compared as stored text: every entry is written with the same UTC offset, so ISO text
sorts as time does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from cars_desktop.storage.tables import AuditRow


@dataclass(frozen=True)
class AuditQuery:
    """What to match: each field None means any; `at_from`/`at_before` are stored-time text bounds."""

    at_from: str | None = None
    at_before: str | None = None
    username: str | None = None
    operation: str | None = None
    record_type: str | None = None
    record_id: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.at_from:
            conditions.append(AuditRow.at >= self.at_from)
        if self.at_before:
            conditions.append(AuditRow.at < self.at_before)
        for column, wanted in (
            (AuditRow.username, self.username),
            (AuditRow.operation, self.operation),
            (AuditRow.record_type, self.record_type),
            (AuditRow.record_id, self.record_id),
        ):
            if wanted:
                conditions.append(column == wanted)
        return conditions


@dataclass(frozen=True)
class AuditRows:
    """Up to `limit` matching entries older than the cursor, how many match in all, the newest seq."""

    rows: Sequence[Any]  # Row objects with the columns below, by name
    total: int
    newest: int


_COLUMNS = (
    AuditRow.seq,
    AuditRow.at,
    AuditRow.username,
    AuditRow.roles,
    AuditRow.workstation_id,
    AuditRow.operation,
    AuditRow.record_type,
    AuditRow.record_id,
    AuditRow.justification,
    AuditRow.recipient,
    AuditRow.legal_basis,
    AuditRow.details,
)


def read_audit_rows(session: Session, query: AuditQuery, before_seq: int | None, limit: int) -> AuditRows:
    """One page of the log, newest first (the caller asks one more than it shows to know if older exist)."""
    conditions = query.conditions()
    page = select(*_COLUMNS).where(*conditions)
    if before_seq is not None:
        page = page.where(AuditRow.seq < before_seq)
    rows = session.execute(page.order_by(AuditRow.seq.desc()).limit(limit)).all()
    total = int(session.scalar(select(func.count()).select_from(AuditRow).where(*conditions)) or 0)
    newest = int(session.scalar(select(func.max(AuditRow.seq))) or 0)
    return AuditRows(rows, total, newest)
