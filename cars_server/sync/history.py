"""Writes shared by ingest and conflict resolution: a record's history rows and its person link."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from cars_protocol.records import Person
from cars_server.storage.tables import RecordRevisionRow


def person_id_of(record_type: str, body: dict[str, Any]) -> str | None:
    """The person a record is about (a person record is about itself), for subject access."""
    if record_type == Person.record_type:
        return str(body["id"])
    value = body.get("person_id")
    return None if value is None else str(value)


def insert_revision(
    connection: Connection,
    *,
    record_id: str,
    revision: int,
    change_id: str,
    workstation_id: str | None,
    saved_by: str,
    body_json: str,
    received_at: datetime,
    merged_from: list[str] | None = None,
) -> None:
    """Add one accepted revision to a record's line of history."""
    connection.execute(
        insert(RecordRevisionRow).values(
            record_id=record_id,
            revision=revision,
            change_id=change_id,
            workstation_id=workstation_id,
            saved_by=saved_by,
            received_at=received_at,
            body=body_json,
            merged_from=None if merged_from is None else json.dumps(merged_from),
        )
    )
