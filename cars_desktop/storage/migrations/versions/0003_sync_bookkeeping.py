"""Sync bookkeeping: change ids on the outbox and in history, per-record sync state.

Existing outbox rows (a standalone store made before sync existed) get change ids and chain to
one another by base_change_id, so enrolling such a store later pushes its whole history in order.
History rows get the change id of their outbox row (or a fresh one), and every record gets a
record_sync row naming the change that produced its current revision.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# A random version-4 UUID in SQLite SQL (no extension needed), for rows made before change ids.
_NEW_UUID = (
    "(lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||"
    " substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) ||"
    " substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))))"
)


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("change_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("base_revision", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("base_change_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("receipt_status", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("receipted_at", sa.String(length=32), nullable=True))
    op.execute(f"UPDATE outbox SET change_id = {_NEW_UUID}, base_revision = revision - 1")  # noqa: S608
    op.execute(
        "UPDATE outbox SET base_change_id = (SELECT o2.change_id FROM outbox o2"
        " WHERE o2.record_id = outbox.record_id AND o2.seq < outbox.seq ORDER BY o2.seq DESC LIMIT 1)"
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("change_id", existing_type=sa.String(length=36), nullable=False)
        batch_op.alter_column("base_revision", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_index("ix_outbox_unsent")
        batch_op.create_index("ix_outbox_pending", ["receipted_at", "seq"], unique=False)
        batch_op.create_index("ix_outbox_record", ["record_id", "receipted_at"], unique=False)
        batch_op.create_unique_constraint("uq_outbox_change_id", ["change_id"])

    op.create_table(
        "record_history_new",
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.String(length=36), nullable=False),
        sa.Column("record_type", sa.String(length=40), nullable=False),
        sa.Column("saved_at", sa.String(length=32), nullable=False),
        sa.Column("saved_by", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], name="fk_history_record"),
        sa.PrimaryKeyConstraint("record_id", "revision", "change_id"),
    )
    op.execute(
        "INSERT INTO record_history_new (record_id, revision, change_id, record_type, saved_at,"
        " saved_by, body) SELECT h.record_id, h.revision, COALESCE((SELECT o.change_id FROM outbox o"
        " WHERE o.record_id = h.record_id AND o.revision = h.revision ORDER BY o.seq DESC LIMIT 1),"
        f" {_NEW_UUID}), h.record_type, h.saved_at, h.saved_by, h.body FROM record_history h"  # noqa: S608
    )
    op.drop_table("record_history")
    op.rename_table("record_history_new", "record_history")

    op.create_table(
        "record_sync",
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("change_id", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("server_revision", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], name="fk_record_sync_record"),
        sa.PrimaryKeyConstraint("record_id"),
    )
    with op.batch_alter_table("record_sync", schema=None) as batch_op:
        batch_op.create_index("ix_record_sync_state", ["state"], unique=False)
    op.execute(
        "INSERT INTO record_sync (record_id, change_id, state, server_revision, updated_at)"
        " SELECT r.id, COALESCE((SELECT h.change_id FROM record_history h WHERE h.record_id = r.id"
        f" AND h.revision = r.revision LIMIT 1), {_NEW_UUID}),"  # noqa: S608
        " CASE WHEN EXISTS (SELECT 1 FROM outbox o WHERE o.record_id = r.id) THEN 'queued'"
        " ELSE 'local_only' END, NULL, r.updated_at FROM records r"
    )


def downgrade() -> None:
    with op.batch_alter_table("record_sync", schema=None) as batch_op:
        batch_op.drop_index("ix_record_sync_state")
    op.drop_table("record_sync")
    op.create_table(
        "record_history_old",
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=40), nullable=False),
        sa.Column("saved_at", sa.String(length=32), nullable=False),
        sa.Column("saved_by", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], name="fk_history_record"),
        sa.PrimaryKeyConstraint("record_id", "revision"),
    )
    # Where two branches share a revision number only one survives a downgrade.
    op.execute(
        "INSERT OR IGNORE INTO record_history_old SELECT record_id, revision, record_type, saved_at,"
        " saved_by, body FROM record_history ORDER BY saved_at DESC"
    )
    op.drop_table("record_history")
    op.rename_table("record_history_old", "record_history")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint("uq_outbox_change_id", type_="unique")
        batch_op.drop_index("ix_outbox_record")
        batch_op.drop_index("ix_outbox_pending")
        batch_op.create_index("ix_outbox_unsent", ["sent_at", "seq"], unique=False)
        batch_op.drop_column("receipted_at")
        batch_op.drop_column("receipt_status")
        batch_op.drop_column("base_change_id")
        batch_op.drop_column("base_revision")
        batch_op.drop_column("change_id")
