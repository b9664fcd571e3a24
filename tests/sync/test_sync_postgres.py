"""Workstations syncing over HTTP with a server on a real PostgreSQL cluster (production's database).

Two workstations converge and a concurrent edit becomes a conflict with both revisions kept (and
an edit of independent fields merges); then several workstations push at once from threads, many
small batches interleaving, editing each other's records, and every record ends up on the server
exactly once with every store converged. The PostgreSQL cluster comes from tests/postgres_fixture.py.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from cars_desktop.services.records import save_record
from cars_desktop.services.sync import sync_now
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.sync_repository import SyncState
from cars_desktop.sync.cycle import SyncReport
from cars_protocol.records import Assessment, Person
from tests.conftest import stress_rounds
from tests.factories import assessment, person
from tests.server.helpers import WORKER, RunningServer, running_server
from tests.sync.stations import Casework, check_exactly_once, enrol_station, open_station, sync_until_quiet

pytestmark = pytest.mark.postgres

PUSHERS = 4
CONCURRENT_ROUNDS = stress_rounds(3)
BATCH = 5  # small pushes, so the workstations' transactions interleave on the server


@pytest.fixture
def pg_server(tmp_path: Path, postgresql_db_url: str) -> Iterator[RunningServer]:
    with running_server(tmp_path, database_url=postgresql_db_url) as running:
        assert running.engine.dialect.name == "postgresql"
        yield running


def _stations(server: RunningServer, http: httpx.Client, root: Path, count: int) -> list[WorkstationSession]:
    folders = [
        enrol_station(server.base_url, server.enrolment_code(), root / f"pc-{n}", http) for n in range(count)
    ]
    return [open_station(folder, http, sync_batch_size=BATCH) for folder in folders]


def test_two_workstations_converge_and_a_concurrent_edit_keeps_both_revisions(
    pg_server: RunningServer, http: httpx.Client, tmp_path: Path
) -> None:
    a, b = _stations(pg_server, http, tmp_path, 2)
    try:
        on_a = [save_record(a, person(author=WORKER, family_name=f"Pgavon{n}")).records[0] for n in range(3)]
        on_b = save_record(b, person(author=WORKER, family_name="Pgbrook")).records[0]
        done = save_record(b, assessment(on_b.id, author=WORKER, note="seen at the desk")).records[0]
        assert isinstance(done, Assessment)
        assert sync_now(a, http).pushed == 3
        report_b = sync_now(b, http)
        assert report_b.pushed == 2 and report_b.pulled == 3
        assert sync_now(a, http).pulled == 2
        with a.unit_of_work() as uow:
            seen = uow.records.get(done.id)
        assert isinstance(seen, Assessment) and seen.answers == done.answers

        # The same person edited on both, offline: a judgement field conflicts, a phone merges.
        target, merged = on_a[0], on_a[1]
        assert isinstance(target, Person) and isinstance(merged, Person)
        with b.unit_of_work() as uow:
            target_b, merged_b = uow.records.get(target.id), uow.records.get(merged.id)
        assert isinstance(target_b, Person) and isinstance(merged_b, Person)
        save_record(a, target.model_copy(update={"given_names": "Marnie Avon"}))
        save_record(b, target_b.model_copy(update={"given_names": "Marnie Brook"}))
        save_record(a, merged.model_copy(update={"phone": "01215550001"}))
        save_record(b, merged_b.model_copy(update={"address": "1 Canal Walk, Oldbury"}))
        assert sync_now(a, http).pushed == 2
        report = sync_now(b, http)
        assert (report.conflicts, report.merged) == (1, 1)
        sync_until_quiet([a, b], http)

        with b.unit_of_work() as uow:
            assert uow.sync.state_of(target.id) is SyncState.CONFLICTED
            kept = {r.given_names for r in uow.records.history(target.id) if isinstance(r, Person)}
        assert "Marnie Brook" in kept  # the losing revision stays in B's history
        with pg_server.engine.connect() as conn:
            current = conn.exec_driver_sql(
                "SELECT body FROM records WHERE id = %s", (str(target.id),)
            ).scalar()
            incoming = conn.exec_driver_sql(
                "SELECT incoming_body FROM conflicts WHERE record_id = %s", (str(target.id),)
            ).scalar()
        assert "Marnie Avon" in str(current) and "Marnie Brook" in str(incoming)
        for session in (a, b):
            with session.unit_of_work() as uow:
                both = uow.records.get(merged.id)
            assert isinstance(both, Person)
            assert (both.phone, both.address) == ("01215550001", "1 Canal Walk, Oldbury")
        check_exactly_once(pg_server.engine, [a, b])
    finally:
        a.lock()
        b.lock()


def test_concurrent_pushes_from_several_workstations_store_every_record_exactly_once(
    pg_server: RunningServer, tmp_path: Path
) -> None:
    rng = random.Random(3141)
    with httpx.Client(timeout=30) as setup_http:
        sessions = _stations(pg_server, setup_http, tmp_path, PUSHERS)
    clients = [httpx.Client(timeout=60) for _ in sessions]
    work = [Casework(s, random.Random(50 + n), f"Pg{n}") for n, s in enumerate(sessions)]
    try:
        reports: list[SyncReport] = []
        for _ in range(CONCURRENT_ROUNDS):
            for casework in work:
                casework.step(rng.randint(8, 16))
            with ThreadPoolExecutor(max_workers=PUSHERS) as pool:
                reports += pool.map(lambda pair: sync_now(*pair), zip(sessions, clients, strict=True))
        assert sum(r.sent for r in reports) > 0
        sync_until_quiet(sessions, clients[0])
        view = check_exactly_once(pg_server.engine, sessions)
        assert len(view.applied) == sum(sum(w.made.values()) for w in work)
        print(
            f"{PUSHERS} workstations, {CONCURRENT_ROUNDS} rounds: {len(view.applied)} changes, "
            f"{len(view.records)} records, {len(view.conflict_changes)} conflicts"
        )
    finally:
        for client in clients:
            client.close()
        for session in sessions:
            session.lock()
