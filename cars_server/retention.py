"""Retention on the server: purge what has served its purpose, report (never purge) case records.

Policy applied by `cars-server admin retention --older-than-days N [--dry-run]`:

* **Sessions** that have expired are deleted (they can never be used again).
* **Enrolment codes** that expired or were used more than N days ago are deleted (their hashes
  prove nothing after that; the enrolment itself is in the s.62 log and `workstations`).
* **The server's s.62 log** (`server_audit`): entries older than N days are deleted. Choose N from
  the organisation's retention schedule for access logs; the command refuses fewer than
  `MINIMUM_DAYS`, so a slip of the keyboard cannot wipe the recent log.
* **Case records are only reported.** The server's records are the legal record of the service
  (workstations purge their local copies because the server keeps them); deleting them follows
  the organisation's records schedule through a reviewed process, not this command. The report
  counts records last changed before the cut-off, and how many of those are deleted or merged.
* Workstation audit logs and chain alerts are kept: they are the evidence of the records' history.

A run that purges anything writes its counts to the s.62 log in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, Engine, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from cars_server.audit_log import write_audit
from cars_server.errors import AdminError
from cars_server.storage.tables import Base, EnrolmentCodeRow, RecordRow, ServerAuditRow, SessionRow

MINIMUM_DAYS = 30
RETENTION_OPERATION = "retention_applied"


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """What a run purged (or, in a dry run, would purge) and what it only reports."""

    cutoff: datetime
    sessions: int
    enrolment_codes: int
    server_audit: int
    records_past_cutoff: int
    deleted_records_past_cutoff: int
    dry_run: bool


def apply_retention(
    engine: Engine, older_than_days: int, actor: str, now: datetime, dry_run: bool = False
) -> RetentionReport:
    """Apply the policy above with a cut-off `older_than_days` before `now`."""
    if older_than_days < MINIMUM_DAYS:
        raise AdminError(f"--older-than-days must be at least {MINIMUM_DAYS}, not {older_than_days}")
    cutoff = now - timedelta(days=older_than_days)
    sessions = SessionRow.expires_at < now
    codes = or_(EnrolmentCodeRow.expires_at < cutoff, EnrolmentCodeRow.used_at < cutoff)
    audit = ServerAuditRow.at < cutoff
    with Session(engine) as session, session.begin():
        connection = session.connection()
        report = RetentionReport(
            cutoff=cutoff,
            sessions=_count(connection, SessionRow, sessions),
            enrolment_codes=_count(connection, EnrolmentCodeRow, codes),
            server_audit=_count(connection, ServerAuditRow, audit),
            records_past_cutoff=_count(connection, RecordRow, RecordRow.updated_at < cutoff),
            deleted_records_past_cutoff=_count(
                connection, RecordRow, and_(RecordRow.updated_at < cutoff, RecordRow.live.is_(False))
            ),
            dry_run=dry_run,
        )
        if dry_run:
            return report
        connection.execute(delete(SessionRow).where(sessions))
        connection.execute(delete(EnrolmentCodeRow).where(codes))
        connection.execute(delete(ServerAuditRow).where(audit))
        write_audit(
            session,
            actor=actor,
            operation=RETENTION_OPERATION,
            detail={
                "older_than_days": older_than_days,
                "sessions": report.sessions,
                "enrolment_codes": report.enrolment_codes,
                "server_audit": report.server_audit,
            },
            at=now,
        )
    return report


def _count(connection: Connection, table: type[Base], condition: ColumnElement[bool]) -> int:
    query = select(func.count()).select_from(table).where(condition)
    return int(connection.execute(query).scalar_one())
