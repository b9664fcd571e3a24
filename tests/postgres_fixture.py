"""Pytest plugin: a real, throwaway PostgreSQL cluster, the server's production database.

Register it with `pytest_plugins = ["tests.postgres_fixture"]` (or `-p tests.postgres_fixture`).

- `postgresql_url` (session): starts one cluster with `initdb`/`pg_ctl` in a temporary folder,
  listening on a free loopback port with trust authentication, creates one database and returns
  its SQLAlchemy URL (`postgresql+psycopg://postgres@127.0.0.1:PORT/cars_test`). The cluster is
  stopped and its folder removed at the end of the session.
- `postgresql_db_url` (function): a fresh, empty database on that cluster for one test, dropped
  afterwards, so tests never see each other's rows.

Set `CARS_TEST_POSTGRESQL_URL` to use an existing server instead (its user needs CREATEDB).

Where PostgreSQL is missing, the tests that use these fixtures are skipped with the reason, except
under `CI=true`, where they fail: CI must prove the PostgreSQL path, not silently skip it.
PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` OS user through
`runuser`.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import URL, make_url

EXTERNAL_URL_ENV = "CARS_TEST_POSTGRESQL_URL"
POSTGRES_OS_USER = "postgres"
SUPERUSER = "postgres"
SESSION_DATABASE = "cars_test"
START_ATTEMPTS = 3
READY_TIMEOUT_S = 60.0
COMMAND_TIMEOUT_S = 120.0


class PostgresUnavailable(Exception):
    """PostgreSQL is not installed or cannot be run here; the message says what is missing."""


@dataclass(frozen=True)
class _ServerBinaries:
    """Paths of the server programs the fixture runs."""

    initdb: Path
    pg_ctl: Path


def _in_ci() -> bool:
    """Return True when running under CI, where a missing PostgreSQL is an error, not a skip."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _unavailable(reason: str) -> NoReturn:
    """Skip the requesting tests with `reason`, or fail them under CI."""
    message = f"PostgreSQL tests need a PostgreSQL server: {reason}"
    if _in_ci():
        pytest.fail(f"{message} (CI=true, so this is an error, not a skip)", pytrace=False)
    pytest.skip(message)


def _version_key(path: str) -> tuple[int, ...]:
    """Sort key for `/usr/lib/postgresql/<version>/bin/initdb`, so 15 beats 9.6."""
    match = re.search(r"/postgresql/([\d.]+)/", path)
    return tuple(int(part) for part in match.group(1).split(".")) if match else ()


def find_server_binaries() -> _ServerBinaries:
    """Locate `initdb` and `pg_ctl`, preferring the newest Debian-style server install.

    `pg_config --bindir` on Debian points at the client-only folder, so it is tried after the
    versioned server folders; `PATH` is the last resort (Homebrew, Fedora, Arch put them there).
    """
    candidates: list[Path] = [
        Path(p).parent for p in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key)[::-1]
    ]
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            bindir = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=30
            ).stdout.strip()
            candidates.append(Path(bindir))
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for folder in candidates:
        initdb, pg_ctl = folder / "initdb", folder / "pg_ctl"
        if os.access(initdb, os.X_OK) and os.access(pg_ctl, os.X_OK):
            return _ServerBinaries(initdb=initdb, pg_ctl=pg_ctl)
    raise PostgresUnavailable(
        "initdb/pg_ctl not found (looked in /usr/lib/postgresql/*/bin, pg_config --bindir and "
        "PATH); install the PostgreSQL server package, e.g. `apt-get install postgresql`"
    )


