"""Store benchmark: unlock, save, lookup and size of the encrypted store, and the same against plain SQLite.

Run by hand (never by pytest), from the repository root:

    PYTHONPATH=. .venv/bin/python bench/store.py --quick      # 5,000 people, about a minute
    PYTHONPATH=. .venv/bin/python bench/store.py              # 100,000 people (seeding takes minutes once)

It prints figures and never asserts on timings. The seeded stores are cached under --cache-dir, keyed
by (people, random seed, schema head); each run works on a fresh copy, so the cache is never changed by
a run. All data is invented by `cars_desktop.services.seed`; the benchmark password below is for this
invented data only and is not written to any file (the vault holds only the wrapped key, as usual).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import math
import os
import platform
import pstats
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

import sqlcipher3
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import cars_desktop.services.workstation as workstation_module
import cars_desktop.storage.engine as engine_module
import cars_desktop.storage.store as store_module
import cars_desktop.storage.vault as vault_module
from cars_desktop.config import KdfCost, Settings
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.services.records import RESULT_IDS_LOGGED, find_people, save_record
from cars_desktop.services.seed import CaseworkGenerator, seed
from cars_desktop.services.users import enrol_user
from cars_desktop.services.workstation import WorkstationSession, init_workstation, unlock
from cars_desktop.storage.audit import AuditWriter
from cars_desktop.storage.engine import connect_raw
from cars_desktop.storage.layout import StoreLayout
from cars_desktop.storage.migrate import head_revision
from cars_desktop.storage.repositories import RecordRepository
from cars_desktop.storage.store import Store
from cars_desktop.storage.unit_of_work import UnitOfWork
from cars_desktop.storage.vault import Vault
from cars_protocol.records import (
    Assessment,
    AssessmentKind,
    CustodyEpisode,
    Person,
    RecordBase,
    Role,
    utc_now,
)

# Benchmark-only credentials for invented data; documented in bench/README.md. Never a real password.
BENCH_PASSWORD = "cars-bench-only-2026"
BENCH_ADMIN = "bench.admin"
BENCH_USER = "bench.worker"
BENCH_ROLES = frozenset({Role.WORKER, Role.SUPERVISOR})
BENCH_ROLE_LABEL = "+".join(sorted(r.value for r in BENCH_ROLES))
BENCH_SITE = "OLDBURY"
SEED_END = date(2026, 6, 30)  # fixed, so the same (people, seed) always gives the same store
SEED_DAYS = 730
SEED_BATCH_PEOPLE = 200
CACHE_FORMAT = 2  # 2: stores seeded with real completed forms
QUICK_PEOPLE = 5_000
DEFAULT_PEOPLE = 100_000
WARM_UP = 10
INTERLEAVE_BLOCK = 50

TARGET_UNLOCK_S = 0.5
TARGET_SAVE_P95_MS = 10.0
TARGET_LOOKUP_MS = 20.0
TARGET_RATIO = 1.5


def default_kdf_cost() -> KdfCost:
    """The shipped Argon2id cost, whatever CARS_ARGON2_* says (explicit values beat the environment)."""
    return KdfCost(**{name: info.default for name, info in KdfCost.model_fields.items()})


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- figures ----------------------------------------------------------------------------------------


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation): p95 of 1,000 samples is the 950th smallest."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def latency_line(label: str, samples: Sequence[float], width: int = 44) -> str:
    return (
        f"  {label:<{width}} n={len(samples):<5} p50 {ms(percentile(samples, 50))}  "
        f"p95 {ms(percentile(samples, 95))}  p99 {ms(percentile(samples, 99))}  max {ms(max(samples))}"
    )


def ratio_line(label: str, encrypted: Sequence[float], plain: Sequence[float], width: int = 44) -> str:
    parts = []
    for pct in (50, 95, 99):
        parts.append(f"p{pct} {percentile(encrypted, pct) / percentile(plain, pct):5.2f}x")
    return f"  {label:<{width}} encrypted/plain  " + "  ".join(parts)


def mib(size: float) -> str:
    return f"{size / 2**20:9.2f} MiB"


@dataclass
class Verdicts:
    """Targets met or missed, printed together at the end."""

    lines: list[str] = field(default_factory=list)

    def add(self, what: str, value: str, target: str, met: bool) -> None:
        self.lines.append(f"  [{'met   ' if met else 'MISSED'}] {what}: {value} (target {target})")


# -- machine facts ----------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _fsync_probe(folder: Path, rounds: int = 30) -> list[float]:
    """How long the disk under the cache takes to make a small write durable (bounds every save)."""
    probe = folder / "fsync-probe"
    samples = []
    fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for i in range(rounds):
            os.write(fd, b"x" * 4096)
            start = time.perf_counter()
            os.fsync(fd)
            samples.append(time.perf_counter() - start)
            if i % 10 == 9:
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)
        probe.unlink(missing_ok=True)
    return samples


def print_machine_facts(cache_dir: Path) -> None:
    conn = sqlcipher3.connect(":memory:")
    try:
        conn.execute(engine_module.key_pragma(bytes(32)))  # the provider is only reported once keyed
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        cipher_version = conn.execute("PRAGMA cipher_version").fetchone()[0]
        provider = conn.execute("PRAGMA cipher_provider").fetchone()
        provider_version = conn.execute("PRAGMA cipher_provider_version").fetchone()
        sqlcipher_sqlite = conn.execute("SELECT sqlite_version()").fetchone()[0]
    finally:
        conn.close()
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    fsync = _fsync_probe(cache_dir)
    print("Machine")
    print(f"  CPU: {_cpu_model()}; os.cpu_count()={os.cpu_count()}, usable by this process={affinity}")
    print(f"  memory: {_memory()}; platform: {platform.platform()}")
    print(f"  Python {platform.python_version()} ({platform.python_implementation()})")
    print(
        f"  SQLCipher {cipher_version} (SQLite {sqlcipher_sqlite}, crypto {provider[0] if provider else '?'} "
        f"{provider_version[0] if provider_version else ''}); plain SQLite {sqlite3.sqlite_version}"
    )
    versions = ", ".join(
        f"{name} {metadata.version(name)}" for name in ("sqlcipher3", "SQLAlchemy", "argon2-cffi", "pydantic")
    )
    print(f"  packages: {versions}")
    print(
        f"  disk under {cache_dir}: 4 KiB write + fsync p50 {ms(percentile(fsync, 50)).strip()}, "
        f"max {ms(max(fsync)).strip()} (every commit pays at least one fsync: synchronous=FULL, WAL)"
    )
    print()


# -- the cached seeded stores -----------------------------------------------------------------------


@dataclass(frozen=True)
class CachedStores:
    """A seeded encrypted workstation folder and its plain twin holding the same rows."""

    root: Path
    manifest: dict[str, Any]

    @property
    def encrypted_dir(self) -> Path:
        return self.root / "encrypted"

    @property
    def plain_db(self) -> Path:
        return self.root / "plain.db"


def _cache_root(cache_dir: Path, people: int, random_seed: int) -> Path:
    return cache_dir / f"store-p{people}-s{random_seed}-f{CACHE_FORMAT}"


def _data_key(data_dir: Path) -> bytes:
    vault = Vault.load(StoreLayout(data_dir).vault)
    return vault.unwrap_with_password(BENCH_USER, BENCH_PASSWORD)


def _user_tables(conn: Any, schema: str = "main") -> list[str]:
    rows = conn.execute(
        f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name"
    ).fetchall()
    return [r[0] for r in rows]


def _copy_rows_to_plain(encrypted_db: Path, key: bytes, plain_db: Path) -> dict[str, int]:
    """Fill a freshly migrated plain store with every row of the encrypted one (same data, same ids)."""
    conn = connect_raw(encrypted_db, key, tuned=False)
    conn.isolation_level = None
    counts: dict[str, int] = {}
    try:
        conn.execute("ATTACH DATABASE ? AS plain KEY ''", (str(plain_db),))
        conn.execute("BEGIN")
        plain_tables = set(_user_tables(conn, "plain"))
        for table in _user_tables(conn):
            if table not in plain_tables:
                raise RuntimeError(f"the plain store has no table {table}; is the schema the same?")
            columns = ", ".join(f'"{r[1]}"' for r in conn.execute(f'PRAGMA main.table_info("{table}")'))
            conn.execute(f'DELETE FROM plain."{table}"')
            conn.execute(f'INSERT INTO plain."{table}" ({columns}) SELECT {columns} FROM main."{table}"')
            counts[table] = conn.execute(f'SELECT count(*) FROM plain."{table}"').fetchone()[0]
            if counts[table] != conn.execute(f'SELECT count(*) FROM main."{table}"').fetchone()[0]:
                raise RuntimeError(f"copying {table} to the plain store lost rows")
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE plain")
    finally:
        conn.close()
    return counts


def _build_cache(root: Path, people: int, random_seed: int) -> None:
    building = root.with_name(root.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    data_dir = building / "encrypted"
    settings = Settings(kdf=default_kdf_cost())
    started = time.perf_counter()
    init_workstation(settings, data_dir, BENCH_SITE, BENCH_ADMIN, BENCH_PASSWORD)
    admin = unlock(settings, data_dir, BENCH_ADMIN, BENCH_PASSWORD)
    try:
        enrol_user(admin, BENCH_USER, "Benchmark Worker", BENCH_ROLES, BENCH_PASSWORD)
    finally:
        admin.lock("bench_setup")
    worker = unlock(settings, data_dir, BENCH_USER, BENCH_PASSWORD)
    last_report = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last_report[0] > 10 or done == total:
            last_report[0] = now
            rate = (now - seed_started) / max(done, 1) * 1000
            log(f"  seeded {done:,} of {total:,} people ({rate:.1f} ms per person)")

    try:
        seed_started = time.perf_counter()
        report = seed(
            worker,
            people,
            SEED_DAYS,
            random_seed,
            end=SEED_END,
            batch_people=SEED_BATCH_PEOPLE,
            progress=progress,
        )
        seed_seconds = time.perf_counter() - seed_started
        key = worker.data_key()
    finally:
        worker.lock("bench_seeded")
    store = Store.open(StoreLayout(data_dir).database, key)
    try:
        store.checkpoint()
    finally:
        store.dispose()
    log("  copying every row into the plain twin")
    plain_started = time.perf_counter()
    plain = Store.open_plain(building / "plain.db")
    plain.dispose()
    table_rows = _copy_rows_to_plain(StoreLayout(data_dir).database, key, building / "plain.db")
    plain = Store.open_plain(building / "plain.db")
    try:
        plain.checkpoint()
    finally:
        plain.dispose()
    manifest = {
        "format": CACHE_FORMAT,
        "people": people,
        "random_seed": random_seed,
        "seed_end": SEED_END.isoformat(),
        "seed_days": SEED_DAYS,
        "schema_head": head_revision(),
        "kdf": default_kdf_cost().model_dump(),
        "record_counts": report.counts,
        "table_rows": table_rows,
        "seed_seconds": round(seed_seconds, 1),
        "plain_copy_seconds": round(time.perf_counter() - plain_started, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
        "built_at": datetime.now(UTC).isoformat(),
    }
    (building / "manifest.json").write_text(json.dumps(manifest, indent=1))
    shutil.rmtree(root, ignore_errors=True)
    building.rename(root)


def cached_stores(cache_dir: Path, people: int, random_seed: int, rebuild: bool) -> CachedStores:
    """The seeded stores for (people, seed), built through the services if not cached yet."""
    root = _cache_root(cache_dir, people, random_seed)
    manifest_path = root / "manifest.json"
    if not rebuild and manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if (
            manifest.get("schema_head") == head_revision()
            and manifest.get("kdf") == default_kdf_cost().model_dump()
        ):
            log(f"using the cached stores in {root}")
            return CachedStores(root, manifest)
        log("the cached stores are from another schema or Argon2id cost; rebuilding them")
    log(f"seeding {people:,} people through the services into {root} (done once, then cached)")
    _build_cache(root, people, random_seed)
    return CachedStores(root, json.loads(manifest_path.read_text()))


def working_copy(cached: CachedStores, work: Path) -> CachedStores:
    """A throwaway copy to benchmark on, so the cache stays as seeded."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copytree(cached.encrypted_dir, work / "encrypted")
    for suffix in ("", "-wal", "-shm"):
        source = cached.root / f"plain.db{suffix}"
        if source.exists():
            shutil.copyfile(source, work / source.name)
    return CachedStores(work, cached.manifest)


