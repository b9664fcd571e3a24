"""What a use case changed, so each page refreshes only if concerned."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol


class HasIdentity(Protocol):
    """Anything saved: a record type and an id."""

    @property
    def record_type(self) -> str: ...

    @property
    def id(self) -> uuid.UUID: ...


@dataclass(frozen=True)
class Changes:
    """Record types and ids touched by one operation; empty means nothing to refresh."""

    record_types: frozenset[str] = field(default_factory=frozenset)
    record_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    users: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            self.record_types | other.record_types,
            self.record_ids | other.record_ids,
            self.users or other.users,
        )

    @classmethod
    def of_records(cls, records: Iterable[HasIdentity]) -> Changes:
        """The change made by saving several records."""
        items = list(records)
        return cls(frozenset(r.record_type for r in items), frozenset(r.id for r in items))

    @classmethod
    def of(cls, record_type: str, record_id: uuid.UUID) -> Changes:
        """The change made by saving one record."""
        return cls(frozenset({record_type}), frozenset({record_id}))
