"""The workstation's KPI report over a real encrypted store: same numbers as the casebook's, audited."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import cars_desktop.services.reports as services_reports
from cars_desktop.domain.errors import NotPermitted
from cars_desktop.reports.compute import GroupBy
from cars_desktop.reports.periods import Period, PeriodKind
from cars_desktop.services.reports import kpi_report
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.tables import AuditRow
from cars_protocol.records import RecordBase
from tests.conftest import CUSTODY, CUSTODY_PASSWORD, WORKER, Workstation
from tests.reports.casebook import RECORDS
from tests.reports.test_kpis import EXPECTED


def save_casebook(session: WorkstationSession) -> None:
    """Every revision in order, as the store keeps them (the newest one is what it holds)."""
    with session.unit_of_work() as uow:
        for record in sorted(RECORDS, key=lambda r: r.revision):
            uow.records.save(record, WORKER)
        uow.commit()


def test_report_over_the_store_matches_the_casebook(session: WorkstationSession) -> None:
    save_casebook(session)
    table = kpi_report(session, date(2026, 3, 1), date(2026, 4, 30), PeriodKind.MONTH)
    march, april = table.periods
    for kpi_id, (in_march, in_april) in EXPECTED.items():
        assert table.row(kpi_id, march).value == pytest.approx(in_march), kpi_id
        assert table.row(kpi_id, april).value == pytest.approx(in_april), kpi_id
    by_site = kpi_report(session, date(2026, 4, 1), date(2026, 4, 30), PeriodKind.MONTH, GroupBy.SITE)
    assert by_site.row("referrals_into_treatment", by_site.periods[0], "OLDBURY").value == 2
    with session.unit_of_work() as uow:
        query = select(AuditRow.details, AuditRow.record_id).where(AuditRow.operation == "consultation")
        entries = [(json.loads(d or "{}"), r) for d, r in uow.session.execute(query)]
    reports = [(details, record_id) for details, record_id in entries if details.get("report") == "kpi"]
    assert len(reports) == 2
    assert reports[1][0]["group_by"] == "site" and reports[1][0]["from"] == "2026-04-01"
    assert all(record_id is None for _details, record_id in reports)


def test_only_supervisors_see_kpis(workstation: Workstation) -> None:
    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    try:
        with pytest.raises(NotPermitted):
            kpi_report(custody, date(2026, 3, 1), date(2026, 3, 31), PeriodKind.MONTH)
    finally:
        custody.lock()


def test_a_report_counted_in_two_processes_matches_one_pass(
    session: WorkstationSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, only_thread: None
) -> None:
    """The command line counts in two processes (`reports.parts`): a forked child reads the
    encrypted store on its own connection, inside the report's snapshot, and logs nothing."""
    save_casebook(session)
    readers = tmp_path / "read-by"
    read = services_reports._report_records

    def noting_reader(reading: Session, periods: Sequence[Period]) -> Iterable[RecordBase]:
        with readers.open("a", encoding="utf-8") as log:
            log.write(f"{os.getpid()}\n")
        return read(reading, periods)

    monkeypatch.setattr(services_reports, "_report_records", noting_reader)
    for kind in (PeriodKind.DAY, PeriodKind.WEEK, PeriodKind.MONTH):
        for group_by in (GroupBy.NONE, GroupBy.WORKER):
            args = (session, date(2026, 3, 1), date(2026, 4, 30), kind, group_by)
            assert kpi_report(*args, workers=2) == kpi_report(*args, workers=1), (kind, group_by)
    pids = {int(line) for line in readers.read_text(encoding="utf-8").split()}
    assert os.getpid() in pids and len(pids) > 1, "no part was read in a child process"
    with session.unit_of_work() as uow:
        logged = uow.session.scalar(
            select(func.count()).select_from(AuditRow).where(AuditRow.operation == "consultation")
        )
    assert logged == 12, "each report is logged once, by the process that was asked for it"
