"""Verifying the audit log and the unlock journal."""

from __future__ import annotations

from cars_desktop.domain.access import Permission, require
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.audit import verify_chain


def verify_audit_log(session: WorkstationSession) -> int:
    """Walk the whole chain; return the number of entries, or raise IntegrityFailure naming the first bad one.

    The check itself is logged (access to the log is logged) after the walk, so the count
    reported is of the log as it was found.
    """
    require(session.actor, Permission.VERIFY_AUDIT, "verify the audit log")
    with session.store.read_session() as read:
        count = verify_chain(read, session.vault.device_public_key())
    session.journal.entries()  # raises IntegrityFailure if the unlock journal was altered
    with session.unit_of_work() as uow:
        uow.audit(AuditEvent(AuditOperation.CONSULTATION, "audit_log", details={"verified": count}))
        uow.commit()
    return count
