"""Alembic environment of the server: always handed a connection by `storage.migrate`."""

from __future__ import annotations

from alembic import context

from cars_server.storage.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("the server's migrations run only through cars_server.storage.migrate")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
