"""Sync bookkeeping in the store: change ids at queue time, sync states, applying pulled revisions."""

from __future__ import annotations

import secrets
import shutil
import uuid
from pathlib import Path

import pytest

from cars_desktop.config import Settings
from cars_desktop.domain.errors import AuthenticationFailed
from cars_desktop.services.records import save_record
from cars_desktop.services.workstation import WorkstationSession, unlock
from cars_desktop.storage.sync_repository import ApplyOutcome, ReceiptFacts, SyncState
from cars_desktop.storage.vault import Vault
from cars_protocol.records import Person, utc_now
from tests.factories import person
from tests.storage.make_fixture_store import FIXTURE_DIR, FIXTURE_PASSWORD, FIXTURE_USER


def _outbox(session: WorkstationSession) -> list[tuple[str, str, int, int, str | None]]:
    with session.store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT change_id, record_id, revision, base_revision, base_change_id FROM outbox ORDER BY seq"
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _history_keys(session: WorkstationSession, record_id: uuid.UUID) -> list[tuple[int, str]]:
    with session.store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT revision, change_id FROM record_history WHERE record_id = ? ORDER BY revision, saved_at",
            (str(record_id),),
        ).all()
    return [(r[0], r[1]) for r in rows]


def test_each_save_queues_a_new_change_id_based_on_the_previous_one(session: WorkstationSession) -> None:
    first = save_record(session, person()).records[0]
    second = save_record(session, first.model_copy(update={"family_name": "Quillfeather-Ames"})).records[0]

    rows = _outbox(session)
    assert [(r[1], r[2], r[3]) for r in rows] == [(str(first.id), 1, 0), (str(first.id), 2, 1)]
    first_change, second_change = rows[0][0], rows[1][0]
    assert uuid.UUID(first_change).version == 4 and first_change != second_change
    assert rows[0][4] is None and rows[1][4] == first_change
    assert _history_keys(session, second.id) == [(1, first_change), (2, second_change)]
    with session.unit_of_work() as uow:
        assert uow.sync.state_of(first.id) is SyncState.QUEUED
        assert uow.sync.current_change_id(first.id) == second_change
        assert uow.sync.pending_count() == 2


def test_receipts_alone_mark_changes_sent_and_a_later_edit_stays_queued(session: WorkstationSession) -> None:
    first = save_record(session, person()).records[0]
    save_record(session, first.model_copy(update={"given_names": "Orla"}))
    (c1, *_), (c2, *_) = _outbox(session)
    with session.unit_of_work() as uow:
        batch = uow.sync.pending_batch(10, 1_000_000)
        uow.sync.mark_offered(batch, utc_now())
        uow.commit()
    with session.unit_of_work() as uow:
        assert uow.sync.pending_count() == 2  # offered is not receipted
        assert uow.sync.state_of(first.id) is SyncState.SENT
        uow.sync.record_receipts([ReceiptFacts(c1, "applied", 1, conflicted=False)], utc_now())
        uow.commit()
    with session.unit_of_work() as uow:
        assert uow.sync.pending_count() == 1
        assert uow.sync.state_of(first.id) is SyncState.SENT  # its current change (c2) is not receipted
        uow.sync.record_receipts([ReceiptFacts(c2, "conflict", 2, conflicted=True)], utc_now())
        uow.commit()
    with session.unit_of_work() as uow:
        assert uow.sync.pending_count() == 0
        assert uow.sync.state_of(first.id) is SyncState.CONFLICTED


def test_batches_are_bounded_by_count_and_bytes_but_never_empty(session: WorkstationSession) -> None:
    for n in range(5):
        save_record(session, person(family_name=f"Brackenbury{n}"))
    with session.unit_of_work() as uow:
        assert len(uow.sync.pending_batch(3, 10_000_000)) == 3
        assert len(uow.sync.pending_batch(10, 1)) == 1
        assert [e.seq for e in uow.sync.pending_batch(10, 10_000_000)] == sorted(
            e.seq for e in uow.sync.pending_batch(10, 10_000_000)
        )


def test_apply_remote_never_overwrites_a_record_with_unsent_changes(session: WorkstationSession) -> None:
    mine = save_record(session, person()).records[0]
    theirs = mine.model_copy(update={"family_name": "Overwritten", "revision": 2})
    with session.unit_of_work() as uow:
        assert uow.sync.apply_remote(theirs, uuid.uuid4(), conflicted=False) is ApplyOutcome.SKIPPED_UNSENT
        uow.commit()
    with session.unit_of_work() as uow:
        stored = uow.records.get(mine.id)
        assert isinstance(stored, Person) and stored.family_name == "Quillfeather"
        assert uow.sync.pending_count() == 1


