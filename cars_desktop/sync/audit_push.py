"""Sending the workstation's signed audit log to the central server, after the last entry it holds.

Guarantees:

* Entries go in order, in batches bounded by count and bytes, exactly as chained and signed here
  (signature in base64); the server checks the chain with the public key it learnt at enrolment.
* How far the server holds the log (`accepted_through`) is stored after each batch, so an
  interrupted push resumes there; a batch sent again is acknowledged again, never stored twice.
* An `alert` from the server (a break it found in the chain: an entry edited, removed or rewritten
  here) is kept in the sync facts with the time it was reported, and returned for the sync report;
  it is never cleared by later good pushes, because the break stays in the evidence.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from cars_desktop.storage.audit_outbox import entries_after
from cars_desktop.storage.unit_of_work import UnitOfWork
from cars_desktop.sync.client import SyncClient
from cars_desktop.sync.errors import ServerUnreachable, SyncError
from cars_protocol.sync import MAX_PUSH_CHANGES, AuditEntry, AuditPushRequest

FACT_AUDIT_THROUGH = "audit_accepted_through"
FACT_AUDIT_ALERT = "audit_alert"
FACT_AUDIT_ALERT_AT = "audit_alert_at"
#: About this many bytes of audit entries per request (well under the server's body limit).
AUDIT_BATCH_BYTES = 1024 * 1024


@dataclass(frozen=True)
class AuditPushResult:
    """What one audit push did."""

    sent: int  # entries sent in this push (a resend after a lost reply counts again)
    accepted_through: int  # the newest entry sent that the server holds
    alert: str | None  # the break the server reported in this push, if any


def _wire(entry: dict[str, Any]) -> AuditEntry:
    try:
        return AuditEntry.model_validate(
            {**entry, "signature": base64.b64encode(bytes(entry["signature"])).decode("ascii")}
        )
    except ValidationError:
        raise SyncError(
            f"audit log entry {entry['seq']} cannot be sent to the central server (a field is too "
            "long for the protocol); ask IT staff"
        ) from None


def push_audit(
    uow_factory: Callable[[], UnitOfWork],
    client: SyncClient,
    now: Callable[[], datetime],
    batch_size: int = MAX_PUSH_CHANGES,
    batch_bytes: int = AUDIT_BATCH_BYTES,
) -> AuditPushResult:
    """Send every entry after the last one the server accepted; record how far it holds the log."""
    size = max(1, min(batch_size, MAX_PUSH_CHANGES))
    with uow_factory() as uow:
        through = int(uow.sync.fact(FACT_AUDIT_THROUGH) or 0)
    sent = 0
    alert: str | None = None
    while True:
        with uow_factory() as uow:
            entries = entries_after(uow.session, through, size, batch_bytes)
        if not entries:
            return AuditPushResult(sent, through, alert)
        response = client.push_audit(AuditPushRequest(entries=[_wire(e) for e in entries]))
        sent += len(entries)
        # Resume after what was sent, never beyond: a store enrolled after years of standalone
        # use has a server head (reported at enrolment) ahead of the history it has yet to send.
        reached = min(response.accepted_through, int(entries[-1]["seq"]))
        with uow_factory() as uow:
            uow.sync.set_fact(FACT_AUDIT_THROUGH, str(reached))
            if response.alert:
                uow.sync.set_fact(FACT_AUDIT_ALERT, response.alert)
                uow.sync.set_fact(FACT_AUDIT_ALERT_AT, now().isoformat())
            uow.commit()
        alert = response.alert or alert
        if reached <= through:
            # The server kept nothing new: stop rather than send the same entries forever.
            raise ServerUnreachable(
                "the central server did not accept the audit log entries sent; they will be sent again"
            )
        through = reached
