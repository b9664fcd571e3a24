"""The one way the UI runs work off the GUI thread.

Every slow call (Argon2id unlock, queries, exports, sync) goes through a `TaskRunner`: the callable
runs on a `QThreadPool` worker and its result or exception comes back to the GUI thread through a
queued signal, where the callbacks run. Nothing else in the program subclasses `QThread` or uses
`threading`, so there is one place to wait for at shutdown and one place tests replace: the
`InlineTaskRunner` runs the callable at once, in the caller's thread (Picard's `FakeThreadPool`).

The callable must not touch widgets: it runs in a worker thread. The callbacks run in the GUI
thread and may.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QRunnable, Qt, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

T = TypeVar("T")
SuccessCallback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]


def log_unexpected(what: str, exc: BaseException) -> None:
    """Log an unexpected exception by type and stack only.

    The exception's own text is left out on purpose: unexpected errors (a database driver's, for
    example) may quote the values involved, which can be personal data or a secret.
    """
    stack = "".join(traceback.format_tb(exc.__traceback__))
    log.error("%s: unexpected %s.%s\n%s", what, type(exc).__module__, type(exc).__qualname__, stack)


class BaseTaskRunner(QObject):
    """What windows and ops rely on; the two runners differ only in where the callable runs."""

    sig_task_done = Signal(int)
    """A task's callbacks have run (task id); tests and busy indicators listen to this."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._next_id = 0
        self._callbacks: dict[int, tuple[SuccessCallback, ErrorCallback | None]] = {}
        self._closing = False

    def run(
        self,
        fn: Callable[[], T],
        on_success: Callable[[T], None],
        on_error: ErrorCallback | None = None,
    ) -> int:
        """Run `fn` in the background; then `on_success(result)` or `on_error(exc)` in the GUI thread.

        Returns the task id. After `shutdown()` nothing new is accepted.
        """
        if self._closing:
            raise RuntimeError("the task runner has been shut down")
        self._next_id += 1
        task_id = self._next_id
        self._callbacks[task_id] = (on_success, on_error)
        self._start(task_id, fn)
        return task_id

    @property
    def busy(self) -> bool:
        """Whether any task's callbacks are still to run."""
        return bool(self._callbacks)

    def wait_for_done(self, msecs: int = -1) -> bool:
        """Block until every task has finished and its callbacks have run; False on time-out."""
        return True

    def shutdown(self, msecs: int = -1) -> bool:
        """Refuse new tasks, wait for running ones and drop callbacks not yet delivered."""
        self._closing = True
        finished = self.wait_for_done(msecs)
        self._callbacks.clear()
        return finished

    def _start(self, task_id: int, fn: Callable[[], Any]) -> None:
        raise NotImplementedError

    def _deliver(self, task_id: int, ok: bool, value: Any) -> None:
        """Run one task's callback in the GUI thread.

        An exception raised by a callback is a bug in the UI and propagates (to `sys.excepthook`,
        which `run_gui` points at the log), but `sig_task_done` is emitted all the same.
        """
        callbacks = self._callbacks.pop(task_id, None)
        if callbacks is None:
            return  # dropped by shutdown()
        on_success, on_error = callbacks
        try:
            if ok:
                on_success(value)
            elif on_error is not None:
                on_error(value)
            else:
                log_unexpected("background task without an error handler", value)
        finally:
            self.sig_task_done.emit(task_id)


class _Task(QRunnable):
    """Runs one callable on a pool thread and reports through the runner's queued signals."""

    def __init__(self, runner: TaskRunner, task_id: int, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._runner = runner
        self._task_id = task_id
        self._fn = fn
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as exc:  # anything at all must reach the GUI, or the form stays disabled
            self._runner.sig_task_failed.emit(self._task_id, exc)
        else:
            self._runner.sig_task_succeeded.emit(self._task_id, result)


class TaskRunner(BaseTaskRunner):
    """Runs tasks on a `QThreadPool` (the global one unless another is given)."""

    sig_task_succeeded = Signal(int, object)
    """Emitted from the worker thread; queued to the GUI thread. Listen to `sig_task_done` instead."""
    sig_task_failed = Signal(int, object)
    """Emitted from the worker thread with the exception; queued to the GUI thread."""

    def __init__(self, pool: QThreadPool | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        # Queued explicitly: the signals are emitted on pool threads, the callbacks must run here.
        self.sig_task_succeeded.connect(self._on_succeeded, Qt.ConnectionType.QueuedConnection)
        self.sig_task_failed.connect(self._on_failed, Qt.ConnectionType.QueuedConnection)

    def _start(self, task_id: int, fn: Callable[[], Any]) -> None:
        self._pool.start(_Task(self, task_id, fn))

    @Slot(int, object)
    def _on_succeeded(self, task_id: int, result: object) -> None:
        self._deliver(task_id, True, result)

    @Slot(int, object)
    def _on_failed(self, task_id: int, exc: object) -> None:
        self._deliver(task_id, False, exc)

    def wait_for_done(self, msecs: int = -1) -> bool:
        """Wait for the pool, then deliver the queued results now rather than at the next event loop.

        Used before locking, so a task still using the store finishes and its page is updated
        before the store closes.
        """
        finished = self._pool.waitForDone(msecs)
        QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)
        return finished


class InlineTaskRunner(BaseTaskRunner):
    """For tests: runs the callable immediately in the calling thread, callbacks before `run` returns."""

    def _start(self, task_id: int, fn: Callable[[], Any]) -> None:
        try:
            result = fn()
        except Exception as exc:
            self._deliver(task_id, False, exc)
        else:
            self._deliver(task_id, True, result)
