"""The `cars-server report ...` commands: argument parsing and printing, nothing else.

Registered by `cars_server.cli` beside `admin`; handlers have the `admin` shape (arguments,
settings, an engine on a database at the current schema) and return an exit code. The work is
done by `cars_server.reports.kpi_report`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from cars_desktop.reports.periods import PeriodKind
from cars_desktop.reports.workers import WORKERS_HELP, default_workers, workers_argument
from cars_server.admin.database import admin_actor
from cars_server.clock import utc_now
from cars_server.config import ServerSettings
from cars_server.reports.kpi_report import (
    DEFAULT_SUPPRESS_BELOW,
    FORMATS,
    GROUPINGS,
    KpiReportRequest,
    run_kpi_report,
)


def add_report_commands(
    commands: argparse._SubParsersAction[Any], add_db: Callable[[argparse.ArgumentParser], None]
) -> None:
    """Add `report` and its sub-commands to `commands`; `add_db` adds the `--db` option."""
    report = commands.add_parser("report", help="KPI reports over every site's records")
    report_cmds = report.add_subparsers(dest="report_command", metavar="COMMAND", required=True)
    p = report_cmds.add_parser(
        "kpi",
        help="the commissioner's KPI table for a date range",
        description=(
            "The KPI table over every record the server holds, by period (and by site or local "
            "authority). Counts under 5 are suppressed unless told otherwise, because the report "
            "leaves the service. Each run is recorded in the server's s.62 log."
        ),
        allow_abbrev=False,
    )
    p.add_argument("--from", dest="start", required=True, type=_date, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="end", required=True, type=_date, metavar="YYYY-MM-DD")
    p.add_argument(
        "--period",
        choices=[kind.value for kind in PeriodKind],
        help="length of each period (default: month; financial years run April to March)",
    )
    p.add_argument("--by", choices=sorted(GROUPINGS), help="one row per site or local authority of residence")
    p.add_argument(
        "--format",
        choices=list(FORMATS),
        help="csv (the default) or json: the KPI table by period; pdf: the commissioner's report for "
        "the whole of --from to --to against the period before (needs --out)",
    )
    suppression = p.add_mutually_exclusive_group()
    suppression.add_argument(
        "--suppress-below",
        type=_positive,
        default=DEFAULT_SUPPRESS_BELOW,
        metavar="N",
        help=f"suppress counts under N (default {DEFAULT_SUPPRESS_BELOW})",
    )
    suppression.add_argument(
        "--no-suppress", action="store_true", help="show every count (only for use inside the service)"
    )
    p.add_argument("--out", type=Path, metavar="FILE", help="new file to write (default: standard output)")
    p.add_argument(
        "--tables-dir",
        type=Path,
        metavar="DIR",
        help="write each table of the commissioner's report as a CSV into DIR (new or empty)",
    )
    p.add_argument(
        "--workers",
        type=workers_argument,
        default=None,
        metavar="N",
        help=WORKERS_HELP,
    )
    add_db(p)
    p.set_defaults(handler=_kpi, no_database=False)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {number} (use --no-suppress for none)")
    return number


def _kpi(args: argparse.Namespace, _settings: ServerSettings, engine: Engine) -> int:
    request = KpiReportRequest(
        start=args.start,
        end=args.end,
        period=PeriodKind(args.period) if args.period else None,
        by=args.by,
        format=args.format,
        suppress_below=None if args.no_suppress else args.suppress_below,
        out=args.out,
        tables_dir=args.tables_dir,
    )
    workers = default_workers() if args.workers is None else args.workers
    text = run_kpi_report(engine, request, admin_actor(), utc_now(), workers)
    if request.out is None and request.tables_dir is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        written = [str(path) for path in (request.out, request.tables_dir) if path is not None]
        print(f"wrote the report to {' and '.join(written)}; the run is recorded in the server's s.62 log")
    return 0
