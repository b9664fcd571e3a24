"""The application context: what every window needs, passed explicitly (git-cola's ApplicationContext).

There are no module-level singletons: `app.run_gui` builds one `AppContext` and hands it down, and
tests build their own with an inline task runner and a fake clock.

Sync: `http_factory` makes the HTTP client for the central server (from the settings, in
`app.run_gui`); None means this program does not sync (tests of other windows). `sync_hold` outlives
sessions, so a server that asks for a newer program is not asked again until a restart.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cars_desktop.config import Settings
from cars_desktop.ui.sync_defaults import DEBOUNCE_MS, TICK_MS, HttpFactory, SyncHold
from cars_desktop.ui.task_runner import BaseTaskRunner

IDLE_CHECK_MS = 5_000


@dataclass(frozen=True)
class AppContext:
    """Settings, the data folder and the task runner, plus the clock the idle lock and sync read."""

    settings: Settings
    data_dir: Path
    runner: BaseTaskRunner
    clock: Callable[[], float] = field(default=time.monotonic)
    idle_check_ms: int = IDLE_CHECK_MS
    http_factory: HttpFactory | None = None
    sync_hold: SyncHold = field(default_factory=SyncHold)
    sync_debounce_ms: int = DEBOUNCE_MS
    sync_tick_ms: int = TICK_MS
