"""First run, enrolling with a real central server on loopback, ends at the unlock window with a store.

The set-up window is driven as a user would (the address and the one-time code typed, Enrol); the
server is a real cars_server process-in-thread over HTTP (tests/server/helpers.running_server) and
the workstation's store is a real SQLCipher file. A server user then unlocks it: the workstation
fetches their account from the server, and the main window opens on that store.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pytestqt.qtbot import QtBot

from cars_desktop.app import GuiController
from cars_desktop.storage.layout import StoreLayout
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.task_runner import InlineTaskRunner
from tests.server.helpers import PASSWORDS, SITE, WORKER, RunningServer, running_server
from tests.sync.stations import station_settings
from tests.ui.journey_support import unlock_by_keyboard


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path / "server") as running:
        yield running


@pytest.fixture
def context(tmp_path: Path) -> Iterator[AppContext]:
    """A fresh data folder (no store yet) and HTTP clients made as the program makes them."""
    runner = InlineTaskRunner()
    yield AppContext(
        station_settings(),
        tmp_path / "workstation",
        runner,
        http_factory=lambda: httpx.Client(timeout=30),
    )
    runner.shutdown()


def test_first_run_enrols_with_the_server_and_a_server_user_unlocks(
    qtbot: QtBot, context: AppContext, server: RunningServer
) -> None:
    controller = GuiController(context)
    try:
        controller.start()
        window = controller.first_run_window
        assert window is not None and window.isVisible()
        window.enrol_choice.setChecked(True)
        window._chosen()  # Next, as the choice page's button does
        window.server_url.setText(server.base_url)
        qtbot.keyClicks(window.code, server.enrolment_code(SITE))
        window.label.setText("custody-pc-1")
        window.enrol_button.click()

        qtbot.waitUntil(lambda: controller.first_run_window is None, timeout=30_000)
        assert StoreLayout(context.data_dir).exists()
        assert window.code.text() == ""  # the one-time code is not kept on screen
        unlock = controller.unlock_window
        assert unlock.isVisible() and unlock.form_enabled

        unlock_by_keyboard(qtbot, unlock, WORKER, PASSWORDS[WORKER])
        qtbot.waitUntil(lambda: controller.main_window is not None, timeout=30_000)
        main = controller.main_window
        assert main is not None
        session = main.session
        assert session.user.username == WORKER and session.site_code == SITE
        with session.unit_of_work() as uow:
            assert uow.records.count("person") == 0  # a working, empty store
    finally:
        controller.shutdown()
