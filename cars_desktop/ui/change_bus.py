"""The change bus: one signal that says what an op changed, so each page refreshes only if concerned.

Anki's pattern: a window that runs an op (`run_op`) does not tell other pages to reload. When the
service returns, the caller broadcasts the `Changes` it made; every page listens on the one bus and
asks `concerns(...)` whether the change touches what it shows. A page that shows people ignores a
form being saved, and nobody needs to know which other pages exist.

The bus lives in the GUI thread: broadcast from an op's `on_success` callback (which `run_op` runs
there), never from the worker.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from cars_desktop.domain.changes import Changes

T = TypeVar("T")


def concerns(
    changes: Changes,
    record_types: Collection[str] = (),
    record_ids: Collection[uuid.UUID] = (),
    *,
    users: bool = False,
) -> bool:
    """Whether a page that shows these record types, these records or the user list must refresh."""
    return (
        bool(changes.record_types.intersection(record_types))
        or bool(changes.record_ids.intersection(record_ids))
        or (users and changes.users)
    )


class ChangeBus(QObject):
    """Carries each op's `Changes` from the window that ran it to every page that listens."""

    sig_changed = Signal(object)
    """Something was saved (a `Changes`, never empty); pages check `concerns` before refreshing."""

    def broadcast(self, changes: Changes) -> None:
        """Tell every page what changed; an empty change is not worth waking anyone for."""
        if changes.record_types or changes.record_ids or changes.users:
            self.sig_changed.emit(changes)

    def broadcasting(
        self, changes_of: Callable[[T], Changes], then: Callable[[T], None]
    ) -> Callable[[T], None]:
        """An `on_success` for `run_op` that broadcasts the result's changes, then calls `then`.

        The broadcast comes first, so other pages learn of a saved change even if `then` fails.
        """

        def on_success(result: T) -> None:
            self.broadcast(changes_of(result))
            then(result)

        return on_success
