"""Autosave: drafts reach the store off the GUI thread, on close, before a lock, and survive a SIGKILL."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QThread
from pytestqt.qtbot import QtBot

from cars_desktop.domain.errors import StoreError
from cars_desktop.services import forms as form_service
from cars_desktop.services.forms import OpenForm, open_form, start_form
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.task_runner import TaskRunner
from cars_protocol.records import AssessmentStatus
from tests.conftest import WORKER, WORKER_PASSWORD, Workstation
from tests.ui.test_form_widget import (
    CTRL,
    harm_reduction_v1,
    new_person,
    press,
    show_form,
    tab,
    type_text,
)

REPO = Path(__file__).resolve().parents[2]


def _new_form(session: WorkstationSession) -> OpenForm:
    return start_form(session, "harm_reduction", new_person(session), catalogue=harm_reduction_v1())


def _stored(session: WorkstationSession, form: OpenForm) -> dict[str, Any]:
    return open_form(session, form.record.id, catalogue=harm_reduction_v1()).record.answers


def test_autosave_runs_on_a_pool_thread_with_the_real_runner(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = TaskRunner()
    gui = QThread.currentThread()
    threads: list[QThread] = []
    real_save = form_service.save_draft

    def watched_save(session: WorkstationSession, form: OpenForm, answers: dict[str, Any]) -> OpenForm:
        threads.append(QThread.currentThread())
        return real_save(session, form, answers)

    monkeypatch.setattr(form_service, "save_draft", watched_save)
    form = _new_form(session)
    widget = show_form(qtbot, context, session, form, runner=runner, autosave_ms=100)
    with qtbot.waitSignal(widget.sig_saved, timeout=5_000) as saved:
        type_text(qtbot, "y")
    assert saved.args is not None
    assert saved.args[0].record.answers == {"opioid_use": "yes"}
    assert threads
    assert all(thread is not gui for thread in threads)
    assert "Draft saved at" in widget.state.text()
    widget.close()
    assert runner.shutdown(5_000)
    assert _stored(session, form) == {"opioid_use": "yes"}


def test_saves_never_overlap_and_completing_waits_for_the_running_save(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = TaskRunner()
    running: list[int] = []
    overlaps: list[int] = []
    guard = threading.Lock()
    real_save = form_service.save_draft

    def slow_save(session: WorkstationSession, form: OpenForm, answers: dict[str, Any]) -> OpenForm:
        with guard:
            running.append(1)
            overlaps.append(len(running))
        time.sleep(0.3)  # a slow disk: typing goes on while this save runs
        try:
            return real_save(session, form, answers)
        finally:
            with guard:
                running.pop()

    monkeypatch.setattr(form_service, "save_draft", slow_save)
    form = _new_form(session)
    widget = show_form(qtbot, context, session, form, runner=runner, autosave_ms=30)
    completed: list[Any] = []
    widget.sig_completed.connect(completed.append)
    with qtbot.waitSignal(widget.sig_saved, timeout=5_000):
        type_text(qtbot, "y")
    tab(qtbot, 6)
    type_text(qtbot, "n")
    tab(qtbot)
    type_text(qtbot, "Has one")
    qtbot.wait(50)  # a save of these answers is running now
    press(qtbot, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: bool(completed), timeout=5_000)
    widget.close()
    assert runner.shutdown(5_000)
    assert max(overlaps) == 1
    stored = open_form(session, form.record.id, catalogue=harm_reduction_v1()).record
    assert stored.status is AssessmentStatus.COMPLETED
    assert stored.answers["naloxone_declined_reason"] == "Has one"


def test_autosave_saves_only_when_something_changed(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    form = _new_form(session)
    widget = show_form(qtbot, context, session, form, autosave_ms=20)
    saves: list[OpenForm] = []
    widget.sig_saved.connect(saves.append)
    qtbot.wait(120)
    assert saves == []  # nothing typed: nothing stored
    type_text(qtbot, "y")
    qtbot.waitUntil(lambda: len(saves) == 1, timeout=2_000)
    qtbot.wait(120)
    assert len(saves) == 1
    assert saves[0].record.revision == 1
    tab(qtbot)
    press(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: len(saves) == 2, timeout=2_000)
    assert saves[1].record.revision == 2
    assert _stored(session, form) == {"opioid_use": "yes", "advice_given": ["overdose_risk"]}


def test_closing_the_widget_saves_the_draft(
    qtbot: QtBot, context: AppContext, session: WorkstationSession
) -> None:
    form = _new_form(session)
    widget = show_form(qtbot, context, session, form, autosave_ms=60_000)
    type_text(qtbot, "n")
    widget.close()
    assert not widget.autosave_timer.isActive()
    assert _stored(session, form) == {"opioid_use": "no"}


def test_locking_saves_the_draft_first(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, workstation: Workstation
) -> None:
    form = _new_form(session)
    widget = show_form(qtbot, context, session, form, autosave_ms=60_000)
    type_text(qtbot, "y")
    session.lock("idle")  # the idle lock: the key goes, the typing must not
    widget.close()
    reopened = workstation.unlock()
    try:
        assert _stored(reopened, form) == {"opioid_use": "yes"}
    finally:
        reopened.lock()


def test_a_failed_save_is_shown_inline_and_nothing_typed_is_lost(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_save = form_service.save_draft

    def failing_save(session: WorkstationSession, form: OpenForm, answers: dict[str, Any]) -> OpenForm:
        raise StoreError("the disk is full; tell IT support")

    monkeypatch.setattr(form_service, "save_draft", failing_save)
    form = _new_form(session)
    widget = show_form(qtbot, context, session, form, autosave_ms=60_000)
    type_text(qtbot, "y")
    press(qtbot, Qt.Key.Key_S, CTRL)
    assert not widget.save_error.isHidden()
    assert widget.save_error.text().startswith(
        "The draft could not be saved. The disk is full; tell IT support. What you typed is still here"
    )
    assert widget.answers() == {"opioid_use": "yes"}

    monkeypatch.setattr(form_service, "save_draft", real_save)
    press(qtbot, Qt.Key.Key_S, CTRL)
    assert widget.save_error.isHidden()
    assert _stored(session, form) == {"opioid_use": "yes"}


# ----- the crash test -----------------------------------------------------------------------------


def _run_child_and_kill(data_dir: Path, rng: random.Random) -> tuple[uuid.UUID, list[dict[str, Any]]]:
    """Start the typing child, wait for a few autosaves, SIGKILL it mid-typing; return what it reported."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.form_autosave_child", str(data_dir), WORKER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"},
    )
    assert child.stdin is not None
    assert child.stdout is not None
    child.stdin.write(f"{WORKER_PASSWORD}\n".encode())
    child.stdin.close()
    record_id: uuid.UUID | None = None
    reported: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + 60
        while len(reported) < 3 and time.monotonic() < deadline:
            line = child.stdout.readline().decode()
            if not line:
                break
            kind, _, rest = line.strip().partition(" ")
            if kind == "RECORD":
                record_id = uuid.UUID(rest)
            elif kind == "SAVED":
                reported.append(json.loads(rest))
        assert record_id is not None, "the child never opened the form"
        assert len(reported) >= 3, "the child stopped autosaving"
        time.sleep(rng.uniform(0.0, 1.0))  # somewhere between two autosaves, typing all the while
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    for line in child.stdout.read().decode().splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "SAVED":
            reported.append(json.loads(rest))
    child.stdout.close()
    return record_id, reported


def test_sigkill_while_typing_keeps_the_draft_as_last_autosaved(workstation: Workstation) -> None:
    record_id, reported = _run_child_and_kill(workstation.data_dir, random.Random(20261125))
    last = reported[-1]
    typed = [r["answers"].get("naloxone_declined_reason", "") for r in reported]
    assert typed[-1] != typed[0], "the saves did not follow the typing"

    session = workstation.unlock()
    try:
        stored = open_form(session, record_id, catalogue=harm_reduction_v1()).record
    finally:
        session.lock()
    assert stored.status is AssessmentStatus.DRAFT
    assert stored.revision >= last["revision"]  # a save may have committed after the last report
    assert stored.answers["opioid_use"] == last["answers"]["opioid_use"] == "yes"
    assert stored.answers["naloxone_offered"] == "no"
    assert str(stored.answers["naloxone_declined_reason"]).startswith(
        last["answers"]["naloxone_declined_reason"]
    )
