"""The in-process half of the UI benchmark: unlock, main window with Today, Today's filter, a person opened.

Everything runs on the real `TaskRunner` (a thread pool), offscreen, with the window at 1366x768, so
the figures include the queued hand-back to the GUI thread and the painting. A `StallMonitor` ticks
every 5 ms on the GUI thread and reports the longest gap, which is how long the window could not
answer a key press while the step ran (quality bar: nothing blocks it for more than about 100 ms).
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QElapsedTimer, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from bench.ui import TARGET_INTERACTION_MS, TARGET_TODAY_S, WINDOW_SIZE, Verdicts, log, summary
from bench.ui_seed import BENCH_PASSWORD, BENCH_USER, SeededStore
from cars_desktop.services.workstation import WorkstationSession, unlock
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.main_window import MainWindow
from cars_desktop.ui.task_runner import TaskRunner

TIMEOUT_S = 60.0


class StallMonitor(QObject):
    """The longest time the GUI thread went without running its 5 ms timer, while started."""

    def __init__(self) -> None:
        super().__init__()
        self._timer = QTimer(self)
        self._timer.setInterval(5)
        self._timer.timeout.connect(self._tick)
        self._clock = QElapsedTimer()
        self.longest_ms = 0.0

    def start(self) -> None:
        self.longest_ms = 0.0
        self._clock.start()
        self._timer.start()

    def _tick(self) -> None:
        self.longest_ms = max(self.longest_ms, float(self._clock.restart()))

    def longest_ms_so_far(self) -> float:
        """The longest gap so far, counting the one still open (a block that has not yielded yet)."""
        return max(self.longest_ms, float(self._clock.elapsed()))

    def stop(self) -> float:
        self._tick()
        self._timer.stop()
        return self.longest_ms


def wait_until(done: Callable[[], bool], what: str, timeout_s: float = TIMEOUT_S) -> None:
    """Run the event loop until `done()`; fail loudly after the time-out."""
    app = QApplication.instance()
    assert app is not None
    deadline = time.perf_counter() + timeout_s
    while not done():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout_s:.0f} s")
        app.processEvents()
        time.sleep(0.0005)


def settled(runner: TaskRunner) -> Callable[[], bool]:
    """True once no background task has callbacks still to run."""
    return lambda: not runner.busy


def models_in(widget: QWidget) -> list[QAbstractItemModel]:
    return widget.findChildren(QAbstractItemModel)


def rows_shown(widget: QWidget) -> int:
    """Rows in the widget's biggest list model (the page's own table, whatever it is called)."""
    return max((m.rowCount() for m in models_in(widget)), default=0)


class RecordingNavigator:
    """A navigator that remembers what was asked (for pages built outside a main window)."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, Any]] = []

    def show_page(self, page_id: str) -> None:
        self.asked.append(("page", page_id))

    def open_person(self, person_id: uuid.UUID) -> None:
        self.asked.append(("person", person_id))

    def open_form(
        self, person_id: uuid.UUID, form_id: str, record_id: uuid.UUID | None = None, **kw: Any
    ) -> None:
        self.asked.append(("form", (person_id, form_id, record_id, kw)))

    def preview_document(
        self, person_id: uuid.UUID, kind: str, source_id: Any = None, variant: Any = None
    ) -> None:
        self.asked.append(("document", (person_id, kind)))

    def notify(self, message: str) -> None:
        self.asked.append(("notify", message))


def measure_unlock(store: SeededStore, runs: int = 3) -> tuple[list[float], WorkstationSession]:
    """`unlock` at the shipped Argon2id cost, `runs` times; the last session is returned unlocked."""
    samples = []
    session = None
    for number in range(runs):
        started = time.perf_counter()
        session = unlock(store.settings, store.data_dir, BENCH_USER, BENCH_PASSWORD)
        samples.append(time.perf_counter() - started)
        if number < runs - 1:
            session.lock("bench")
    assert session is not None
    return samples, session


