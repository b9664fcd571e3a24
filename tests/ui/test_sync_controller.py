"""Background sync in the main window against a real server on loopback.

Each test enrols a real workstation (its own SQLCipher store and vault) with a real `cars_server`
served over HTTP on a loopback port, unlocks it as a server user and opens the main window with a
context whose HTTP factory makes a plain httpx client. Tests use the inline task runner (cycles run
in the GUI thread, so outcomes are deterministic) except one that uses the real pool. The fake
monotonic clock drives the backoff; real timers drive the debounce and the tick, kept short.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from cars_desktop.app import GuiController
from cars_desktop.config import Settings
from cars_desktop.domain.changes import Changes
from cars_desktop.services.enrolment import enrol
from cars_desktop.services.records import Saved, save_record
from cars_desktop.services.sync import sync_now as service_sync_now
from cars_desktop.services.workstation import WorkstationSession, unlock
from cars_desktop.storage.vault import Vault
from cars_desktop.ui.change_bus import concerns
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.main_window import MainWindow
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.sync_controller import REVOKED_MESSAGE, SyncMode
from cars_desktop.ui.task_runner import InlineTaskRunner, TaskRunner
from cars_server.admin.workstations import revoke_workstation
from cars_server.app import create_app
from cars_server.clock import utc_now
from tests.factories import person
from tests.server.helpers import PASSWORDS, WORKER, RunningServer, running_server
from tests.server.live_server import serve_in_thread
from tests.ui.conftest import FakeClock

TICK_MS = 20
DEBOUNCE_MS = 60
WAIT_MS = 15_000


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path) as running:
        yield running


def _enrol(server: RunningServer, settings: Settings, folder: Path) -> Path:
    with httpx.Client(timeout=30) as http:
        enrol(settings, folder, server.base_url, server.enrolment_code(), folder.name, http)
    return folder


def _unlock(settings: Settings, folder: Path) -> WorkstationSession:
    """Server-assisted the first time (the user has no slot here yet), local afterwards."""
    with httpx.Client(timeout=30) as http:
        return unlock(settings, folder, WORKER, PASSWORDS[WORKER], http=http)


def _context(
    settings: Settings, folder: Path, clock: FakeClock, runner: InlineTaskRunner | TaskRunner
) -> AppContext:
    return AppContext(
        settings,
        folder,
        runner,
        clock=clock,
        http_factory=lambda: httpx.Client(timeout=10),
        sync_tick_ms=TICK_MS,
        sync_debounce_ms=DEBOUNCE_MS,
    )


@pytest.fixture
def inline() -> Iterator[InlineTaskRunner]:
    runner = InlineTaskRunner()
    yield runner
    runner.shutdown()


def _window(qtbot: QtBot, context: AppContext, session: WorkstationSession) -> MainWindow:
    window = MainWindow(context, session)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    return window


def _wait_online(qtbot: QtBot, window: MainWindow, cycles: int = 1) -> None:
    sync = window.sync
    assert sync is not None
    qtbot.waitUntil(
        lambda: sync.cycles_started >= cycles and sync.snapshot.mode is SyncMode.ONLINE, timeout=WAIT_MS
    )


def _save_from_a_page(window: MainWindow, context: AppContext, family_name: str) -> uuid.UUID:
    """Save a person as a page would: through run_op, broadcasting the changes on the window's bus."""
    saved: list[uuid.UUID] = []
    run_op(
        context.runner,
        lambda: save_record(window.session, person(author=WORKER, family_name=family_name)),
        window.change_bus.broadcasting(lambda s: s.changes, lambda s: saved.append(s.records[0].id)),
        parent=window,
    )
    assert saved
    return saved[0]


def _on_server(server: RunningServer, record_id: uuid.UUID) -> int:
    with server.engine.connect() as conn:
        return int(
            conn.exec_driver_sql("SELECT count(*) FROM records WHERE id = ?", (str(record_id),)).scalar() or 0
        )


