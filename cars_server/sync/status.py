"""Sync health of each workstation, for supervisors: last contact, queue and audit head."""

from __future__ import annotations

import uuid

from sqlalchemy import Engine, select

from cars_protocol.sync import WorkstationStatus
from cars_server.storage.tables import WorkstationRow
from cars_server.sync.clock import as_utc, maybe_utc


def workstation_statuses(engine: Engine, site_codes: frozenset[str] | None) -> list[WorkstationStatus]:
    """Every workstation of these sites (None = all), by site then label, revoked ones included.

    `pending_count` and `oldest_pending_at` are what the workstation reported at its last push: the
    changes it still had queued when it sent that request.
    """
    query = select(WorkstationRow).order_by(WorkstationRow.site_code, WorkstationRow.label, WorkstationRow.id)
    if site_codes is not None:
        query = query.where(WorkstationRow.site_code.in_(sorted(site_codes)))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        WorkstationStatus(
            workstation_id=uuid.UUID(row.id),
            label=row.label,
            site_code=row.site_code,
            enrolled_at=as_utc(row.enrolled_at),
            revoked=row.revoked_at is not None,
            last_contact_at=maybe_utc(row.last_contact_at),
            pending_count=row.pending_count,
            oldest_pending_at=maybe_utc(row.oldest_pending_at),
            audit_head_seq=row.audit_head_seq,
            audit_head_digest=row.audit_head_digest,
        )
        for row in rows
    ]
