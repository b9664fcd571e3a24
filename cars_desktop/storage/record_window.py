"""Reading the records of one type changed within a time window, through the (type, updated) index.

The day review and the appointment lists ask "what of this type changed since then?" many times a
shift; reading every record of the type and filtering in Python would cost a full scan of a year's
casework. The `ix_records_type_updated` index answers it directly.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cars_desktop.storage.tables import RecordRow
from cars_protocol.records import RecordBase, record_from_json


def records_updated_between(
    session: Session, record_type: str, since: datetime, until: datetime | None = None
) -> list[RecordBase]:
    """Current revisions of `record_type` last saved at or after `since` (and before `until`).

    A record's `updated_at` is never before its `created_at` or its completion time, so every
    record created or completed in the window is among these (callers filter on their own date).
    """
    query = select(RecordRow.record_type, RecordRow.body).where(
        RecordRow.record_type == record_type, RecordRow.updated_at >= since
    )
    if until is not None:
        query = query.where(RecordRow.updated_at < until)
    return [record_from_json(kind, body) for kind, body in session.execute(query)]
