"""The KPI reports over what this workstation holds, with the same definitions the server uses."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from functools import partial

from sqlalchemy.orm import Session

from cars_desktop.documents.fonts import register_fonts
from cars_desktop.domain.access import Permission, require
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.errors import InvalidInput
from cars_desktop.reports.commissioner import CommissionerReport, build_commissioner_report
from cars_desktop.reports.compute import GroupBy, KpiTable, compute_kpis, report_window
from cars_desktop.reports.crime import CRIME_RECORD_TYPES
from cars_desktop.reports.facts import REPORTED_TYPES, parse_indexed, parse_reported
from cars_desktop.reports.parts import PartTable, kpi_table_in_parts, set_aside_inherited
from cars_desktop.reports.pdf import DEFAULT_TITLE, render_commissioner_pdf
from cars_desktop.reports.periods import Period, PeriodKind, periods_between
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.report_reads import iter_current_bodies, iter_report_bodies, people_bodies
from cars_protocol.records import RecordBase, utc_now

#: The commissioner's report adds the crime-impact tables, which also read arrests. It reads every
#: record of these types: its crime tables look after the period (re-arrests, treatment up to the
#: day the report is made) and its comparison period lies before it, so no report window applies.
COMMISSIONER_TYPES = tuple(dict.fromkeys(REPORTED_TYPES + CRIME_RECORD_TYPES))


def kpi_report(
    session: WorkstationSession,
    first: date,
    last: date,
    kind: PeriodKind,
    group_by: GroupBy = GroupBy.NONE,
    sites: frozenset[str] | None = None,
    workers: int = 1,
) -> KpiTable:
    """Every KPI from `first` to `last` by period, over the records held here.

    Supervisors only (VIEW_KPIS). Reading casework to count it is a consultation, logged once
    with the report's parameters (no personal data: the report holds only counts). Records that
    cannot change the table (`compute.report_window`) are never read: the report index gives the
    records holding a date in its months, and the people they are about are read by id. Up to
    `workers` processes count it (`reports.parts`; only from a process running one thread, such as
    the command line: the program's window counts in one).
    """
    require(session.actor, Permission.VIEW_KPIS, "see the KPI report")
    if last < first:
        raise InvalidInput("the report's last date is before its first")
    periods = periods_between(first, last, kind)
    with session.unit_of_work() as uow:

        def count(reading: Session) -> PartTable:
            return lambda part: compute_kpis(_report_records(reading, part), part, group_by, sites)

        @contextmanager
        def in_child() -> Iterator[PartTable]:
            with _read_in_child(session) as reading:
                yield count(reading)

        # The unit of work holds the store's write lock from its first statement, so a child's
        # snapshot, opened while it lasts, is this one: nothing can be committed in between.
        uow.session.connection()
        table = kpi_table_in_parts(periods, workers, count(uow.session), in_child, group_by=group_by)
        uow.audit(
            AuditEvent(
                AuditOperation.CONSULTATION,
                details={
                    "report": "kpi",
                    "from": first.isoformat(),
                    "to": last.isoformat(),
                    "period": kind.value,
                    "group_by": group_by.value,
                    "sites": sorted(sites) if sites is not None else None,
                },
            )
        )
        uow.commit()
    return table


def _report_records(reading: Session, periods: Sequence[Period]) -> Iterable[RecordBase]:
    """The records a KPI table of `periods` can count (`compute.report_window`)."""
    window = report_window(periods)
    if window is None:
        return parse_reported(iter_current_bodies(reading, REPORTED_TYPES))
    rows = iter_report_bodies(reading, REPORTED_TYPES, window.month_keys)
    return parse_indexed(rows, partial(people_bodies, reading))


@contextmanager
def _read_in_child(session: WorkstationSession) -> Iterator[Session]:
    """In a forked child (`reports.parts`): a read session on connections of its own."""
    set_aside_inherited(session.store.engine)
    reading = session.store.read_session()
    try:
        reading.begin()
        yield reading
    finally:
        reading.rollback()


def commissioner_report(
    session: WorkstationSession,
    first: date,
    last: date,
    sites: frozenset[str] | None = None,
    suppress_below: int | None = 5,
) -> CommissionerReport:
    """The commissioner's report (the period, the one before, monthly trends) over the records here.

    Supervisors only (VIEW_KPIS); one consultation entry in the audit log with the parameters.
    """
    require(session.actor, Permission.VIEW_KPIS, "see the KPI report")
    if last < first:
        raise InvalidInput("the report's last date is before its first")
    with session.unit_of_work() as uow:
        report = build_commissioner_report(
            uow.records.iter_all(COMMISSIONER_TYPES), first, last, sites, suppress_below
        )
        uow.audit(
            AuditEvent(
                AuditOperation.CONSULTATION,
                details={
                    "report": "commissioner",
                    "from": first.isoformat(),
                    "to": last.isoformat(),
                    "sites": sorted(sites) if sites is not None else None,
                    "suppress_below": suppress_below,
                },
            )
        )
        uow.commit()
    return report


def commissioner_pdf(
    session: WorkstationSession,
    first: date,
    last: date,
    sites: frozenset[str] | None = None,
    suppress_below: int | None = 5,
) -> bytes:
    """The commissioner's report as PDF bytes (small numbers suppressed unless told otherwise)."""
    return commissioner_report_pdf(commissioner_report(session, first, last, sites, suppress_below))


def commissioner_report_pdf(report: CommissionerReport) -> bytes:
    """A report already made (and logged) as the commissioner's PDF, generated now."""
    return render_commissioner_pdf(
        report, title=DEFAULT_TITLE, generated_at=utc_now(), fonts=register_fonts()
    )
