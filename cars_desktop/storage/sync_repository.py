"""The SQL of sync: outbox batches and receipts, applying pulled revisions, sync facts and states.

Kept apart from `repositories.py` (the save path) because nothing here runs when a user saves: it
runs in the background sync cycle. Hand-written statements like the save path, for the same reason
(pulls apply thousands of records).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from cars_desktop.storage.repositories import RecordRepository, person_of
from cars_desktop.storage.tables import to_db_time
from cars_protocol.records import RecordBase

_UPSERT_REMOTE_RECORD = (
    "INSERT INTO records (id, record_type, revision, site_code, author, person_id, created_at,"
    " updated_at, live, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
    " revision = excluded.revision, site_code = excluded.site_code, author = excluded.author,"
    " person_id = excluded.person_id, created_at = excluded.created_at,"
    " updated_at = excluded.updated_at, live = excluded.live, body = excluded.body"
)
_INSERT_REMOTE_HISTORY = (
    "INSERT INTO record_history (record_id, revision, change_id, record_type, saved_at, saved_by, body)"
    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (record_id, revision, change_id) DO UPDATE SET"
    " saved_at = excluded.saved_at, saved_by = excluded.saved_by, body = excluded.body"
)
_UPSERT_SYNC_STATE = (
    "INSERT INTO record_sync (record_id, change_id, state, server_revision, updated_at)"
    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (record_id) DO UPDATE SET change_id = excluded.change_id,"
    " state = excluded.state, server_revision = excluded.server_revision,"
    " updated_at = excluded.updated_at"
)
_FACT_PREFIX = "sync."


class SyncState(StrEnum):
    """A record's sync state, shown beside (never instead of) its own status."""

    LOCAL_ONLY = "local_only"
    QUEUED = "queued"
    SENT = "sent"
    RECEIPTED = "receipted"
    CONFLICTED = "conflicted"


class ApplyOutcome(StrEnum):
    """What applying one pulled revision did."""

    APPLIED = "applied"  # stored as the current revision
    UNCHANGED = "unchanged"  # already the current revision here (usually our own change coming back)
    SKIPPED_UNSENT = "skipped_unsent"  # the local record has unsent changes: never overwritten
    REJECTED = "rejected"  # the local record has another type: left alone, reported


@dataclass(frozen=True)
class OutboxEntry:
    """One queued change, as the push needs it (the body is the stored JSON, not re-serialised)."""

    seq: int
    change_id: str
    record_type: str
    record_id: str
    revision: int
    base_revision: int
    base_change_id: str | None
    body: str
    created_at: str


@dataclass(frozen=True)
class ReceiptFacts:
    """The parts of a server receipt the store records."""

    change_id: str
    status: str
    server_revision: int
    conflicted: bool