# -- store facts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageStats:
    page_size: int
    page_count: int
    freelist: int

    @property
    def used_bytes(self) -> int:
        return (self.page_count - self.freelist) * self.page_size


def pragma(store: Store, name: str) -> str:
    with store.engine.connect() as conn:
        return str(conn.exec_driver_sql(f"PRAGMA {name}").scalar_one())


def page_stats(store: Store) -> PageStats:
    with store.engine.connect() as conn:
        size = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
        count = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
        free = conn.exec_driver_sql("PRAGMA freelist_count").scalar_one()
    return PageStats(int(size), int(count), int(free))


def sample_people(store: Store, count: int, rng: random.Random) -> list[Person]:
    """Existing people picked at random (deterministically) from the seeded data."""
    with store.read_session() as session:
        conn = session.connection()
        ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM records WHERE record_type = 'person'")]
        ids.sort()
        chosen = rng.sample(ids, min(count, len(ids)))
        people = []
        for person_id in chosen:
            body = conn.exec_driver_sql("SELECT body FROM records WHERE id = ?", (person_id,)).scalar_one()
            people.append(Person.model_validate_json(body))
    return people


# -- records to save --------------------------------------------------------------------------------


def new_people_and_assessments(count: int, random_seed: int) -> list[RecordBase]:
    """`count` new records, alternately a Person and an Assessment form record of that person (as seeded).

    The assessment points at a custody episode made by the generator but not saved: nothing in the
    store checks it, and the figure is about saving the assessment itself.
    """
    generator = CaseworkGenerator(random.Random(random_seed), BENCH_SITE, BENCH_USER, SEED_END, SEED_DAYS)
    out: list[RecordBase] = []
    while len(out) < count:
        made = generator.person()
        person = made[0]
        assert isinstance(person, Person)
        episode = next(r for r in made if isinstance(r, CustodyEpisode))
        out.append(person)
        out.append(_assessment(generator, person, episode))
    return out[:count]


