"""ORM tables of the workstation store.

Records are kept as validated JSON bodies (the pydantic schema of `cars_protocol` is the one
definition of their fields) in one `records` table, with typed index tables beside it for the
searches the work needs. Every revision is kept in `record_history`, so amendments and merges
never lose what was there before.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Dialect,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def to_db_time(value: datetime) -> str:
    """The stored text of a UTC time (also used by the hand-written hot-path statements)."""
    if value.tzinfo is None:
        raise ValueError("store times must be zone-aware")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


class UtcTimestamp(TypeDecorator[datetime]):
    """UTC times as ISO text: SQLite has no zone-aware type, and ISO UTC text sorts in time order."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise ValueError("store times must be datetimes")
        return to_db_time(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)


class Base(DeclarativeBase):
    """Declarative base of the workstation store."""


class MetaRow(Base):
    """Facts about this store: workstation id, site, the unlock-journal anchor."""

    __tablename__ = "store_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class UserRow(Base):
    """A user enrolled at this workstation (their key slot lives in the vault file)."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(120))
    roles: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcTimestamp())


class RecordRow(Base):
    """The current revision of every record, live or tombstoned."""

    __tablename__ = "records"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    record_type: Mapped[str] = mapped_column(String(40))
    revision: Mapped[int] = mapped_column(Integer)
    site_code: Mapped[str] = mapped_column(String(40))
    author: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcTimestamp())
    updated_at: Mapped[datetime] = mapped_column(UtcTimestamp())
    live: Mapped[bool] = mapped_column(Boolean)
    body: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("ix_records_type_updated", "record_type", "updated_at"),
        Index("ix_records_person", "person_id", "record_type"),
    )


class RecordHistoryRow(Base):
    """Every revision ever saved, for amendments, review and conflict resolution.

    Keyed by change id as well as revision: two workstations can each make "revision 2" of a
    record offline, and the losing branch of a conflict stays here beside the server's revision.
    """

    __tablename__ = "record_history"

    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    record_type: Mapped[str] = mapped_column(String(40))
    saved_at: Mapped[datetime] = mapped_column(UtcTimestamp())
    saved_by: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)

    __table_args__ = (ForeignKeyConstraint(["record_id"], ["records.id"], name="fk_history_record"),)


class PersonIndexRow(Base):
    """Search keys for people: normalised names, date of birth, PNC id."""

    __tablename__ = "person_index"

    person_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    family_name_key: Mapped[str] = mapped_column(String(100))
    given_names_key: Mapped[str] = mapped_column(String(150))
    date_of_birth: Mapped[date] = mapped_column(Date)
    pnc_id: Mapped[str | None] = mapped_column(String(20))
    live: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (
        ForeignKeyConstraint(["person_id"], ["records.id"], name="fk_person_index_record"),
        Index("ix_person_name_dob", "family_name_key", "date_of_birth"),
        Index("ix_person_dob", "date_of_birth"),
        Index("ix_person_pnc", "pnc_id"),
    )


class EpisodeIndexRow(Base):
    """Search keys for custody episodes: the custody record number."""

    __tablename__ = "episode_index"

    episode_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    custody_record_number: Mapped[str] = mapped_column(String(40), index=True)

    __table_args__ = (ForeignKeyConstraint(["episode_id"], ["records.id"], name="fk_episode_index_record"),)


class ReportMonthRow(Base):
    """The months each record holds a date in (`domain.report_months`), so a report reads its year.

    A year's KPI report over years of casework would otherwise decrypt and test every stored body
    (five years of regional casework: 2.8 s of table scan). Written with the body, in the same
    transaction, by every path that stores a record; a live person has no rows (a report reads
    the people it needs by id), a deleted or merged one is under `ALWAYS`.
    """

    __tablename__ = "report_months"

    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)

    __table_args__ = (
        Index("ix_report_months_record", "record_id"),
        ForeignKeyConstraint(["record_id"], ["records.id"], name="fk_report_months_record"),
        {"sqlite_with_rowid": False},
    )


class OutboxRow(Base):
    """A change waiting to be pushed to the central server (written in the record's transaction).

    `change_id` is made when the change is queued and never reused, so the server recognises a
    retried push. A row counts as unsent until the server's receipt is recorded (`receipted_at`);
    `sent_at` is only the last time it was offered, which proves nothing.
    """

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    change_id: Mapped[str] = mapped_column(String(36), unique=True)
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(36))
    revision: Mapped[int] = mapped_column(Integer)
    base_revision: Mapped[int] = mapped_column(Integer)
    base_change_id: Mapped[str | None] = mapped_column(String(36))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcTimestamp())
    sent_at: Mapped[datetime | None] = mapped_column(UtcTimestamp())
    receipt_status: Mapped[str | None] = mapped_column(String(20))
    receipted_at: Mapped[datetime | None] = mapped_column(UtcTimestamp())

    __table_args__ = (
        Index("ix_outbox_pending", "receipted_at", "seq"),
        Index("ix_outbox_record", "record_id", "receipted_at"),
    )


class RecordSyncRow(Base):
    """Each record's sync state, kept apart from its own status (draft, completed, ...).

    `change_id` names the change that produced the local current revision (the base of the next
    local edit); `state` is one of SYNC_STATES; `server_revision` is the server's revision as last
    learnt from a receipt or a pull.
    """

    __tablename__ = "record_sync"

    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    change_id: Mapped[str] = mapped_column(String(36))
    state: Mapped[str] = mapped_column(String(12))
    server_revision: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcTimestamp())

    __table_args__ = (
        ForeignKeyConstraint(["record_id"], ["records.id"], name="fk_record_sync_record"),
        Index("ix_record_sync_state", "state"),
    )


#: Per-record sync states: made here and never queued (records from before sync existed are
#: queued by migration 0003, so this is rare), waiting in the outbox, offered to the server,
#: held by the server, or conflicting with another workstation's revision.
SYNC_STATES = ("local_only", "queued", "sent", "receipted", "conflicted")


class AuditRow(Base):
    """One DPA 2018 s.62 log entry, hash-chained to the one before and signed."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    username: Mapped[str] = mapped_column(String(64))
    roles: Mapped[str] = mapped_column(String(200))
    workstation_id: Mapped[str] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(40))
    record_type: Mapped[str | None] = mapped_column(String(40))
    record_id: Mapped[str | None] = mapped_column(String(36))
    justification: Mapped[str | None] = mapped_column(Text)
    recipient: Mapped[str | None] = mapped_column(String(200))
    legal_basis: Mapped[str | None] = mapped_column(String(40))
    details: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))

    __table_args__ = (Index("ix_audit_record", "record_id"),)


