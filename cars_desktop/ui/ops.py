"""One op per user action: run a service call off the GUI thread and report errors in one place.

Modelled on Anki's `CollectionOp`: a window never calls a service directly from a slot. It calls
`run_op`, which runs the service on the task runner, hands the result to `on_success` in the GUI
thread, and turns any failure into one message for the person at the keyboard:

* a `CarsError` shows its `.message`, written for them and free of personal data;
* anything else is a bug: the log gets its type and stack (not its text, which may quote data) and
  the person gets a generic message, never a traceback.

The message goes to `on_error` when the caller has an inline place for it (an error label), else to a
message box over `parent`. If `parent` has been deleted by the time the result arrives (the window
was closed), the result is dropped rather than delivered to a dead widget.

A later issue adds the change bus: `on_success` will also broadcast the returned `Changes`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget
from shiboken6 import isValid

from cars_desktop.domain.errors import CarsError
from cars_desktop.ui.message_label import as_sentence
from cars_desktop.ui.task_runner import BaseTaskRunner, log_unexpected

log = logging.getLogger(__name__)

T = TypeVar("T")

UNEXPECTED_MESSAGE = (
    "Something went wrong and CARS Desktop could not finish this. Nothing you entered has been lost. "
    "If it happens again, tell IT support the time it happened; the details are in the program's log."
)
MESSAGE_BOX_TITLE = "CARS Desktop"


def user_message(exc: BaseException) -> str:
    """The text to show for a failed op; logs the detail of unexpected errors."""
    if isinstance(exc, CarsError):
        log.info("operation refused: %s (%s)", exc.message, type(exc).__name__)
        return as_sentence(exc.message)
    log_unexpected("operation failed", exc)
    return UNEXPECTED_MESSAGE


def show_error_box(parent: QWidget | None, message: str) -> QMessageBox:
    """A window-modal warning that does not block the event loop (so tests and timers keep running)."""
    box = QMessageBox(
        QMessageBox.Icon.Warning, MESSAGE_BOX_TITLE, message, QMessageBox.StandardButton.Ok, parent
    )
    box.setAccessibleName("Error message")
    box.setAccessibleDescription(message)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def run_op(
    runner: BaseTaskRunner,
    fn: Callable[[], T],
    on_success: Callable[[T], None],
    on_error: Callable[[str], None] | None = None,
    *,
    parent: QWidget | None = None,
) -> int:
    """Run `fn` through `runner`; `on_success(result)` or the failure message in the GUI thread.

    Returns the runner's task id.
    """

    def succeeded(result: T) -> None:
        if parent is not None and not isValid(parent):
            log.debug("result dropped: its window was closed")
            return
        on_success(result)

    def failed(exc: BaseException) -> None:
        message = user_message(exc)
        if parent is not None and not isValid(parent):
            return
        if on_error is not None:
            on_error(message)
        else:
            show_error_box(parent, message)

    return runner.run(fn, succeeded, failed)
