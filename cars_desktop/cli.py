"""The command-line face of CARS Desktop, for IT staff and scripts; it calls the same services as the UI.

Every error is one line on standard error and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

import platformdirs
from pydantic import ValidationError

from cars_desktop import __version__
from cars_desktop.cli_provision import add_provision_parser, run_provision
from cars_desktop.cli_reports import add_report_parser, report_kpi
from cars_desktop.cli_secrets import SecretReader, add_user_auth
from cars_desktop.config import APP_DIR_NAME, Settings, resolve_data_dir
from cars_desktop.domain.errors import CarsError, InvalidInput
from cars_desktop.domain.users import check_username
from cars_protocol.records import Role

log = logging.getLogger("cars_desktop.cli")

DEMO_ADMIN = "demo.admin"
DEMO_USER = "demo.worker"
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - the documented demo password (README.md), demo data only
DEMO_SITE = "OLDBURY"

Handler = Callable[[argparse.Namespace, Settings, Path], int]


class _Parser(argparse.ArgumentParser):
    """Usage mistakes are one line too, pointing at --help."""

    def error(self, message: str) -> NoReturn:
        self.exit(InvalidInput.exit_code, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree; `--help` works at every level."""
    parser = _Parser(
        prog="cars-desktop",
        description="CARS Desktop: encrypted, offline-first case recording for arrest referral work. "
        "With no command, starts the program.",
    )
    parser.add_argument("--version", action="version", version=f"cars-desktop {__version__}")
    parser.add_argument(
        "--data-dir", type=Path, help="the workstation's data folder (default: the machine folder)"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    init = commands.add_parser(
        "init", help="create a standalone workstation store and print its recovery key once"
    )
    init.add_argument("--site", required=True, help="the site code of this workstation (for example OLDBURY)")
    init.add_argument("--admin", required=True, help="user name of the first administrator")
    init.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the administrator's new password from standard input",
    )

    seed = commands.add_parser("seed", help="fill the store with invented people and casework")
    add_user_auth(seed)
    seed.add_argument("--people", type=int, default=500, help="how many people (default 500)")
    seed.add_argument("--days", type=int, default=30, help="spread over this many past days (default 30)")
    seed.add_argument("--random-seed", type=int, default=1, help="same seed, same data (default 1)")

    demo = commands.add_parser(
        "demo", help="set up a throwaway demo workstation, seed it and open the program"
    )
    demo.add_argument("--people", type=int, default=300, help="how many invented people (default 300)")
    demo.add_argument("--no-gui", action="store_true", help="set up and seed only; print where it is")

    audit = commands.add_parser("audit", help="the audit log")
    audit_commands = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = audit_commands.add_parser("verify", help="check the whole chain; exit 0 if intact")
    add_user_auth(verify)

    export = commands.add_parser(
        "export", help="write every record you may see as JSON Lines (supervisors, admins)"
    )
    add_user_auth(export)
    export.add_argument("--out", type=Path, required=True, help="the new file to write")
    export.add_argument("--justification", help="why the export is made (recorded in the audit log)")

    users = commands.add_parser("users", help="local users of this workstation")
    users_commands = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add = users_commands.add_parser("add", help="enrol a user (secrets: your password, then theirs)")
    add_user_auth(add)
    add.add_argument("username", help="the new user's name")
    add.add_argument("--roles", required=True, help=f"comma-separated: {', '.join(r.value for r in Role)}")
    add.add_argument("--display-name", help="the name shown in the program")
    passwd = users_commands.add_parser(
        "passwd",
        help="change your password (secrets: current, new), reset another's as admin "
        "(--for: your password, their new one) or with --recovery-key (the key, the new password)",
    )
    add_user_auth(passwd, required=False)
    passwd.add_argument("--for", dest="target", help="the user whose password to reset")
    passwd.add_argument(
        "--recovery-key", action="store_true", help="use the recovery key instead of a password"
    )
    unlock = users_commands.add_parser("unlock", help="clear a user's lockout (admin or supervisor)")
    add_user_auth(unlock)
    unlock.add_argument("username", help="the locked-out user")
    listing = users_commands.add_parser("list", help="list users and their lockout state")
    add_user_auth(listing)

    recovery = commands.add_parser("recovery-key", help="the workstation's recovery key")
    recovery_commands = recovery.add_subparsers(dest="recovery_key_command", metavar="ACTION", required=True)
    rotate = recovery_commands.add_parser(
        "rotate", help="make a new recovery key (admin); the old one stops working"
    )
    add_user_auth(rotate)

    enrol = commands.add_parser(
        "enrol",
        help="enrol this workstation with the central server using a one-time code "
        "(secrets: the code, then with --user your password)",
    )
    enrol.add_argument(
        "--server", required=True, help="the central server, for example https://cars.example.org"
    )
    enrol.add_argument(
        "--code-stdin", action="store_true", help="read the code (and your password) from standard input"
    )
    enrol.add_argument(
        "--label", help="a name for this workstation on the server (default: the computer name)"
    )
    enrol.add_argument("--user", help="an administrator of an existing standalone store, to enrol it")
    enrol.add_argument(
        "--show-recovery-key",
        action="store_true",
        help="also print the new recovery key (it is escrowed with the server either way)",
    )

    sync = commands.add_parser("sync", help="run one full sync with the central server and print what moved")
    add_user_auth(sync)

    retention = commands.add_parser("retention", help="the workstation's retention of old cases")
    retention_commands = retention.add_subparsers(dest="retention_command", metavar="ACTION", required=True)
    purge = retention_commands.add_parser(
        "purge", help="remove closed cases the server holds once past the retention period (admin)"
    )
    add_user_auth(purge)
    purge.add_argument("--dry-run", action="store_true", help="say what would go; change nothing")

    backup = commands.add_parser("backup", help="write an encrypted backup file (admin)")
    add_user_auth(backup)
    backup.add_argument("--out", type=Path, required=True, help="the new backup file")

    restore = commands.add_parser("restore", help="rebuild the store from a backup file (admin)")
    restore.add_argument("file", type=Path, help="the backup file")
    add_user_auth(restore)
    restore.add_argument(
        "--recovery-key", action="store_true", help="use the recovery key instead of your password"
    )
    restore.add_argument(
        "--replace", action="store_true", help="set an existing store aside (it is kept, not deleted)"
    )
    add_report_parser(commands)
    add_provision_parser(commands)

    documents = commands.add_parser("documents", help="printed documents (no store needed)")
    documents_commands = documents.add_subparsers(dest="documents_command", metavar="ACTION", required=True)
    specimen = documents_commands.add_parser(
        "specimen", help="write every document type, filled from invented data, for review"
    )
    specimen.add_argument("--out", type=Path, required=True, help="folder for the PDFs (no file is replaced)")
    specimen.add_argument("--large-print", action="store_true", help="16 pt body text")
    return parser


