"""Export of every record a user may see, as JSON Lines (supervision and subject access requests)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from cars_desktop.domain.access import Permission, may_view, require
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.errors import InvalidInput
from cars_desktop.services.workstation import WorkstationSession
from cars_protocol.records import record_fields


def export_records(session: WorkstationSession, out: Path, justification: str | None = None) -> int:
    """Write one JSON object per visible record; logged as a disclosure to that file.

    The file is written beside its destination and renamed into place, so a failure leaves no
    half-written export, and it is readable by its owner only.
    """
    require(session.actor, Permission.EXPORT_RECORDS, "export records")
    if out.exists():
        raise InvalidInput(f"{out} already exists; choose a new file name so nothing is overwritten")
    if not out.parent.is_dir():
        raise InvalidInput(f"the folder {out.parent} does not exist")
    partial = out.with_name(out.name + ".partial")
    count = 0
    with session.unit_of_work() as uow:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                for record in uow.records.iter_all():
                    if not may_view(session.actor, record):
                        continue
                    line = {
                        "type": record.record_type,
                        "id": str(record.id),
                        "revision": record.revision,
                        "fields": record_fields(record),
                    }
                    handle.write(json.dumps(line, ensure_ascii=False) + "\n")
                    count += 1
                handle.flush()
                os.fsync(handle.fileno())
            uow.audit(
                AuditEvent(
                    AuditOperation.DISCLOSURE,
                    recipient=f"export file {out.name}",
                    justification=justification,
                    details={"records": count, "path": str(out)},
                )
            )
            os.replace(partial, out)
            uow.commit()
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return count
