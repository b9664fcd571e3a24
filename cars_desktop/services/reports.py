"""The KPI reports over what this workstation holds, with the same definitions the server uses."""

from __future__ import annotations

from datetime import date
from functools import partial

from cars_desktop.documents.fonts import register_fonts
from cars_desktop.domain.access import Permission, require
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.errors import InvalidInput
from cars_desktop.reports.commissioner import CommissionerReport, build_commissioner_report
from cars_desktop.reports.compute import GroupBy, KpiTable, compute_kpis, report_window
from cars_desktop.reports.crime import CRIME_RECORD_TYPES
from cars_desktop.reports.facts import REPORTED_TYPES, parse_indexed, parse_reported
from cars_desktop.reports.pdf import DEFAULT_TITLE, render_commissioner_pdf
from cars_desktop.reports.periods import PeriodKind, periods_between
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.report_reads import iter_current_bodies, iter_report_bodies, people_bodies
from cars_protocol.records import utc_now

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
) -> KpiTable:
    """Every KPI from `first` to `last` by period, over the records held here.

    Supervisors only (VIEW_KPIS). Reading casework to count it is a consultation, logged once
    with the report's parameters (no personal data: the report holds only counts). Records that
    cannot change the table (`compute.report_window`) are never read: the report index gives the
    records holding a date in its months, and the people they are about are read by id.
    """
    require(session.actor, Permission.VIEW_KPIS, "see the KPI report")
    if last < first:
        raise InvalidInput("the report's last date is before its first")
    periods = periods_between(first, last, kind)
    with session.unit_of_work() as uow:
        window = report_window(periods)
        if window is None:
            records = parse_reported(iter_current_bodies(uow.session, REPORTED_TYPES))
        else:
            rows = iter_report_bodies(uow.session, REPORTED_TYPES, window.month_keys)
            records = parse_indexed(rows, partial(people_bodies, uow.session))
        table = compute_kpis(records, periods, group_by, sites)
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
