"""A KPI report read through the report index equals the same report over every record.

Two enrolled workstations seed invented casework, amend, delete and merge each other's records and
sync with a real server over HTTP (tests.sync.test_report_agreement), so the server's records and
their index rows arrive only by sync. For reports of a week, a fortnight across a month end, a
quarter and a financial year, `compute_kpis` over `iter_records(..., window=)` (what
`cars-server report kpi` reads) must equal it over a full read, for the whole service, by site
and by local authority; and the windowed reads must have left records out, or the comparison
would prove nothing. On SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from cars_desktop.reports.compute import GroupBy, compute_kpis, report_window
from cars_desktop.reports.facts import REPORTED_TYPES
from cars_desktop.reports.periods import PeriodKind, periods_between
from cars_desktop.services.workstation import WorkstationSession
from cars_protocol.records import AssessmentStatus, Tombstone
from cars_server.reports.kpi_report import KpiReportRequest, kpi_records, kpi_table
from cars_server.reports.records import iter_records
from tests.factories import assessment, person
from tests.server.helpers import WORKER, RunningServer, running_server
from tests.server.test_report_index import Desk, at, next_revision
from tests.sync.test_report_agreement import END, START, sync_casework, two_stations


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningServer]:
    url = None if request.param == "sqlite" else request.getfixturevalue("postgresql_db_url")
    with running_server(tmp_path / "server", database_url=url) as running:
        yield running


@pytest.fixture
def stations(server: RunningServer, tmp_path: Path) -> Iterator[list[WorkstationSession]]:
    with httpx.Client(timeout=30) as http, two_stations(server, http, tmp_path / "desks") as both:
        sync_casework(server, http, both, random_seed=31)
        yield both


def reports() -> list[tuple[date, date, PeriodKind]]:
    """Reports short and long over the synced casework (START..END, about three months)."""
    middle = END - timedelta(days=35)
    long_before = middle.replace(day=1) - timedelta(days=400)  # no casework then: reads no record
    return [
        (middle, middle + timedelta(days=6), PeriodKind.DAY),
        (middle.replace(day=20), middle.replace(day=20) + timedelta(days=14), PeriodKind.WEEK),
        (START, END, PeriodKind.QUARTER),
        (START, END, PeriodKind.FINANCIAL_YEAR),
        (long_before, long_before + timedelta(days=20), PeriodKind.MONTH),
    ]


def test_a_report_read_through_the_index_equals_one_over_every_record(
    server: RunningServer, stations: list[WorkstationSession]
) -> None:
    engine = server.engine
    everything = list(iter_records(engine))
    reported = [r for r in everything if r.record_type in REPORTED_TYPES]
    skipped_somewhere = False
    for first, last, kind in reports():
        periods = periods_between(first, last, kind)
        window = report_window(periods)
        assert window is not None, "a KPI is not known to count only its own record's dates"
        read = list(iter_records(engine, REPORTED_TYPES, window=window))
        assert len({r.id for r in read}) == len(read), "a record was read twice"
        skipped_somewhere |= len(read) < len(reported)
        for group_by in (GroupBy.NONE, GroupBy.SITE, GroupBy.LOCAL_AUTHORITY):
            assert compute_kpis(read, periods, group_by) == compute_kpis(everything, periods, group_by), (
                first,
                kind,
                group_by,
            )
    assert skipped_somewhere, "no report left a record out; the comparisons prove nothing about the index"
    quarter = compute_kpis(everything, periods_between(START, END, PeriodKind.QUARTER), GroupBy.NONE)
    assert sum(1 for row in quarter.rows if row.value) >= 5, "the casework counted for nothing"

    # The command's own read (`cars-server report kpi`) gives the full read's table.
    for by in (None, "site", "la"):
        request = KpiReportRequest(START, END, PeriodKind.MONTH, by=by, suppress_below=None)
        assert kpi_table(kpi_records(engine, request), request) == kpi_table(everything, request), by

    # Asked for no people, the read fetches none (not even those the records are about).
    window = report_window(periods_between(START, END, PeriodKind.MONTH))
    assert window is not None
    only = list(iter_records(engine, ("assessment",), batch=7, window=window))
    assert only and {r.record_type for r in only} == {"assessment"}


def test_a_record_of_a_merged_person_counts_for_the_person_kept(server: RunningServer) -> None:
    """The person kept is read although nothing in the window is about them: the record names the
    merged duplicate, which every report reads (indexed `ALWAYS`) and which leads to them."""
    desk = Desk(server)
    long_ago = at(date(2024, 1, 15))
    keep = person(local_authority="SANDWELL", created_at=long_ago, updated_at=long_ago)
    duplicate = person(
        family_name="Quilfeather", local_authority="DUDLEY", created_at=long_ago, updated_at=long_ago
    )
    seen = at(date(2026, 3, 10))
    counted = assessment(duplicate.id).model_copy(
        update={
            "created_at": seen,
            "updated_at": seen,
            "status": AssessmentStatus.COMPLETED,
            "completed_at": seen,
        }
    )
    assert desk.push(keep, duplicate, counted) == ["applied"] * 3
    merged = next_revision(
        duplicate,
        tombstone=Tombstone(at=long_ago, by=WORKER, reason="same person", merged_into=keep.id),
    )
    assert desk.push(merged) == ["applied"]

    periods = periods_between(date(2026, 3, 1), date(2026, 3, 31), PeriodKind.MONTH)
    window = report_window(periods)
    assert window is not None
    read = list(iter_records(server.engine, REPORTED_TYPES, window=window))
    full = compute_kpis(iter_records(server.engine), periods, GroupBy.LOCAL_AUTHORITY)
    assert compute_kpis(read, periods, GroupBy.LOCAL_AUTHORITY) == full
    assert any(row.group == "SANDWELL" and row.value for row in full.rows), "the count went elsewhere"
    assert {r.id for r in read} == {keep.id, duplicate.id, counted.id}
