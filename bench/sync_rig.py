"""The parts `bench/sync.py` is built from: a wire meter, a server process, a PostgreSQL cluster,
enrolled workstations and realistic casework. Run nothing from here; see `bench/sync.py`.

Why a server *process* rather than a thread: the benchmark's clients (two workstations, or twenty
async pushers) would otherwise share one interpreter lock with the server, and the figures would
measure that contention instead of the server. The server is started exactly as `cars-server
serve` starts it (`cars_server.cli.main`), on a database prepared with the same admin functions the
tests use (`tests.server.helpers.prepare_database`).
"""

from __future__ import annotations

import contextlib
import os
import random
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx
import psycopg
from psycopg import sql
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from cars_desktop import __version__
from cars_desktop.config import KdfCost, Settings
from cars_desktop.services.enrolment import enrol as enrol_workstation
from cars_desktop.services.records import save_records
from cars_desktop.services.seed import ASSESSMENT_KINDS, CaseworkGenerator
from cars_desktop.services.sync import sign_in
from cars_desktop.services.workstation import WorkstationSession, unlock
from cars_desktop.sync.client import SyncClient
from cars_desktop.sync.cycle import SyncReport, run_cycle
from cars_protocol.records import Assessment, AssessmentStatus, Person, RecordBase
from cars_server.admin.enrolment_codes import issue_code
from cars_server.clock import utc_now
from cars_server.storage.engine import build_engine
from tests.postgres_fixture import SUPERUSER, _Cluster, find_server_binaries
from tests.server.helpers import ACTOR, prepare_database, server_settings
from tests.server.server_process import free_port

HEALTH_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
HTTP_TIMEOUT_S = 120.0
#: Desktop Argon2id at test cost: unlocking is not what this benchmark measures.
CHEAP_KDF = KdfCost(memory_kib=1024, time_cost=1, parallelism=1)


def log(message: str) -> None:
    """Progress goes to stderr, so stdout holds only the figures."""
    print(message, file=sys.stderr, flush=True)


# -- bytes on the wire ------------------------------------------------------------------------------


@dataclass
class PathTally:
    """What one endpoint cost: requests, bytes each way (HTTP heads included), time waited."""

    requests: int = 0
    up: int = 0
    down: int = 0
    seconds: float = 0.0


@dataclass
class WireMeter:
    """httpx event hooks that count HTTP/1.1 bytes per endpoint, as they cross the socket.

    A request counts its request line, headers and (already gzip-compressed) body; a response its
    status line, headers and the raw body bytes read off the socket before decompression
    (`num_bytes_downloaded`). TCP/IP framing is not counted. The proxy's own counters in the
    shaped-link phase are a cross-check.
    """

    paths: dict[str, PathTally] = field(default_factory=dict)
    _started: dict[int, float] = field(default_factory=dict)

    def hooks(self) -> dict[str, list[object]]:
        return {"request": [self._on_request], "response": [self._on_response]}

    def _tally(self, request: httpx.Request) -> PathTally:
        return self.paths.setdefault(request.url.path, PathTally())

    def _on_request(self, request: httpx.Request) -> None:
        target = request.url.raw_path.decode("ascii")
        head = len(f"{request.method} {target} HTTP/1.1\r\n") + 2
        head += sum(len(k) + len(v) + 4 for k, v in request.headers.raw)
        tally = self._tally(request)
        tally.requests += 1
        tally.up += head + len(request.content)
        self._started[id(request)] = time.perf_counter()

    def _on_response(self, response: httpx.Response) -> None:
        response.read()
        head = len(f"HTTP/1.1 {response.status_code} {response.reason_phrase}\r\n") + 2
        head += sum(len(k) + len(v) + 4 for k, v in response.headers.raw)
        tally = self._tally(response.request)
        tally.down += head + response.num_bytes_downloaded
        started = self._started.pop(id(response.request), None)
        if started is not None:
            tally.seconds += time.perf_counter() - started

    def reset(self) -> None:
        self.paths.clear()

    def total(self) -> PathTally:
        out = PathTally()
        for tally in self.paths.values():
            out.requests += tally.requests
            out.up += tally.up
            out.down += tally.down
            out.seconds += tally.seconds
        return out

    def of(self, path: str) -> PathTally:
        return self.paths.get(path, PathTally())