class SyncRepository:
    """Sync bookkeeping over one session (a unit of work's)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def _conn(self) -> Connection:
        return self.session.connection()

    # -- outbox ---------------------------------------------------------------------------------

    def pending_batch(self, max_count: int, max_bytes: int) -> list[OutboxEntry]:
        """The oldest unreceipted changes in queue order, at most `max_count` and about `max_bytes`.

        The first change is always included, however large, so one big record cannot stall the queue.
        """
        rows = self._conn.exec_driver_sql(
            "SELECT seq, change_id, record_type, record_id, revision, base_revision, base_change_id,"
            " body, created_at FROM outbox WHERE receipted_at IS NULL ORDER BY seq LIMIT ?",
            (max_count,),
        ).all()
        batch: list[OutboxEntry] = []
        size = 0
        for row in rows:
            size += len(row.body) + 200
            if batch and size > max_bytes:
                break
            batch.append(OutboxEntry(*row))
        return batch

    def mark_offered(self, entries: Sequence[OutboxEntry], at: datetime) -> None:
        """Note that these changes are being sent; until a receipt arrives they still count as unsent."""
        when = to_db_time(at)
        self._conn.exec_driver_sql(
            "UPDATE outbox SET sent_at = ? WHERE seq = ?", [(when, e.seq) for e in entries]
        )
        self._conn.exec_driver_sql(
            "UPDATE record_sync SET state = 'sent', updated_at = ? WHERE record_id = ? AND change_id = ?"
            " AND state = 'queued'",
            [(when, e.record_id, e.change_id) for e in entries],
        )

    def record_receipts(self, receipts: Sequence[ReceiptFacts], at: datetime) -> None:
        """Mark changes receipted, only ever from the server's receipts.

        A record's state follows the receipt only if that change is still its current local
        revision; a later local edit keeps the record queued.
        """
        when = to_db_time(at)
        self._conn.exec_driver_sql(
            "UPDATE outbox SET receipt_status = ?, receipted_at = ? WHERE change_id = ?",
            [(r.status, when, r.change_id) for r in receipts],
        )
        self._conn.exec_driver_sql(
            "UPDATE record_sync SET state = ?, server_revision = ?, updated_at = ? WHERE change_id = ?",
            [
                (
                    SyncState.CONFLICTED if r.conflicted else SyncState.RECEIPTED,
                    r.server_revision,
                    when,
                    r.change_id,
                )
                for r in receipts
            ],
        )

    def has_unsent(self, record_id: str) -> bool:
        """Whether the record has changes the server has not receipted."""
        found = self._conn.exec_driver_sql(
            "SELECT 1 FROM outbox WHERE record_id = ? AND receipted_at IS NULL LIMIT 1", (record_id,)
        ).first()
        return found is not None

    def pending_count(self) -> int:
        """Changes not yet receipted by the server."""
        count = self._conn.exec_driver_sql("SELECT count(*) FROM outbox WHERE receipted_at IS NULL").scalar()
        return int(count or 0)

    def oldest_pending_at(self) -> datetime | None:
        """When the oldest unreceipted change was made."""
        text = self._conn.exec_driver_sql(
            "SELECT created_at FROM outbox WHERE receipted_at IS NULL ORDER BY seq LIMIT 1"
        ).scalar()
        return datetime.fromisoformat(text) if text else None

    def prune_receipted(self, before: datetime) -> int:
        """Drop receipted outbox rows older than `before`; their revisions stay in record_history."""
        result = self._conn.exec_driver_sql(
            "DELETE FROM outbox WHERE receipted_at IS NOT NULL AND receipted_at < ?", (to_db_time(before),)
        )
        return int(result.rowcount or 0)

    # -- pulled revisions -----------------------------------------------------------------------

    def apply_remote(self, record: RecordBase, change_id: uuid.UUID, conflicted: bool) -> ApplyOutcome:
        """Store the server's current revision of a record, without an outbox row.

        Never overwrites a record with unsent local changes (the push and conflict path settles
        those). No local revision check: the server's revision is the truth once nothing here is
        pending. A local revision it replaces stays in record_history under its own change id.
        The same change with a different body (a conflict resolution applied here before the
        server's stamped copy arrived) is replaced by the server's copy.
        """
        conn = self._conn
        key = str(record.id)
        change = str(change_id)
        stored = conn.exec_driver_sql(
            "SELECT r.record_type, r.body, s.change_id FROM records r"
            " LEFT JOIN record_sync s ON s.record_id = r.id WHERE r.id = ?",
            (key,),
        ).first()
        if stored is not None and stored.record_type != record.record_type:
            return ApplyOutcome.REJECTED
        if self.has_unsent(key):
            return ApplyOutcome.SKIPPED_UNSENT
        state = SyncState.CONFLICTED if conflicted else SyncState.RECEIPTED
        now = to_db_time(record.updated_at)
        body = record.model_dump_json()
        if stored is not None and stored.change_id == change and stored.body == body:
            conn.exec_driver_sql(_UPSERT_SYNC_STATE, (key, change, state, record.revision, now))
            return ApplyOutcome.UNCHANGED
        conn.exec_driver_sql(
            _UPSERT_REMOTE_RECORD,
            (
                key,
                record.record_type,
                record.revision,
                record.site_code,
                record.author,
                person_of(record),
                to_db_time(record.created_at),
                now,
                record.is_live,
                body,
            ),
        )
        conn.exec_driver_sql(
            _INSERT_REMOTE_HISTORY,
            (key, record.revision, change, record.record_type, now, record.author, body),
        )
        RecordRepository._write_indexes(conn, record, body)
        conn.exec_driver_sql(_UPSERT_SYNC_STATE, (key, change, state, record.revision, now))
        return ApplyOutcome.APPLIED

    # -- states and facts -----------------------------------------------------------------------

    def state_of(self, record_id: uuid.UUID) -> SyncState | None:
        """A record's sync state, or None for a record not held here."""
        text = self._conn.exec_driver_sql(
            "SELECT state FROM record_sync WHERE record_id = ?", (str(record_id),)
        ).scalar()
        return SyncState(text) if text else None

    def current_change_id(self, record_id: uuid.UUID) -> str | None:
        """The change that produced the local current revision."""
        text = self._conn.exec_driver_sql(
            "SELECT change_id FROM record_sync WHERE record_id = ?", (str(record_id),)
        ).scalar()
        return str(text) if text else None

    def counts_by_state(self) -> dict[SyncState, int]:
        """How many records are in each sync state."""
        rows = self._conn.exec_driver_sql("SELECT state, count(*) FROM record_sync GROUP BY state").all()
        return {SyncState(state): int(n) for state, n in rows}

    def fact(self, name: str) -> str | None:
        """A sync fact (cursor, last good sync, last contact, last error), as text."""
        text = self._conn.exec_driver_sql(
            "SELECT value FROM store_meta WHERE key = ?", (_FACT_PREFIX + name,)
        ).scalar()
        return str(text) if text is not None else None

    def set_fact(self, name: str, value: str | None) -> None:
        """Set (or with None, clear) a sync fact in the caller's transaction."""
        if value is None:
            self._conn.exec_driver_sql("DELETE FROM store_meta WHERE key = ?", (_FACT_PREFIX + name,))
            return
        self._conn.exec_driver_sql(
            "INSERT INTO store_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET"
            " value = excluded.value",
            (_FACT_PREFIX + name, value),
        )
