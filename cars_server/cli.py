"""`cars-server`: the command-line face of the central server.

Every failure ends as one line on stderr and a non-zero exit code, never a traceback. The database
URL is deliberately not an option: it may contain a password, and command lines are visible to
every local user, so it comes from `CARS_SERVER_DATABASE_URL` only.
"""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import uvicorn
from pydantic import ValidationError

from cars_protocol import PROTOCOL_VERSION
from cars_server.app import create_app
from cars_server.config import ServerSettings
from cars_server.errors import CarsServerError
from cars_server.version import server_version

PROG = "cars-server"
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
MAX_PORT = 65535


class UsageError(Exception):
    """The command line could not be parsed; the message says what to fix."""


class _Parser(argparse.ArgumentParser):
    """An argument parser that raises instead of printing usage and calling `sys.exit`."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for `cars-server`; sub-commands share the same error handling."""
    parser = _Parser(prog=PROG, description="CARS central sync server.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="run the HTTP server",
        description=(
            "Run the HTTP server. The database is set by CARS_SERVER_DATABASE_URL "
            "(default: a SQLite file in the data folder)."
        ),
    )
    serve.add_argument("--host", help="address to listen on (default: CARS_SERVER_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=_port, help="TCP port (default: CARS_SERVER_PORT or 8443)")
    serve.add_argument("--data-dir", type=Path, help="folder for server data (default: CARS_SERVER_DATA_DIR)")
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
    if args.command == "serve":
        return _serve(args)
    return _fail(f"no command given (see '{PROG} --help')", EXIT_USAGE)


def version_line() -> str:
    """Return the text `--version` prints: program, package version and wire protocol version."""
    return f"{PROG} {server_version()} (protocol {PROTOCOL_VERSION})"


def _serve(args: argparse.Namespace) -> int:
    """Build settings and the app, then run uvicorn until interrupted."""
    overrides = {
        name: value
        for name, value in (("host", args.host), ("port", args.port), ("data_dir", args.data_dir))
        if value is not None
    }
    try:
        settings = ServerSettings(**overrides)
        app = create_app(settings)
    except ValidationError as exc:
        return _fail(_describe_invalid_settings(exc), EXIT_USAGE)
    except CarsServerError as exc:
        return _fail(str(exc), EXIT_FAILURE)

    try:
        uvicorn.run(app, host=settings.host, port=settings.port)
    except SystemExit as exc:  # uvicorn exits after logging why, e.g. the port is in use
        code = exc.code if isinstance(exc.code, int) else EXIT_FAILURE
        return code
    except OSError as exc:
        return _fail(f"cannot serve on {settings.host}:{settings.port}: {exc.strerror}", EXIT_FAILURE)
    return EXIT_OK


def _describe_invalid_settings(exc: ValidationError) -> str:
    """Name the bad settings without echoing their values, which may be secrets."""
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        field = ".".join(str(part) for part in error["loc"]) or "settings"
        problems.append(f"CARS_SERVER_{field.upper()}: {error['msg']}")
    return "invalid setting " + "; ".join(problems)


def _fail(message: str, code: int) -> int:
    """Print one `cars-server: error: ...` line on stderr and return `code`."""
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
