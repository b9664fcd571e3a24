"""feed window index: records by person and received time, for the people-based pull window

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 10:00:00.000000

The pull window is about people (see `cars_server.sync.feed.in_window`): for each candidate row
the feed asks "was any record of this person received since T", one probe of
(person_id, received_at). The same index serves a person's records for the backfill endpoint.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index("ix_records_person_received", ["person_id", "received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_person_received")
