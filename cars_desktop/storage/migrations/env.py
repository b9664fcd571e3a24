"""Alembic environment: always handed a keyed connection by `storage.migrate`, never a URL."""

from __future__ import annotations

from alembic import context

from cars_desktop.storage.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("the store's migrations run only through cars_desktop.storage.migrate")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