def assessments_for(people: Sequence[Person], count: int, random_seed: int) -> list[Assessment]:
    """`count` new assessments of existing people (for the marginal size figure)."""
    generator = CaseworkGenerator(random.Random(random_seed), BENCH_SITE, BENCH_USER, SEED_END, SEED_DAYS)
    out: list[Assessment] = []
    for i in range(count):
        person = people[i % len(people)]
        episode = next(r for r in generator.episode(person) if isinstance(r, CustodyEpisode))
        out.append(_assessment(generator, person, episode))
    return out


def _assessment(generator: CaseworkGenerator, person: Person, episode: CustodyEpisode) -> Assessment:
    kind = random.Random(str(person.id)).choice([AssessmentKind.REQUIRED_INITIAL, AssessmentKind.LIFESTYLE])
    opiates = generator.rng.random() < 0.35
    assessment = generator.assessment_and_follow_ons(person, episode, kind, episode.arrived_at, opiates)[0]
    assert isinstance(assessment, Assessment)
    return assessment


# -- like-for-like paths on any Store (mirror services/records.py) ---------------------------------


@dataclass(frozen=True)
class Target:
    """A store plus an audit writer: the pieces `_store_one` and `find_people` use, minus the session."""

    name: str
    store: Store
    writer: AuditWriter

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.store, self.writer, BENCH_USER, BENCH_ROLE_LABEL)


