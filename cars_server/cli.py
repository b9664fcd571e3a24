"""`cars-server`: the command-line face of the central server.

Commands: `migrate`, `serve`, `admin ...` (see `cars_server.admin.commands`) and `report ...` (see
`cars_server.reports.commands`; run through the same handler path as `admin`). Every failure
ends as one `cars-server: error: ...` line on stderr, never a traceback.

The database URL comes from `--db URL` or `CARS_SERVER_DATABASE_URL` (default: a SQLite file in
the data folder). A URL with a password given on the command line is visible to every local user
in the process list, so prefer the environment variable for anything but SQLite.

Exit codes:
    0  success
    1  the command failed (database unreachable, refused by a check, file problem)
    2  the command line or a setting is wrong
    3  the database schema is missing or out of date: run `cars-server migrate`
"""

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from cars_protocol import PROTOCOL_VERSION
from cars_server.admin.commands import add_admin_commands
from cars_server.admin.database import describe_database_error, require_current_schema
from cars_server.config import ServerSettings, check_listen_address
from cars_server.errors import CarsServerError, DatabaseNotReady
from cars_server.reports.commands import add_report_commands
from cars_server.storage.engine import build_engine
from cars_server.storage.migrate import head_revision, upgrade_to_head
from cars_server.version import server_version

PROG = "cars-server"
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_NOT_MIGRATED = 3
MAX_PORT = 65535

logger = logging.getLogger("cars_server")

DB_HELP = (
    "database URL (default: CARS_SERVER_DATABASE_URL, else SQLite in the data folder); "
    "a password here is visible to local users, so prefer the environment variable"
)


class UsageError(Exception):
    """The command line could not be parsed; the message says what to fix."""


class _Parser(argparse.ArgumentParser):
    """An argument parser that raises instead of printing usage and calling `sys.exit`."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="URL", help=DB_HELP)


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for `cars-server`; sub-commands share the same error handling."""
    parser = _Parser(prog=PROG, description="CARS central sync server.", allow_abbrev=False)
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    migrate = commands.add_parser("migrate", help="bring the database schema up to date", allow_abbrev=False)
    _add_db(migrate)
    serve = commands.add_parser(
        "serve",
        help="run the HTTP server",
        description="Run the HTTP server. Plain HTTP is only allowed on a loopback address.",
        allow_abbrev=False,
    )
    _add_db(serve)
    serve.add_argument("--host", help="address to listen on (default: CARS_SERVER_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=_port, help="TCP port (default: CARS_SERVER_PORT or 8443)")
    serve.add_argument("--data-dir", type=Path, help="folder for server data (default: CARS_SERVER_DATA_DIR)")
    serve.add_argument("--tls-cert", type=Path, metavar="FILE", help="PEM certificate chain for HTTPS")
    serve.add_argument("--tls-key", type=Path, metavar="FILE", help="PEM private key for HTTPS")
    add_admin_commands(commands, _add_db)
    add_report_commands(commands, _add_db)
    return parser


def _port(value: str) -> int:
    """Parse a TCP port number for argparse, with a message naming the valid range."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 1 <= port <= MAX_PORT:
        raise argparse.ArgumentTypeError(f"port must be between 1 and {MAX_PORT}, not {port}")
    return port


def main(argv: Sequence[str] | None = None) -> int:
    """Run `cars-server` with `argv` (default: `sys.argv[1:]`) and return the exit code."""
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        return _fail(f"{exc} (see '{PROG} --help')", EXIT_USAGE)
    except SystemExit as exc:  # --help prints and exits through argparse
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    if args.version:
        print(version_line())
        return EXIT_OK
    if args.command is None:
        return _fail(f"no command given (see '{PROG} --help')", EXIT_USAGE)
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "migrate":
            return _migrate(args)
        return _admin(args)
    except ValidationError as exc:
        return _fail(_describe_invalid_settings(exc), EXIT_USAGE)
    except DatabaseNotReady as exc:
        return _fail(str(exc), EXIT_NOT_MIGRATED)
    except CarsServerError as exc:
        return _fail(str(exc), EXIT_FAILURE)
    except SQLAlchemyError as exc:
        return _fail(f"cannot use the database: {describe_database_error(exc)}", EXIT_FAILURE)


def version_line() -> str:
    """Return the text `--version` prints: program, package version and wire protocol version."""
    return f"{PROG} {server_version()} (protocol {PROTOCOL_VERSION})"


def _settings(args: argparse.Namespace) -> ServerSettings:
    """Settings from the environment, overridden by the options this command has."""
    names = ("host", "port", "data_dir", "tls_cert", "tls_key")
    overrides: dict[str, object] = {
        name: getattr(args, name) for name in names if getattr(args, name, None) is not None
    }
    if getattr(args, "db", None):
        overrides["database_url"] = args.db
    return ServerSettings(**overrides)  # type: ignore[arg-type]


def _migrate(args: argparse.Namespace) -> int:
    """Upgrade the schema and print the revision before and after."""
    engine = build_engine(_settings(args).database_url)
    try:
        before = upgrade_to_head(engine)
    finally:
        engine.dispose()
    after = head_revision()
    if before == after:
        print(f"database schema already at revision {after}")
    else:
        print(f"database schema upgraded from {before or 'empty'} to revision {after}")
    return EXIT_OK


def _admin(args: argparse.Namespace) -> int:
    """Run one `admin` or `report` command against a database at the current schema."""
    settings = _settings(args)
    if args.no_database:
        code: int = args.handler(args, settings, None)
        return code
    engine = build_engine(settings.database_url)
    try:
        require_current_schema(engine)
        code = args.handler(args, settings, engine)
    finally:
        engine.dispose()
    return code


def _serve(args: argparse.Namespace) -> int:
    """Check settings and schema, build the app, then run uvicorn until interrupted."""
    # Only `serve` needs the web stack: imported here, the admin and report commands start
    # about 0.8 s sooner (FastAPI's models and uvicorn were most of their start-up).
    import uvicorn

    from cars_server.app import create_app

    settings = _settings(args)
    check_listen_address(settings)
    app = create_app(settings)
    require_current_schema(app.state.context.engine)
    _configure_logging()
    if not settings.uses_tls:
        logger.warning(
            "serving plain HTTP on loopback address %s:%s; use HTTPS for anything else",
            settings.host,
            settings.port,
        )
    try:
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            ssl_certfile=settings.tls_cert,
            ssl_keyfile=settings.tls_key,
            access_log=False,  # cars_server.access logs each request without personal data
        )
    except SystemExit as exc:  # uvicorn exits after logging why, e.g. the port is in use
        code = exc.code if isinstance(exc.code, int) else EXIT_FAILURE
        return code
    except OSError as exc:
        return _fail(f"cannot serve on {settings.host}:{settings.port}: {exc.strerror}", EXIT_FAILURE)
    return EXIT_OK


def _configure_logging() -> None:
    """Send the server's own log lines (access log, warnings) to stderr, one per line."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger("cars_server")
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def _describe_invalid_settings(exc: ValidationError) -> str:
    """Name the bad settings without echoing their values, which may be secrets."""
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        field = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"CARS_SERVER_{field.upper()}: {message}" if field else message)
    return "invalid setting " + "; ".join(problems)


def _fail(message: str, code: int) -> int:
    """Print one `cars-server: error: ...` line on stderr and return `code`."""
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