def measure_pages(store: SeededStore, runs: int, verdicts: Verdicts) -> list[str]:
    """Unlock, then the main window with Today, Today's filter and a person record; report lines."""
    app = QApplication.instance() or QApplication([])
    app.setApplicationName("CARS Desktop (benchmark)")
    runner = TaskRunner()
    context = AppContext(store.settings, store.data_dir, runner)
    monitor = StallMonitor()
    lines = ["2. Unlock to Today populated (in this process, offscreen, 1366x768, real task runner)"]
    log("unlock at the shipped Argon2id cost")
    unlock_samples, session = measure_unlock(store)
    lines.append(f"  unlock (Argon2id + store open, off the GUI thread)  {summary(unlock_samples)}")
    lines.append("  " + warm_up_qt_classes())
    window: MainWindow | None = None
    try:
        log("main window and Today")
        monitor.start()
        started = time.perf_counter()
        window = MainWindow(context, session)
        window.resize(*WINDOW_SIZE)
        window.show()
        built = time.perf_counter() - started
        frame_stall = monitor.longest_ms_so_far()
        # The first page follows the window's show by an event-loop turn (MainWindow._show_first_page).
        wait_until(lambda: not window.first_page_pending(), "the first page")
        today = find_today(window)
        if today is None:
            wait_until(settled(runner), "the main window's first tasks")
            shown = time.perf_counter() - started
            stall = monitor.stop()
            lines.append(
                f"  main window built {built * 1000:.0f} ms, shown and settled {shown * 1000:.0f} ms"
            )
            lines.append(f"  longest GUI-thread stall {stall:.0f} ms")
            lines.append("  Today: no 'today' page is registered yet; not measured")
            verdicts.add("main window after unlock (no Today page yet)", shown, TARGET_TODAY_S)
            return lines
        wait_until(lambda: rows_shown(today) > 0 and not runner.busy, "Today's rows")
        populated = time.perf_counter() - started
        stall = monitor.stop()
        lines.append(
            f"  main window built and shown {built * 1000:.0f} ms (GUI thread blocked {frame_stall:.0f} ms);"
            f" Today populated ({rows_shown(today)} rows) {populated * 1000:.0f} ms after unlock;"
            f" longest GUI-thread stall {stall:.0f} ms"
        )
        verdicts.add("Today populated after unlock", populated, TARGET_TODAY_S)
        lines += measure_interactions(window, today, runner, monitor, runs, verdicts)
    finally:
        if window is not None:
            runner.wait_for_done()
            window.close()
            window.deleteLater()
        if not session.locked:
            session.lock("bench")
        runner.shutdown()
        app.processEvents()
    return lines


def warm_up_qt_classes() -> str:
    """What the program's warm-up does on the GUI thread while the unlock window waits, timed.

    The background half (the Qt-free services) is imported by this process already.
    """
    from cars_desktop.app import gui_warm_up_steps

    slices = [timed_ms(step) for step in gui_warm_up_steps()]
    return (
        f"warm-up on the unlock window: {len(slices)} steps (page modules, Qt classes), one per turn,"
        f" longest {max(slices):.0f} ms, {sum(slices):.0f} ms in all"
    )


def timed_ms(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return (time.perf_counter() - started) * 1000


def find_today(window: MainWindow) -> QWidget | None:
    """The Today page's widget inside the main window (the first page a worker sees), if there is one."""
    return window.page_widgets.get("today")


def measure_interactions(
    window: MainWindow,
    today: QWidget,
    runner: TaskRunner,
    monitor: StallMonitor,
    runs: int,
    verdicts: Verdicts,
) -> list[str]:
    """Filter Today by typed text, then open people's records from it, `runs` times each."""
    app = QApplication.instance()
    assert app is not None
    page: Any = today  # the Today page: its filter box, model and filter proxy
    line_edit, model, proxy = page.filter, page.model, page.proxy
    entries = list(model.rows)
    lines = ["3. Filter Today (text typed into the filter; the proxy's rows recomputed and painted)"]
    filter_samples: list[float] = []
    monitor.start()
    for number in range(runs):
        entry = entries[number % len(entries)]
        text = entry.family_name[:4]
        started = time.perf_counter()
        line_edit.setText(text)
        app.processEvents()
        filter_samples.append(time.perf_counter() - started)
        assert proxy.rowCount() >= 1
        line_edit.clear()
        app.processEvents()
    stall = monitor.stop()
    lines.append(f"  {summary(filter_samples)}; {len(entries)} rows; longest GUI-thread stall {stall:.0f} ms")
    verdicts.add("filter Today (median)", statistics.median(filter_samples), TARGET_INTERACTION_MS / 1000)

    lines.append("4. Open a person record (from Today: details, episodes and timeline shown)")
    open_samples: list[float] = []
    monitor.start()
    for number in range(runs):
        entry = entries[(number * 7) % len(entries)]
        started = time.perf_counter()
        window.navigator.open_person(entry.person_id)
        person_page = window.page_widgets.get("person")
        wait_until(partial(person_shown, person_page, entry.person_id, runner), "the person record")
        app.processEvents()
        open_samples.append(time.perf_counter() - started)
        window.show_page("today")
        app.processEvents()
    stall = monitor.stop()
    timeline = window.page_widgets["person"].timeline_model.rowCount()  # type: ignore[attr-defined]
    lines.append(
        f"  {summary(open_samples)}; last timeline {timeline} rows; longest GUI-thread stall {stall:.0f} ms"
    )
    verdicts.add(
        "open a person record (median)", statistics.median(open_samples), TARGET_INTERACTION_MS / 1000
    )
    return lines


def person_shown(page: Any, person_id: uuid.UUID, runner: TaskRunner) -> bool:
    """The person page shows this person and has nothing left to load."""
    record = getattr(page, "record", None)
    return record is not None and record.details.person_id == person_id and not runner.busy


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000