def uow_save_new(target: Target, record: RecordBase) -> None:
    """What `save_record` does for a new record: read, record + history (+ index), outbox, audit, commit."""
    with target.unit_of_work() as uow:
        now = utc_now()
        if uow.records.get(record.id) is not None:
            raise RuntimeError(f"{record.id} is already stored; the benchmark expects new records")
        to_save = record.model_copy(update={"updated_at": max(now, record.created_at)})
        event = AuditEvent(AuditOperation.COLLECTION, record.record_type, str(record.id))
        uow.records.save(to_save, BENCH_USER)
        uow.outbox.add(to_save, now)
        uow.audit(event, at=now)
        uow.commit()


def uow_find_people(target: Target, family_name: str, date_of_birth: date) -> list[Person]:
    """What the service `find_people` does: search and log the search, in one write transaction."""
    with target.unit_of_work() as uow:
        found = uow.records.find_people(family_name, date_of_birth, "")
        uow.audit(
            AuditEvent(
                AuditOperation.CONSULTATION,
                "person",
                details={
                    "search": "name_dob",
                    "results": len(found),
                    "ids": [str(p.id) for p in found[:RESULT_IDS_LOGGED]],
                },
            )
        )
        uow.commit()
    return found


def repo_find_people(store: Store, family_name: str, date_of_birth: date) -> list[Person]:
    """The repository-level search in its own read session (no audit entry)."""
    with store.read_session() as session:
        return RecordRepository(session).find_people(family_name, date_of_birth)


class CommitClock:
    """While installed, remembers how long the last `UnitOfWork.commit` took (SQLite COMMIT: WAL + fsync)."""

    def __init__(self) -> None:
        self.last = 0.0

    @contextmanager
    def installed(self) -> Iterator[None]:
        def wrap(function: Callable[..., Any]) -> Callable[..., Any]:
            def commit(uow: UnitOfWork) -> Any:
                start = time.perf_counter()
                try:
                    return function(uow)
                finally:
                    self.last = time.perf_counter() - start

            return commit

        with patched(UnitOfWork, "commit", wrap):
            yield


COMMITS = CommitClock()


@dataclass
class Series:
    """Latencies of one series, and the part of each spent in `UnitOfWork.commit`."""

    total: list[float] = field(default_factory=list)
    commit: list[float] = field(default_factory=list)

    def add(self, action: Callable[[], Any]) -> Any:
        COMMITS.last = 0.0
        start = time.perf_counter()
        result = action()
        self.total.append(time.perf_counter() - start)
        self.commit.append(COMMITS.last)
        return result

    def lines(self, label: str, width: int = 44, commit: bool = True) -> list[str]:
        out = [latency_line(label, self.total, width)]
        if commit:
            out.append(latency_line("  of which UnitOfWork.commit (WAL + fsync)", self.commit, width))
            rest = [t - c for t, c in zip(self.total, self.commit, strict=True)]
            out.append(latency_line("  of which everything else", rest, width))
        return out


