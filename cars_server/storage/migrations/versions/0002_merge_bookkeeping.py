"""merge bookkeeping: merged revisions name their sources; merged changes keep their body

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("record_revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_from", sa.Text(), nullable=True))
    with op.batch_alter_table("applied_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("applied_changes", schema=None) as batch_op:
        batch_op.drop_column("body")
    with op.batch_alter_table("record_revisions", schema=None) as batch_op:
        batch_op.drop_column("merged_from")
