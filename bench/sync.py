"""Sync benchmark: bytes on the wire, push and pull times on loopback and on a poor custody link,
and server ingest throughput with 20 workstations pushing at once (issue 4, section 5).

Run by hand (never by pytest), from the repository root:

    PYTHONPATH=. .venv/bin/python bench/sync.py --quick            # smoke run, under a minute
    PYTHONPATH=. .venv/bin/python bench/sync.py                    # the figures that count

It prints figures and a table of targets with PASS/MISS; it never asserts on timings. Everything
is real: a `cars-server serve` process on loopback (SQLite, then PostgreSQL), desktop
workstations enrolled with one-time codes and unlocked through the server, SQLCipher stores in a
temporary folder, the sync client and cycle the desktop uses, and the fault-injecting TCP proxy of
the tests shaped as a poor link. All people and answers are invented by the seeder's generator.

What is printed (targets from the issue beside them):

1. Bytes on the wire per assessment, amortised over 1,000 completed assessment forms (required,
   lifestyle, vulnerability, court) invented by the seeder's generator. Counted by httpx event
   hooks on the workstation's client: request lines, headers and gzip bodies up; status lines,
   headers and raw (still compressed) bodies down; TCP/IP framing excluded. The headline is
   A's whole sync cycle (session, records' push, audit log push, the pull of its own changes
   back, reference data) divided by the assessments; the records' push alone and B's pull cycle
   are shown beside it. The people the assessments are about are pushed first, in a cycle of
   their own, and reported separately per person.
2. Time of A's sync cycle pushing those 1,000 assessments, and of B's cycle pulling them, straight
   to the server on loopback.
3. The same through `tests/sync/fault_proxy.FaultProxy` shaped as a poor custody link
   (`Faults.poor_link`: 256 kbit/s each way, 150 ms each way, 2% of chunks held back for a 1 s
   retransmission timeout), then the target: 50 pending assessments synced from A over that link.
   The proxy's own byte counters are printed as a cross-check of the meter.
4. Server ingest throughput: 20 enrolled workstations, each with its own session, pushing 5
   batches of 100 new assessments at once from 20 `httpx.AsyncClient` tasks, to a fresh server
   process on SQLite and on PostgreSQL; with the server process's CPU time, which shows whether
   the server or the machine was the limit.

PostgreSQL: a throwaway durable cluster is started with `initdb`/`pg_ctl` (as the test fixture
does, but with fsync on), unless CARS_BENCH_POSTGRESQL_URL names a server whose user may create
databases. `--skip-postgres` leaves it out.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

from bench.sync_ingest import IngestResult, measure_ingest
from bench.sync_rig import (
    Casework,
    Desk,
    ServerProcess,
    WireMeter,
    casework,
    desk,
    log,
    postgresql_database,
    server_process,
)
from cars_desktop.sync.errors import SyncError
from tests.postgres_fixture import PostgresUnavailable
from tests.server.helpers import COURT_WORKER, OTHER_SITE, PASSWORDS, SITE, WORKER
from tests.sync.fault_proxy import CounterSnapshot, FaultProxy, Faults

TARGET_BYTES_PER_ASSESSMENT = 2048
TARGET_PENDING_SECONDS = 30.0
TARGET_INGEST_PER_SECOND = 500.0
POOR_LINK = Faults.poor_link(rtt_s=0.3, kbit_per_s=256.0, loss=0.02)
EXTERNAL_POSTGRES_ENV = "CARS_BENCH_POSTGRESQL_URL"
INGEST_POOL = 2000


@dataclass
class Table:
    """The figures, printed together at the end; `met` None means "no target, for information"."""

    rows: list[tuple[str, str, str, bool | None]] = field(default_factory=list)

    def add(self, what: str, value: str, target: str = "", met: bool | None = None) -> None:
        self.rows.append((what, value, target, met))

    def print(self) -> None:
        width = max(len(r[0]) for r in self.rows)
        print(f"  {'figure':<{width}}  {'value':>14}  {'target':<12}  result")
        for what, value, target, met in self.rows:
            verdict = "" if met is None else ("PASS" if met else "MISS")
            print(f"  {what:<{width}}  {value:>14}  {target:<12}  {verdict}")


def kib(n: float) -> str:
    return f"{n / 1024:,.1f} KiB"


def per(n: float, count: int) -> str:
    return f"{n / max(count, 1):,.0f} B"


def machine() -> None:
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print("Machine")
    print(f"  {platform.processor() or platform.machine()}; CPUs usable: {affinity}; {platform.platform()}")
    print(f"  Python {platform.python_version()}; the server runs as its own process (uvicorn, one worker)")
    print(f"  {load_average()} at the start (other work on the machine slows every figure)")
    print()


def load_average() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min)"


# -- 1 and 2: loopback -------------------------------------------------------------------------------


def breakdown(meter: WireMeter, n: int) -> str:
    """Bytes per assessment by endpoint, up/down, e.g. `/v1/push 248+53`."""
    parts = [
        f"{path} {t.up / n:,.0f}+{t.down / n:,.0f} ({t.requests} req)"
        for path, t in sorted(meter.paths.items())
    ]
    return "; ".join(parts)


def loopback(server: ServerProcess, a: Desk, b: Desk, work: Casework, table: Table) -> None:
    """People first (counted separately), then the assessments: A pushes, B pulls, straight to the server.

    The headline bytes figure is everything A's sync cycle puts on the wire (session, the records'
    push, the audit log's push, the pull of its own changes back and reference data) divided by
    the assessments: the most that an assessment can be said to cost.
    """
    url = server.base_url
    n = len(work.assessments)
    print(f"1-2. Loopback: workstation A (custody, {SITE}) -> server -> workstation B (court, {OTHER_SITE})")
    a.save(list(work.people))
    a.meter.reset()
    b.meter.reset()
    a.sync(url)
    b.sync(url)
    people = len(work.people)
    a_people, b_people = a.meter.total(), b.meter.total()
    print(
        f"  people first, counted separately: {people} Person records; A's cycle "
        f"{per(a_people.up + a_people.down, people)} per person (push "
        f"{per(a.meter.of('/v1/push').up + a.meter.of('/v1/push').down, people)}); "
        f"B's cycle {per(b_people.up + b_people.down, people)} per person"
    )
    started = time.perf_counter()
    a.save(list(work.assessments))
    saved_s = time.perf_counter() - started
    a.meter.reset()
    b.meter.reset()
    started = time.perf_counter()
    report_a = a.sync(url)
    a_s = time.perf_counter() - started
    started = time.perf_counter()
    report_b = b.sync(url)
    b_s = time.perf_counter() - started
    if report_a.pushed != n or report_b.pulled < n:
        raise RuntimeError(f"A pushed {report_a.pushed} and B pulled {report_b.pulled} of {n} assessments")
    on_server = server.count("SELECT count(*) FROM records WHERE record_type = 'assessment'")
    push, pull_a, pull_b = a.meter.of("/v1/push"), a.meter.of("/v1/pull"), b.meter.of("/v1/pull")
    raw = sum(len(x.model_dump_json()) for x in work.assessments)
    a_total, b_total = a.meter.total(), b.meter.total()
    print(f"  {n} completed assessments saved on A in {saved_s:.2f} s (not part of the sync figures)")
    print(f"  an assessment record is {per(raw, n)} of JSON before compression")
    print(
        f"  A's cycle: {a_total.requests} requests, {kib(a_total.up)} up + {kib(a_total.down)} down "
        f"= {per(a_total.up + a_total.down, n)} per assessment; the push alone {per(push.up + push.down, n)}"
    )
    print(f"    per assessment, up+down by endpoint: {breakdown(a.meter, n)}")
    print(
        f"  B's cycle: {b_total.requests} requests, {kib(b_total.down)} down "
        f"= {per(b_total.up + b_total.down, n)} per assessment"
    )
    print(f"    per assessment, up+down by endpoint: {breakdown(b.meter, n)}")
    print(
        f"  time: A's cycle {a_s:.2f} s (waiting on push {push.seconds:.2f} s, pull {pull_a.seconds:.2f} s, "
        f"the rest is the store's bookkeeping); B's cycle {b_s:.2f} s "
        f"(waiting on pull {pull_b.seconds:.2f} s); the server holds {on_server} assessments"
    )
    print()
    per_assessment = (a_total.up + a_total.down) / n
    table.add(
        "1. wire bytes per assessment (A's cycle)",
        f"{per_assessment:,.0f} B",
        f"<= {TARGET_BYTES_PER_ASSESSMENT:,} B",
        per_assessment <= TARGET_BYTES_PER_ASSESSMENT,
    )
    table.add("   of which the records' push", f"{(push.up + push.down) / n:,.0f} B")
    table.add("   B's pull cycle, per assessment", f"{(b_total.up + b_total.down) / n:,.0f} B")
    table.add(f"2. loopback: A pushes {n} assessments", f"{a_s:.2f} s")
    table.add(f"2. loopback: B pulls {n} assessments", f"{b_s:.2f} s")


# -- 3: the poor custody link ------------------------------------------------------------------------


def _counters(before: CounterSnapshot, after: CounterSnapshot) -> str:
    up = after.bytes_to_server - before.bytes_to_server
    down = after.bytes_to_client - before.bytes_to_client
    held = after.held_back_chunks - before.held_back_chunks
    return f"proxy saw {kib(up)} up, {kib(down)} down, {held} chunks held back 1 s"


def shaped(
    server: ServerProcess, a: Desk, b: Desk, bulk: Casework, pending: Casework, seed: int, table: Table
) -> None:
    """The same push and pull through the fault proxy shaped as a poor link, then the 50-pending target."""
    print("3. Poor custody link: fault proxy, 256 kbit/s each way, 150 ms each way, 2% of chunks held 1 s")
    with FaultProxy.for_url(server.base_url, faults=POOR_LINK, rng=random.Random(seed)) as proxy:
        for label, work, target in (("bulk", bulk, False), ("pending", pending, True)):
            n = len(work.assessments)
            if n == 0:
                continue
            a.save(list(work.assessments))
            assert a.pending() == n
            before = proxy.counters.snapshot()
            started = time.perf_counter()
            report_a = a.sync(proxy.url)
            a_s = time.perf_counter() - started
            middle = proxy.counters.snapshot()
            started = time.perf_counter()
            report_b = b.sync(proxy.url)
            b_s = time.perf_counter() - started
            after = proxy.counters.snapshot()
            if report_a.pushed != n or report_b.pulled < n:
                raise RuntimeError(
                    f"shaped link: A pushed {report_a.pushed}, B pulled {report_b.pulled} of {n}"
                )
            print(f"  {n} {label} assessments: A's cycle {a_s:.2f} s ({_counters(before, middle)})")
            print(
                f"  {'':>{len(str(n)) + len(label) + 13}}B's cycle {b_s:.2f} s ({_counters(middle, after)})"
            )
            if target:
                table.add(
                    f"3. poor link: {n} pending sync from A",
                    f"{a_s:.2f} s",
                    f"< {TARGET_PENDING_SECONDS:.0f} s",
                    a_s < TARGET_PENDING_SECONDS,
                )
                table.add(f"3. poor link: B pulls those {n}", f"{b_s:.2f} s")
            else:
                table.add(f"3. poor link: A pushes {n} assessments", f"{a_s:.2f} s")
                table.add(f"3. poor link: B pulls {n} assessments", f"{b_s:.2f} s")
    print()


# -- 4: ingest -----------------------------------------------------------------------------------------


def ingest_line(backend: str, result: IngestResult) -> str:
    return (
        f"  {backend}: {result.stations} workstations x {result.assessments // result.stations} assessments "
        f"in {result.seconds:.2f} s = {result.per_second:,.0f} assessments/s; push request p50 "
        f"{result.request_p50_s * 1000:.0f} ms, p95 {result.request_p95_s * 1000:.0f} ms; "
        f"{result.stored} stored; {kib(result.body_bytes)} of gzip bodies"
    ) + cpu_line(result)


def cpu_line(result: IngestResult) -> str:
    """Where the CPU went: a server process busy for most of the wall time is the bottleneck."""
    per_k = 1000 / result.assessments
    server = (
        "server CPU not measured"
        if result.server_cpu_s is None
        else f"server process CPU {result.server_cpu_s:.2f} s ({result.server_cpu_s * per_k * 1000:.0f} ms "
        f"per 1,000, {result.server_cpu_s / result.seconds:.0%} of the wall time)"
    )
    return f"\n      {server}; client CPU {result.client_cpu_s:.2f} s"


def ingest(
    args: argparse.Namespace, folder: Path, pool: Casework, table: Table, sqlite_server: ServerProcess
) -> None:
    """Concurrent pushes on a fresh SQLite server (already started), then on PostgreSQL."""
    stations, batches, size = args.stations, args.batches, args.batch_size
    print(f"4. Server ingest: {stations} workstations pushing at once, {batches} batches of {size} each")
    backends: list[str] = ["sqlite"] + ([] if args.skip_postgres else ["postgresql"])
    for backend in backends:
        if backend == "sqlite":
            sqlite_server.wait_ready()
            result = measure_ingest(sqlite_server, pool.assessments, stations, batches, size)
            print(ingest_line("SQLite (file, WAL)", result))
            table.add(f"4. ingest, {stations} workstations, SQLite", f"{result.per_second:,.0f} /s")
            continue
        try:
            external = os.environ.get(EXTERNAL_POSTGRES_ENV, "").strip() or None
            with (
                postgresql_database(external) as (url, where),
                server_process(folder / "ingest-postgresql", url) as server,
            ):
                result = measure_ingest(server, pool.assessments, stations, batches, size)
        except (OSError, RuntimeError, PostgresUnavailable, psycopg.Error) as exc:
            print(
                f"  PostgreSQL: not measured: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
            )
            table.add(
                f"4. ingest, {stations} workstations, PostgreSQL",
                "not run",
                f">= {TARGET_INGEST_PER_SECOND:.0f} /s",
                False,
            )
            continue
        print(ingest_line(f"PostgreSQL ({where})", result))
        table.add(
            f"4. ingest, {stations} workstations, PostgreSQL",
            f"{result.per_second:,.0f} /s",
            f">= {TARGET_INGEST_PER_SECOND:.0f} /s",
            result.per_second >= TARGET_INGEST_PER_SECOND,
        )
    print()


# -- running ---------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 100 assessments, 1 ingest batch of 50"
    )
    parser.add_argument(
        "--assessments", type=int, default=None, help="assessments pushed and pulled (default 1000)"
    )
    parser.add_argument(
        "--shaped-assessments",
        type=int,
        default=None,
        help="assessments pushed and pulled over the poor link (default: as --assessments)",
    )
    parser.add_argument(
        "--pending", type=int, default=50, help="pending assessments for the poor-link target (50)"
    )
    parser.add_argument("--skip-postgres", action="store_true", help="measure ingest on SQLite only")
    parser.add_argument("--skip-shaped", action="store_true", help="leave out the poor-link section")
    parser.add_argument("--stations", type=int, default=20, help="concurrent workstations for ingest (20)")
    parser.add_argument(
        "--batches", type=int, default=None, help="batches per workstation (default 5; quick 1)"
    )
    parser.add_argument(
        "--batch-size", type=int, default=None, help="assessments per batch (default 100; quick 50)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the invented casework (1)")
    parser.add_argument(
        "--work-dir", type=Path, default=None, help="where the stores go (default: a temp folder)"
    )
    args = parser.parse_args(argv)
    if args.assessments is None:
        args.assessments = 100 if args.quick else 1000
    if args.shaped_assessments is None:
        args.shaped_assessments = args.assessments
    if args.batches is None:
        args.batches = 1 if args.quick else 5
    if args.batch_size is None:
        args.batch_size = 50 if args.quick else 100
    for name in ("assessments", "stations", "batches", "batch_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.pending < 0 or args.shaped_assessments < 0:
        parser.error("--pending and --shaped-assessments must be 0 or more")
    return args


def run(args: argparse.Namespace) -> int:
    folder = Path(tempfile.mkdtemp(prefix="cars-bench-sync-", dir=args.work_dir))
    table = Table()
    try:
        machine()
        n, shaped_n = args.assessments, 0 if args.skip_shaped else args.shaped_assessments
        pending_n = 0 if args.skip_shaped else args.pending
        wanted = n + shaped_n + pending_n
        # Ingest reuses these answers under fresh ids; enough distinct ones that gzip is not flattered.
        pool_n = max(wanted, min(INGEST_POOL, args.stations * args.batches * args.batch_size))
        log("starting the servers (SQLite) ...")
        with (
            server_process(folder / "ingest-sqlite", wait=False) as ingest_server,
            server_process(folder / "server", wait=False) as server,
        ):
            # Invent the casework while the servers import and start.
            log(f"inventing {pool_n} assessments and their people ...")
            made = casework(pool_n, args.seed, SITE, WORKER)
            assessed = {a.person_id for a in made.assessments[:wanted]}
            first = Casework([p for p in made.people if p.id in assessed], made.assessments[:n])
            bulk = Casework([], made.assessments[n : n + shaped_n])
            pending = Casework([], made.assessments[n + shaped_n : wanted])
            log("enrolling workstations A and B ...")
            server.wait_ready()
            a = desk(server, folder / "custody-a", SITE, WORKER, PASSWORDS[WORKER])
            b = desk(server, folder / "court-b", OTHER_SITE, COURT_WORKER, PASSWORDS[COURT_WORKER])
            try:
                log("loopback sync ...")
                loopback(server, a, b, first, table)
                if not args.skip_shaped:
                    log("poor-link sync ...")
                    shaped(server, a, b, bulk, pending, args.seed, table)
            finally:
                a.close()
                b.close()
            log("ingest ...")
            ingest(args, folder, Casework([], made.assessments), table, ingest_server)
        print(f"Targets (issue 4, section 5); {load_average()} at the end")
        table.print()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if all(met is not False for *_, met in table.rows) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; a failure is one line on stderr (exit 2), a missed target exits 1."""
    args = parse_args(argv)
    try:
        return run(args)
    except (RuntimeError, OSError, SyncError, httpx.HTTPError) as exc:
        print(
            f"bench/sync.py: error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
