"""KPI report benchmark (issue 7): a full financial year's report over five years of regional data.

Run by hand from the repository root; it prints figures and never asserts on a timing:

    PYTHONPATH=. .venv/bin/python bench/reports.py --quick   # 2,500 assessments a year: a smoke run
    PYTHONPATH=. .venv/bin/python bench/reports.py           # 25,000 a year: the figures that count

Five years of invented casework (the demo generator's people, custody episodes, forms, referrals,
Naloxone supplies and actions, over every custody block) is generated once and cached under
`bench/.cache/`: a SQLCipher workstation store and a server SQLite database holding the same
records. Each run loads the server's rows into a throwaway PostgreSQL cluster (or
`CARS_BENCH_POSTGRESQL_URL`) and times the last financial year's KPI report, by month over all
sites, on the server with PostgreSQL and with SQLite (`run_kpi_report`, CSV, suppression on) and
on the workstation (`services.reports.kpi_report`, as the reporting page calls it). See
bench/README.md for what is printed.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import platform
import pstats
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, Table, func, insert, select

import cars_desktop.services.reports as desk_reports
import cars_server.reports.kpi_report as server_reports
from bench.sync_rig import CHEAP_KDF, postgresql_database
from cars_desktop.config import Settings
from cars_desktop.reports.compute import KpiTable
from cars_desktop.reports.facts import REPORTED_TYPES, current_revisions, is_completed
from cars_desktop.reports.periods import PeriodKind, periods_between
from cars_desktop.reports.workers import default_workers
from cars_desktop.services.reports import kpi_report
from cars_desktop.services.seed import ASSESSMENT_KINDS, CaseworkGenerator
from cars_desktop.services.users import enrol_user
from cars_desktop.services.workstation import WorkstationSession, init_workstation, unlock
from cars_desktop.storage.migrate import head_revision as desk_head
from cars_desktop.storage.report_index import fill_report_months
from cars_desktop.storage.tables import to_db_time
from cars_protocol.records import Assessment, Person, RecordBase, Role
from cars_server.reports.kpi_report import KpiReportRequest, run_kpi_report
from cars_server.reports.records import iter_records
from cars_server.storage.engine import build_engine
from cars_server.storage.migrate import head_revision as server_head
from cars_server.storage.migrate import upgrade_to_head
from cars_server.storage.report_index import replace_report_months
from cars_server.storage.tables import RecordRow, ReportMonthRow

BENCH_PASSWORD = "cars-bench-only-2026"  # invented data only; see bench/README.md
BENCH_ADMIN = "bench.admin"
BENCH_USER = "bench.supervisor"
BENCH_SITE = "STEELHOUSE"
ACTOR = "bench.reports"
CACHE_FORMAT = 2  # 2: rows written straight into the records tables
YEARS = 5
LAST_DAY = date(2026, 3, 31)  # the end of financial year 2025/26: five whole years end here
DEFAULT_PER_YEAR = 25_000
QUICK_PER_YEAR = 2_500
PEOPLE_PER_BATCH = 500
TARGET_SERVER_S = 2.0
TARGET_WORKSTATION_S = 3.0
EXTERNAL_POSTGRES_ENV = "CARS_BENCH_POSTGRESQL_URL"


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# -- the data ---------------------------------------------------------------------------------------


def casework(per_year: int, random_seed: int) -> Iterator[list[RecordBase]]:
    """Batches of whole people's histories until there are `per_year` x YEARS assessment forms.

    "Assessments" here are assessment records (every form: arrival, required, lifestyle,
    vulnerability, referral, closure...); the KPI sense (completed required, lifestyle and
    suitability assessments) is a fraction of them and is printed beside.
    """
    generator = CaseworkGenerator(
        random.Random(random_seed), BENCH_SITE, BENCH_USER, LAST_DAY, YEARS * 365, author_role=Role.SUPERVISOR
    )
    wanted = per_year * YEARS
    made = 0
    while made < wanted:
        batch: list[RecordBase] = []
        for _ in range(PEOPLE_PER_BATCH):
            batch.extend(generator.person())
        newest = list(current_revisions(batch).values())  # the store keeps one row per record
        made += sum(1 for r in newest if isinstance(r, Assessment))
        yield newest


def person_key(record: RecordBase) -> str | None:
    if isinstance(record, Person):
        return str(record.id)
    person_id = getattr(record, "person_id", None)
    return None if person_id is None else str(person_id)


@dataclass
class Cache:
    root: Path
    manifest: dict[str, Any]

    @property
    def workstation(self) -> Path:
        return self.root / "workstation"

    @property
    def server_db(self) -> Path:
        return self.root / "server.sqlite"


def _server_rows(records: Iterable[RecordBase], feed_start: int, now: datetime) -> list[dict[str, Any]]:
    rows = []
    for n, record in enumerate(records, start=feed_start):
        rows.append(
            {
                "id": str(record.id),
                "record_type": record.record_type,
                "site_code": record.site_code,
                "person_id": person_key(record),
                "revision": record.revision,
                "change_id": str(record.id),
                "body": record.model_dump_json(),
                "live": record.is_live,
                "conflicted": False,
                "updated_at": record.updated_at,
                "received_at": now,
                "feed_seq": n,
            }
        )
    return rows


_INSERT_DESK = (
    "INSERT INTO records (id, record_type, revision, site_code, author, person_id, created_at,"
    " updated_at, live, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _desk_rows(records: Iterable[RecordBase]) -> list[tuple[object, ...]]:
    """The workstation's `records` rows, as `RecordRepository.save` writes them (columns and JSON)."""
    return [
        (
            str(r.id),
            r.record_type,
            r.revision,
            r.site_code,
            r.author,
            person_key(r),
            to_db_time(r.created_at),
            to_db_time(r.updated_at),
            r.is_live,
            r.model_dump_json(),
        )
        for r in records
    ]