# -- the server, as `cars-server serve` runs it -----------------------------------------------------


@dataclass
class ServerProcess:
    """A running `cars-server serve` child process and an engine on its database (for codes, counts)."""

    base_url: str
    engine: Engine
    process: subprocess.Popen[bytes]
    log_path: Path
    _ready: bool = False

    def wait_ready(self) -> None:
        """Wait until the server answers its health check (it was started without waiting)."""
        if not self._ready:
            _wait_healthy(self.process, self.base_url, self.log_path)
            self._ready = True

    def enrolment_code(self, site: str) -> str:
        return issue_code(self.engine, site, 24, ACTOR, utc_now())

    def count(self, query: str) -> int:
        with self.engine.connect() as connection:
            return int(connection.exec_driver_sql(query).scalar() or 0)


def _wait_healthy(process: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while True:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-1500:]
            raise RuntimeError(f"the server process exited ({process.returncode}) while starting:\n{tail}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server did not answer /health within {HEALTH_TIMEOUT_S} s")
        time.sleep(0.1)


@contextlib.contextmanager
def server_process(
    folder: Path, database_url: str | None = None, wait: bool = True
) -> Iterator[ServerProcess]:
    """Migrate and populate a database (SQLite in `folder` unless `database_url`), then serve it.

    With `wait=False` the caller calls `wait_ready()` later, so a second server's start-up (a few
    seconds of imports) overlaps other work. The database URL reaches the child through its
    environment, never its argv. Server users are
    those of `tests.server.helpers` (invented people; cheap Argon2id so sign-ins stay quick).
    """
    folder.mkdir(parents=True, exist_ok=True)
    settings, _pem = server_settings(folder, database_url)
    prepare_database(settings)
    url = settings.database_url or f"sqlite:///{(settings.data_dir / 'cars-server.db').as_posix()}"
    port = free_port()
    env = {
        **os.environ,
        "CARS_SERVER_DATABASE_URL": url,
        "CARS_SERVER_DATA_DIR": str(settings.data_dir),
        "CARS_SERVER_RECOVERY_PUBLIC_KEY": settings.recovery_public_key,
        "CARS_SERVER_ARGON2_MEMORY_KIB": str(settings.argon2_memory_kib),
        "CARS_SERVER_ARGON2_TIME_COST": str(settings.argon2_time_cost),
        "CARS_SERVER_HOST": "127.0.0.1",
        "CARS_SERVER_PORT": str(port),
        "PYTHONPATH": str(Path.cwd()),
    }
    log_path = folder / "server.log"
    engine = build_engine(url)
    with log_path.open("wb") as server_log:
        process = subprocess.Popen(
            [sys.executable, "-c", "import sys; from cars_server.cli import main; sys.exit(main())", "serve"],
            env=env,
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            server = ServerProcess(base_url, engine, process, log_path)
            if wait:
                server.wait_ready()
            yield server
        finally:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_TIMEOUT_S)
            engine.dispose()


# -- PostgreSQL -------------------------------------------------------------------------------------


