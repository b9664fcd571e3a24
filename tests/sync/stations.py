"""Workstations for the sync robustness tests: enrolled stores, random casework, the exactly-once check.

Why a module of its own: the fault, SIGKILL, restart and PostgreSQL tests all need the same three
things, and each must be the real thing rather than a stand-in:

* `enrol_station` / `open_station`: a workstation is its own data folder, vault and SQLCipher
  store, enrolled with a one-time code and unlocked by server-assisted enrolment of the user,
  exactly as a new PC is; `open_station` points its sync at any URL (usually a `FaultProxy`).
* `Casework`: seeded random work a custody worker does between syncs (new people, assessments,
  edits of records made here or pulled from elsewhere) through the real `save_record` service.
* `check_exactly_once`: the invariant every test ends on, checked against the server's database
  directly (read only) and against each store: every change any workstation made is held by the
  server exactly once (applied, merged or kept as a conflict), every record is there once at its
  latest revision, and every workstation holds the same records at the same revisions as the server.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine

from cars_desktop.config import KdfCost, Settings
from cars_desktop.services.enrolment import enrol
from cars_desktop.services.records import save_record
from cars_desktop.services.sync import sync_now
from cars_desktop.services.workstation import WorkstationSession, unlock
from cars_desktop.sync.cycle import SyncReport
from cars_protocol.records import Assessment, Person, RecordBase
from tests.factories import assessment, person
from tests.server.helpers import PASSWORDS, WORKER

#: Argon2id at test cost (as tests/conftest.py), so enrolling and unlocking stay cheap.
CHEAP_KDF = KdfCost(memory_kib=1024, time_cost=1, parallelism=1)
#: Record types the casework makes; the server's `records` table holds nothing else in these tests.
CASEWORK_TYPES = ("person", "assessment")
#: Full passes over the fleet before `sync_until_quiet` gives up.
QUIET_PASSES = 6


def station_settings(server_url: str | None = None, **overrides: Any) -> Settings:
    """Workstation settings at test cost, syncing with `server_url` (else the enrolled URL)."""
    return Settings(kdf=CHEAP_KDF, lockout_minutes=10, server_url=server_url, **overrides)


def enrol_station(server_url: str, code: str, folder: Path, http: httpx.Client) -> Path:
    """Enrol a new workstation in `folder` with a one-time `code`; returns the folder."""
    result = enrol(station_settings(), folder, server_url, code, folder.name, http)
    assert result.created_store and result.escrowed, "enrolment did not create an escrowed store"
    return folder


def open_station(
    folder: Path, http: httpx.Client, sync_url: str | None = None, user: str = WORKER, **overrides: Any
) -> WorkstationSession:
    """Unlock an enrolled workstation as `user`, syncing through `sync_url` (a proxy) if given.

    `overrides` are further workstation settings (e.g. `sync_batch_size`).
    """
    return unlock(station_settings(sync_url, **overrides), folder, user, PASSWORDS[user], http=http)


# --- casework ------------------------------------------------------------------------------------


@dataclass
class Casework:
    """Seeded random casework on one workstation; counts what it saved (committed) by kind."""

    session: WorkstationSession
    rng: random.Random
    name: str
    made: Counter[str] = field(default_factory=Counter)
    saved: list[RecordBase] = field(default_factory=list)  # in order; a caller may clear it

    def _save(self, record: RecordBase, kind: str) -> RecordBase:
        """Save through the real service; once it returns (committed), remember it."""
        saved = save_record(self.session, record).records[0]
        self.made[kind] += 1
        self.saved.append(saved)
        return saved

    def _held(self) -> list[RecordBase]:
        with self.session.unit_of_work() as uow:
            return [r for r in uow.records.iter_all(list(CASEWORK_TYPES)) if r.is_live]

    def new_person(self) -> Person:
        """Register a new (invented) person."""
        n = self.made["person"]
        saved = self._save(
            person(
                author=self.session.user.username,
                family_name=f"{self.name}-{n}",
                phone=f"0121{self.rng.randrange(10**6, 10**7)}",
            ),
            "person",
        )
        assert isinstance(saved, Person)
        return saved

    def new_assessment(self, held: Sequence[RecordBase]) -> None:
        """Complete an assessment for someone held here (a new person if nobody is)."""
        people = [r for r in held if isinstance(r, Person)]
        someone = self.rng.choice(people) if people else self.new_person()
        note = f"{self.name} note {self.made['assessment']}"
        self._save(assessment(someone.id, author=self.session.user.username, note=note), "assessment")

    def edit(self, held: Sequence[RecordBase]) -> None:
        """Amend a record held here: made here or pulled from another workstation."""
        if not held:
            self.new_person()
            return
        record = self.rng.choice(list(held))
        tag = f"{self.name}.{self.made['edit']}"
        changed: RecordBase
        if isinstance(record, Person):
            # A phone change may merge with another workstation's edit; a name change never does.
            if self.rng.random() < 0.5:
                changed = record.model_copy(update={"phone": f"0121{self.rng.randrange(10**6, 10**7)}"})
            else:
                changed = record.model_copy(update={"given_names": f"Marnie {tag}"})
        elif isinstance(record, Assessment):
            changed = record.model_copy(update={"answers": {**record.answers, "notes": f"amended {tag}"}})
        else:
            return
        self._save(changed, "edit")

    def step(self, actions: int = 3) -> None:
        """Do `actions` random pieces of work, each saved in its own transaction."""
        for _ in range(actions):
            roll = self.rng.random()
            if roll < 0.35:
                self.new_person()
            elif roll < 0.65:
                self.new_assessment(self._held())
            else:
                self.edit(self._held())


# --- syncing ---------------------------------------------------------------------------------------


def sync_until_quiet(sessions: Iterable[WorkstationSession], http: httpx.Client) -> list[SyncReport]:
    """Sync every workstation in turn until a whole pass sends and pulls nothing; every report.

    Fails the test (by the SyncError propagating) if a clean link still cannot sync.
    """
    stations = list(sessions)
    every: list[SyncReport] = []
    for _ in range(QUIET_PASSES):
        reports = [sync_now(s, http) for s in stations]
        every.extend(reports)
        if all(r.sent == 0 and r.pulled == 0 and r.skipped_unsent == 0 for r in reports):
            return every
    raise AssertionError(f"the workstations were still exchanging changes after {QUIET_PASSES} passes")


# --- the exactly-once check ---------------------------------------------------------------------


@dataclass(frozen=True)
class MadeChange:
    """One change a workstation saved (an outbox row)."""

    change_id: str
    record_id: str
    revision: int
    receipted: bool


@dataclass(frozen=True)
class LocalRecord:
    """A workstation's current revision of a record and the change that produced it."""

    revision: int
    change_id: str | None