def _build_cache(root: Path, per_year: int, random_seed: int) -> None:
    """Generate the casework and write its current revisions straight into both databases' tables.

    Rows go in with one multi-row INSERT per batch (not the per-record save path, which would take
    most of an hour for five years): a report reads only the `records` table and the report index
    (`report_months`), which hold exactly what a save writes there. Revision history, outbox and
    lookup indexes are not filled.
    """
    building = root.with_name(root.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    started = time.perf_counter()
    data_dir = building / "workstation"
    settings = Settings(kdf=CHEAP_KDF)
    init_workstation(settings, data_dir, BENCH_SITE, BENCH_ADMIN, BENCH_PASSWORD)
    admin = unlock(settings, data_dir, BENCH_ADMIN, BENCH_PASSWORD)
    try:
        enrol_user(admin, BENCH_USER, "Benchmark Supervisor", frozenset({Role.SUPERVISOR}), BENCH_PASSWORD)
    finally:
        admin.lock("bench_setup")
    desk = unlock(settings, data_dir, BENCH_USER, BENCH_PASSWORD)
    engine = build_engine(f"sqlite:///{building / 'server.sqlite'}")
    upgrade_to_head(engine)
    counts: Counter[str] = Counter()
    kpi_assessments: Counter[int] = Counter()
    now = datetime.now(UTC)
    try:
        for batch in casework(per_year, random_seed):
            with desk.unit_of_work() as uow:
                uow.session.connection().exec_driver_sql(_INSERT_DESK, _desk_rows(batch))
                uow.commit()
            with engine.begin() as connection:
                rows = _server_rows(batch, sum(counts.values()) + 1, now)
                connection.execute(insert(RecordRow), rows)
                replace_report_months(connection, [(r["id"], r["record_type"], r["body"]) for r in rows])
            counts.update(r.record_type for r in batch)
            for r in batch:
                if isinstance(r, Assessment) and r.kind in ASSESSMENT_KINDS and is_completed(r):
                    kpi_assessments[r.completed_at.year] += 1  # type: ignore[union-attr]
            log(f"  {counts['assessment']:,} of {per_year * YEARS:,} assessment forms")
        with desk.unit_of_work() as uow:  # the report index, as a save writes it
            fill_report_months(uow.session.connection())
            uow.commit()
    finally:
        desk.lock("bench_seeded")
        engine.dispose()
    manifest = {
        "format": CACHE_FORMAT,
        "per_year": per_year,
        "random_seed": random_seed,
        "last_day": LAST_DAY.isoformat(),
        "desk_schema": desk_head(),
        "server_schema": server_head(),
        "record_counts": dict(sorted(counts.items())),
        "assessment_kinds_completed_by_calendar_year": dict(sorted(kpi_assessments.items())),
        "seed_seconds": round(time.perf_counter() - started, 1),
    }
    (building / "manifest.json").write_text(json.dumps(manifest, indent=1))
    shutil.rmtree(root, ignore_errors=True)
    building.rename(root)


def _upgrade_cache(root: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Bring a cache made by an older schema to head, as an installed program's first start and the
    server's `upgrade_to_head` would (their migrations fill new tables such as `report_months`),
    and note how long each took; regenerating five years would take ten minutes or more."""
    started = time.perf_counter()
    desk = unlock(Settings(kdf=CHEAP_KDF), root / "workstation", BENCH_USER, BENCH_PASSWORD)
    desk.lock("bench_upgraded")
    desk_s = time.perf_counter() - started
    started = time.perf_counter()
    engine = build_engine(f"sqlite:///{root / 'server.sqlite'}")
    try:
        upgrade_to_head(engine)
    finally:
        engine.dispose()
    server_s = time.perf_counter() - started
    log(f"upgraded the cache: workstation store {desk_s:.1f} s, server database {server_s:.1f} s")
    manifest = {
        **manifest,
        "desk_schema": desk_head(),
        "server_schema": server_head(),
        "upgrades": [
            *manifest.get("upgrades", []),
            {
                "to": [desk_head(), server_head()],
                "workstation_s": round(desk_s, 1),
                "server_s": round(server_s, 1),
            },
        ],
    }
    (root / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


#: How a store holds its records once casework is written as it happens: in the order they were
#: first saved (an amendment keeps its row's place). The cache is generated person by person, which
#: scatters each year's records through the file; caches made before 26/11/2026 06:30 are
#: rewritten in this order once (`_store_in_save_order`), and the manifest says which order it has.
SAVE_ORDER = "saved"
_REWRITE_IN_SAVE_ORDER = (
    "CREATE TEMP TABLE bench_held AS SELECT * FROM records",
    "DELETE FROM records",
    "INSERT INTO records SELECT * FROM bench_held ORDER BY json_extract(body, '$.created_at'), id",
    "DROP TABLE bench_held",
)


def _store_in_save_order(root: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Rewrite both databases' `records` in the order the records were first saved (their
    `created_at`): the order a workstation and the server write them in as casework happens.
    Foreign keys are deferred (workstation) or off (server SQLite), so nothing cascades."""
    started = time.perf_counter()
    desk = unlock(Settings(kdf=CHEAP_KDF), root / "workstation", BENCH_USER, BENCH_PASSWORD)
    try:
        with desk.unit_of_work() as uow:
            connection = uow.session.connection()
            connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            for statement in _REWRITE_IN_SAVE_ORDER:
                connection.exec_driver_sql(statement)
            uow.commit()
    finally:
        desk.lock("bench_reordered")
    server = sqlite3.connect(root / "server.sqlite")  # foreign keys off: no cascade to report_months
    try:
        with server:
            for statement in _REWRITE_IN_SAVE_ORDER:
                server.execute(statement)
        server.execute("VACUUM")
    finally:
        server.close()
    log(f"rewrote the cache's records in save order in {time.perf_counter() - started:.1f} s")
    manifest = {**manifest, "storage_order": SAVE_ORDER}
    (root / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def cached(cache_dir: Path, per_year: int, random_seed: int, rebuild: bool) -> Cache:
    root = cache_dir / f"reports-a{per_year}-s{random_seed}-f{CACHE_FORMAT}"
    path = root / "manifest.json"
    if rebuild or not path.exists():
        log(f"generating five years of casework ({per_year:,} assessment forms a year) into {root}")
        _build_cache(root, per_year, random_seed)
    manifest = json.loads(path.read_text())
    if manifest.get("desk_schema") != desk_head() or manifest.get("server_schema") != server_head():
        log("the cache is from an older schema; migrating it")
        manifest = _upgrade_cache(root, manifest)
    if manifest.get("storage_order") != SAVE_ORDER:
        manifest = _store_in_save_order(root, manifest)
    log(f"using the cached data in {root}")
    return Cache(root, manifest)


#: The server's tables a report reads, copied from the SQLite cache into PostgreSQL.
REPORT_TABLES: tuple[Table, ...] = (RecordRow.__table__, ReportMonthRow.__table__)  # type: ignore[assignment]


def load_postgresql(url: str, sqlite_db: Path) -> tuple[Engine, float]:
    """Migrate the PostgreSQL database and COPY the server's report tables into it; returns (engine, s)."""
    started = time.perf_counter()
    engine = build_engine(url)
    upgrade_to_head(engine)
    source = build_engine(f"sqlite:///{sqlite_db}")
    raw = url.replace("postgresql+psycopg://", "postgresql://")
    try:
        with source.connect() as reader, psycopg.connect(raw) as target:
            for table in REPORT_TABLES:
                columns = ", ".join(c.name for c in table.columns)
                rows = reader.execute(select(*table.columns)).yield_per(5000)
                with (
                    target.cursor() as cursor,
                    cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy,
                ):
                    for row in rows:
                        copy.write_row(tuple(row))
                target.execute(f"ANALYZE {table.name}")
            target.commit()
    finally:
        source.dispose()
    return engine, time.perf_counter() - started


# -- timing ------------------------------------------------------------------------------------------


@dataclass
class Timing:
    label: str
    samples: list[float]
    rows_read: int
    peak_mib: float
    target_s: float | None

    def line(self) -> str:
        median = statistics.median(self.samples)
        verdict = ""
        if self.target_s is not None:
            verdict = f"  target < {self.target_s:.0f} s: {'met' if median < self.target_s else 'MISSED'}"
        return (
            f"{self.label:<34} median {median:6.2f} s  min {min(self.samples):6.2f} s  "
            f"(n={len(self.samples)})  rows read {self.rows_read:>9,}  peak {self.peak_mib:7.1f} MiB{verdict}"
        )


@contextmanager
def counting_records() -> Iterator[list[int]]:
    """Count the records each report hands to `compute_kpis` (the rows it read and parsed)."""
    seen = [0]
    originals = (vars(desk_reports)["compute_kpis"], vars(server_reports)["compute_kpis"])

    def counted(records: Iterable[RecordBase], *args: Any, **kwargs: Any) -> Any:
        def each() -> Iterator[RecordBase]:
            for record in records:
                seen[0] += 1
                yield record

        return originals[0](each(), *args, **kwargs)

    setattr(desk_reports, "compute_kpis", counted)
    setattr(server_reports, "compute_kpis", counted)
    try:
        yield seen
    finally:
        setattr(desk_reports, "compute_kpis", originals[0])
        setattr(server_reports, "compute_kpis", originals[1])


def measure(label: str, run: Callable[[], object], reps: int, target_s: float | None) -> Timing:
    """A warm-up, `reps` timed runs, then one untimed run under tracemalloc for the peak memory."""
    run()
    samples = []
    for _ in range(reps):
        gc.collect()
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    gc.collect()
    with counting_records() as seen:
        tracemalloc.start()
        run()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return Timing(label, samples, seen[0], peak / 2**20, target_s)


def profile(label: str, run: Callable[[], object], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    profiler = cProfile.Profile()
    profiler.runcall(run)
    path = folder / f"{label}.pstats"
    profiler.dump_stats(path)
    print(f"\n--- profile: {label} ({path}) ---")
    pstats.Stats(str(path)).sort_stats("cumulative").print_stats(25)


# -- the reference: every record read and parsed, as the commands did before the skipping read --------


def server_full_read(engine: Engine, request: KpiReportRequest) -> str:
    """The KPI table's CSV from every record the server holds, sorted and parsed (no window): what
    `run_kpi_report` did before it used the skipping read, and the reference it must equal."""
    return server_reports.render(server_reports.kpi_table(iter_records(engine), request), request)


def workstation_full_read(session: WorkstationSession, first: date, last: date, kind: PeriodKind) -> KpiTable:
    """The KPI table from every record of the reported types, sorted and parsed (`iter_all`): what
    `services.reports.kpi_report` did before it used the skipping read."""
    periods = periods_between(first, last, kind)
    with session.unit_of_work() as uow:
        compute: Callable[..., KpiTable] = vars(desk_reports)["compute_kpis"]  # counted when measuring
        return compute(uow.records.iter_all(REPORTED_TYPES), periods)


Timed = Callable[[str, Callable[[], object], int, "float | None"], None]


def bench_server(
    backend: str,
    engine: Engine,
    request: KpiReportRequest,
    args: argparse.Namespace,
    timed: Timed,
    target: float | None,
) -> None:
    def command() -> object:
        return run_kpi_report(engine, request, ACTOR, datetime.now(UTC), args.workers)

    same = server_full_read(engine, request) == command()
    print(
        f"server, {backend}: the command gives {'the same CSV' if same else 'A DIFFERENT CSV'} as a full read"
    )
    if args.time_full_read:
        timed(f"server, {backend}, full read", lambda: server_full_read(engine, request), 1, target)
    timed(f"server, {backend}, report command", command, args.reps, target)
    if args.profile:
        profile(f"server-{backend.lower()}-command", command, args.profile)


def bench_workstation(desk: WorkstationSession, first: date, args: argparse.Namespace, timed: Timed) -> None:
    def command() -> object:
        return kpi_report(desk, first, LAST_DAY, PeriodKind.MONTH, workers=args.workers)

    middle = date(LAST_DAY.year - 3, 4, 1)

    def middle_year() -> object:
        return kpi_report(desk, middle, middle + timedelta(days=364), PeriodKind.MONTH, workers=args.workers)

    same = workstation_full_read(desk, first, LAST_DAY, PeriodKind.MONTH) == command()
    print(
        f"workstation: the command gives {'the same table' if same else 'A DIFFERENT TABLE'} as a full read"
    )
    if args.time_full_read:
        full = lambda: workstation_full_read(desk, first, LAST_DAY, PeriodKind.MONTH)  # noqa: E731
        timed("workstation, full read", full, 1, TARGET_WORKSTATION_S)
    timed("workstation, report command", command, args.reps, TARGET_WORKSTATION_S)
    timed(
        f"workstation, command, {middle.year}/{(middle.year + 1) % 100}",
        middle_year,
        1,
        TARGET_WORKSTATION_S,
    )
    if args.profile:
        profile("workstation-command", command, args.profile)


# -- the run ------------------------------------------------------------------------------------------


def machine() -> None:
    cpus = os.cpu_count()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = platform.processor() or "unknown"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Machine: {model}, {cpus} CPUs, load average {load}; Python {platform.python_version()}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--per-year", type=int, default=DEFAULT_PER_YEAR, help="assessment forms a year")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_PER_YEAR:,} a year, 2 repetitions")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the invented data")
    parser.add_argument("--reps", type=int, default=5, help="timed repetitions of each report")
    parser.add_argument("--cache-dir", type=Path, default=Path("bench/.cache"))
    parser.add_argument("--rebuild", action="store_true", help="regenerate even if cached")
    parser.add_argument("--profile", type=Path, default=None, help="also cProfile each report into DIR")
    parser.add_argument(
        "--time-full-read", action="store_true", help="also time reading every record (slow; the reference)"
    )
    parser.add_argument("--skip-postgresql", action="store_true", help="time SQLite and the workstation only")
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help=f"processes each report is counted in, as the commands do (default here: {default_workers()})",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.per_year, args.reps = QUICK_PER_YEAR, 2
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    machine()
    cache = cached(args.cache_dir, args.per_year, args.seed, args.rebuild)
    m = cache.manifest
    print(
        f"Data: {YEARS} years to {LAST_DAY:%d/%m/%Y}, {m['per_year']:,} assessment forms a year, seed "
        f"{m['random_seed']}; records {sum(m['record_counts'].values()):,}: "
        + ", ".join(f"{k} {v:,}" for k, v in m["record_counts"].items())
        + f"; stored in {m.get('storage_order', 'person')} order"
    )
    print(
        "Completed required/lifestyle/vulnerability/suitability forms by calendar year: "
        + ", ".join(f"{y} {n:,}" for y, n in m["assessment_kinds_completed_by_calendar_year"].items())
    )
    first = date(LAST_DAY.year - 1, 4, 1)
    print(
        f"Report: {first:%d/%m/%Y} to {LAST_DAY:%d/%m/%Y} by month, all sites, every KPI; counted in "
        f"up to {args.workers} process{'es' if args.workers > 1 else ''} (reports.parts; rows read "
        "counts those parsed in this process, so only its own part when there are more)\n"
    )
    work = args.cache_dir / f"reports-work-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(cache.root, work)
    request = KpiReportRequest(first, LAST_DAY, PeriodKind.MONTH, format="csv")
    results: list[Timing] = []

    def timed(label: str, run: Callable[[], object], reps: int, target: float | None) -> None:
        results.append(measure(label, run, reps, target))
        print(results[-1].line(), flush=True)

    try:
        sqlite_engine = build_engine(f"sqlite:///{work / 'server.sqlite'}")
        if not args.skip_postgresql:
            with postgresql_database(os.environ.get(EXTERNAL_POSTGRES_ENV)) as (url, where):
                pg_engine, load_s = load_postgresql(url, work / "server.sqlite")
                with pg_engine.connect() as c:
                    held = c.scalar(select(func.count()).select_from(RecordRow))
                print(f"PostgreSQL: {where}; {held:,} records loaded by COPY in {load_s:.1f} s\n")
                bench_server("PostgreSQL", pg_engine, request, args, timed, TARGET_SERVER_S)
                pg_engine.dispose()
        bench_server("SQLite", sqlite_engine, request, args, timed, None)
        sqlite_engine.dispose()

        desk = unlock(Settings(kdf=CHEAP_KDF), work / "workstation", BENCH_USER, BENCH_PASSWORD)
        try:
            bench_workstation(desk, first, args, timed)
        finally:
            desk.lock("bench_done")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nProcess peak RSS (ru_maxrss, whole run): {rss:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
