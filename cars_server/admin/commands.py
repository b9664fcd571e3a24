"""The `cars-server admin ...` sub-commands: argument parsing and printing, nothing else.

Each handler gets the parsed arguments, the settings and an engine on a database already at the
current schema, and returns an exit code; the work is done by the sibling modules.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from cars_server.admin.database import admin_actor
from cars_server.admin.enrolment_codes import issue_code
from cars_server.admin.extra_commands import add_extra_commands
from cars_server.admin.recovery import keygen, unseal_recovery_key
from cars_server.admin.sites import create_site
from cars_server.admin.users import create_user, disable_user, list_users, set_password
from cars_server.admin.workstations import list_workstations, revoke_workstation
from cars_server.clock import utc_now
from cars_server.config import ServerSettings
from cars_server.errors import AdminError

Handler = Callable[[argparse.Namespace, ServerSettings, Engine], int]
#: Handlers that need no database (`recovery keygen`) are marked so the CLI does not open one.
NO_DATABASE = "no_database"
MAX_PASSWORD_CHARS = 1024


def add_admin_commands(
    commands: argparse._SubParsersAction[Any],
    add_db: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Add `admin` and its sub-commands to `commands`; `add_db` adds the `--db` option."""
    admin = commands.add_parser("admin", help="administer sites, users, workstations and keys")
    groups = admin.add_subparsers(dest="admin_group", metavar="GROUP", required=True)

    site = groups.add_parser("site", help="custody blocks, courts and offices")
    site_cmds = site.add_subparsers(dest="admin_command", metavar="COMMAND", required=True)
    p = site_cmds.add_parser("create", help="add a site")
    p.add_argument("code")
    p.add_argument("--name", required=True)
    p.add_argument("--kind", required=True, choices=["custody", "court", "office"])
    _finish(p, add_db, _site_create)

    user = groups.add_parser("user", help="people who sign in at workstations")
    user_cmds = user.add_subparsers(dest="admin_command", metavar="COMMAND", required=True)
    p = user_cmds.add_parser("create", help="add a user (password read from standard input)")
    p.add_argument("username")
    p.add_argument("--name", required=True)
    p.add_argument("--role", action="append", required=True, help="repeat for several roles")
    p.add_argument("--site", action="append", required=True, help="repeat for several sites")
    p.add_argument("--password-stdin", action="store_true", required=True)
    _finish(p, add_db, _user_create)
    p = user_cmds.add_parser("disable", help="stop a user signing in; ends their sessions")
    p.add_argument("username")
    _finish(p, add_db, _user_disable)
    p = user_cmds.add_parser("passwd", help="set a user's password (read from standard input)")
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true", required=True)
    _finish(p, add_db, _user_passwd)
    p = user_cmds.add_parser("list", help="list users")
    _finish(p, add_db, _user_list)

    p = groups.add_parser("enrolment-code", help="print a one-time code that enrols one workstation")
    p.add_argument("site")
    p.add_argument("--hours", type=int, default=None, help="hours until it expires (default 24)")
    _finish(p, add_db, _enrolment_code)

    station = groups.add_parser("workstation", help="enrolled workstations")
    station_cmds = station.add_subparsers(dest="admin_command", metavar="COMMAND", required=True)
    p = station_cmds.add_parser("list", help="list workstations")
    _finish(p, add_db, _workstation_list)
    p = station_cmds.add_parser("revoke", help="withdraw a workstation; it can no longer open its data")
    p.add_argument("workstation_id", metavar="ID")
    _finish(p, add_db, _workstation_revoke)

    recovery = groups.add_parser("recovery", help="the organisation's recovery key pair")
    recovery_cmds = recovery.add_subparsers(dest="admin_command", metavar="COMMAND", required=True)
    p = recovery_cmds.add_parser("keygen", help="make the key pair; keep the private key file offline")
    p.add_argument("--out", type=Path, required=True, help="file for the private key (created, mode 0600)")
    p.set_defaults(handler=_recovery_keygen, no_database=True)
    p = recovery_cmds.add_parser("unseal", help="print a workstation's escrowed recovery key")
    p.add_argument("--private-key", type=Path, required=True)
    p.add_argument("--workstation", required=True, metavar="ID")
    _finish(p, add_db, _recovery_unseal)

    add_extra_commands(groups, add_db)


