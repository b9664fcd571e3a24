"""Binding lists of values into the store's hand-written SQL: placeholders and chunks.

Several reads match a column against a list (ids, types, statuses). SQLite binds one parameter
per value and older builds allow 999 per statement, so long lists go in chunks.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

#: Values bound per statement: well under SQLite's oldest limit of 999 parameters.
CHUNK = 500


def placeholders(count: int) -> str:
    """'?, ?, ?' for `count` values: the only text a list ever adds to a statement."""
    return ", ".join("?" * count)


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """`items` in consecutive slices of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
