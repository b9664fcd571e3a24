"""The small sync facts the application context carries: timings, the HTTP factory type, the hold.

Why a module of its own: `ui.context` is imported by the unlock window, the first thing on screen,
while `ui.sync_controller` pulls in the sync cycle, the store and httpx. Keeping these few names
apart lets the unlock window be drawn before any of that is imported; `ui.sync_controller`
re-exports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # httpx is imported only when a session syncs (see app.py)
    import httpx

__all__ = ["DEBOUNCE_MS", "TICK_MS", "HttpFactory", "SyncHold"]

DEBOUNCE_MS = 2_000
TICK_MS = 1_000

HttpFactory = Callable[[], "httpx.Client"]


@dataclass
class SyncHold:
    """Why background sync stopped for the rest of this run of the program (a too-old client).

    Kept in the `AppContext`, not in a window, so locking and unlocking again does not retry.
    """

    message: str | None = None