def local_changes(session: WorkstationSession) -> list[MadeChange]:
    """Every change this workstation saved (the outbox keeps receipted rows for a week)."""
    with session.unit_of_work() as uow:
        rows = (
            uow.session.connection()
            .exec_driver_sql(
                "SELECT change_id, record_id, revision, receipted_at IS NOT NULL FROM outbox ORDER BY seq"
            )
            .all()
        )
    return [MadeChange(str(r[0]), str(r[1]), int(r[2]), bool(r[3])) for r in rows]


def local_records(session: WorkstationSession) -> dict[str, LocalRecord]:
    """Record id → current revision and change id, for every casework record held here."""
    with session.unit_of_work() as uow:
        rows = (
            uow.session.connection()
            .exec_driver_sql(
                "SELECT r.id, r.revision, s.change_id FROM records r LEFT JOIN record_sync s"
                " ON s.record_id = r.id WHERE r.record_type IN (?, ?)",
                CASEWORK_TYPES,
            )
            .all()
        )
    return {str(r[0]): LocalRecord(int(r[1]), str(r[2]) if r[2] else None) for r in rows}


@dataclass(frozen=True)
class ServerView:
    """What the server's database holds, read in one go for the check."""

    records: dict[str, tuple[int, str, bool]]  # id -> (revision, change_id, conflicted)
    record_rows: int
    applied: dict[str, tuple[str, str, int, str]]  # change id -> (record id, status, revision, server change)
    applied_rows: int
    revisions: list[tuple[str, int, str]]  # (record id, revision, change id)
    conflict_changes: set[str]  # incoming change ids kept as conflicts


def read_server(engine: Engine) -> ServerView:
    """Read the server tables the exactly-once check needs (SQL works on SQLite and PostgreSQL)."""
    with engine.connect() as conn:
        records = conn.exec_driver_sql("SELECT id, revision, change_id, conflicted FROM records").all()
        applied = conn.exec_driver_sql(
            "SELECT change_id, record_id, status, server_revision, server_change_id FROM applied_changes"
        ).all()
        revisions = conn.exec_driver_sql("SELECT record_id, revision, change_id FROM record_revisions").all()
        conflicts = conn.exec_driver_sql("SELECT incoming_change_id FROM conflicts").all()
    return ServerView(
        records={str(r[0]): (int(r[1]), str(r[2]), bool(r[3])) for r in records},
        record_rows=len(records),
        applied={str(a[0]): (str(a[1]), str(a[2]), int(a[3]), str(a[4])) for a in applied},
        applied_rows=len(applied),
        revisions=[(str(v[0]), int(v[1]), str(v[2])) for v in revisions],
        conflict_changes={str(c[0]) for c in conflicts},
    )