def test_a_save_is_synced_after_the_debounce_and_the_bar_shows_it(
    qtbot: QtBot,
    server: RunningServer,
    settings: Settings,
    tmp_path: Path,
    inline: InlineTaskRunner,
    clock: FakeClock,
) -> None:
    folder = _enrol(server, settings, tmp_path / "custody-pc")
    context = _context(settings, folder, clock, inline)
    window = _window(qtbot, context, _unlock(settings, folder))
    sync = window.sync
    assert sync is not None
    _wait_online(qtbot, window)  # a fresh session syncs at once
    assert re.search(r"Last sync: \d\d:\d\d", window.sync_bar.text())
    before = sync.cycles_started

    record_id = _save_from_a_page(window, context, "Pemberton")
    # The save is counted at once, but the cycle waits for the debounce.
    assert "Pending: 1 (oldest under 1 min)" in window.sync_bar.text()
    assert sync.cycles_started == before
    assert _on_server(server, record_id) == 0

    _wait_online(qtbot, window, before + 1)
    assert _on_server(server, record_id) == 1
    text = window.sync_bar.text()
    assert text.startswith("Online | Pending: 0 | Last sync: ")
    assert "No conflicts" in text
    assert "Pemberton" not in text and WORKER not in text


def test_a_burst_of_saves_costs_one_cycle(
    qtbot: QtBot,
    server: RunningServer,
    settings: Settings,
    tmp_path: Path,
    inline: InlineTaskRunner,
    clock: FakeClock,
) -> None:
    folder = _enrol(server, settings, tmp_path / "custody-pc")
    context = _context(settings, folder, clock, inline)
    window = _window(qtbot, context, _unlock(settings, folder))
    _wait_online(qtbot, window)
    sync = window.sync
    assert sync is not None
    before = sync.cycles_started
    ids = [_save_from_a_page(window, context, f"Hollowell{n}") for n in range(3)]
    assert "Pending: 3" in window.sync_bar.text()
    _wait_online(qtbot, window, before + 1)
    assert "Pending: 0" in window.sync_bar.text()
    assert all(_on_server(server, i) == 1 for i in ids)
    qtbot.wait(3 * DEBOUNCE_MS)
    assert sync.cycles_started == before + 1


def test_pulled_records_are_broadcast_and_do_not_start_another_cycle(
    qtbot: QtBot,
    server: RunningServer,
    settings: Settings,
    tmp_path: Path,
    inline: InlineTaskRunner,
    clock: FakeClock,
) -> None:
    folder = _enrol(server, settings, tmp_path / "custody-a")
    context = _context(settings, folder, clock, inline)
    window = _window(qtbot, context, _unlock(settings, folder))
    _wait_online(qtbot, window)
    sync = window.sync
    assert sync is not None

    other = _unlock(settings, _enrol(server, settings, tmp_path / "custody-b"))
    try:
        made = save_record(other, person(author=WORKER, family_name="Fairweather")).records[0]
        with httpx.Client(timeout=30) as http:
            assert service_sync_now(other, http).pushed == 1
    finally:
        other.lock()

    before = sync.cycles_started
    with qtbot.waitSignal(window.change_bus.sig_changed, timeout=WAIT_MS) as blocker:
        window.sync_now_action.trigger()
    changes = blocker.args[0]
    assert isinstance(changes, Changes) and concerns(changes, {"person"})
    with window.session.unit_of_work() as uow:
        assert uow.records.get(made.id) is not None
    qtbot.wait(3 * DEBOUNCE_MS)  # our own broadcast is not a save: no second cycle
    assert sync.cycles_started == before + 1


def test_offline_backs_off_and_sync_now_resets_it(
    qtbot: QtBot, settings: Settings, tmp_path: Path, inline: InlineTaskRunner, clock: FakeClock
) -> None:
    with ExitStack() as running:
        server = running.enter_context(running_server(tmp_path))
        folder = _enrol(server, settings, tmp_path / "custody-pc")
        session = _unlock(settings, folder)
        context = _context(settings, folder, clock, inline)
        window = _window(qtbot, context, session)
        _wait_online(qtbot, window)
    # The server has stopped: its port no longer answers.
    sync = window.sync
    assert sync is not None
    sync.backoff.uniform = lambda low, high: high  # the jitter's upper end, so the growth is exact
    before = sync.cycles_started

    _save_from_a_page(window, context, "Ashdown")
    qtbot.waitUntil(lambda: sync.snapshot.mode is SyncMode.OFFLINE, timeout=WAIT_MS)
    assert sync.cycles_started == before + 1
    assert sync.backoff.failures == 1
    assert window.sync_bar.state.text() == "Offline, retrying in 5 s"
    assert "Pending: 1" in window.sync_bar.text()
    assert "could not be reached" in window.sync_bar.state.toolTip()

    # A save while offline does not hurry the retries.
    _save_from_a_page(window, context, "Ashdown-Two")
    qtbot.wait(3 * DEBOUNCE_MS)
    assert sync.cycles_started == before + 1
    assert "Pending: 2" in window.sync_bar.text()

    for failures, shown in ((2, "10 s"), (3, "20 s"), (4, "40 s")):
        clock.advance(sync.backoff.remaining())
        before_tick = sync.cycles_started
        qtbot.waitUntil(lambda: sync.cycles_started > before_tick, timeout=WAIT_MS)  # noqa: B023
        assert sync.backoff.failures == failures
        assert window.sync_bar.state.text() == f"Offline, retrying in {shown}"
    clock.advance(15)  # the countdown follows the clock
    qtbot.waitUntil(lambda: window.sync_bar.state.text() == "Offline, retrying in 25 s", timeout=WAIT_MS)

    window.sync_now_action.trigger()  # forgets the failures, tries at once, fails once
    assert sync.backoff.failures == 1
    assert window.sync_bar.state.text() == "Offline, retrying in 5 s"
    assert sync.cycles_started == before + 5


