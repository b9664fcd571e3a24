"""`cars-server admin audit|reference|sar|retention`: parsing and printing for the server extras.

Registered by `commands.add_admin_commands`; the work is done by `cars_server.sync.audit`,
`cars_server.reference`, `cars_server.subject_access` and `cars_server.retention`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from cars_server.admin.database import admin_actor
from cars_server.clock import utc_now
from cars_server.config import ServerSettings
from cars_server.reference.importing import import_reference, read_reference_file
from cars_server.retention import apply_retention
from cars_server.subject_access import export_subject_access
from cars_server.sync.audit import list_alerts
from cars_server.sync.slots import UK

Handler = Callable[[argparse.Namespace, ServerSettings, Engine], int]


def add_extra_commands(
    groups: argparse._SubParsersAction[Any], add_db: Callable[[argparse.ArgumentParser], None]
) -> None:
    """Add the `audit`, `reference`, `sar` and `retention` groups to `admin`."""
    audit = groups.add_parser("audit", help="workstation audit logs received by sync")
    audit_cmds = audit.add_subparsers(dest="admin_command", metavar="COMMAND", required=True)
    p = audit_cmds.add_parser("alerts", help="list breaks found in workstations' audit chains")
    p.add_argument("--site", action="append", help="only these sites (repeat for several)")
    _finish(p, add_db, _audit_alerts)

    reference = groups.add_parser("reference", help="centrally edited reference data")
    reference_cmds = reference.add_subparsers(dest="admin_command", metavar="COMMAND", required=True)
    p = reference_cmds.add_parser("import", help="check a reference file and store it as a new version")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument(
        "--effective-from",
        type=_date,
        metavar="YYYY-MM-DD",
        help="first day the version is used (default: today, UK time)",
    )
    _finish(p, add_db, _reference_import)

    p = groups.add_parser("sar", help="write everything held about one person (subject access)")
    p.add_argument("--person", required=True, metavar="ID", help="the person's id (UUID)")
    p.add_argument("--out", required=True, type=Path, metavar="FILE", help="new file to write (JSON)")
    _finish(p, add_db, _sar)

    p = groups.add_parser("retention", help="purge expired sessions, codes and old s.62 entries")
    p.add_argument("--older-than-days", required=True, type=int, metavar="N")
    p.add_argument("--dry-run", action="store_true", help="only say what would be purged")
    _finish(p, add_db, _retention)


def _finish(
    parser: argparse.ArgumentParser, add_db: Callable[[argparse.ArgumentParser], None], handler: Handler
) -> None:
    add_db(parser)
    parser.set_defaults(handler=handler, no_database=False)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _audit_alerts(args: argparse.Namespace, _settings: ServerSettings, engine: Engine) -> int:
    sites = frozenset(args.site) if args.site else None
    found = list_alerts(engine, sites)
    for alert in found:
        print(
            f"{alert.alert_id}\t{alert.raised_at.isoformat(timespec='seconds')}\t{alert.site_code}\t"
            f"{alert.workstation_id}\tentry {alert.seq}\t{alert.problem}"
        )
    if not found:
        print("no audit chain alerts")
    return 0


def _reference_import(args: argparse.Namespace, _settings: ServerSettings, engine: Engine) -> int:
    parsed = read_reference_file(args.file)
    now = utc_now()
    effective_from = args.effective_from or now.astimezone(UK).date()
    imported = import_reference(engine, parsed, effective_from, admin_actor(), now)
    print(
        f"imported {imported.kind} version {imported.version}, in effect from "
        f"{imported.effective_from.isoformat()}"
    )
    return 0


def _sar(args: argparse.Namespace, _settings: ServerSettings, engine: Engine) -> int:
    summary = export_subject_access(engine, args.person, args.out, admin_actor(), utc_now())
    print(
        f"wrote {summary.records} records, {summary.revisions} revisions and {summary.audit_entries} "
        f"audit entries to {args.out}; the disclosure is recorded in the server's s.62 log"
    )
    return 0


def _retention(args: argparse.Namespace, _settings: ServerSettings, engine: Engine) -> int:
    report = apply_retention(engine, args.older_than_days, admin_actor(), utc_now(), dry_run=args.dry_run)
    verb = "would purge" if report.dry_run else "purged"
    print(
        f"{verb} {report.sessions} expired sessions, {report.enrolment_codes} enrolment codes and "
        f"{report.server_audit} s.62 entries older than {report.cutoff.date().isoformat()}"
    )
    print(
        f"kept {report.records_past_cutoff} case records last changed before then "
        f"({report.deleted_records_past_cutoff} deleted or merged): records are the legal record "
        "and are not purged by this command"
    )
    return 0
