"""Subject access: everything the server holds about one person, written to one JSON file.

`cars-server admin sar --person ID --out FILE` collects every record whose id or `person_id` is
ID (the person, their episodes, tests, assessments, referrals, appointments, ...), every revision
of those records, conflicts and merged changes about them, the workstations' s.62 entries that
name them and the server's own s.62 entries that mention them.

The file holds personal data, so it is created new (never overwriting a file, mode 0600), and the
disclosure itself is written to the server's s.62 log (ids and counts only). If the log entry
cannot be committed, the file is removed again: no disclosure without its record.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, false, or_, select
from sqlalchemy.orm import Session

from cars_server.audit_log import write_audit
from cars_server.errors import AdminError
from cars_server.storage.tables import (
    AppliedChangeRow,
    ConflictRow,
    RecordRevisionRow,
    RecordRow,
    ServerAuditRow,
    WorkstationAuditRow,
)
from cars_server.sync.clock import as_utc

SUBJECT_ACCESS_OPERATION = "subject_access"


@dataclass(frozen=True, slots=True)
class SubjectAccessSummary:
    """What was written: counts only, for the command to print."""

    records: int
    revisions: int
    audit_entries: int


def export_subject_access(
    engine: Engine, person_id: str, out: Path, actor: str, now: datetime
) -> SubjectAccessSummary:
    """Write everything held about `person_id` to `out` (a new file) and log the disclosure."""
    try:
        subject = str(uuid.UUID(person_id.strip()))
    except ValueError:
        raise AdminError(f"not a person id: {person_id!r} (expected the person's UUID)") from None
    with Session(engine) as session, session.begin():
        document = _collect(session.connection(), subject, now)
        if not document["records"]:
            raise AdminError(f"the server holds no records about person {subject}; nothing was written")
        _write_new(out, document)
        try:
            write_audit(
                session,
                actor=actor,
                operation=SUBJECT_ACCESS_OPERATION,
                detail={
                    "person_id": subject,
                    "record_ids": sorted(item["id"] for item in document["records"]),
                },
                at=now,
            )
            session.flush()
        except Exception:
            out.unlink(missing_ok=True)
            raise
    return SubjectAccessSummary(
        records=len(document["records"]),
        revisions=len(document["revisions"]),
        audit_entries=len(document["workstation_audit"]) + len(document["server_audit"]),
    )


def _collect(connection: Connection, subject: str, now: datetime) -> dict[str, Any]:
    records = connection.execute(
        select(RecordRow.__table__)
        .where(or_(RecordRow.id == subject, RecordRow.person_id == subject))
        .order_by(RecordRow.record_type, RecordRow.id)
    ).all()
    ids = [row.id for row in records]
    revisions = connection.execute(
        select(RecordRevisionRow.__table__)
        .where(RecordRevisionRow.record_id.in_(ids))
        .order_by(RecordRevisionRow.record_id, RecordRevisionRow.revision)
    ).all()
    conflicts = connection.execute(
        select(ConflictRow.__table__).where(ConflictRow.record_id.in_(ids)).order_by(ConflictRow.raised_at)
    ).all()
    merged = connection.execute(
        select(AppliedChangeRow.__table__)
        .where(AppliedChangeRow.record_id.in_(ids), AppliedChangeRow.body.is_not(None))
        .order_by(AppliedChangeRow.received_at)
    ).all()
    entries = connection.execute(
        select(WorkstationAuditRow.__table__)
        .where(WorkstationAuditRow.record_id.in_(ids))
        .order_by(WorkstationAuditRow.workstation_id, WorkstationAuditRow.seq)
    ).all()
    server_entries = connection.execute(
        select(ServerAuditRow.__table__)
        .where(or_(false(), *(ServerAuditRow.detail.contains(record_id) for record_id in ids)))
        .order_by(ServerAuditRow.seq)
    ).all()
    return {
        "person_id": subject,
        "exported_at": as_utc(now).isoformat(),
        "records": [
            {
                "id": row.id,
                "record_type": row.record_type,
                "site_code": row.site_code,
                "revision": row.revision,
                "live": bool(row.live),
                "conflicted": bool(row.conflicted),
                "received_at": as_utc(row.received_at).isoformat(),
                "record": json.loads(row.body),
            }
            for row in records
        ],
        "revisions": [
            {
                "record_id": row.record_id,
                "revision": row.revision,
                "saved_by": row.saved_by,
                "workstation_id": row.workstation_id,
                "received_at": as_utc(row.received_at).isoformat(),
                "record": json.loads(row.body),
            }
            for row in revisions
        ],
        "conflicts": [
            {
                "record_id": row.record_id,
                "raised_at": as_utc(row.raised_at).isoformat(),
                "resolved_at": None if row.resolved_at is None else as_utc(row.resolved_at).isoformat(),
                "incoming_saved_by": row.incoming_saved_by,
                "incoming_record": json.loads(row.incoming_body),
            }
            for row in conflicts
        ],
        "merged_changes": [
            {
                "record_id": row.record_id,
                "change_id": row.change_id,
                "received_at": as_utc(row.received_at).isoformat(),
                "record": json.loads(row.body),
            }
            for row in merged
        ],
        "workstation_audit": [
            {"workstation_id": row.workstation_id, "entry": json.loads(row.entry), "problem": row.problem}
            for row in entries
        ],
        "server_audit": [
            {
                "at": as_utc(row.at).isoformat(),
                "actor": row.actor,
                "operation": row.operation,
                "detail": json.loads(row.detail),
            }
            for row in server_entries
        ],
    }


def _write_new(out: Path, document: dict[str, Any]) -> None:
    """Create `out` (mode 0600) and write `document`; an existing file is never overwritten."""
    try:
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise AdminError(
            f"{out} already exists; choose a new file (a disclosure is never overwritten)"
        ) from None
    except OSError as exc:
        raise AdminError(f"cannot create {out}: {exc.strerror}") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        out.unlink(missing_ok=True)
        raise AdminError(f"cannot write {out}: {exc.strerror}") from None
