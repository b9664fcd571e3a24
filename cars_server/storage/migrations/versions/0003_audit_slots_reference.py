"""workstation audit logs and chain alerts, appointment bookings and over-bookings, reference data

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "workstation_audit",
        sa.Column("workstation_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry", sa.Text(), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("problem", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["workstation_id"], ["workstations.id"]),
        sa.PrimaryKeyConstraint("workstation_id", "seq"),
    )
    with op.batch_alter_table("workstation_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workstation_audit_record_id"), ["record_id"], unique=False)

    op.create_table(
        "audit_alerts",
        sa.Column("id", _AUTO_ID, autoincrement=True, nullable=False),
        sa.Column("workstation_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("problem", sa.String(length=500), nullable=False),
        sa.Column("entry", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["workstation_id"], ["workstations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_alerts_workstation_id"), ["workstation_id"], unique=False)

    op.create_table(
        "appointment_bookings",
        sa.Column("appointment_id", sa.String(length=36), nullable=False),
        sa.Column("site_code", sa.String(length=40), nullable=False),
        sa.Column("slot_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("booked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("appointment_id"),
    )
    with op.batch_alter_table("appointment_bookings", schema=None) as batch_op:
        batch_op.create_index("ix_appointment_bookings_slot", ["site_code", "slot_start"], unique=False)

    op.create_table(
        "slot_overbookings",
        sa.Column("site_code", sa.String(length=40), nullable=False),
        sa.Column("slot_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("appointment_ids", sa.Text(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("site_code", "slot_start"),
    )

    op.create_table(
        "reference_data",
        sa.Column("id", _AUTO_ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "version", name="uq_reference_data_kind_version"),
    )


def downgrade() -> None:
    op.drop_table("reference_data")
    op.drop_table("slot_overbookings")
    with op.batch_alter_table("appointment_bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_appointment_bookings_slot")
    op.drop_table("appointment_bookings")
    with op.batch_alter_table("audit_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_alerts_workstation_id"))
    op.drop_table("audit_alerts")
    with op.batch_alter_table("workstation_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workstation_audit_record_id"))
    op.drop_table("workstation_audit")