def test_apply_remote_keeps_the_losing_branch_in_history(session: WorkstationSession) -> None:
    """Two workstations both made revision 2: the server's becomes current, ours stays in history."""
    base = save_record(session, person()).records[0]
    local2 = save_record(session, base.model_copy(update={"given_names": "Local"})).records[0]
    (c1, *_), (c2, *_) = _outbox(session)
    with session.unit_of_work() as uow:
        uow.sync.record_receipts(
            [ReceiptFacts(c1, "applied", 1, False), ReceiptFacts(c2, "conflict", 2, True)], utc_now()
        )
        uow.commit()
    server_change = uuid.uuid4()
    server2 = base.model_copy(update={"given_names": "Server", "revision": 2, "updated_at": utc_now()})
    with session.unit_of_work() as uow:
        assert uow.sync.apply_remote(server2, server_change, conflicted=True) is ApplyOutcome.APPLIED
        # the same item again (a repeated page) changes nothing
        assert uow.sync.apply_remote(server2, server_change, conflicted=True) is ApplyOutcome.UNCHANGED
        uow.commit()
    with session.unit_of_work() as uow:
        current = uow.records.get(base.id)
        assert isinstance(current, Person) and current.given_names == "Server"
        assert uow.sync.state_of(base.id) is SyncState.CONFLICTED
        assert uow.sync.current_change_id(base.id) == str(server_change)
        names = [r.given_names for r in uow.records.history(base.id) if isinstance(r, Person)]
    assert sorted(names) == sorted([base.given_names, "Local", "Server"])
    assert (2, c2) in _history_keys(session, local2.id) and (2, str(server_change)) in _history_keys(
        session, base.id
    )
    # The next local edit follows the server's revision and is based on its change.
    save_record(session, current.model_copy(update={"given_names": "Settled"}))
    last = _outbox(session)[-1]
    assert (last[2], last[3], last[4]) == (3, 2, str(server_change))


def test_apply_remote_stores_a_new_record_searchably_without_queueing_it(session: WorkstationSession) -> None:
    remote = person(family_name="Farrowdale")
    with session.unit_of_work() as uow:
        assert uow.sync.apply_remote(remote, uuid.uuid4(), conflicted=False) is ApplyOutcome.APPLIED
        uow.commit()
    with session.unit_of_work() as uow:
        assert [p.id for p in uow.records.find_people("farrowdale")] == [remote.id]
        assert uow.sync.pending_count() == 0
        assert uow.sync.state_of(remote.id) is SyncState.RECEIPTED


def test_sync_facts_round_trip_and_clear(session: WorkstationSession) -> None:
    with session.unit_of_work() as uow:
        uow.sync.set_fact("cursor", "42")
        uow.commit()
    with session.unit_of_work() as uow:
        assert uow.sync.fact("cursor") == "42"
        uow.sync.set_fact("cursor", None)
        uow.commit()
    with session.unit_of_work() as uow:
        assert uow.sync.fact("cursor") is None


def test_a_store_from_before_sync_gets_change_ids_and_sync_states(tmp_path: Path, settings: Settings) -> None:
    data_dir = tmp_path / "old"
    shutil.copytree(FIXTURE_DIR, data_dir)
    old = unlock(settings, data_dir, FIXTURE_USER, FIXTURE_PASSWORD)
    try:
        with old.store.engine.connect() as conn:
            outbox = conn.exec_driver_sql("SELECT change_id, record_id, base_change_id FROM outbox").all()
            records = conn.exec_driver_sql("SELECT count(*) FROM records").scalar()
            synced = conn.exec_driver_sql("SELECT count(*) FROM record_sync WHERE state = 'queued'").scalar()
            history = conn.exec_driver_sql("SELECT change_id FROM record_history").all()
        assert outbox and len({r[0] for r in outbox}) == len(outbox)
        assert all(uuid.UUID(r[0]).version == 4 for r in outbox)
        assert synced == records
        assert {r[0] for r in outbox} <= {h[0] for h in history}
    finally:
        old.lock()


def test_vault_server_slot_and_credential(tmp_path: Path, settings: Settings) -> None:
    data_key, device_key = secrets.token_bytes(32), secrets.token_bytes(32)
    vault = Vault.create(tmp_path / "vault.json", "OLDBURY", data_key, workstation_id=str(uuid.uuid4()))
    vault.set_server_slot(device_key, data_key)
    vault.set_enrolment("https://cars.example.org", vault.workstation_id, "OLDBURY", "cred-xyz", data_key)
    vault.save()
    loaded = Vault.load(tmp_path / "vault.json")
    assert loaded.unwrap_with_server(device_key) == data_key
    assert loaded.device_credential(data_key) == "cred-xyz"
    # The pre-unlock copy (file permissions only) exists for server-assisted unlock of new users.
    assert loaded.pre_unlock_credential() == "cred-xyz"
    info = loaded.enrolment_info()
    assert info is not None and info.server_url == "https://cars.example.org"
    with pytest.raises(AuthenticationFailed):
        loaded.unwrap_with_server(secrets.token_bytes(32))
    loaded.destroy_local_slots()
    with pytest.raises(AuthenticationFailed):
        loaded.unwrap_with_server(device_key)
