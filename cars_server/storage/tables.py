"""The server's schema, one SQLAlchemy 2 model per table; Alembic migrations follow this module.

Portable between SQLite (pilot, tests) and PostgreSQL (production): times are timezone-aware,
JSON lives in text columns validated by `cars_protocol` on the way in and out, and nothing relies
on a backend-specific type. No secret is stored in clear: device credentials, session tokens and
enrolment codes are kept as SHA-256 hashes (they are long random values, so a fast hash suffices);
passwords as Argon2id hashes.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

UUID_LEN = 36
CODE_LEN = 40
USERNAME_LEN = 64
HASH_LEN = 64


class Base(DeclarativeBase):
    """Metadata of every server table."""


class SiteRow(Base):
    """A custody block or court that workstations and users belong to."""

    __tablename__ = "sites"

    code: Mapped[str] = mapped_column(String(CODE_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # custody | court | office
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UserRow(Base):
    """A person who may sign in at workstations; roles and sites are JSON lists of codes."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(USERNAME_LEN), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[str] = mapped_column(Text)
    sites: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EnrolmentCodeRow(Base):
    """A single-use code that lets one workstation join one site before it expires."""

    __tablename__ = "enrolment_codes"

    code_hash: Mapped[str] = mapped_column(String(HASH_LEN), primary_key=True)
    site_code: Mapped[str] = mapped_column(ForeignKey("sites.code"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used_by: Mapped[str | None] = mapped_column(String(UUID_LEN))


class WorkstationRow(Base):
    """An enrolled workstation, its credential hash, signing key and last reported sync health."""

    __tablename__ = "workstations"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    site_code: Mapped[str] = mapped_column(ForeignKey("sites.code"))
    credential_hash: Mapped[str] = mapped_column(String(HASH_LEN), unique=True)
    signing_public_key: Mapped[str] = mapped_column(String(100))
    # The per-device key that unwraps the workstation's server-assisted vault slot. It is released
    # only to an authenticated user of the site; on its own it opens nothing (the vault file and
    # store stay on the workstation).
    device_key: Mapped[str] = mapped_column(String(100))
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_contact_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    client_version: Mapped[str | None] = mapped_column(String(40))
    pending_count: Mapped[int] = mapped_column(Integer, default=0)
    oldest_pending_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    audit_head_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    audit_head_digest: Mapped[str | None] = mapped_column(String(128))


class EscrowRow(Base):
    """A workstation's recovery key sealed to the organisation's offline recovery key pair."""

    __tablename__ = "recovery_escrow"

    workstation_id: Mapped[str] = mapped_column(ForeignKey("workstations.id"), primary_key=True)
    sealed_recovery_key: Mapped[str] = mapped_column(Text)
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SessionRow(Base):
    """A user's session from one workstation; `kind` is `password` or `attested` (sync only)."""

    __tablename__ = "sessions"

    token_hash: Mapped[str] = mapped_column(String(HASH_LEN), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("users.username"))
    workstation_id: Mapped[str] = mapped_column(ForeignKey("workstations.id"))
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class FeedHeadRow(Base):
    """The single row whose lock orders the change feed by commit (see cars_server.sync.feed)."""

    __tablename__ = "feed_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)


class RecordRow(Base):
    """The server's current revision of each record; `feed_seq` is its place in the change feed."""

    __tablename__ = "records"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    record_type: Mapped[str] = mapped_column(String(CODE_LEN))
    site_code: Mapped[str] = mapped_column(String(CODE_LEN))
    person_id: Mapped[str | None] = mapped_column(String(UUID_LEN), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    change_id: Mapped[str] = mapped_column(String(UUID_LEN))
    body: Mapped[str] = mapped_column(Text)
    live: Mapped[bool] = mapped_column(Boolean, default=True)
    conflicted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # NULL while the writing transaction is open; set just before it commits, under the
    # feed_head lock, so feed order is commit order.
    feed_seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)

    __table_args__ = (
        Index("ix_records_site_feed", "site_code", "feed_seq"),
        # "Is this record's person active in the pull window": one index probe (migration 0004).
        Index("ix_records_person_received", "person_id", "received_at"),
    )


class ReportMonthRow(Base):
    """The report index: one row per calendar month a current record holds a date in.

    A year's KPI report over five years of records must not read and parse the four years it does
    not count; the server's bodies are opaque JSON, so the months are worked out when a body is
    written (`cars_desktop.domain.report_months`, the same rule the workstation applies) and kept
    here in the same transaction (`cars_server.storage.report_index`). A report then reads only
    the records indexed under its months, plus every deleted or merged person (`month` = -1,
    `ALWAYS`). `record_type` is repeated so the report's type filter is answered by the primary
    key alone. Rows go with their record (ON DELETE CASCADE).
    """

    __tablename__ = "report_months"

    month: Mapped[int] = mapped_column(Integer, primary_key=True)  # report_months.month_key
    record_type: Mapped[str] = mapped_column(String(CODE_LEN), primary_key=True)
    record_id: Mapped[str] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class RecordRevisionRow(Base):
    """Every revision the server accepted into a record's line of history."""

    __tablename__ = "record_revisions"

    record_id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_id: Mapped[str] = mapped_column(String(UUID_LEN), unique=True)
    workstation_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    saved_by: Mapped[str] = mapped_column(String(USERNAME_LEN))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    body: Mapped[str] = mapped_column(Text)
    # For a revision the server made by merging two concurrent changes: JSON list of both source
    # change ids (the server's revision it merged onto, then the incoming change).
    merged_from: Mapped[str | None] = mapped_column(Text)


class AppliedChangeRow(Base):
    """The receipt given for each change id, so a retried push is answered, never applied twice."""

    __tablename__ = "applied_changes"

    change_id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(UUID_LEN))
    workstation_id: Mapped[str] = mapped_column(String(UUID_LEN))
    status: Mapped[str] = mapped_column(String(20))
    server_revision: Mapped[int] = mapped_column(Integer)
    server_change_id: Mapped[str] = mapped_column(String(UUID_LEN))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The record exactly as the workstation sent it, kept for changes merged automatically: it
    # is in no revision row, yet it is the base of that workstation's next edit (and the
    # workstation's own words, which must not be lost).
    body: Mapped[str | None] = mapped_column(Text)


class ConflictRow(Base):
    """A change that could not be applied over the server's revision; both sides are kept here."""

    __tablename__ = "conflicts"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(UUID_LEN), index=True)
    record_type: Mapped[str] = mapped_column(String(CODE_LEN))
    site_code: Mapped[str] = mapped_column(String(CODE_LEN))
    base_revision: Mapped[int] = mapped_column(Integer)
    base_change_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    current_revision: Mapped[int] = mapped_column(Integer)
    current_change_id: Mapped[str] = mapped_column(String(UUID_LEN))
    incoming_change_id: Mapped[str] = mapped_column(String(UUID_LEN), unique=True)
    incoming_revision: Mapped[int] = mapped_column(Integer)
    incoming_body: Mapped[str] = mapped_column(Text)
    incoming_workstation_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    incoming_saved_by: Mapped[str] = mapped_column(String(USERNAME_LEN))
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(String(USERNAME_LEN))
    resolution_reason: Mapped[str | None] = mapped_column(String(500))
    resolved_change_id: Mapped[str | None] = mapped_column(String(UUID_LEN))