def _run_documents_specimen(args: argparse.Namespace) -> int:
    from cars_desktop.documents.specimen import write_specimens

    paths = write_specimens(args.out, large_print=args.large_print)
    print(f"Wrote {len(paths)} specimen documents (invented data) to {args.out}")
    return 0


def _unlock(args: argparse.Namespace, settings: Settings, data_dir: Path, secrets: SecretReader):  # type: ignore[no-untyped-def]
    from cars_desktop.services.workstation import unlock

    username = check_username(args.user)
    return unlock(settings, data_dir, username, secrets.read(f"Password for {username}: "))


def _run_init(args: argparse.Namespace, settings: Settings, data_dir: Path) -> int:
    from cars_desktop.services.workstation import init_workstation

    admin = check_username(args.admin)
    password = SecretReader(args.password_stdin).read(f"New password for {admin}: ", confirm=True)
    result = init_workstation(settings, data_dir, args.site, admin, password)
    print(f"Workstation {result.workstation_id} set up for site {result.site_code} in {data_dir}")
    print("Recovery key (shown once: write it down and keep it in the site safe):")
    print(f"  {result.recovery_key}")
    return 0


def _with_session(action: Callable[..., int]) -> Handler:
    """Unlock as --user, run the action, and always lock again."""

    def run(args: argparse.Namespace, settings: Settings, data_dir: Path) -> int:
        secrets = SecretReader(args.password_stdin)
        session = _unlock(args, settings, data_dir, secrets)
        try:
            return action(args, session, secrets)
        finally:
            session.lock("command_finished")

    return run


