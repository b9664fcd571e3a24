"""Reading stored reference data: the feed workstations pull, and the version in effect on a day."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, select

from cars_protocol.sync import ReferenceItem, ReferenceResponse
from cars_server.storage.tables import ReferenceDataRow

#: Most versions one `GET /v1/reference` returns; the client asks again from the cursor.
MAX_REFERENCE_ITEMS = 200


def reference_since(engine: Engine, since: int, limit: int = MAX_REFERENCE_ITEMS) -> ReferenceResponse:
    """Versions imported after `since` (a previous `cursor`), oldest first, at most `limit`.

    Workstations keep every version and use each from its `effective_from`, so versions with a
    future date are sent too.
    """
    with engine.connect() as connection:
        rows = connection.execute(
            select(ReferenceDataRow.__table__)
            .where(ReferenceDataRow.id > since)
            .order_by(ReferenceDataRow.id)
            .limit(min(limit, MAX_REFERENCE_ITEMS))
        ).all()
    items = [
        ReferenceItem(
            seq=row.id,
            kind=row.kind,
            version=row.version,
            effective_from=row.effective_from,
            body=json.loads(row.body),
        )
        for row in rows
    ]
    return ReferenceResponse(items=items, cursor=items[-1].seq if items else since)


def body_in_effect(connection: Connection, kind: str, on: date) -> dict[str, Any] | None:
    """The newest version of `kind` in effect on `on` (by `effective_from`), or None."""
    body = connection.execute(
        select(ReferenceDataRow.body)
        .where(ReferenceDataRow.kind == kind, ReferenceDataRow.effective_from <= on)
        .order_by(ReferenceDataRow.effective_from.desc(), ReferenceDataRow.version.desc())
        .limit(1)
    ).scalar_one_or_none()
    if body is None:
        return None
    parsed: dict[str, Any] = json.loads(body)
    return parsed
