"""Report months: the index a KPI report reads its months through, filled from the stored records.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cars_desktop.storage.report_index import fill_report_months

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_months",
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], name="fk_report_months_record"),
        sa.PrimaryKeyConstraint("month", "record_type", "record_id"),
        sqlite_with_rowid=False,
    )
    fill_report_months(op.get_bind())  # before the record index: one index to grow, not two
    op.create_index("ix_report_months_record", "report_months", ["record_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_report_months_record", table_name="report_months")
    op.drop_table("report_months")