class DurableCluster(_Cluster):
    """The test fixture's throwaway cluster, but durable: fsync and synchronous_commit left on.

    The fixture turns durability off to make tests fast; an ingest figure must pay for the WAL
    flush a production server pays at every commit.
    """

    def start(self) -> None:
        self.port = free_port()
        options = " ".join(
            shlex.quote(option)
            for option in (
                "-c", "listen_addresses=127.0.0.1",
                "-c", f"port={self.port}",
                "-c", f"unix_socket_directories={self.root}",
                "-c", "max_connections=100",
            )
        )  # fmt: skip
        result = self._run(
            str(self._binaries.pg_ctl), "start", "--pgdata", str(self.data_dir), "--log",
            str(self.log_file), "--options", options, "--wait", "--timeout", "60",
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {result.stderr.strip()}\n{self._log_tail()}")
        self._started = True
        self._wait_until_accepting()


@contextlib.contextmanager
def postgresql_database(external_url: str | None) -> Iterator[tuple[str, str]]:
    """A fresh, empty database and a description of where it lives; dropped afterwards.

    `external_url` (a SQLAlchemy URL of a server whose user may CREATE DATABASE) is used if given;
    otherwise a throwaway durable cluster is started with `initdb`/`pg_ctl` like the test fixture.
    """
    cluster: DurableCluster | None = None
    if external_url:
        base = make_url(external_url)
        where = f"external server {base.host}:{base.port}"
    else:
        cluster = DurableCluster(find_server_binaries())
        cluster.init()
        cluster.start()
        base = make_url(f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{cluster.port}/postgres")
        where = f"throwaway cluster ({find_server_binaries().initdb.parent.parent.name}), fsync on"
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    name = f"cars_bench_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield base.set(database=name).render_as_string(hide_password=False), where
        finally:
            with psycopg.connect(admin, autocommit=True, connect_timeout=10) as connection:
                connection.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
    finally:
        if cluster is not None:
            cluster.stop_and_remove()


# -- workstations -----------------------------------------------------------------------------------


@dataclass
class Desk:
    """An enrolled, unlocked workstation with its own HTTP client and wire meter."""

    name: str
    session: WorkstationSession
    http: httpx.Client
    meter: WireMeter

    def save(self, records: list[RecordBase], batch: int = 200) -> None:
        """Save records as the forms do (record, history, outbox, audit), `batch` per transaction."""
        for start in range(0, len(records), batch):
            save_records(self.session, records[start : start + batch])

    def sync(self, base_url: str) -> SyncReport:
        """One full sync cycle (session, push, pull) against `base_url` (the server or a proxy)."""
        client = SyncClient(
            self.http, base_url, __version__, self.session.vault.device_credential(self.session.data_key())
        )
        sign_in(self.session, client)
        settings = self.session.settings
        return run_cycle(
            self.session.unit_of_work,
            client,
            batch_size=settings.sync_batch_size,
            batch_bytes=settings.sync_batch_bytes,
        )

    def pending(self) -> int:
        with self.session.unit_of_work() as uow:
            return uow.sync.pending_count()

    def close(self) -> None:
        self.session.lock()
        self.http.close()


def desk(server: ServerProcess, folder: Path, site: str, username: str, password: str) -> Desk:
    """Enrol a new workstation at `site` with a one-time code and unlock it as `username` via the server."""
    settings = Settings(kdf=CHEAP_KDF)
    meter = WireMeter()
    http = httpx.Client(timeout=HTTP_TIMEOUT_S, event_hooks=meter.hooks())  # type: ignore[arg-type]
    enrol_workstation(settings, folder, server.base_url, server.enrolment_code(site), folder.name, http)
    session = unlock(settings, folder, username, password, http=http)
    meter.reset()
    return Desk(folder.name, session, http, meter)


# -- casework ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Casework:
    """Invented people and completed assessment forms of them, all at one site."""

    people: list[Person]
    assessments: list[Assessment]


def casework(count: int, random_seed: int, site: str, author: str) -> Casework:
    """`count` completed assessments (required, lifestyle, vulnerability, court) with their people.

    Made by the seeder's generator (`CaseworkGenerator.person`: whole custody histories filled in
    as forms, with realistic answers), dated in the last 30 days so every workstation's first pull
    (90-day window) takes them. Only the assessment forms and the people are kept; the site is set
    to `site`, because a workstation may only create records of its own site.
    """
    generator = CaseworkGenerator(random.Random(random_seed), site, author, date.today(), 30)
    people: list[Person] = []
    assessments: list[Assessment] = []
    while len(assessments) < count:
        made = generator.person()
        found = [
            r
            for r in made
            if isinstance(r, Assessment)
            and r.kind in ASSESSMENT_KINDS
            and r.status is AssessmentStatus.COMPLETED
        ]
        if not found:
            continue
        person = made[0]
        assert isinstance(person, Person)
        people.append(person.model_copy(update={"site_code": site}))
        assessments.extend(a.model_copy(update={"site_code": site}) for a in found)
    return Casework(people, assessments[:count])