def interleaved(
    targets: Sequence[Target], items: Sequence[Any], action: Callable[[Target, Any], object]
) -> dict[str, Series]:
    """Run `action` on every item against every target, in blocks alternating ABBA to cancel drift."""
    samples: dict[str, Series] = {t.name: Series() for t in targets}
    for block_no, start in enumerate(range(0, len(items), INTERLEAVE_BLOCK)):
        block = items[start : start + INTERLEAVE_BLOCK]
        order = targets if block_no % 2 == 0 else list(reversed(targets))
        for target in order:
            for item in block:
                samples[target.name].add(partial(action, target, item))
    return samples


def settle() -> None:
    """Before a timed phase: flush dirty file pages (the working copy, checkpoints) and collect garbage.

    Without this, the kernel writing back the freshly copied store makes the first seconds of fsyncs
    several times slower on ext4, which has nothing to do with the store.
    """
    os.sync()
    gc.collect()


def disk_now(folder: Path) -> str:
    fsync = _fsync_probe(folder)
    return (
        f"disk right before (4 KiB write + fsync x{len(fsync)}): p50 {ms(percentile(fsync, 50)).strip()}, "
        f"p95 {ms(percentile(fsync, 95)).strip()}, max {ms(max(fsync)).strip()}"
    )


# -- 1. unlock --------------------------------------------------------------------------------------


@contextmanager
def patched(
    owner: Any, name: str, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]
) -> Iterator[None]:
    """Wrap `owner.name` for the duration (class attributes keep their descriptors on restore)."""
    original_attr = owner.__dict__[name] if name in vars(owner) else getattr(owner, name)
    setattr(owner, name, wrap(getattr(owner, name)))
    try:
        yield
    finally:
        setattr(owner, name, original_attr)