def _seed(args: argparse.Namespace, session, secrets: SecretReader) -> int:  # type: ignore[no-untyped-def]
    from cars_desktop.services.seed import seed

    def progress(done: int, total: int) -> None:
        print(f"\rseeded {done} of {total} people", end="", file=sys.stderr, flush=True)

    report = seed(session, args.people, args.days, args.random_seed, progress=progress)
    print(file=sys.stderr)
    details = ", ".join(f"{n} {t.replace('_', ' ')}" for t, n in sorted(report.counts.items()))
    print(f"Saved {report.total} records: {details}")
    return 0


def _audit_verify(args: argparse.Namespace, session, secrets: SecretReader) -> int:  # type: ignore[no-untyped-def]
    from cars_desktop.services.audit_check import verify_audit_log

    print(f"Audit log intact: {verify_audit_log(session)} entries checked")
    return 0


def _export(args: argparse.Namespace, session, secrets: SecretReader) -> int:  # type: ignore[no-untyped-def]
    from cars_desktop.services.export import export_records

    count = export_records(session, args.out, args.justification)
    print(f"Exported {count} records to {args.out}")
    return 0


def _parse_roles(text: str) -> frozenset[Role]:
    try:
        roles = frozenset(Role(part.strip()) for part in text.split(",") if part.strip())
    except ValueError:
        raise InvalidInput(f"roles must be some of: {', '.join(r.value for r in Role)}") from None
    if not roles:
        raise InvalidInput("give at least one role")
    return roles


def _users_add(args: argparse.Namespace, session, secrets: SecretReader) -> int:  # type: ignore[no-untyped-def]
    from cars_desktop.services.users import enrol_user

    username = check_username(args.username)
    roles = _parse_roles(args.roles)
    password = secrets.read(f"New password for {username}: ", confirm=True)
    summary = enrol_user(session, username, args.display_name or username, roles, password)
    print(f"Enrolled {summary.username} ({', '.join(summary.roles)})")
    return 0


def _users_unlock(args: argparse.Namespace, session, secrets: SecretReader) -> int:  # type: ignore[no-untyped-def]
    from cars_desktop.services.users import clear_lockout

    clear_lockout(session, check_username(args.username))
    print(f"Lockout cleared for {args.username}")
    return 0


def _users_list(args: argparse.Namespace, session, secrets: SecretReader) -> int:  # type: ignore[no-untyped-def]
    from cars_desktop.services.users import list_users

    for user in list_users(session):
        state = f"locked until {user.locked_until.astimezone():%H:%M %d %b}" if user.locked_until else "ok"
        active = "" if user.active else " (disabled)"
        print(f"{user.username}\t{user.display_name}\t{','.join(user.roles)}\t{state}{active}")
    return 0


def _recovery_rotate(args: argparse.Namespace, session, secrets: SecretReader) -> int:  # type: ignore[no-untyped-def]
    from cars_desktop.services.users import rotate_recovery_key

    key = rotate_recovery_key(session)
    print("New recovery key (shown once; the old key no longer works):")
    print(f"  {key}")
    return 0


def _retention_purge(args: argparse.Namespace, session, secrets: SecretReader) -> int:  # type: ignore[no-untyped-def]
    from cars_desktop.services.retention import purge_retained

    report = purge_retained(session, dry_run=args.dry_run)
    verb = "Would purge" if report.dry_run else "Purged"
    print(
        f"{verb} {report.records} records of {report.people} people "
        f"(closed, held by the central server, unchanged for {report.retention_days} days)"
    )
    return 0


def _backup(args: argparse.Namespace, session, secrets: SecretReader) -> int:  # type: ignore[no-untyped-def]
    from cars_desktop.services.backup import backup_store

    backup_store(session, args.out)
    print(f"Backup written to {args.out}")
    return 0


