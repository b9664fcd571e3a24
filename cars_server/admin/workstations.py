"""Listing and revoking enrolled workstations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from cars_server.audit_log import write_audit
from cars_server.clock import as_utc
from cars_server.errors import AdminError
from cars_server.storage.tables import SessionRow, WorkstationRow


@dataclass(frozen=True, slots=True)
class WorkstationSummary:
    """One line of `admin workstation list`."""

    workstation_id: str
    label: str
    site_code: str
    enrolled_at: datetime
    last_contact_at: datetime | None
    client_version: str | None
    revoked: bool


def list_workstations(engine: Engine) -> list[WorkstationSummary]:
    """Every workstation ever enrolled, by site then label."""
    with Session(engine) as session:
        rows = session.scalars(
            select(WorkstationRow).order_by(WorkstationRow.site_code, WorkstationRow.label)
        ).all()
        return [
            WorkstationSummary(
                workstation_id=row.id,
                label=row.label,
                site_code=row.site_code,
                enrolled_at=as_utc(row.enrolled_at),
                last_contact_at=as_utc(row.last_contact_at) if row.last_contact_at else None,
                client_version=row.client_version,
                revoked=row.revoked_at is not None,
            )
            for row in rows
        ]


def revoke_workstation(engine: Engine, workstation_id: str, actor: str, now: datetime) -> None:
    """Withdraw a workstation: its next request is refused and it destroys its local key slots."""
    with Session(engine) as session, session.begin():
        row = session.get(WorkstationRow, workstation_id.strip().lower())
        if row is None:
            raise AdminError(f"no such workstation: {workstation_id}")
        if row.revoked_at is not None:
            raise AdminError(f"workstation {row.id} is already revoked")
        row.revoked_at = now
        session.execute(delete(SessionRow).where(SessionRow.workstation_id == row.id))
        write_audit(
            session,
            actor=actor,
            operation="workstation_revoked",
            detail={"site": row.site_code},
            workstation_id=row.id,
            at=now,
        )