class ServerAuditRow(Base):
    """The server's own s.62 log: consultation and disclosure by server users and administrators.

    `detail` is JSON of identifiers and counts only (record ids, person ids, site codes), never
    names or answers, so the log itself discloses nothing.
    """

    __tablename__ = "server_audit"

    # SQLite auto-numbers only an INTEGER primary key (the rowid), so BIGINT is PostgreSQL-only.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(USERNAME_LEN))
    workstation_id: Mapped[str | None] = mapped_column(String(UUID_LEN))
    operation: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text)


class WorkstationAuditRow(Base):
    """One entry of a workstation's signed s.62 log, as the server received it by sync.

    `problem` is set when the entry did not verify (a break in the chain): it is kept anyway,
    because the evidence matters more than a clean table.
    """

    __tablename__ = "workstation_audit"

    workstation_id: Mapped[str] = mapped_column(ForeignKey("workstations.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entry: Mapped[str] = mapped_column(Text)
    entry_hash: Mapped[str] = mapped_column(String(HASH_LEN))
    record_id: Mapped[str | None] = mapped_column(String(UUID_LEN), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    problem: Mapped[str | None] = mapped_column(String(500))


class AuditAlertRow(Base):
    """A break found in a workstation's audit chain, for a supervisor or operator to look into.

    `entry` keeps a copy of an offending entry that could not be stored in `workstation_audit`
    (a different entry sent again for a number the server already holds).
    """

    __tablename__ = "audit_alerts"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    workstation_id: Mapped[str] = mapped_column(ForeignKey("workstations.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seq: Mapped[int] = mapped_column(BigInteger)
    problem: Mapped[str] = mapped_column(String(500))
    entry: Mapped[str | None] = mapped_column(Text)


class AppointmentBookingRow(Base):
    """Where each appointment currently holds a place: the index slot capacity is counted from."""

    __tablename__ = "appointment_bookings"

    appointment_id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    site_code: Mapped[str] = mapped_column(String(CODE_LEN))
    slot_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean)  # live and still booked
    booked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_appointment_bookings_slot", "site_code", "slot_start"),)


class SlotOverbookingRow(Base):
    """A slot holding more bookings than its capacity, flagged for a supervisor to rebook.

    `appointment_ids` is a JSON list of every active booking in the slot, oldest first. The row is
    reopened if the slot is over-booked again after being resolved.
    """

    __tablename__ = "slot_overbookings"

    site_code: Mapped[str] = mapped_column(String(CODE_LEN), primary_key=True)
    slot_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    capacity: Mapped[int] = mapped_column(Integer)
    appointment_ids: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReferenceDataRow(Base):
    """One imported version of one kind of reference data (a code list, sites, slots, a form).

    `id` orders imports for `GET /v1/reference?since=N`; `version` counts versions per kind.
    Imports are rare, serialised administrator actions, so an auto-number is a safe cursor here.
    """

    __tablename__ = "reference_data"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    kind: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    body: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    imported_by: Mapped[str] = mapped_column(String(USERNAME_LEN))

    __table_args__ = (UniqueConstraint("kind", "version", name="uq_reference_data_kind_version"),)
