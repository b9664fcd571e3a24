"""Ops show a service's message as it is and never show the detail of an unexpected error."""

from __future__ import annotations

import logging

import pytest
import shiboken6
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from cars_desktop.domain.errors import InvalidInput
from cars_desktop.ui.ops import UNEXPECTED_MESSAGE, run_op
from cars_desktop.ui.task_runner import InlineTaskRunner, TaskRunner


def _raise(exc: BaseException) -> None:
    raise exc


def test_cars_error_message_goes_to_the_inline_handler(qtbot: QtBot) -> None:
    runner = InlineTaskRunner()
    shown: list[str] = []
    run_op(runner, lambda: _raise(InvalidInput("that date is in the future")), lambda _: None, shown.append)
    assert shown == ["That date is in the future"]  # shown as a sentence


def test_unexpected_error_is_logged_without_its_text_and_shown_generically(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    runner = InlineTaskRunner()
    shown: list[str] = []
    personal = " ".join(["Jane", "Doe", "01/02/1980"])  # built, so the source lines in the stack lack it
    with caplog.at_level(logging.ERROR):
        run_op(runner, lambda: _raise(KeyError(personal)), lambda _: None, shown.append)
    assert shown == [UNEXPECTED_MESSAGE]
    assert "KeyError" in caplog.text
    assert personal not in caplog.text


def test_without_an_inline_handler_a_message_box_is_shown(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()

    def fail() -> None:
        raise InvalidInput("nothing to export")

    run_op(InlineTaskRunner(), fail, lambda _: None, parent=parent)
    boxes = parent.findChildren(QMessageBox)
    assert [b.text() for b in boxes] == ["Nothing to export"]
    boxes[0].close()


def test_result_for_a_deleted_window_is_dropped(qtbot: QtBot) -> None:
    runner = TaskRunner()
    parent = QWidget()
    delivered: list[int] = []
    run_op(runner, lambda: 1, delivered.append, parent=parent)
    shiboken6.delete(parent)  # the window goes before the result arrives
    qtbot.waitUntil(lambda: not runner.busy, timeout=5_000)
    assert delivered == []
    runner.shutdown()