def check_exactly_once(
    engine: Engine, sessions: Sequence[WorkstationSession], *, converged: bool = True
) -> ServerView:
    """Assert nothing made on any workstation was lost or applied twice, and (if `converged`) that
    every workstation holds exactly the server's records at the server's revisions.

    Call it after `sync_until_quiet` over a clean link. Returns what the server held.
    """
    view = read_server(engine)
    made: dict[str, MadeChange] = {}
    for session in sessions:
        for change in local_changes(session):
            assert change.change_id not in made, f"change {change.change_id} was made twice"
            made[change.change_id] = change
            assert change.receipted, f"change {change.change_id} was never receipted"
    # No duplicates: one row per record id and per change id (a key would hide a repeat, so count).
    assert view.record_rows == len(view.records), "a record is on the server more than once"
    assert view.applied_rows == len(view.applied), "a change was applied more than once"
    assert len({c for _, _, c in view.revisions}) == len(view.revisions), "a revision was stored twice"
    # No loss, nothing invented: every change made is held by the server, and nothing else.
    missing = set(made) - set(view.applied)
    assert not missing, f"{len(missing)} changes made on workstations are not on the server"
    assert set(view.applied) == set(made), "the server applied changes no workstation made"
    made_records = {c.record_id for c in made.values()}
    assert set(view.records) == made_records, "records on the server differ from the records made"
    # Each record's revisions on the server run 1..current, once each.
    by_record: dict[str, list[int]] = {}
    revision_changes = {c for _, _, c in view.revisions}
    for record_id, revision, _ in view.revisions:
        by_record.setdefault(record_id, []).append(revision)
    for record_id, (revision, change_id, _) in view.records.items():
        assert sorted(by_record[record_id]) == list(range(1, revision + 1)), (
            f"record {record_id} has revisions {sorted(by_record[record_id])} on the server"
        )
        assert change_id in revision_changes
    # Each change is held the way its receipt said: as a revision, merged into one, or as a conflict.
    merged_or_conflicted: set[str] = set()
    for change_id, (record_id, status, server_revision, server_change) in view.applied.items():
        change = made[change_id]
        assert record_id == change.record_id
        if status == "applied":
            assert server_revision == change.revision
            assert (record_id, change.revision, change_id) in view.revisions, f"{change_id} not stored"
        elif status == "merged":
            assert server_change in revision_changes, f"merge of {change_id} not stored"
            merged_or_conflicted.add(record_id)
        elif status == "conflict":
            assert change_id in view.conflict_changes, f"conflicting {change_id} was not kept"
            merged_or_conflicted.add(record_id)
        else:
            raise AssertionError(f"unexpected stored receipt status {status!r}")
    # Latest revision: a record edited without conflict or merge is at the last revision made of it.
    latest: dict[str, MadeChange] = {}
    for change in made.values():
        if change.record_id not in latest or change.revision > latest[change.record_id].revision:
            latest[change.record_id] = change
    for record_id, change in latest.items():
        if record_id in merged_or_conflicted:
            continue
        revision, change_id, _ = view.records[record_id]
        assert (revision, change_id) == (change.revision, change.change_id), (
            f"record {record_id} is at revision {revision} on the server, but {change.revision} was made"
        )
    if converged:
        expected = {rid: LocalRecord(rev, cid) for rid, (rev, cid, _) in view.records.items()}
        for session in sessions:
            held = local_records(session)
            assert held.keys() == expected.keys(), (
                "a workstation does not hold the same records as the server"
            )
            differing = [rid for rid in expected if held[rid] != expected[rid]]
            assert not differing, f"{len(differing)} records differ from the server on a workstation"
    return view


def receipts_lost(session: WorkstationSession, engine: Engine) -> int:
    """Changes the server holds but this workstation still waits a receipt for (its reply was lost).

    Each will be sent again; the check afterwards proves the server did not apply it twice.
    """
    waiting = {c.change_id for c in local_changes(session) if not c.receipted}
    return len(waiting & set(read_server(engine).applied))


__all__ = [
    "CASEWORK_TYPES",
    "Casework",
    "check_exactly_once",
    "enrol_station",
    "local_changes",
    "local_records",
    "open_station",
    "read_server",
    "receipts_lost",
    "station_settings",
    "sync_until_quiet",
]
