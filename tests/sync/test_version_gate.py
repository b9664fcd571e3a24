"""The version gate end to end: an old program is refused with what to install, and keeps its work.

The server requires 2.0.0. The workstation is enrolled and its user unlocked by a 2.0.0 program;
then the same store is run by a 1.x program (the installed one is rolled back), whose sync is
refused with the message naming the installer to run, with every record and the whole outbox
kept; once 2.0.0 is back, the same outbox is pushed, once.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from cars_desktop.config import Settings
from cars_desktop.services import enrolment, sync
from cars_desktop.services.enrolment import enrol
from cars_desktop.services.records import save_record
from cars_desktop.services.sync import sync_now
from cars_desktop.services.workstation import unlock
from cars_desktop.sync.errors import ClientTooOld
from tests.factories import assessment, person
from tests.server.helpers import PASSWORDS, WORKER, RunningServer, running_server

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