def _run_passwd(args: argparse.Namespace, settings: Settings, data_dir: Path) -> int:
    from cars_desktop.services import users

    secrets = SecretReader(args.password_stdin)
    if args.recovery_key:
        if not args.target:
            raise InvalidInput("with --recovery-key, name the user with --for")
        target = check_username(args.target)
        key = secrets.read("Recovery key: ")
        new = secrets.read(f"New password for {target}: ", confirm=True)
        users.reset_password_with_recovery(settings, data_dir, key, target, new)
        print(f"Password reset for {target}")
        return 0
    if not args.user:
        raise InvalidInput("give --user (and --for to reset someone else's password)")
    from cars_desktop.services.workstation import unlock

    username = check_username(args.user)
    current = secrets.read(f"Password for {username}: ")
    session = unlock(settings, data_dir, username, current)
    try:
        if args.target and args.target != username:
            target = check_username(args.target)
            users.reset_password(session, target, secrets.read(f"New password for {target}: ", confirm=True))
            print(f"Password reset for {target}")
        else:
            users.change_own_password(session, current, secrets.read("New password: ", confirm=True))
            print("Password changed")
    finally:
        session.lock("command_finished")
    return 0


def _run_restore(args: argparse.Namespace, settings: Settings, data_dir: Path) -> int:
    from cars_desktop.services.backup import restore_store

    username = check_username(args.user)
    secrets = SecretReader(args.password_stdin)
    if args.recovery_key:
        session = restore_store(
            settings,
            data_dir,
            args.file,
            username,
            recovery_text=secrets.read("Recovery key: "),
            replace=args.replace,
        )
    else:
        password = secrets.read(f"Password for {username}: ")
        session = restore_store(
            settings, data_dir, args.file, username, password=password, replace=args.replace
        )
    session.lock("command_finished")
    print(f"Restored {args.file} into {data_dir}")
    return 0


def _http(settings: Settings):  # type: ignore[no-untyped-def]
    from cars_desktop.sync.client import build_http

    ca_file = str(settings.server_ca_file) if settings.server_ca_file else None
    return build_http(ca_file, settings.sync_timeout_s)


def _run_enrol(args: argparse.Namespace, settings: Settings, data_dir: Path) -> int:
    import platform

    from cars_desktop.services.enrolment import enrol
    from cars_desktop.services.workstation import unlock

    secrets = SecretReader(args.code_stdin)
    code = secrets.read("Enrolment code: ").strip()
    if not code:
        raise InvalidInput("the enrolment code is empty; give the code IT staff issued on the server")
    label = (args.label or platform.node() or "workstation")[:200]
    with _http(settings) as http:
        session = None
        if args.user:
            username = check_username(args.user)
            session = unlock(settings, data_dir, username, secrets.read(f"Password for {username}: "))
        try:
            result = enrol(
                settings, data_dir, args.server, code, label, http, session, args.show_recovery_key
            )
        finally:
            if session is not None:
                session.lock("command_finished")
    made = "a new store was created in" if result.created_store else "its store is in"
    print(
        f"Workstation {result.workstation_id} enrolled with {result.server_url} "
        f"for site {result.site_code}; {made} {data_dir}"
    )
    if result.escrowed:
        print("The recovery key is escrowed with the central server (the organisation holds the key to it).")
    else:
        print("The recovery key could not be escrowed yet; it will be sent at the next sync.")
    if result.recovery_key:
        print("Recovery key (keep it in the site safe):")
        print(f"  {result.recovery_key}")
    if result.created_store:
        print("Users enrol themselves by unlocking here while the server can be reached.")
    return 0


def _run_sync(args: argparse.Namespace, settings: Settings, data_dir: Path) -> int:
    from cars_desktop.services.sync import sync_now
    from cars_desktop.services.workstation import unlock

    username = check_username(args.user)
    password = SecretReader(args.password_stdin).read(f"Password for {username}: ")
    with _http(settings) as http:
        session = unlock(settings, data_dir, username, password, http=http)
        try:
            report = sync_now(session, http, password)
        finally:
            session.lock("command_finished")
    print(
        f"Pushed {report.sent} changes ({report.pushed} applied, {report.duplicates} already held, "
        f"{report.merged} merged, {report.conflicts} in conflict)"
    )
    print(
        f"Pulled {report.pulled} records"
        + (
            f"; {report.skipped_unsent} not applied because they have unsent changes here"
            if report.skipped_unsent
            else ""
        )
        + (f"; {report.rejected} not understood by this version" if report.rejected else "")
    )
    if report.conflicted_records:
        print(f"{report.conflicted_records} records are in conflict and wait for a supervisor")
    if report.audit_alert:
        print(f"The central server reports a break in this workstation's audit log: {report.audit_alert}")
    return 0