class AuditHeadRow(Base):
    """The signed latest entry, so cutting entries off the end of the log is detected."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    entry_hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))


class FormSpecRow(Base):
    """A form version received after this build shipped (from the central server)."""

    __tablename__ = "form_specs"

    form_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcTimestamp())


class ReferenceDataRow(Base):
    """One version of one kind of reference data received from the central server.

    Every version is kept, future-dated ones too: each is used from its `effective_from`, and the
    list shipped with the program is used until the first received one takes effect. `seq` is the
    server's import number (the pull cursor).
    """

    __tablename__ = "reference_data"

    kind: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date)
    seq: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcTimestamp())


class DocumentPrintRow(Base):
    """One print or save of a document (migration 0005): the first one dates every later copy.

    `source_id` is the record the document is made from (an appointment, a referral; the person
    for documents about the person as a whole), so a letter for a new appointment is an original.
    Times are stored as ISO UTC text, like the audit log.
    """

    __tablename__ = "document_prints"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[str] = mapped_column(String(36))
    recipient: Mapped[str] = mapped_column(String(200))
    destination: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int] = mapped_column(Integer)
    copy_of: Mapped[str | None] = mapped_column(String(40))
    printed_at: Mapped[str] = mapped_column(String(40))
    printed_by: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_document_prints_document", "person_id", "kind", "source_id"),)
