"""The application context: what every window needs, passed explicitly (git-cola's ApplicationContext).

There are no module-level singletons: `app.run_gui` builds one `AppContext` and hands it down, and
tests build their own with an inline task runner and a fake clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cars_desktop.config import Settings
from cars_desktop.ui.task_runner import BaseTaskRunner

IDLE_CHECK_MS = 5_000


@dataclass(frozen=True)
class AppContext:
    """Settings, the data folder and the task runner, plus the clock the idle lock reads."""

    settings: Settings
    data_dir: Path
    runner: BaseTaskRunner
    clock: Callable[[], float] = field(default=time.monotonic)
    idle_check_ms: int = IDLE_CHECK_MS