def _finish(
    parser: argparse.ArgumentParser, add_db: Callable[[argparse.ArgumentParser], None], handler: Handler
) -> None:
    add_db(parser)
    parser.set_defaults(handler=handler, no_database=False)


def read_password_stdin() -> str:
    """One line from standard input, without its line ending; never echoed or logged."""
    line = sys.stdin.readline(MAX_PASSWORD_CHARS + 2)
    password = line.rstrip("\r\n")
    if not password:
        raise AdminError("no password on standard input")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AdminError(f"the password is longer than {MAX_PASSWORD_CHARS} characters")
    return password


def _site_create(args: argparse.Namespace, _settings: ServerSettings, engine: Engine) -> int:
    create_site(engine, args.code, args.name, args.kind, admin_actor(), utc_now())
    print(f"site {args.code} created")
    return 0


def _user_create(args: argparse.Namespace, settings: ServerSettings, engine: Engine) -> int:
    create_user(
        engine,
        settings,
        username=args.username,
        display_name=args.name,
        roles=args.role,
        sites=args.site,
        password=read_password_stdin(),
        actor=admin_actor(),
        now=utc_now(),
    )
    print(f"user {args.username} created")
    return 0


def _user_disable(args: argparse.Namespace, _settings: ServerSettings, engine: Engine) -> int:
    disable_user(engine, args.username, admin_actor(), utc_now())
    print(f"user {args.username} disabled")
    return 0


def _user_passwd(args: argparse.Namespace, settings: ServerSettings, engine: Engine) -> int:
    set_password(engine, settings, args.username, read_password_stdin(), admin_actor(), utc_now())
    print(f"password of {args.username} changed")
    return 0


def _user_list(_args: argparse.Namespace, _settings: ServerSettings, engine: Engine) -> int:
    for user in list_users(engine):
        state = "active" if user.active else "disabled"
        print(
            f"{user.username}\t{user.display_name}\t{','.join(user.roles)}\t{','.join(user.sites)}\t{state}"
        )
    return 0


def _enrolment_code(args: argparse.Namespace, settings: ServerSettings, engine: Engine) -> int:
    hours = args.hours if args.hours is not None else settings.enrolment_code_hours
    print(issue_code(engine, args.site, hours, admin_actor(), utc_now()))
    return 0


def _workstation_list(_args: argparse.Namespace, _settings: ServerSettings, engine: Engine) -> int:
    for station in list_workstations(engine):
        contact = (
            station.last_contact_at.isoformat(timespec="seconds") if station.last_contact_at else "never"
        )
        state = "revoked" if station.revoked else "active"
        print(
            f"{station.workstation_id}\t{station.site_code}\t{station.label}\t"
            f"last contact {contact}\t{station.client_version or '-'}\t{state}"
        )
    return 0


def _workstation_revoke(args: argparse.Namespace, _settings: ServerSettings, engine: Engine) -> int:
    revoke_workstation(engine, args.workstation_id, admin_actor(), utc_now())
    print(f"workstation {args.workstation_id} revoked")
    return 0


def _recovery_keygen(args: argparse.Namespace, _settings: ServerSettings, _engine: Engine | None) -> int:
    public = keygen(args.out)
    print(f"private key written to {args.out}: keep it offline and safe")
    print(f"set CARS_SERVER_RECOVERY_PUBLIC_KEY={public}")
    return 0


def _recovery_unseal(args: argparse.Namespace, _settings: ServerSettings, engine: Engine) -> int:
    print(unseal_recovery_key(engine, args.private_key, args.workstation, admin_actor(), utc_now()))
    return 0