def _run_demo(args: argparse.Namespace, settings: Settings, data_dir: Path | None) -> int:
    from cars_desktop.services.seed import seed
    from cars_desktop.services.users import enrol_user
    from cars_desktop.services.workstation import init_workstation, unlock

    throwaway = data_dir is None
    folder = data_dir or Path(tempfile.mkdtemp(prefix="cars-demo-"))
    try:
        init_workstation(settings, folder, DEMO_SITE, DEMO_ADMIN, DEMO_PASSWORD)
        admin = unlock(settings, folder, DEMO_ADMIN, DEMO_PASSWORD)
        try:
            roles = frozenset({Role.WORKER, Role.SUPERVISOR})
            enrol_user(admin, DEMO_USER, "Demo Worker", roles, DEMO_PASSWORD)
        finally:
            admin.lock("demo_setup")
        worker = unlock(settings, folder, DEMO_USER, DEMO_PASSWORD)
        try:
            report = seed(worker, args.people, days=14)
        finally:
            worker.lock("demo_setup")
        print(f"Demo workstation in {folder}: {report.total} invented records")
        print(f"Sign in as {DEMO_USER} (worker and supervisor) or {DEMO_ADMIN}, password {DEMO_PASSWORD}")
        if args.no_gui:
            return 0
        from cars_desktop.app import run_gui

        return run_gui(settings, folder)
    finally:
        if throwaway and not args.no_gui:
            shutil.rmtree(folder, ignore_errors=True)


SESSION_COMMANDS: dict[tuple[str, str | None], Handler] = {
    ("seed", None): _with_session(_seed),
    ("audit", "verify"): _with_session(_audit_verify),
    ("export", None): _with_session(_export),
    ("report", "kpi"): _with_session(report_kpi),
    ("users", "add"): _with_session(_users_add),
    ("users", "unlock"): _with_session(_users_unlock),
    ("users", "list"): _with_session(_users_list),
    ("users", "passwd"): _run_passwd,
    ("recovery-key", "rotate"): _with_session(_recovery_rotate),
    ("retention", "purge"): _with_session(_retention_purge),
    ("backup", None): _with_session(_backup),
    ("restore", None): _run_restore,
    ("init", None): _run_init,
    ("enrol", None): _run_enrol,
    ("sync", None): _run_sync,
    ("provision", None): run_provision,
}


def _configure_logging() -> None:
    """Log to the user's log folder: details for maintainers, never personal data or secrets."""
    folder = Path(platformdirs.user_log_dir(APP_DIR_NAME, appauthor=False))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(folder / "cars-desktop.log", encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _dispatch(args: argparse.Namespace) -> int:
    settings = Settings()
    if args.command == "demo":
        return _run_demo(args, settings, args.data_dir)
    if args.command == "documents":
        return _run_documents_specimen(args)
    data_dir = resolve_data_dir(settings, args.data_dir)
    if args.command is None:
        from cars_desktop.app import run_gui

        return run_gui(settings, data_dir)
    action = getattr(args, f"{args.command.replace('-', '_')}_command", None)
    return SESSION_COMMANDS[(args.command, action)](args, _with_saved_settings(settings, data_dir), data_dir)


def _with_saved_settings(settings: Settings, data_dir: Path) -> Settings:
    """What the Settings page (or provisioning) saved applies here too, e.g. the server's certificate."""
    from cars_desktop.services.local_settings import settings_with_local_file

    chosen, problem = settings_with_local_file(settings, data_dir)
    if problem is not None:
        print(f"cars-desktop: warning: {problem}", file=sys.stderr)
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit status."""
    args = build_parser().parse_args(argv)
    _configure_logging()
    try:
        return _dispatch(args)
    except CarsError as exc:
        print(f"cars-desktop: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "input"
        print(f"cars-desktop: {where}: {first['msg']}", file=sys.stderr)
        return InvalidInput.exit_code
    except KeyboardInterrupt:
        print("cars-desktop: interrupted", file=sys.stderr)
        return 130
    except Exception:
        log.exception("unexpected error")
        print(
            "cars-desktop: an unexpected error stopped the command; the log file has the details",
            file=sys.stderr,
        )
        return 70
