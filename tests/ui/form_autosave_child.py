"""Child process for the autosave crash test: a form widget typed into forever, autosaving every second.

Usage: python -m tests.ui.form_autosave_child DATA_DIR USERNAME  (password on standard input)

It prints "RECORD <id>" once the form is open, then "SAVED <json>" after each autosave that the
store has committed (the json holds the revision and the answers saved). Typing is simulated with
key events on a timer, a few characters a second into the "why not supplied" question, and never
stops on its own: the parent kills the process with SIGKILL while it types.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json
import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from cars_desktop.config import Settings
from cars_desktop.forms.catalogue import FormCatalogue, shipped_catalogue
from cars_desktop.services.forms import OpenForm, start_form
from cars_desktop.services.records import save_records
from cars_desktop.services.workstation import unlock
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.task_runner import TaskRunner
from cars_desktop.ui.widgets.form_widget import FormWidget
from tests import factories

AUTOSAVE_MS = 1_000
KEY_MS = 60
WORDS = "declined because they already carry a kit from the hostel and say it is in date "


def _keys() -> list[tuple[Qt.Key | str, Qt.KeyboardModifier]]:
    """The key presses: answer two questions, reach the free-text one, then type letters for ever."""
    none = Qt.KeyboardModifier.NoModifier
    keys: list[tuple[Qt.Key | str, Qt.KeyboardModifier]] = [("y", none)]
    keys += [(Qt.Key.Key_Tab, none)] * 6
    keys += [("n", none), (Qt.Key.Key_Tab, none)]
    return keys


def main() -> None:
    data_dir, username = Path(sys.argv[1]), sys.argv[2]
    password = sys.stdin.readline().rstrip("\n")
    settings = Settings()
    session = unlock(settings, data_dir, username, password)
    del password
    person = factories.person(author=username)
    save_records(session, [person])
    catalogue = FormCatalogue([shipped_catalogue().get("harm_reduction", 1)])
    form = start_form(session, "harm_reduction", person.id, catalogue=catalogue)

    app = QApplication(sys.argv[:1])
    runner = TaskRunner()
    widget = FormWidget(AppContext(settings, data_dir, runner), session, form, autosave_ms=AUTOSAVE_MS)

    def report(saved: OpenForm) -> None:
        line = {"revision": saved.record.revision, "answers": saved.record.answers}
        print("SAVED", json.dumps(line), flush=True)

    widget.sig_saved.connect(report)
    widget.resize(1366, 768)
    widget.show()
    widget.activateWindow()
    print("RECORD", form.record.id, flush=True)

    script = _keys()
    typed = [0]

    def press_next() -> None:
        focus = QApplication.focusWidget()
        if focus is None:
            return
        if script:
            key, modifier = script.pop(0)
            if isinstance(key, str):
                QTest.keyClicks(focus, key)
            else:
                QTest.keyClick(focus, key, modifier)
        elif typed[0] < 190:  # the question holds 200 characters
            QTest.keyClicks(focus, WORDS[typed[0] % len(WORDS)])
            typed[0] += 1

    typing = QTimer()
    typing.setInterval(KEY_MS)
    typing.timeout.connect(press_next)
    typing.start()
    app.exec()


if __name__ == "__main__":
    main()
