"""`cars-desktop report kpi`: the KPI table, and the commissioner's report with a CSV per table.

Kept apart from `cli.py` (which only registers it): the report's options, their checks and its
files are one job. The rules for report files are shared with `cars-server report`
(`reports.report_files`), so both commands refuse and word things alike.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from cars_desktop.cli_secrets import SecretReader, add_user_auth
from cars_desktop.domain.errors import InvalidInput
from cars_desktop.reports.report_files import (
    ReportFileError,
    already_exists,
    commissioner_option_problem,
    make_folder,
    tables_folder_problem,
    write_new_file,
)
from cars_desktop.reports.workers import WORKERS_HELP, default_workers, workers_argument


def add_report_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `report kpi`."""
    report = commands.add_parser("report", help="reports over the records this workstation holds")
    report_commands = report.add_subparsers(dest="report_command", metavar="ACTION", required=True)
    kpi = report_commands.add_parser("kpi", help="the commissioner's KPIs by period (supervisors)")
    add_user_auth(kpi)
    kpi.add_argument("--from", dest="first", type=_iso_date, required=True, help="first date, YYYY-MM-DD")
    kpi.add_argument("--to", dest="last", type=_iso_date, required=True, help="last date, YYYY-MM-DD")
    kpi.add_argument(
        "--period",
        choices=["day", "week", "month", "quarter", "financial_year"],
        help="length of each period (default month; financial years run April to March)",
    )
    kpi.add_argument(
        "--by", choices=["site", "la", "worker"], help="split by site, local authority or worker"
    )
    kpi.add_argument("--site", action="append", help="count only this site's casework (repeat for more)")
    kpi.add_argument(
        "--format",
        choices=["csv", "json", "pdf"],
        help="csv (the default) or json: the KPI table by period; pdf: the commissioner's report "
        "for the whole of --from to --to against the period before (needs --out)",
    )
    suppression = kpi.add_mutually_exclusive_group()
    suppression.add_argument(
        "--suppress-below",
        type=int,
        metavar="N",
        help="show counts from 1 to N-1 as <N (csv and json: off unless given; pdf and "
        "--tables-dir: 5 unless given, as they are for readers outside the service)",
    )
    suppression.add_argument(
        "--no-suppress", action="store_true", help="show every count (only for use inside the service)"
    )
    kpi.add_argument("--out", type=Path, help="new file to write (default: standard output)")
    kpi.add_argument("--workers", type=workers_argument, metavar="N", help=WORKERS_HELP)
    kpi.add_argument(
        "--tables-dir",
        type=Path,
        metavar="DIR",
        help="also write each table of the commissioner's report as a CSV into DIR (new or empty)",
    )


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-04-01") from None


def report_kpi(args: argparse.Namespace, session, secrets: SecretReader) -> int:  # type: ignore[no-untyped-def]
    """The KPI table (csv/json) or the commissioner's report (pdf and/or tables), as asked."""
    from cars_desktop.reports.compute import GroupBy
    from cars_desktop.reports.export import to_csv, to_json
    from cars_desktop.reports.periods import PeriodKind
    from cars_desktop.services.reports import kpi_report

    if args.suppress_below is not None and args.suppress_below < 2:
        raise InvalidInput("--suppress-below must be 2 or more")
    if args.out is not None and args.out.exists():
        raise InvalidInput(already_exists(args.out))
    if args.format == "pdf" or args.tables_dir is not None:
        return _report_commissioner(args, session)
    sites = frozenset(args.site) if args.site else None
    table = kpi_report(
        session,
        args.first,
        args.last,
        PeriodKind(args.period or "month"),
        GroupBy(args.by or "none"),
        sites,
        workers=default_workers() if args.workers is None else args.workers,
    )
    render = to_json if args.format == "json" else to_csv
    text = render(table, None if args.no_suppress else args.suppress_below)
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
        print(f"Wrote {len(table.rows)} KPI rows to {args.out}", file=sys.stderr)
    return 0


def _report_commissioner(args: argparse.Namespace, session) -> int:  # type: ignore[no-untyped-def]
    """`report kpi --format pdf` and/or `--tables-dir`: the commissioner's report, made once."""
    problem = commissioner_option_problem(args.format, args.out, args.period, args.by)
    if problem is None and args.tables_dir is not None:
        problem = tables_folder_problem(args.tables_dir)
    if problem is not None:
        raise InvalidInput(problem)
    try:
        _write_commissioner(args, session)
    except ReportFileError as exc:
        raise InvalidInput(exc.message) from None
    return 0


def _write_commissioner(args: argparse.Namespace, session) -> None:  # type: ignore[no-untyped-def]
    from cars_desktop.reports.commissioner import commissioner_csvs
    from cars_desktop.services.reports import commissioner_report, commissioner_report_pdf

    suppress = None if args.no_suppress else (args.suppress_below or 5)
    sites = frozenset(args.site) if args.site else None
    report = commissioner_report(session, args.first, args.last, sites, suppress)
    if args.out is not None:
        write_new_file(args.out, commissioner_report_pdf(report))
        print(
            f"Wrote the commissioner's report for {report.current_period.label} to {args.out}",
            file=sys.stderr,
        )
    if args.tables_dir is not None:
        files = commissioner_csvs(report)
        make_folder(args.tables_dir)
        for name, text in files.items():
            write_new_file(args.tables_dir / name, text.encode("utf-8"))
        print(f"Wrote {len(files)} tables ({', '.join(files)}) to {args.tables_dir}", file=sys.stderr)
