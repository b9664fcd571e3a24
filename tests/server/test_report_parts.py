"""`cars-server report kpi` counted in two processes gives the table one pass gives, on one snapshot.

The server's records arrive by real sync from two seeded workstations (amended, deleted and merged
casework, tests.sync.test_report_agreement). Once the server has stopped (a process running other
threads, such as one serving HTTP, counts in one pass), the command's table with two workers must
equal the one-pass table for several reports and groupings, on SQLite and on PostgreSQL. The
shared snapshot must hold: a commit made after it was taken is seen by neither process, and on
SQLite writers wait until every child has its snapshot.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, delete, func, select

from cars_desktop.reports.periods import PeriodKind
from cars_server.reports.kpi_report import KpiReportRequest, kpi_table, kpi_table_of
from cars_server.reports.records import iter_records, shared_snapshot
from cars_server.storage.engine import build_engine
from cars_server.storage.tables import RecordRow
from tests.server.helpers import running_server
from tests.sync.test_report_agreement import END, START, sync_casework, two_stations


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def synced(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a server database filled by real sync; the server itself has stopped."""
    url = None if request.param == "sqlite" else request.getfixturevalue("postgresql_db_url")
    with (
        running_server(tmp_path / "server", database_url=url) as server,
        httpx.Client(timeout=30) as http,
        two_stations(server, http, tmp_path / "desks") as both,
    ):
        sync_casework(server, http, both, random_seed=43)
        database_url = server.settings.database_url
    engine = build_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def test_two_processes_give_the_table_one_pass_gives(synced: Engine, only_thread: None) -> None:
    everything = list(iter_records(synced))
    middle = END - timedelta(days=30)
    for first, last, kind in (
        (START, END, PeriodKind.MONTH),
        (START, END, PeriodKind.WEEK),
        (middle, middle + timedelta(days=9), PeriodKind.DAY),
    ):
        for by in (None, "site", "la"):
            request = KpiReportRequest(first, last, kind, by=by, suppress_below=None)
            in_parts = kpi_table_of(synced, request, workers=2)
            assert in_parts == kpi_table_of(synced, request, workers=1), (first, kind, by)
            assert in_parts == kpi_table(everything, request), (first, kind, by)
    month = kpi_table_of(synced, KpiReportRequest(START, END, PeriodKind.MONTH, suppress_below=None), 2)
    assert sum(1 for row in month.rows if row.value) >= 5, "the casework counted for nothing"


def _held(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(RecordRow)) or 0)


def _delete_one(engine: Engine) -> None:
    """Delete a stored record (its index rows go with it) in a transaction of its own."""
    with engine.begin() as connection:
        first = select(func.min(RecordRow.id)).scalar_subquery()
        connection.execute(delete(RecordRow).where(RecordRow.id == first))


def test_a_child_reads_the_parents_snapshot_not_later_commits(synced: Engine) -> None:
    before = _held(synced)
    writer = build_engine(synced.url.render_as_string(hide_password=False))
    try:
        with shared_snapshot(synced) as share:
            if synced.dialect.name == "sqlite":
                # Writers wait while the parent holds the snapshot for its children.
                blocked = sqlite3.connect(str(synced.url.database), timeout=0.2)
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    blocked.execute("DELETE FROM records WHERE id = (SELECT min(id) FROM records)")
                blocked.close()
            else:
                _delete_one(writer)  # committed after the snapshot was exported
            pid = os.fork()
            if pid == 0:  # the child: adopt the snapshot; say what it saw by its exit code
                code = 1
                try:
                    with share.open_in_child() as connection:
                        seen = connection.scalar(select(func.count()).select_from(RecordRow))
                        code = 0 if seen == before else 2
                finally:
                    os._exit(code)
            _, status = os.waitpid(pid, 0)
            assert os.waitstatus_to_exitcode(status) == 0, "the child did not read the parent's snapshot"
            share.release()
            if synced.dialect.name == "sqlite":
                _delete_one(writer)  # writers go on once every child has its snapshot
            assert share.connection.scalar(select(func.count()).select_from(RecordRow)) == before
        assert _held(synced) == before - 1
    finally:
        writer.dispose()
