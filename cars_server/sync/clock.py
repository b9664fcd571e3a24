"""Times as the database gives them back: SQLite forgets the zone, so it is put back here."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(value: datetime) -> datetime:
    """Return `value` in UTC; a naive time (SQLite drops zones) was stored as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def maybe_utc(value: datetime | None) -> datetime | None:
    """`as_utc` for optional columns."""
    return None if value is None else as_utc(value)
