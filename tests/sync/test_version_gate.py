"""The version gate end to end: an old program is refused with what to install, and keeps its work.

The server requires 2.0.0. The workstation is enrolled and its user unlocked by a 2.0.0 program;
then the same store is run by a 1.x program (the installed one is rolled back), whose sync is
refused with the message naming the installer to run, with every record and the whole outbox
kept; once 2.0.0 is back, the same outbox is pushed, once.
"""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest

from cars_desktop import __version__ as installed_version
from cars_desktop.cli import main
from cars_desktop.config import Settings
from cars_desktop.services import enrolment, sync
from cars_desktop.services.enrolment import enrol
from cars_desktop.services.records import save_record
from cars_desktop.services.sync import sync_now
from cars_desktop.services.workstation import unlock
from cars_desktop.sync.cycle import sync_status
from cars_desktop.sync.errors import REFUSED_EXIT, ClientTooOld
from cars_server.app import create_app
from tests.conftest import CHEAP_KDF_ENV
from tests.factories import assessment, person
from tests.server.helpers import PASSWORDS, WORKER, RunningServer, running_server
from tests.server.live_server import serve_in_thread

REQUIRED = "2.0.0"


def _run_as(monkeypatch: pytest.MonkeyPatch, version: str) -> None:
    """Pretend the installed program is `version` (where the services read it)."""
    monkeypatch.setattr(sync, "__version__", version)
    monkeypatch.setattr(enrolment, "__version__", version)


def test_an_old_program_is_refused_with_the_installer_to_run_and_keeps_data_and_outbox(
    tmp_path: Path, settings: Settings, http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_server(tmp_path / "server", minimum_client_version=REQUIRED) as server:
        _check(server, tmp_path / "ws", settings, http, monkeypatch)


def _check(
    server: RunningServer,
    folder: Path,
    settings: Settings,
    http: httpx.Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _run_as(monkeypatch, REQUIRED)
    enrol(settings, folder, server.base_url, server.enrolment_code(), "custody", http)
    session = unlock(settings, folder, WORKER, PASSWORDS[WORKER], http=http)
    try:
        someone = save_record(session, person(author=WORKER, family_name="Quenby")).records[0]
        save_record(session, assessment(someone.id, author=WORKER))
        with session.unit_of_work() as uow:
            queued = uow.sync.pending_count()
            held = uow.records.count()
        assert queued == 2

        _run_as(monkeypatch, "1.4.2")
        with pytest.raises(ClientTooOld) as refused:
            sync_now(session, http)
        said = str(refused.value)
        assert "This CARS Desktop (1.4.2) is too old for the server, which needs 2.0.0 or later" in said
        assert f"run CARS-Desktop-Setup-{REQUIRED}.exe (Windows)" in said
        assert f"install cars-desktop-{REQUIRED}-linux-x86_64.tar.gz (Linux)" in said
        assert "Your data and unsent changes are kept" in said
        with session.unit_of_work() as uow:
            assert uow.sync.pending_count() == queued  # the outbox is untouched
            assert uow.records.count() == held  # and so are the records
            # the status bar can name the version the server wants even while it refuses
            assert sync_status(uow).server_minimum_version == REQUIRED
        with server.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM records").scalar() == 0

        _run_as(monkeypatch, REQUIRED)
        report = sync_now(session, http)
        assert report.pushed == queued
        with session.unit_of_work() as uow:
            assert uow.sync.pending_count() == 0
        with server.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM records").scalar() == queued
    finally:
        session.lock()


def test_the_sync_command_of_an_old_program_says_which_installer_to_run_and_keeps_everything(
    server: RunningServer,
    tmp_path: Path,
    settings: Settings,
    http: httpx.Client,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The installed program (this one) meets a server that was moved on to 99.0.0 overnight."""
    folder = tmp_path / "ws"
    enrol(settings, folder, server.base_url, server.enrolment_code(), "custody", http)
    session = unlock(settings, folder, WORKER, PASSWORDS[WORKER], http=http)
    try:
        someone = save_record(session, person(author=WORKER, family_name="Tarrant")).records[0]
        save_record(session, assessment(someone.id, author=WORKER))
    finally:
        session.lock()
    for name, value in CHEAP_KDF_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOME", str(tmp_path))  # the log file goes under the test's folder
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    strict = create_app(server.settings.model_copy(update={"minimum_client_version": "99.0.0"}))
    with serve_in_thread(strict) as strict_url:
        monkeypatch.setenv("CARS_SERVER_URL", strict_url)
        monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORDS[WORKER]}\n"))
        status = main(["--data-dir", str(folder), "sync", "--user", WORKER, "--password-stdin"])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert status == REFUSED_EXIT and len(lines) == 1 and "Traceback" not in err, err
    assert (
        f"This CARS Desktop ({installed_version}) is too old for the server, which needs 99.0.0 or "
        "later: run CARS-Desktop-Setup-99.0.0.exe (Windows) or install "
        "cars-desktop-99.0.0-linux-x86_64.tar.gz (Linux) from your IT service. "
        "Your data and unsent changes are kept"
    ) in lines[0]

    again = unlock(settings, folder, WORKER, PASSWORDS[WORKER])
    try:
        with again.unit_of_work() as uow:
            assert uow.sync.pending_count() == 2  # the outbox is untouched
            assert uow.records.count() == 2  # and so are the records
    finally:
        again.lock()
    with server.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM records").scalar() == 0