def test_f9_syncs_now(
    qtbot: QtBot,
    server: RunningServer,
    settings: Settings,
    tmp_path: Path,
    inline: InlineTaskRunner,
    clock: FakeClock,
) -> None:
    folder = _enrol(server, settings, tmp_path / "custody-pc")
    context = _context(settings, folder, clock, inline)
    window = _window(qtbot, context, _unlock(settings, folder))
    _wait_online(qtbot, window)
    sync = window.sync
    assert sync is not None
    # Saved without a broadcast (as by another program): only the timer or Sync now sends it.
    saved: Saved = save_record(window.session, person(author=WORKER, family_name="Kingsley"))
    record_id = saved.records[0].id
    qtbot.wait(3 * DEBOUNCE_MS)
    assert _on_server(server, record_id) == 0
    before = sync.cycles_started
    qtbot.keyClick(window, Qt.Key.Key_F9)
    assert sync.cycles_started == before + 1
    assert _on_server(server, record_id) == 1
    assert "Online | Pending: 0" in window.sync_bar.text()
    assert window.sync_bar.sync_button.defaultAction() is window.sync_now_action


def test_the_interval_timer_syncs_again(
    qtbot: QtBot,
    server: RunningServer,
    settings: Settings,
    tmp_path: Path,
    inline: InlineTaskRunner,
    clock: FakeClock,
) -> None:
    folder = _enrol(server, settings, tmp_path / "custody-pc")
    context = _context(settings, folder, clock, inline)
    window = _window(qtbot, context, _unlock(settings, folder))
    _wait_online(qtbot, window)
    sync = window.sync
    assert sync is not None
    record_id = save_record(window.session, person(author=WORKER, family_name="Tennant")).records[0].id
    clock.advance(settings.sync_interval_s)
    _wait_online(qtbot, window, 2)
    assert _on_server(server, record_id) == 1


def test_a_revoked_workstation_locks_at_once_with_the_reason(
    qtbot: QtBot,
    server: RunningServer,
    settings: Settings,
    tmp_path: Path,
    inline: InlineTaskRunner,
    clock: FakeClock,
) -> None:
    folder = _enrol(server, settings, tmp_path / "lost-pc")
    _unlock(settings, folder).lock()  # the user now has a slot here, as after a first server-assisted unlock
    context = _context(settings, folder, clock, inline)
    controller = GuiController(context)
    try:
        controller.start()
        unlock_window = controller.unlock_window
        unlock_window.username.setText(WORKER)
        unlock_window.password.setText(PASSWORDS[WORKER])
        unlock_window.submit()
        window = controller.main_window
        assert window is not None
        _wait_online(qtbot, window)
        session, sync = window.session, window.sync
        assert sync is not None
        workstation = Vault.load(folder / "vault.json").enrolment_info()
        assert workstation is not None
        revoke_workstation(server.engine, workstation.workstation_id, "test-admin", utc_now())

        window.sync_now_action.trigger()
        assert session.locked
        assert controller.main_window is None
        assert unlock_window.isVisible()
        assert unlock_window.notice.text() == REVOKED_MESSAGE
        assert "withdrawn" in REVOKED_MESSAGE and "administrator" in REVOKED_MESSAGE
        assert Vault.load(folder / "vault.json").content.slots == ()
        assert not sync.tick_timer.isActive() and sync.snapshot.mode is SyncMode.STOPPED
    finally:
        controller.shutdown()


