"""A busy custody block's year of invented casework, seeded once through the services and cached.

DOMAIN.md §8.1: about 16,599 people are engaged a year across the service, so one busy block sees
about 5,000 people a year. The UI benchmark (`bench/ui.py`) and the screenshot script
(`scripts/screenshots.py`) need such a store whose last day is *today*, because the Today page shows
today's arrivals; the cache is therefore keyed by the end date as well as by people, days, seed,
schema head and Argon2id cost, and a new day seeds a new store (about a minute for 5,000 people).

All data is invented by `cars_desktop.services.seed`. The store is unlocked with the fixed
benchmark password of `bench/store.py` (users `bench.admin` and `bench.worker`, plus the custody
user `bench.custody` added here), never used for real data. Each run works on a fresh copy so the
cache never changes.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cars_desktop.config import KdfCost, Settings
from cars_desktop.services.seed import seed
from cars_desktop.services.users import enrol_user
from cars_desktop.services.workstation import init_workstation, unlock
from cars_desktop.storage.layout import StoreLayout
from cars_desktop.storage.migrate import head_revision
from cars_desktop.storage.store import Store
from cars_protocol.records import Role

# Benchmark-only credentials for invented data, the same as bench/store.py's. Never a real password.
BENCH_PASSWORD = "cars-bench-only-2026"
BENCH_ADMIN = "bench.admin"
BENCH_USER = "bench.worker"
BENCH_CUSTODY = "bench.custody"
BENCH_SITE = "OLDBURY"
BUSY_BLOCK_PEOPLE = 5_000  # DOMAIN.md §8.1: 16,599 engaged a year across the service; a busy block's share
SEED_DAYS = 365
SEED_BATCH_PEOPLE = 200
CACHE_FORMAT = 1
UK = ZoneInfo("Europe/London")
DEFAULT_CACHE = Path(__file__).resolve().parent / ".cache"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def uk_today() -> date:
    """Today's date in the UK, the day the Today page shows."""
    return datetime.now(UK).date()


def shipped_kdf_cost() -> KdfCost:
    """The shipped Argon2id cost, whatever CARS_ARGON2_* says (explicit values beat the environment)."""
    return KdfCost(**{name: info.default for name, info in KdfCost.model_fields.items()})


@dataclass(frozen=True)
class SeededStore:
    """A seeded workstation folder and what it holds."""

    data_dir: Path
    manifest: dict[str, Any]

    @property
    def settings(self) -> Settings:
        return Settings(kdf=KdfCost(**self.manifest["kdf"]))


def _cache_root(cache_dir: Path, people: int, days: int, random_seed: int, end: date, cheap: bool) -> Path:
    cost = "-cheapkdf" if cheap else ""
    return cache_dir / f"ui-p{people}-d{days}-s{random_seed}-e{end.isoformat()}{cost}-f{CACHE_FORMAT}"


def _build(root: Path, people: int, days: int, random_seed: int, end: date, kdf: KdfCost) -> None:
    building = root.with_name(root.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    data_dir = building / "workstation"
    settings = Settings(kdf=kdf)
    started = time.perf_counter()
    init_workstation(settings, data_dir, BENCH_SITE, BENCH_ADMIN, BENCH_PASSWORD)
    admin = unlock(settings, data_dir, BENCH_ADMIN, BENCH_PASSWORD)
    try:
        roles = frozenset({Role.WORKER, Role.SUPERVISOR})
        enrol_user(admin, BENCH_USER, "Benchmark Worker", roles, BENCH_PASSWORD)
        enrol_user(admin, BENCH_CUSTODY, "Benchmark Custody", frozenset({Role.CUSTODY_STAFF}), BENCH_PASSWORD)
    finally:
        admin.lock("bench_setup")
    worker = unlock(settings, data_dir, BENCH_USER, BENCH_PASSWORD)
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 10 or done == total:
            last[0] = now
            log(f"  seeded {done:,} of {total:,} people")

    try:
        seed_started = time.perf_counter()
        report = seed(
            worker, people, days, random_seed, end=end, batch_people=SEED_BATCH_PEOPLE, progress=progress
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
    manifest = {
        "format": CACHE_FORMAT,
        "people": people,
        "days": days,
        "random_seed": random_seed,
        "end": end.isoformat(),
        "schema_head": head_revision(),
        "kdf": kdf.model_dump(),
        "record_counts": report.counts,
        "form_counts": report.forms,
        "seed_seconds": round(seed_seconds, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
        "built_at": datetime.now(UTC).isoformat(),
    }
    (building / "manifest.json").write_text(json.dumps(manifest, indent=1))
    shutil.rmtree(root, ignore_errors=True)
    building.rename(root)


def seeded_store(
    cache_dir: Path = DEFAULT_CACHE,
    people: int = BUSY_BLOCK_PEOPLE,
    days: int = SEED_DAYS,
    random_seed: int = 1,
    end: date | None = None,
    cheap_kdf: bool = False,
    rebuild: bool = False,
) -> SeededStore:
    """The cached seeded store for these parameters, built through the services if missing or stale.

    `cheap_kdf` uses a test-cost Argon2id (screenshots, where unlock time does not matter); the
    benchmark always uses the shipped cost, so its unlock is the real one.
    """
    end = end or uk_today()
    kdf = KdfCost(memory_kib=1024, time_cost=1, parallelism=1) if cheap_kdf else shipped_kdf_cost()
    root = _cache_root(cache_dir, people, days, random_seed, end, cheap_kdf)
    manifest_path = root / "manifest.json"
    if not rebuild and manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("schema_head") == head_revision() and manifest.get("kdf") == kdf.model_dump():
            log(f"using the cached seeded store in {root}")
            return SeededStore(root / "workstation", manifest)
        log("the cached store is from another schema or Argon2id cost; seeding again")
    log(f"seeding {people:,} invented people over {days} days ending {end:%d/%m/%Y} into {root} (once)")
    _build(root, people, days, random_seed, end, kdf)
    return SeededStore(root / "workstation", json.loads(manifest_path.read_text()))


def working_copy(seeded: SeededStore, work: Path) -> SeededStore:
    """A throwaway copy to run on (unlocking writes audit entries), so the cache stays as seeded."""
    shutil.rmtree(work, ignore_errors=True)
    work.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(seeded.data_dir, work)
    return SeededStore(work, seeded.manifest)
