"""The central server killed (SIGKILL) and stopped (SIGTERM) part-way through a large sync.

The server runs as a real `cars-server serve` process, after `cars-server migrate` and set-up by
the admin functions, on SQLite and on a real PostgreSQL cluster. A workstation with a large outbox
syncs through the fault proxy with a bandwidth cap, so the sync takes a while; the server dies
mid-way (the test checks that some but not all changes had arrived), is started again, and so on;
then the sync runs to completion and nothing is lost or applied twice.
"""

from __future__ import annotations

import random
import signal
import threading
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from cars_desktop.services.records import save_records
from cars_desktop.services.sync import sync_now
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.sync.errors import ServerUnreachable, SyncError
from cars_protocol.records import RecordBase
from cars_server.admin.enrolment_codes import issue_code
from cars_server.clock import utc_now
from cars_server.storage.engine import build_engine
from tests.factories import assessment, person
from tests.server.helpers import ACTOR, SITE, WORKER, server_settings
from tests.server.server_process import START_TIMEOUT_S, STOP_TIMEOUT_S, ServerProcess, served
from tests.sync.fault_proxy import FaultProxy, Faults
from tests.sync.stations import check_exactly_once, enrol_station, open_station, read_server, sync_until_quiet

PEOPLE = 120  # each with an assessment: 240 changes queued
BATCH = 20  # changes per push, so a sync is a dozen pushes
THIN_LINK = Faults(delay_s=0.01, bandwidth_bytes_per_s=10_000)


class SyncInThread:
    """One `sync_now` running in a thread, so the test can kill the server under it."""

    def __init__(self, session: WorkstationSession, http: httpx.Client) -> None:
        self.error: SyncError | None = None
        self.finished = False
        self._thread = threading.Thread(target=self._run, args=(session, http), daemon=True)
        self._thread.start()

    def _run(self, session: WorkstationSession, http: httpx.Client) -> None:
        try:
            sync_now(session, http)
            self.finished = True
        except SyncError as exc:
            self.error = exc

    def join(self) -> None:
        self._thread.join(STOP_TIMEOUT_S + 30)
        assert not self._thread.is_alive(), "the sync did not end after the server went away"


def _applied(engine: Engine) -> int:
    return len(read_server(engine).applied)


def _queue_large_outbox(session: WorkstationSession) -> int:
    records: list[RecordBase] = []
    for n in range(PEOPLE):
        someone = person(author=WORKER, family_name=f"Restart{n}", phone=f"01213{n:06d}")
        records += [someone, assessment(someone.id, author=WORKER, note=f"restart note {n} " + "x" * 200)]
    save_records(session, records)
    return len(records)


def _interrupt(
    proxy: FaultProxy,
    server: ServerProcess,
    session: WorkstationSession,
    http: httpx.Client,
    sig: signal.Signals,
) -> None:
    """Start a sync, let a few pushes through, stop the server with `sig` under it, restart it."""
    responses = proxy.counters.responses + random.Random(int(sig)).randint(3, 5)
    sync = SyncInThread(session, http)
    proxy.wait_for(lambda c: c.responses >= responses, timeout_s=START_TIMEOUT_S)
    code = server.stop(sig)
    assert code in (0, -sig), f"the server ended with {code} after {sig.name}"
    sync.join()
    assert not sync.finished and isinstance(sync.error, ServerUnreachable), (
        f"the sync was not interrupted by {sig.name}: {sync.error!r}"
    )
    server.start()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_server_killed_and_stopped_mid_sync_loses_and_duplicates_nothing(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    database_url = request.getfixturevalue("postgresql_db_url") if backend == "postgresql" else None
    settings, _pem = server_settings(tmp_path, database_url)
    engine = build_engine(settings.database_url)
    try:
        with (
            served(settings, tmp_path / "server.log") as server,
            FaultProxy.for_url(server.url, rng=random.Random(5)) as proxy,
            httpx.Client(timeout=30) as http,
        ):
            code = issue_code(engine, SITE, 24, ACTOR, utc_now())
            folder = enrol_station(server.url, code, tmp_path / "busy-custody", http)
            session = open_station(folder, http, proxy.url, sync_batch_size=BATCH)
            try:
                queued = _queue_large_outbox(session)
                proxy.set_faults(THIN_LINK)
                _interrupt(proxy, server, session, http, signal.SIGKILL)
                after_kill = _applied(engine)
                assert 0 < after_kill < queued, f"{after_kill} of {queued} arrived before the kill"
                _interrupt(proxy, server, session, http, signal.SIGTERM)
                after_stop = _applied(engine)
                assert after_kill <= after_stop < queued, f"{after_stop} of {queued} arrived before the stop"
                proxy.set_faults(Faults())
                sync_until_quiet([session], http)
                view = check_exactly_once(engine, [session])
                assert len(view.applied) == queued == len(view.records)
            finally:
                session.lock()
    finally:
        engine.dispose()
