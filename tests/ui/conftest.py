"""Fixtures for the UI tests: offscreen Qt, an app context over the shared real store, a leak check.

`QT_QPA_PLATFORM` is set before anything creates a QApplication, so the tests run without a display.
The store itself (`settings`, `workstation`, `session`: a real SQLCipher store in tmp_path with
cheap Argon2id) comes from the shared tests/conftest.py.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QThreadPool, QTimer
from PySide6.QtWidgets import QApplication

from cars_desktop.storage.layout import StoreLayout
from cars_desktop.storage.vault import Vault
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.task_runner import InlineTaskRunner
from tests.conftest import Workstation


class FakeClock:
    """A monotonic clock the test moves by hand, for the idle lock."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def workstation_id(workstation: Workstation) -> str:
    """The id the vault holds, read independently of the UI code under test."""
    return Vault.load(StoreLayout(workstation.data_dir).vault).workstation_id


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def context(workstation: Workstation, clock: FakeClock) -> Iterator[AppContext]:
    """An application context with the inline runner and the fake clock."""
    runner = InlineTaskRunner()
    yield AppContext(workstation.settings, workstation.data_dir, runner, clock=clock)
    runner.shutdown()


@pytest.fixture(autouse=True)
def _no_leftover_threads_timers_or_windows() -> Iterator[None]:
    """Fail a test that leaves pool work running, a window open or a widget's timer active.

    pytest-qt closes the widgets given to `qtbot.addWidget` before fixtures are torn down, so
    anything still open here was left open by the code under test.
    """
    yield
    problems: list[str] = []
    pool = QThreadPool.globalInstance()
    if not pool.waitForDone(5_000) or pool.activeThreadCount() != 0:
        problems.append(f"{pool.activeThreadCount()} thread-pool task(s) still running")
    app = QApplication.instance()
    if isinstance(app, QApplication):
        for widget in app.topLevelWidgets():
            for timer in widget.findChildren(QTimer):
                if timer.isActive():
                    problems.append(f"active timer left in {type(widget).__name__}: {timer.objectName()!r}")
                    timer.stop()
            if widget.isVisible():
                problems.append(f"window left open: {type(widget).__name__} {widget.windowTitle()!r}")
                widget.close()  # so one leak does not fail every later test too
    if problems:
        pytest.fail("; ".join(problems))
