"""One sync cycle: push the outbox and the audit log in batches, then pull the change feed page by
page and the reference data.

Guarantees:

* A change is marked receipted only from the server's receipt for its change id. A crash (or a
  lost reply) between sending and recording the receipt just sends it again next time, and the
  server answers the repeat as a duplicate: never lost, never applied twice.
* Changes go in queue order, in batches bounded by count and by bytes.
* Each pulled page is applied and its cursor stored in the same transaction, so an interrupted
  pull resumes where it stopped and never skips a page.
* A pulled revision never overwrites a local record with unsent changes (`apply_remote`).
* One audit entry per cycle, with counts only: a download is not a user consulting records.
* The audit log follows the records (`audit_push`), and reference data follows the feed
  (`reference`); received list versions are installed for the program when any arrive.
* People who arrive in the pull without their older records (active again after the cursor passed
  them) are noted with each page and their records fetched after the feed (`backfill`).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError

from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.storage.sync_repository import ApplyOutcome, OutboxEntry, ReceiptFacts, SyncState
from cars_desktop.storage.unit_of_work import UnitOfWork
from cars_desktop.sync.audit_push import FACT_AUDIT_ALERT, push_audit
from cars_desktop.sync.backfill import backfill, forget_held, note_page
from cars_desktop.sync.client import SyncClient
from cars_desktop.sync.errors import ServerUnreachable, SyncError
from cars_desktop.sync.reference import install_received_reference, pull_reference
from cars_protocol.records import RECORD_TYPES, utc_now
from cars_protocol.sync import (
    MAX_PULL_LIMIT,
    MAX_PUSH_CHANGES,
    Change,
    FeedItem,
    PushRequest,
    ReceiptStatus,
)

log = logging.getLogger(__name__)

#: Receipted outbox rows are kept this long for diagnosis, then deleted (history keeps the bodies).
OUTBOX_KEEP_DAYS = 7

FACT_CURSOR = "cursor"
FACT_LAST_GOOD = "last_good_at"
FACT_LAST_CONTACT = "last_contact_at"
FACT_LAST_ERROR = "last_error"
FACT_SERVER_MINIMUM = "server_minimum_client_version"

UowFactory = Callable[[], UnitOfWork]
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class SyncReport:
    """What one cycle did, in counts (never record contents)."""

    pushed: int = 0  # changes the server applied
    duplicates: int = 0  # changes the server already had (a retry after a lost receipt)
    conflicts: int = 0  # changes kept beside another workstation's revision
    merged: int = 0  # changes merged automatically with another revision
    pulled: int = 0  # server revisions stored here
    skipped_unsent: int = 0  # server revisions not applied because the local record has unsent changes
    rejected: int = 0  # pulled items this program cannot store (unknown type or invalid)
    cursor: int = 0
    conflicted_records: int = 0  # records here now marked conflicted
    audit_sent: int = 0  # audit log entries sent
    audit_accepted_through: int = 0  # the newest audit entry the server holds
    audit_alert: str | None = None  # a break the server found in this workstation's audit log
    reference_received: int = 0  # new reference data versions (lists, forms) kept here
    backfilled: int = 0  # older records of people active again, fetched and stored here
    backfill_waiting: int = 0  # people whose older records are still to be fetched (next cycle)

    @property
    def sent(self) -> int:
        """Every change the server now holds from this cycle."""
        return self.pushed + self.duplicates + self.conflicts + self.merged


@dataclass(frozen=True)
class SyncStatus:
    """The workstation's sync health, for the status bar and the server's workstation list."""

    pending_count: int
    oldest_pending_at: datetime | None
    last_good_sync_at: datetime | None
    last_contact_at: datetime | None
    last_error: str | None
    conflicted_records: int
    audit_alert: str | None = None  # the last break the server reported in the audit log
    server_minimum_version: str | None = None  # the oldest client the server accepted at last contact

    def oldest_pending_age(self, now: datetime) -> timedelta | None:
        """How long the oldest unsent change has waited."""
        return None if self.oldest_pending_at is None else now - self.oldest_pending_at


def _time_fact(uow: UnitOfWork, name: str) -> datetime | None:
    text = uow.sync.fact(name)
    return datetime.fromisoformat(text) if text else None


def sync_status(uow: UnitOfWork) -> SyncStatus:
    """Pending count, oldest unsent change, last good sync, last contact, last error."""
    return SyncStatus(
        pending_count=uow.sync.pending_count(),
        oldest_pending_at=uow.sync.oldest_pending_at(),
        last_good_sync_at=_time_fact(uow, FACT_LAST_GOOD),
        last_contact_at=_time_fact(uow, FACT_LAST_CONTACT),
        last_error=uow.sync.fact(FACT_LAST_ERROR),
        conflicted_records=uow.sync.counts_by_state().get(SyncState.CONFLICTED, 0),
        audit_alert=uow.sync.fact(FACT_AUDIT_ALERT),
        server_minimum_version=uow.sync.fact(FACT_SERVER_MINIMUM),
    )


def _change(entry: OutboxEntry) -> Change:
    return Change(
        change_id=uuid.UUID(entry.change_id),
        record_type=entry.record_type,
        record_id=uuid.UUID(entry.record_id),
        revision=entry.revision,
        base_revision=entry.base_revision,
        base_change_id=uuid.UUID(entry.base_change_id) if entry.base_change_id else None,
        record=json.loads(entry.body),
    )


@dataclass
class _Counts:
    pushed: int = 0
    duplicates: int = 0
    conflicts: int = 0
    merged: int = 0
    pulled: int = 0
    skipped_unsent: int = 0
    rejected: int = 0


def _push(
    uow_factory: UowFactory,
    client: SyncClient,
    counts: _Counts,
    batch_size: int,
    batch_bytes: int,
    now: Clock,
) -> None:
    size = max(1, min(batch_size, MAX_PUSH_CHANGES))
    while True:
        with uow_factory() as uow:
            batch = uow.sync.pending_batch(size, batch_bytes)
            if not batch:
                return
            pending, oldest = uow.sync.pending_count(), uow.sync.oldest_pending_at()
            uow.sync.mark_offered(batch, now())
            uow.commit()
        request = PushRequest(
            changes=[_change(e) for e in batch], pending_count=pending, oldest_pending_at=oldest
        )
        response = client.push(request)
        offered = {e.change_id for e in batch}
        receipts = [r for r in response.receipts if str(r.change_id) in offered]
        with uow_factory() as uow:
            uow.sync.record_receipts(
                [
                    ReceiptFacts(
                        str(r.change_id),
                        r.status.value,
                        r.server_revision,
                        r.status is ReceiptStatus.CONFLICT,
                    )
                    for r in receipts
                ],
                now(),
            )
            uow.sync.set_fact(FACT_LAST_CONTACT, now().isoformat())
            uow.commit()
        for receipt in receipts:
            if receipt.status is ReceiptStatus.APPLIED:
                counts.pushed += 1
            elif receipt.status is ReceiptStatus.DUPLICATE:
                counts.duplicates += 1
            elif receipt.status is ReceiptStatus.CONFLICT:
                counts.conflicts += 1
            else:
                counts.merged += 1
        if not receipts:
            # Without a receipt nothing may be marked sent; stop rather than resend forever.
            raise ServerUnreachable(
                "the central server did not acknowledge the changes sent; they stay queued"
            )


def _apply_page(uow: UnitOfWork, items: list[FeedItem], counts: _Counts) -> None:
    for item in items:
        model = RECORD_TYPES.get(item.record_type)
        if model is None:  # reference data this build does not store yet, or a newer record type
            counts.rejected += 1
            continue
        try:
            record = model.model_validate(item.record)
        except ValidationError:
            log.warning("a pulled %s failed validation and was not stored", item.record_type)
            counts.rejected += 1
            continue
        outcome = uow.sync.apply_remote(record, item.change_id, item.conflicted)
        if outcome is ApplyOutcome.APPLIED:
            counts.pulled += 1
        elif outcome is ApplyOutcome.SKIPPED_UNSENT:
            counts.skipped_unsent += 1
        elif outcome is ApplyOutcome.REJECTED:
            counts.rejected += 1


def _backfill_applier(counts: _Counts) -> Callable[[UnitOfWork, list[FeedItem]], int]:
    """Apply backfilled items like pulled ones; stored ones count as backfilled, not pulled."""

    def apply(uow: UnitOfWork, items: list[FeedItem]) -> int:
        own = _Counts()
        _apply_page(uow, items, own)
        counts.skipped_unsent += own.skipped_unsent
        counts.rejected += own.rejected
        return own.pulled

    return apply


def _pull(uow_factory: UowFactory, client: SyncClient, counts: _Counts, limit: int, now: Clock) -> int:
    with uow_factory() as uow:
        cursor = int(uow.sync.fact(FACT_CURSOR) or 0)
    start = cursor
    limit = max(1, min(limit, MAX_PULL_LIMIT))
    while True:
        page = client.pull(cursor, limit)
        with uow_factory() as uow:
            note_page(uow, page.items, start)  # before applying: it asks what is held already
            _apply_page(uow, page.items, counts)
            uow.sync.set_fact(FACT_CURSOR, str(page.cursor))
            uow.sync.set_fact(FACT_LAST_CONTACT, now().isoformat())
            uow.commit()
        if not page.more:
            if start == 0:  # a first pull brought every record of each person it brought
                with uow_factory() as uow:
                    forget_held(uow)
                    uow.commit()
            return page.cursor
        if page.cursor <= cursor:
            raise ServerUnreachable("the central server's change feed did not move on; try again later")
        cursor = page.cursor


def keep_server_minimum(uow: UnitOfWork, client: SyncClient) -> None:
    """Remember which versions the server accepts, so the program can say so before it refuses."""
    if client.minimum_client_version is not None:
        uow.sync.set_fact(FACT_SERVER_MINIMUM, client.minimum_client_version)


def run_cycle(
    uow_factory: UowFactory,
    client: SyncClient,
    *,
    batch_size: int = 200,
    batch_bytes: int = 2 * 1024 * 1024,
    pull_limit: int = 500,
    now: Clock = utc_now,
) -> SyncReport:
    """Push everything queued, then pull until the feed has no more; report counts.

    On failure the last error is stored (for the status bar) and the SyncError propagates;
    everything already receipted or applied stays so.
    """
    counts = _Counts()
    try:
        _push(uow_factory, client, counts, batch_size, batch_bytes, now)
        audit = push_audit(uow_factory, client, now)
        cursor = _pull(uow_factory, client, counts, pull_limit, now)
        backfilled, backfill_waiting = backfill(uow_factory, client, _backfill_applier(counts))
        reference_received = pull_reference(uow_factory, client, now)
    except SyncError as exc:
        with uow_factory() as uow:
            uow.sync.set_fact(FACT_LAST_ERROR, exc.message)
            keep_server_minimum(uow, client)
            uow.commit()
        raise
    with uow_factory() as uow:
        keep_server_minimum(uow, client)
        finished = now()
        uow.sync.set_fact(FACT_LAST_GOOD, finished.isoformat())
        uow.sync.set_fact(FACT_LAST_ERROR, None)
        uow.sync.prune_receipted(finished - timedelta(days=OUTBOX_KEEP_DAYS))
        conflicted = uow.sync.counts_by_state().get(SyncState.CONFLICTED, 0)
        report = SyncReport(
            pushed=counts.pushed,
            duplicates=counts.duplicates,
            conflicts=counts.conflicts,
            merged=counts.merged,
            pulled=counts.pulled,
            skipped_unsent=counts.skipped_unsent,
            rejected=counts.rejected,
            cursor=cursor,
            conflicted_records=conflicted,
            audit_sent=audit.sent,
            audit_accepted_through=audit.accepted_through,
            audit_alert=audit.alert,
            reference_received=reference_received,
            backfilled=backfilled,
            backfill_waiting=backfill_waiting,
        )
        uow.audit(
            AuditEvent(
                AuditOperation.ADMINISTRATION,
                details={
                    "action": "sync",
                    "sent": report.sent,
                    "conflicts": report.conflicts,
                    "pulled": report.pulled,
                    "skipped_unsent": report.skipped_unsent,
                    "rejected": report.rejected,
                    "audit_sent": report.audit_sent,
                    "reference_received": report.reference_received,
                    "backfilled": report.backfilled,
                },
            ),
            at=finished,
        )
        if reference_received:
            install_received_reference(uow)
        uow.commit()
    return report