def _free_loopback_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now (start-up retries if it is taken)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _Cluster:
    """One temporary PostgreSQL cluster: created, started, and finally stopped and deleted."""

    def __init__(self, binaries: _ServerBinaries) -> None:
        self._binaries = binaries
        self._run_as: list[str] = []
        self._owner: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            try:
                self._owner = pwd.getpwnam(POSTGRES_OS_USER)
            except KeyError:
                raise PostgresUnavailable(
                    f"running as root, and PostgreSQL refuses root, but there is no "
                    f"'{POSTGRES_OS_USER}' OS user to run it as"
                ) from None
            runuser = shutil.which("runuser")
            if runuser is None:
                raise PostgresUnavailable("running as root, but `runuser` is not installed")
            self._run_as = [runuser, "-u", POSTGRES_OS_USER, "--"]
        self.root = Path(tempfile.mkdtemp(prefix="cars-pg-"))
        self.data_dir = self.root / "data"
        self.log_file = self.root / "postgresql.log"
        self.port = 0
        self._started = False
        if self._owner is not None:
            # mkdtemp makes a 0700 folder owned by root; the postgres user must own it.
            os.chown(self.root, self._owner.pw_uid, self._owner.pw_gid)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a server program (as the postgres user when we are root) from inside the folder."""
        return subprocess.run(
            [*self._run_as, *args],
            cwd=self.root,  # the postgres user may not be allowed into our working directory
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
        )

    def _log_tail(self) -> str:
        """Return the end of the server log, to explain a failed start."""
        try:
            return self.log_file.read_text(errors="replace")[-2000:]
        except OSError:
            return "(no server log)"

    def init(self) -> None:
        """Create the cluster: trust authentication (it only listens on loopback), C locale."""
        result = self._run(
            str(self._binaries.initdb),
            "--pgdata",
            str(self.data_dir),
            "--username",
            SUPERUSER,
            "--auth-local=trust",
            "--auth-host=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed ({result.returncode}):\n{result.stderr.strip()}")

    def start(self) -> None:
        """Start the server on a free loopback port, retrying if another process took the port."""
        last_error = ""
        for _attempt in range(START_ATTEMPTS):
            self.port = _free_loopback_port()
            options = " ".join(
                shlex.quote(option)
                for option in (
                    "-c", "listen_addresses=127.0.0.1",
                    "-c", f"port={self.port}",
                    "-c", f"unix_socket_directories={self.root}",
                    # Durability is pointless for a throwaway cluster; speed is not.
                    "-c", "fsync=off",
                    "-c", "synchronous_commit=off",
                    "-c", "full_page_writes=off",
                )
            )  # fmt: skip
            result = self._run(
                str(self._binaries.pg_ctl),
                "start",
                "--pgdata",
                str(self.data_dir),
                "--log",
                str(self.log_file),
                "--options",
                options,
                "--wait",
                "--timeout",
                str(int(READY_TIMEOUT_S)),
            )
            if result.returncode == 0:
                self._started = True
                self._wait_until_accepting()
                return
            last_error = f"{result.stderr.strip()}\n{self._log_tail()}"
        raise RuntimeError(f"pg_ctl start failed {START_ATTEMPTS} times:\n{last_error}")

    def _wait_until_accepting(self) -> None:
        """Wait until a TCP connection succeeds; `pg_ctl --wait` may only have used the socket."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            try:
                with psycopg.connect(self.conninfo("postgres"), connect_timeout=5):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def conninfo(self, dbname: str) -> str:
        """Return a libpq connection string for `dbname` over loopback TCP."""
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname={dbname}"

    def stop_and_remove(self) -> None:
        """Stop the server (fast mode: disconnect clients) and delete the whole folder."""
        try:
            if self._started:
                self._run(
                    str(self._binaries.pg_ctl), "stop", "--pgdata", str(self.data_dir),
                    "--mode", "fast", "--wait",
                )  # fmt: skip
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _sqlalchemy_url(conninfo_url: URL, database: str) -> str:
    """Return the SQLAlchemy URL string for `database` on the server of `conninfo_url`."""
    return conninfo_url.set(drivername="postgresql+psycopg", database=database).render_as_string(
        hide_password=False
    )


def _libpq_url(sqlalchemy_url: str, database: str | None = None) -> str:
    """Turn a SQLAlchemy URL into a URL libpq/psycopg accepts, optionally for another database."""
    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    if database is not None:
        url = url.set(database=database)
    return url.render_as_string(hide_password=False)


def _create_database(admin_url: str, name: str) -> None:
    """Create database `name`; CREATE DATABASE cannot run inside a transaction, hence autocommit."""
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _drop_database(admin_url: str, name: str) -> None:
    """Drop database `name`, disconnecting any session a test left open (PostgreSQL 13+)."""
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """SQLAlchemy URL of a PostgreSQL database that lives for the whole test session."""
    external = os.environ.get(EXTERNAL_URL_ENV, "").strip()
    if external:
        yield _sqlalchemy_url(make_url(external), make_url(external).database or "postgres")
        return
    cluster = _prepare_cluster()
    if isinstance(cluster, str):
        _unavailable(cluster)
    failure = _start_cluster(cluster)
    if failure is not None:
        # PostgreSQL is installed but would not start: a broken set-up, reported everywhere.
        pytest.fail(f"Could not start a test PostgreSQL cluster: {failure}", pytrace=False)
    try:
        yield _sqlalchemy_url(make_url(_local_url(cluster.port)), SESSION_DATABASE)
    finally:
        cluster.stop_and_remove()


def _prepare_cluster() -> _Cluster | str:
    """Return a cluster ready to `init()`, or the reason PostgreSQL cannot be used here."""
    try:
        return _Cluster(find_server_binaries())
    except PostgresUnavailable as exc:
        return str(exc)


def _start_cluster(cluster: _Cluster) -> str | None:
    """Create, start and populate `cluster`; on failure clean up and return the reason."""
    try:
        cluster.init()
        cluster.start()
        _create_database(_libpq_url(_local_url(cluster.port)), SESSION_DATABASE)
    except (RuntimeError, OSError, subprocess.SubprocessError, psycopg.Error) as exc:
        cluster.stop_and_remove()
        return str(exc)
    return None


def _local_url(port: int) -> str:
    """Return the SQLAlchemy URL of the maintenance database of the cluster on `port`."""
    return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/postgres"


@pytest.fixture
def postgresql_db_url(postgresql_url: str) -> Iterator[str]:
    """SQLAlchemy URL of a new, empty database for one test, dropped when the test ends."""
    name = f"cars_test_{uuid.uuid4().hex[:12]}"
    admin_url = _libpq_url(postgresql_url)
    _create_database(admin_url, name)
    try:
        yield _sqlalchemy_url(make_url(postgresql_url), name)
    finally:
        _drop_database(admin_url, name)
