"""The task runner: results and errors come back to the GUI thread, and shutdown waits."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

from cars_desktop.ui.task_runner import InlineTaskRunner, TaskRunner


def test_real_runner_runs_off_the_gui_thread_and_delivers_on_it(qtbot: QtBot) -> None:
    runner = TaskRunner()
    gui_thread = QThread.currentThread()
    seen: dict[str, object] = {}

    def work() -> int:
        seen["worker"] = QThread.currentThread()
        return 42

    def done(value: int) -> None:
        seen["callback"] = QThread.currentThread()
        seen["value"] = value

    with qtbot.waitSignal(runner.sig_task_done, timeout=5_000):
        runner.run(work, done)
    assert seen["value"] == 42
    assert seen["callback"] is gui_thread
    assert seen["worker"] is not gui_thread
    assert not runner.busy
    assert runner.shutdown()


def test_real_runner_delivers_the_exception_to_on_error(qtbot: QtBot) -> None:
    runner = TaskRunner()
    errors: list[BaseException] = []

    def fail() -> None:
        raise ValueError("boom")

    with qtbot.waitSignal(runner.sig_task_done, timeout=5_000):
        runner.run(fail, lambda _: None, errors.append)
    assert [type(e) for e in errors] == [ValueError]
    runner.shutdown()


def test_wait_for_done_delivers_results_without_an_event_loop() -> None:
    runner = TaskRunner()
    results: list[str] = []
    runner.run(lambda: "done", results.append)
    assert runner.wait_for_done(5_000)
    assert results == ["done"]
    runner.shutdown()


def test_shutdown_refuses_new_tasks() -> None:
    runner = InlineTaskRunner()
    runner.shutdown()
    with pytest.raises(RuntimeError):
        runner.run(lambda: 1, lambda _: None)


def test_inline_runner_calls_back_before_run_returns() -> None:
    runner = InlineTaskRunner()
    results: list[int] = []
    errors: list[BaseException] = []
    runner.run(lambda: 7, results.append)
    runner.run(lambda: 1 // 0, results.append, errors.append)
    assert results == [7]
    assert [type(e) for e in errors] == [ZeroDivisionError]
    assert not runner.busy
