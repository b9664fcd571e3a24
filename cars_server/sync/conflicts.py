"""Open conflicts for supervisors, and their resolution into the record's next revision.

A conflict keeps both sides: the server's current revision stays in `records`, the change that
could not be applied stays in `conflicts.incoming_body`. A supervisor's resolution is a whole new
record body; it becomes the next revision, closes the conflict and is stamped into the feed so
every workstation gets it (and learns the record is no longer conflicted).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, func, insert, select, update

from cars_protocol.records import Role
from cars_protocol.sync import (
    ConflictInfo,
    ConflictResolution,
    ConflictRevision,
    ErrorCode,
    Problem,
    Receipt,
    ReceiptStatus,
)
from cars_server.storage.report_index import replace_report_months
from cars_server.storage.tables import AppliedChangeRow, ConflictRow, RecordRevisionRow, RecordRow
from cars_server.sync.caller import Caller
from cars_server.sync.clock import as_utc
from cars_server.sync.errors import ChangesRefused
from cars_server.sync.feed import stamp_feed
from cars_server.sync.history import insert_revision, person_id_of
from cars_server.sync.merge import changed_fields
from cars_server.sync.validation import dump_body, validate_record, validation_problems


def list_conflicts(engine: Engine, site_codes: frozenset[str] | None) -> list[ConflictInfo]:
    """Every open conflict (of these sites; None = all), oldest first, with both sides in full."""
    query = (
        select(
            ConflictRow,
            RecordRow.revision.label("current_revision_now"),
            RecordRow.body.label("current_body"),
            RecordRevisionRow.workstation_id.label("current_workstation_id"),
            RecordRevisionRow.saved_by.label("current_saved_by"),
        )
        .join(RecordRow, RecordRow.id == ConflictRow.record_id)
        .outerjoin(RecordRevisionRow, RecordRevisionRow.change_id == RecordRow.change_id)
        .where(ConflictRow.resolved_at.is_(None))
        .order_by(ConflictRow.raised_at, ConflictRow.id)
    )
    if site_codes is not None:
        query = query.where(ConflictRow.site_code.in_(sorted(site_codes)))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [_conflict_info(row) for row in rows]


def _conflict_info(row: Any) -> ConflictInfo:
    current: dict[str, Any] = json.loads(row.current_body)
    incoming: dict[str, Any] = json.loads(row.incoming_body)
    return ConflictInfo(
        conflict_id=uuid.UUID(row.id),
        record_id=uuid.UUID(row.record_id),
        record_type=row.record_type,
        current=ConflictRevision(
            revision=row.current_revision_now,
            workstation_id=None
            if row.current_workstation_id is None
            else uuid.UUID(row.current_workstation_id),
            saved_by=row.current_saved_by or str(current["author"]),
            saved_at=datetime.fromisoformat(str(current["updated_at"])),
            record=current,
        ),
        incoming=ConflictRevision(
            revision=row.incoming_revision,
            workstation_id=None
            if row.incoming_workstation_id is None
            else uuid.UUID(row.incoming_workstation_id),
            saved_by=row.incoming_saved_by,
            saved_at=datetime.fromisoformat(str(incoming["updated_at"])),
            record=incoming,
        ),
        base_revision=row.base_revision,
        fields=sorted(changed_fields(current, incoming)),
        raised_at=as_utc(row.raised_at),
    )


def resolve_conflict(
    engine: Engine,
    caller: Caller,
    conflict_id: uuid.UUID,
    resolution: ConflictResolution,
    now: datetime,
) -> Receipt:
    """Make a supervisor's resolution the record's next revision and close the conflict.

    Refuses (ChangesRefused, nothing stored): NOT_PERMITTED unless the caller is a supervisor;
    NOT_FOUND for an unknown conflict; INVALID_REQUEST for one already resolved or a resolution
    that is not a valid record of the conflict's id and type; WRONG_SITE if it moves the record
    to another site. The server sets the revision (current + 1), `updated_at` and `author`.
    """
    if Role.SUPERVISOR.value not in caller.roles:
        raise ChangesRefused(ErrorCode.NOT_PERMITTED, "Only a supervisor can resolve a conflict.", [])
    now = as_utc(now)
    with engine.begin() as connection:
        conflict = connection.execute(
            select(ConflictRow).where(ConflictRow.id == str(conflict_id)).with_for_update()
        ).one_or_none()
        if conflict is None:
            raise ChangesRefused(ErrorCode.NOT_FOUND, f"There is no conflict {conflict_id}.", [])
        if conflict.resolved_at is not None:
            raise ChangesRefused(
                ErrorCode.INVALID_REQUEST, f"Conflict {conflict_id} has already been resolved.", []
            )
        current = connection.execute(
            select(RecordRow.revision, RecordRow.change_id, RecordRow.site_code)
            .where(RecordRow.id == conflict.record_id)
            .with_for_update()
        ).one()
        body = _resolved_body(
            conflict.record_type, conflict.record_id, current.site_code, resolution, caller, now
        )
        body["revision"] = current.revision + 1
        change_id = str(uuid.uuid4())
        body_json = dump_body(body)
        connection.execute(
            update(RecordRow)
            .where(RecordRow.id == conflict.record_id)
            .values(
                revision=body["revision"],
                change_id=change_id,
                body=body_json,
                person_id=person_id_of(conflict.record_type, body),
                live=body.get("tombstone") is None,
                updated_at=now,
                received_at=now,
                feed_seq=None,
            )
        )
        replace_report_months(connection, [(conflict.record_id, conflict.record_type, body_json)])
        insert_revision(
            connection,
            record_id=conflict.record_id,
            revision=body["revision"],
            change_id=change_id,
            workstation_id=caller.workstation_id,
            saved_by=caller.username,
            body_json=body_json,
            received_at=now,
            merged_from=[current.change_id, conflict.incoming_change_id],
        )
        connection.execute(
            update(ConflictRow)
            .where(ConflictRow.id == conflict.id)
            .values(
                resolved_at=now,
                resolved_by=caller.username,
                resolution_reason=resolution.reason,
                resolved_change_id=change_id,
            )
        )
        connection.execute(
            update(RecordRow)
            .where(RecordRow.id == conflict.record_id)
            .values(conflicted=_still_open(connection, conflict.record_id))
        )
        connection.execute(
            insert(AppliedChangeRow).values(
                change_id=change_id,
                record_id=conflict.record_id,
                workstation_id=caller.workstation_id,
                status=ReceiptStatus.APPLIED.value,
                server_revision=body["revision"],
                server_change_id=change_id,
                received_at=now,
                body=None,
            )
        )
        stamp_feed(connection, [conflict.record_id])
    return Receipt(
        change_id=uuid.UUID(change_id),
        record_id=uuid.UUID(conflict.record_id),
        status=ReceiptStatus.APPLIED,
        server_revision=body["revision"],
        server_change_id=uuid.UUID(change_id),
    )


def _resolved_body(
    record_type: str,
    record_id: str,
    site_code: str,
    resolution: ConflictResolution,
    caller: Caller,
    now: datetime,
) -> dict[str, Any]:
    """Validate the supervisor's record and stamp the server's bookkeeping on it."""
    try:
        record = validate_record(record_type, resolution.record)
    except ValidationError as exc:
        raise ChangesRefused(
            ErrorCode.INVALID_REQUEST,
            f"The resolution is not a valid {record_type} record.",
            validation_problems(exc, "record"),
        ) from exc
    if str(record.id) != record_id:
        raise ChangesRefused(
            ErrorCode.INVALID_REQUEST,
            "The resolution is for another record.",
            [Problem(location="record.id", message="must be the conflicted record's id")],
        )
    if record.site_code != site_code:
        raise ChangesRefused(
            ErrorCode.WRONG_SITE,
            "The resolution would move the record to another site.",
            [Problem(location="record.site_code", message="a record's site cannot change")],
        )
    stamped = record.model_copy(update={"updated_at": max(now, record.created_at), "author": caller.username})
    try:
        # model_copy skips validation; revalidate so the server's bookkeeping obeys the rules too.
        checked = type(record).model_validate(stamped.model_dump())
    except ValidationError as exc:
        raise ChangesRefused(
            ErrorCode.INVALID_REQUEST,
            "The resolution cannot be stored as the next revision.",
            validation_problems(exc, "record"),
        ) from exc
    return checked.model_dump(mode="json")


def _still_open(connection: Connection, record_id: str) -> bool:
    """Whether the record has any conflict left unresolved."""
    count = connection.execute(
        select(func.count())
        .select_from(ConflictRow)
        .where(ConflictRow.record_id == record_id, ConflictRow.resolved_at.is_(None))
    ).scalar_one()
    return int(count) > 0
