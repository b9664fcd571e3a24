"""Print history: every print or save of a document, so a reprint is marked as a copy.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_prints",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("destination", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("copy_of", sa.String(length=40), nullable=True),
        sa.Column("printed_at", sa.String(length=40), nullable=False),
        sa.Column("printed_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    with op.batch_alter_table("document_prints", schema=None) as batch_op:
        batch_op.create_index("ix_document_prints_document", ["person_id", "kind", "source_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("document_prints", schema=None) as batch_op:
        batch_op.drop_index("ix_document_prints_document")
    op.drop_table("document_prints")
