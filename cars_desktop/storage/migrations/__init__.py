"""Alembic migrations of the workstation store, run after unlock on the keyed connection."""