def test_a_client_too_old_shows_the_servers_message_and_stops_until_restart(
    qtbot: QtBot,
    server: RunningServer,
    settings: Settings,
    tmp_path: Path,
    inline: InlineTaskRunner,
    clock: FakeClock,
) -> None:
    folder = _enrol(server, settings, tmp_path / "custody-pc")
    _unlock(settings, folder).lock()
    # The same database served again, now asking for a newer program.
    strict = create_app(server.settings.model_copy(update={"minimum_client_version": "99.0.0"}))
    with serve_in_thread(strict) as strict_url:
        moved = Settings(kdf=settings.kdf, server_url=strict_url)
        context = _context(moved, folder, clock, inline)
        window = _window(qtbot, context, unlock(moved, folder, WORKER, PASSWORDS[WORKER]))
        sync = window.sync
        assert sync is not None
        qtbot.waitUntil(lambda: sync.snapshot.mode is SyncMode.HELD, timeout=WAIT_MS)
        state = window.sync_bar.state.text()
        assert state.startswith("Sync stopped: The central server refused")
        assert "run CARS-Desktop-Setup-99.0.0.exe (Windows)" in state
        assert "cars-desktop-99.0.0-linux-x86_64.tar.gz (Linux)" in state
        assert not sync.tick_timer.isActive()
        tried = sync.cycles_started
        window.sync_now_action.trigger()
        clock.advance(3600)
        qtbot.wait(3 * TICK_MS)
        assert sync.cycles_started == tried
        window.close()

        # Unlocking again in the same run does not try again.
        again = _window(qtbot, context, unlock(moved, folder, WORKER, PASSWORDS[WORKER]))
        assert again.sync is not None
        assert again.sync.snapshot.mode is SyncMode.HELD and again.sync.cycles_started == 0
        assert "CARS-Desktop-Setup-99.0.0.exe" in again.sync_bar.state.text()
        again.close()


def test_a_standalone_workstation_says_it_does_not_sync(
    qtbot: QtBot,
    settings: Settings,
    tmp_path: Path,
    inline: InlineTaskRunner,
    clock: FakeClock,
    session: WorkstationSession,
) -> None:
    context = _context(settings, session.layout.data_dir, clock, inline)
    window = _window(qtbot, context, session)
    assert window.sync is None
    assert window.sync_bar.text() == "Standalone, not syncing"
    assert not window.sync_now_action.isEnabled()


def test_locking_stops_sync_and_the_pool_runs_the_cycles(
    qtbot: QtBot, server: RunningServer, settings: Settings, tmp_path: Path, clock: FakeClock
) -> None:
    folder = _enrol(server, settings, tmp_path / "custody-pc")
    runner = TaskRunner()
    try:
        context = _context(settings, folder, clock, runner)
        window = _window(qtbot, context, _unlock(settings, folder))
        sync = window.sync
        assert sync is not None
        _wait_online(qtbot, window)
        record_id = _save_from_a_page_threaded(qtbot, window, context)
        _wait_online(qtbot, window, 2)
        assert _on_server(server, record_id) == 1

        window.sync_now_action.trigger()  # a cycle on the pool, still running when the lock comes
        with qtbot.waitSignal(window.sig_locked, timeout=WAIT_MS):
            qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        assert window.session.locked
        assert not sync.tick_timer.isActive() and not sync.debounce_timer.isActive()
        assert not sync.running and not runner.busy
        assert window.sync_bar.state.text() == "Sync stopped: workstation locked"
    finally:
        runner.shutdown()


def _save_from_a_page_threaded(qtbot: QtBot, window: MainWindow, context: AppContext) -> uuid.UUID:
    saved: list[uuid.UUID] = []
    with qtbot.waitSignal(window.change_bus.sig_changed, timeout=WAIT_MS):
        run_op(
            context.runner,
            lambda: save_record(window.session, person(author=WORKER, family_name="Larkspur")),
            window.change_bus.broadcasting(lambda s: s.changes, lambda s: saved.append(s.records[0].id)),
            parent=window,
        )
    return saved[0]


def test_the_unlock_window_lets_a_user_new_to_this_workstation_in_through_the_server(
    qtbot: QtBot,
    server: RunningServer,
    settings: Settings,
    tmp_path: Path,
    inline: InlineTaskRunner,
    clock: FakeClock,
) -> None:
    folder = _enrol(server, settings, tmp_path / "new-pc")  # nobody has a slot here yet
    controller = GuiController(_context(settings, folder, clock, inline))
    try:
        controller.start()
        controller.unlock_window.username.setText(WORKER)
        controller.unlock_window.password.setText(PASSWORDS[WORKER])
        controller.unlock_window.submit()
        window = controller.main_window
        assert window is not None, controller.unlock_window.error.text()
        assert "Signed in as Sam Worker" in window.signed_in.text()
        _wait_online(qtbot, window)
    finally:
        controller.shutdown()