def _accumulating(bucket: dict[str, float], label: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(function: Callable[..., Any]) -> Callable[..., Any]:
        def timed_call(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                bucket[label] = bucket.get(label, 0.0) + time.perf_counter() - start

        return timed_call

    return wrap


UNLOCK_PARTS = (
    ("argon2id", "Argon2id (vault.derive_password_key)"),
    ("connect", "keyed connection (engine.connect_raw: key, check read, PRAGMAs)"),
    ("migration_check", "migration check (upgrade_to_head, excluding the connection)"),
    ("open_rest", "engine set-up, device key, user row"),
    ("rest", "vault + journal files, lockout check, journal fold, LOGIN audit commit"),
)


def measured_unlock(data_dir: Path) -> tuple[float, dict[str, float]]:
    """One end-to-end unlock, with its parts timed by wrapping the library functions it calls."""
    bucket: dict[str, float] = {}
    settings = Settings(kdf=default_kdf_cost())
    with (
        patched(vault_module, "derive_password_key", _accumulating(bucket, "argon2id")),
        patched(engine_module, "connect_raw", _accumulating(bucket, "connect")),
        patched(store_module, "upgrade_to_head", _accumulating(bucket, "upgrade")),
        patched(workstation_module, "_open_session", _accumulating(bucket, "open_session")),
    ):
        start = time.perf_counter()
        session = unlock(settings, data_dir, BENCH_USER, BENCH_PASSWORD)
        total = time.perf_counter() - start
    session.lock("bench")
    parts = {
        "argon2id": bucket.get("argon2id", 0.0),
        "connect": bucket.get("connect", 0.0),
        "migration_check": bucket.get("upgrade", 0.0) - bucket.get("connect", 0.0),
        "open_rest": bucket.get("open_session", 0.0) - bucket.get("upgrade", 0.0),
    }
    parts["rest"] = total - bucket.get("argon2id", 0.0) - bucket.get("open_session", 0.0)
    return total, parts


def cold_unlock_in_new_process(data_dir: Path) -> dict[str, Any]:
    """The first unlock of a fresh program (modules imported, nothing warmed), in a child process."""
    result = subprocess.run(
        [sys.executable, __file__, "--cold-unlock-child", str(data_dir)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def bench_unlock(data_dir: Path, runs: int, verdicts: Verdicts) -> None:
    vault = Vault.load(StoreLayout(data_dir).vault)
    slot = next(s for s in vault.content.slots if s.kind == "password" and s.username == BENCH_USER)
    print("1. Unlock with the default Argon2id cost")
    print(
        f"  slot cost: Argon2id {slot.kdf.memory_kib} KiB, t={slot.kdf.time_cost}, p={slot.kdf.parallelism}; "
        f"unlock(settings, data_dir, user, password) end to end, then lock() (not timed)"
    )
    cold = cold_unlock_in_new_process(data_dir)
    print(
        f"  first unlock in a fresh process: {ms(cold['total']).strip()} "
        f"(Argon2id {ms(cold['parts']['argon2id']).strip()}, "
        f"rest {ms(cold['total'] - cold['parts']['argon2id']).strip()})"
    )
    totals: list[float] = []
    parts: dict[str, list[float]] = {name: [] for name, _ in UNLOCK_PARTS}
    for _ in range(runs):
        total, run_parts = measured_unlock(data_dir)
        totals.append(total)
        for name, value in run_parts.items():
            parts[name].append(value)
    print(f"  {runs} unlocks in this process: " + ", ".join(f"{t * 1000:.0f}" for t in totals) + " ms")
    print(f"  {'end to end':<72} median {ms(statistics.median(totals))}  max {ms(max(totals))}")
    for name, label in UNLOCK_PARTS:
        print(f"    {label:<70} median {ms(statistics.median(parts[name]))}  max {ms(max(parts[name]))}")
    rest = [t - a for t, a in zip(totals, parts["argon2id"], strict=True)]
    print(f"    {'everything but Argon2id':<70} median {ms(statistics.median(rest))}  max {ms(max(rest))}")
    print()
    worst = max(max(totals), cold["total"])
    verdicts.add(
        "unlock, median / worst (incl. fresh process)",
        f"{statistics.median(totals) * 1000:.0f} / {worst * 1000:.0f} ms",
        f"< {TARGET_UNLOCK_S * 1000:.0f} ms",
        worst < TARGET_UNLOCK_S,
    )


# -- 2 and 3. service saves and lookups -------------------------------------------------------------


def bench_service(
    session: WorkstationSession,
    people: Sequence[Person],
    saves: int,
    random_seed: int,
    verdicts: Verdicts,
) -> None:
    records = new_people_and_assessments(saves + WARM_UP, random_seed + 101)
    for record in records[:WARM_UP]:
        save_record(session, record)
    settle()
    disk = disk_now(session.layout.data_dir)
    by_type: dict[str, Series] = {}
    series = Series()
    for record in records[WARM_UP:]:
        series.add(partial(save_record, session, record))
        typed = by_type.setdefault(record.record_type, Series())
        typed.total.append(series.total[-1])
        typed.commit.append(series.commit[-1])
    print("2. Save latency: save_record(session, record), one transaction each, encrypted store")
    print(
        "  new records, alternately a Person and an Assessment form record, into the seeded store "
        f"({WARM_UP} untimed warm-up saves first)"
    )
    print(f"  {disk}")
    for line in series.lines("save_record, all"):
        print(line)
    for record_type, values in sorted(by_type.items()):
        print(latency_line(f"save_record, {record_type}", values.total))
    print()
    samples = series.total
    p95 = percentile(samples, 95)
    verdicts.add(
        "save_record p95",
        f"{p95 * 1000:.2f} ms",
        f"< {TARGET_SAVE_P95_MS:.0f} ms",
        p95 * 1000 < TARGET_SAVE_P95_MS,
    )

    store = session.store
    for person in people[:WARM_UP]:
        repo_find_people(store, person.family_name, person.date_of_birth)
    settle()
    disk = disk_now(session.layout.data_dir)
    repo_series = Series()
    service_series = Series()
    results: list[int] = []
    misses = 0
    for person in people:
        found = repo_series.add(partial(repo_find_people, store, person.family_name, person.date_of_birth))
        misses += person.id not in {f.id for f in found}
        results.append(len(found))
        service_series.add(partial(find_people, session, person.family_name, person.date_of_birth))
    repo_samples, service_samples = repo_series.total, service_series.total
    print("3. Lookup by family name + date of birth of existing people, encrypted store")
    print(
        f"  {len(people)} people picked at random from the seeded ones; results per lookup: mean "
        f"{statistics.mean(results):.2f}, max {max(results)}; people not found: {misses}"
    )
    print(f"  {disk}")
    print(latency_line("RecordRepository.find_people (read session)", repo_samples))
    for line in service_series.lines("service find_people (+ audit entry, commit)"):
        print(line)
    print()
    for label, lookups in (("repository lookup", repo_samples), ("service find_people", service_samples)):
        p50, p95 = percentile(lookups, 50) * 1000, percentile(lookups, 95) * 1000
        verdicts.add(
            f"{label} p50 / p95",
            f"{p50:.2f} / {p95:.2f} ms",
            f"< {TARGET_LOOKUP_MS:.0f} ms",
            p95 < TARGET_LOOKUP_MS,
        )


# -- 4. size ----------------------------------------------------------------------------------------


def print_store_size(cached: CachedStores, key: bytes) -> None:
    counts: dict[str, int] = cached.manifest["record_counts"]
    assessments = counts.get("assessment", 0)
    people = counts.get("person", 0)
    records = sum(counts.values())
    print("4. Store size")
    print(
        "  method: the seeded store's file after PRAGMA wal_checkpoint(TRUNCATE) (WAL empty), divided by its "
        "assessments / 1,000;"
    )
    print(
        "  everything is counted against the assessments: people, custody episodes, tests, referrals, "
        "history, outbox, audit log, indexes"
    )
    print(f"  seeded: {people:,} people, {assessments:,} assessments, {records:,} records: {counts}")
    for label, path, store in (
        (
            "encrypted (SQLCipher)",
            cached.encrypted_dir / "cars.db",
            Store.open(cached.encrypted_dir / "cars.db", key),
        ),
        ("plain SQLite twin", cached.plain_db, Store.open_plain(cached.plain_db)),
    ):
        try:
            stats = page_stats(store)
        finally:
            store.dispose()
        size = path.stat().st_size
        per_assessment = size / max(assessments, 1) * 1000
        print(
            f"  {label:<22} file {mib(size)} ({stats.page_count:,} pages of {stats.page_size} B, "
            f"{stats.freelist} free); per 1,000 assessments {mib(per_assessment)}; "
            f"per 1,000 people {mib(size / max(people, 1) * 1000)}; "
            f"per record {size / max(records, 1):,.0f} B"
        )


# -- 5. like for like, encrypted against plain -----------------------------------------------------


def bench_like_for_like(
    work: CachedStores,
    key: bytes,
    people: Sequence[Person],
    saves: int,
    random_seed: int,
    verdicts: Verdicts,
) -> None:
    encrypted = Target(
        "encrypted",
        Store.open(work.encrypted_dir / "cars.db", key),
        AuditWriter(Ed25519PrivateKey.generate(), "bench"),
    )
    plain = Target(
        "plain", Store.open_plain(work.plain_db), AuditWriter(Ed25519PrivateKey.generate(), "bench")
    )
    targets = [encrypted, plain]
    settings = {
        t.name: ", ".join(
            f"{name} {pragma(t.store, name)}"
            for name in ("cache_size", "journal_mode", "synchronous", "mmap_size")
        )
        for t in targets
    }
    try:
        warm = new_people_and_assessments(WARM_UP, random_seed + 201)
        for target in targets:
            for record in warm:
                uow_save_new(target, record)
            for person in people[:WARM_UP]:
                repo_find_people(target.store, person.family_name, person.date_of_birth)
        records = new_people_and_assessments(saves, random_seed + 202)
        settle()
        disk = disk_now(work.root)
        save = interleaved(targets, records, uow_save_new)
        repo = interleaved(
            targets, people, lambda t, p: repo_find_people(t.store, p.family_name, p.date_of_birth)
        )
        audited = interleaved(
            targets, people, lambda t, p: uow_find_people(t, p.family_name, p.date_of_birth)
        )

        before = {t.name: _checkpointed_stats(t.store) for t in targets}
        assessments = assessments_for(people, saves, random_seed + 203)
        settle()
        assessment_saves = interleaved(targets, assessments, uow_save_new)
        after = {t.name: _checkpointed_stats(t.store) for t in targets}
    finally:
        for target in targets:
            target.store.dispose()

    print("5. Encrypted against plain SQLite, same schema, same rows, same code path")
    print(
        "  both stores: Store + UnitOfWork + AuditWriter(fresh Ed25519 key); saves mirror records._store_one "
        "(get, save, outbox, audit, commit),"
    )
    print(
        f"  audited lookups mirror services find_people; run alternately in blocks of {INTERLEAVE_BLOCK} "
        f"(ABBA order), after {WARM_UP} warm-up saves and lookups each"
    )
    for target in targets:
        print(f"  {target.name} connection settings: {settings[target.name]}")
    print(f"  {disk}")
    rows = (
        ("save (Person/Assessment, new)", save, True),
        ("save (Assessment of existing person)", assessment_saves, True),
        ("lookup, repository (read session)", repo, False),
        ("lookup + audit entry (write transaction)", audited, True),
    )
    for label, samples, with_commit in rows:
        for target in targets:
            for line in samples[target.name].lines(f"{label}, {target.name}", 52, with_commit):
                print(line)
        print(ratio_line(label, samples["encrypted"].total, samples["plain"].total, width=52))
        if with_commit:
            print(ratio_line("  commit only", samples["encrypted"].commit, samples["plain"].commit, width=52))
    print(
        f"  marginal size: used pages (page_count - freelist) after a checkpoint, before and after saving "
        f"{len(assessments):,} assessments"
    )
    print("  of existing people (record + history + outbox + audit entry each):")
    for target in targets:
        grown = after[target.name].used_bytes - before[target.name].used_bytes
        print(f"    {target.name:<10} {mib(grown / max(len(assessments), 1) * 1000)} per 1,000 assessments")
    print()
    for label, samples, _ in rows:
        worst = max(
            percentile(samples["encrypted"].total, pct) / percentile(samples["plain"].total, pct)
            for pct in (50, 95)
        )
        verdicts.add(
            f"encrypted/plain, {label} (worse of p50, p95)",
            f"{worst:.2f}x",
            f"<= {TARGET_RATIO}x",
            worst <= TARGET_RATIO,
        )


def _checkpointed_stats(store: Store) -> PageStats:
    store.checkpoint()
    return page_stats(store)


# -- optional profile -------------------------------------------------------------------------------


def profile_service(
    session: WorkstationSession, people: Sequence[Person], random_seed: int, out_dir: Path
) -> None:
    """An extra, separate pass under cProfile (its timings are inflated; the figures above are not)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    records = new_people_and_assessments(300, random_seed + 301)

    def saves() -> None:
        for record in records:
            save_record(session, record)

    def service_lookups() -> None:
        for person in people:
            find_people(session, person.family_name, person.date_of_birth)

    def repository_lookups() -> None:
        for person in people:
            repo_find_people(session.store, person.family_name, person.date_of_birth)

    jobs: list[tuple[str, Callable[[], None]]] = [
        ("save_record", saves),
        ("find_people", service_lookups),
        ("repo_find_people", repository_lookups),
    ]
    print("Profiles (cProfile, separate pass; top functions by own time)")
    for name, job in jobs:
        profiler = cProfile.Profile()
        profiler.runcall(job)
        path = out_dir / f"{name}.pstats"
        profiler.dump_stats(path)
        print(f"  {name}: {path}")
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("tottime").print_stats(12)


# -- main -------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--people", type=int, default=None, help=f"people in the seeded store (default {DEFAULT_PEOPLE:,})"
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"smoke run: {QUICK_PEOPLE:,} people, fewer samples"
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(__file__).resolve().parent / ".cache",
        help="where seeded stores are kept between runs (default bench/.cache)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the seeded data (default 1)")
    parser.add_argument(
        "--saves", type=int, default=None, help="timed saves per series (default 1000; quick 200)"
    )
    parser.add_argument(
        "--lookups", type=int, default=None, help="timed lookups per series (default 500; quick 100)"
    )
    parser.add_argument("--unlock-runs", type=int, default=None, help="timed unlocks (default 7; quick 3)")
    parser.add_argument("--rebuild", action="store_true", help="reseed even if a cached store exists")
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        metavar="DIR",
        help="also profile saves and lookups with cProfile, writing .pstats files to DIR",
    )
    parser.add_argument("--cold-unlock-child", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.people is None:
        args.people = QUICK_PEOPLE if args.quick else DEFAULT_PEOPLE
    args.saves = args.saves or (200 if args.quick else 1000)
    args.lookups = args.lookups or (100 if args.quick else 500)
    args.unlock_runs = args.unlock_runs or (3 if args.quick else 7)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    with COMMITS.installed():
        return run(parse_args(argv))


def run(args: argparse.Namespace) -> int:
    if args.cold_unlock_child is not None:
        total, parts = measured_unlock(args.cold_unlock_child)
        print(json.dumps({"total": total, "parts": parts}))
        return 0

    cache_dir: Path = args.cache_dir
    cache_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print(f"CARS Desktop store benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"  {args.people:,} people (random seed {args.seed}); {args.saves} saves and {args.lookups} "
        f"lookups per series; {args.unlock_runs} unlocks"
    )
    print(f"  benchmark password (invented data only): {BENCH_PASSWORD!r}; cache: {cache_dir}")
    print()
    print_machine_facts(cache_dir)

    cached = cached_stores(cache_dir, args.people, args.seed, args.rebuild)
    manifest = cached.manifest
    seeded_records = sum(manifest["record_counts"].values())
    print(
        f"Seeded store: {args.people:,} people, {seeded_records:,} records via "
        f"seed(); seeding took {manifest['seed_seconds']} s "
        f"({manifest['seed_seconds'] / max(seeded_records, 1) * 1000:.2f} ms per record), "
        f"plain twin copy {manifest['plain_copy_seconds']} s; built {manifest['built_at'][:16]}"
    )
    key = _data_key(cached.encrypted_dir)
    print()

    work = working_copy(cached, cache_dir / "work")
    verdicts = Verdicts()
    try:
        print_store_size(work, key)
        print()
        settle()
        bench_unlock(work.encrypted_dir, args.unlock_runs, verdicts)
        session = unlock(Settings(kdf=default_kdf_cost()), work.encrypted_dir, BENCH_USER, BENCH_PASSWORD)
        try:
            people = sample_people(session.store, args.lookups, random.Random(args.seed + 7))
            gc.collect()
            bench_service(session, people, args.saves, args.seed, verdicts)
            if args.profile is not None:
                profile_service(session, people, args.seed, args.profile)
        finally:
            session.lock("bench")
        bench_like_for_like(work, key, people, args.saves, args.seed, verdicts)
    finally:
        shutil.rmtree(work.root, ignore_errors=True)

    print("Targets")
    for line in verdicts.lines:
        print(line)
    print()
    print(f"Benchmark run took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
