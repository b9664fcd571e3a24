"""A supervisor resolves a sync conflict field by field; both workstations converge on the merge.

Two workstations enrolled with a real server on loopback edit the same person offline; the second
push conflicts. The supervisor, signed in at the first workstation, lists the conflict, keeps the
incoming family name and the current phone number, and after a sync both workstations hold the
same merged revision.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from cars_desktop.config import Settings
from cars_desktop.domain.errors import InvalidInput, NotPermitted, RecordNotFound
from cars_desktop.services.conflicts import Side, list_conflicts, merge_by_field, resolve_conflict
from cars_desktop.services.enrolment import enrol
from cars_desktop.services.records import save_record
from cars_desktop.services.sync import sync_now
from cars_desktop.services.workstation import WorkstationSession, unlock
from cars_desktop.storage.sync_repository import SyncState
from cars_protocol.records import Person
from tests.factories import person
from tests.server.helpers import PASSWORDS, SUPERVISOR, WORKER, RunningServer


def _enrolled(server: RunningServer, settings: Settings, http: httpx.Client, folder: Path) -> Path:
    enrol(settings, folder, server.base_url, server.enrolment_code(), folder.name, http)
    return folder


def _unlock(settings: Settings, folder: Path, http: httpx.Client, user: str = WORKER) -> WorkstationSession:
    return unlock(settings, folder, user, PASSWORDS[user], http=http)


def _local(session: WorkstationSession, record_id: uuid.UUID) -> Person:
    with session.unit_of_work() as uow:
        found = uow.records.get(record_id)
        assert uow.sync.state_of(record_id) is SyncState.RECEIPTED
    assert isinstance(found, Person)
    return found


def _make_conflict(
    settings: Settings, http: httpx.Client, folder_a: Path, folder_b: Path
) -> tuple[Person, WorkstationSession]:
    """A person edited on both workstations from the same revision; returns it and B's session."""
    a = _unlock(settings, folder_a, http)
    b = _unlock(settings, folder_b, http)
    try:
        original = save_record(a, person(author=WORKER, family_name="Pemberton")).records[0]
        assert isinstance(original, Person)
        sync_now(a, http)
        sync_now(b, http)
        on_b = _local(b, original.id)
        save_record(a, original.model_copy(update={"family_name": "Pemberton-A", "phone": "01210000011"}))
        save_record(b, on_b.model_copy(update={"family_name": "Pemberton-B", "phone": "01210000022"}))
        assert sync_now(a, http).pushed == 1
        assert sync_now(b, http).conflicts == 1
    finally:
        a.lock()
    return original, b


def test_a_supervisor_resolves_field_by_field_and_both_workstations_converge(
    server: RunningServer, settings: Settings, http: httpx.Client, tmp_path: Path
) -> None:
    folder_a = _enrolled(server, settings, http, tmp_path / "a")
    folder_b = _enrolled(server, settings, http, tmp_path / "b")
    original, b = _make_conflict(settings, http, folder_a, folder_b)
    supervisor = _unlock(settings, folder_a, http, SUPERVISOR)
    try:
        [conflict] = list_conflicts(supervisor, http)
        assert conflict.record_id == original.id
        assert {"family_name", "phone"} <= set(conflict.fields)
        with pytest.raises(InvalidInput, match="phone"):  # every differing field needs a choice
            resolve_conflict(supervisor, http, conflict.conflict_id, {"family_name": "incoming"}, "checked")
        choices: dict[str, Side] = {
            name: "current" for name in conflict.fields if name not in ("revision", "updated_at")
        }
        choices["family_name"] = "incoming"
        done = resolve_conflict(
            supervisor, http, conflict.conflict_id, choices, "checked with the custody record"
        )
        assert done.receipt.server_revision == conflict.current.revision + 1
        merged = done.record
        assert isinstance(merged, Person)
        assert (merged.family_name, merged.phone) == ("Pemberton-B", "01210000011")
        assert merged.author == SUPERVISOR and merged.created_at == original.created_at
        with supervisor.unit_of_work() as uow:  # applied here at once
            assert uow.sync.state_of(original.id) is SyncState.RECEIPTED
            assert uow.sync.current_change_id(original.id) == str(done.receipt.server_change_id)
        assert list_conflicts(supervisor, http) == []
        sync_now(supervisor, http)  # the server's stamped copy replaces the local one
        on_a = _local(supervisor, original.id)
    finally:
        supervisor.lock()
    try:
        sync_now(b, http)
        on_b = _local(b, original.id)
        with b.unit_of_work() as uow:
            names = {r.family_name for r in uow.records.history(original.id) if isinstance(r, Person)}
    finally:
        b.lock()
    assert on_a == on_b
    assert (on_b.family_name, on_b.phone, on_b.revision) == ("Pemberton-B", "01210000011", merged.revision)
    assert {"Pemberton-A", "Pemberton-B"} <= names  # both sides stay in the history
    with server.engine.connect() as conn:
        body = conn.exec_driver_sql("SELECT body FROM records WHERE id = ?", (str(original.id),)).scalar()
    assert isinstance(body, str) and Person.model_validate_json(body) == on_a


def test_only_supervisors_see_or_resolve_conflicts(
    server: RunningServer, settings: Settings, http: httpx.Client, tmp_path: Path
) -> None:
    folder_a = _enrolled(server, settings, http, tmp_path / "a")
    folder_b = _enrolled(server, settings, http, tmp_path / "b")
    _, b = _make_conflict(settings, http, folder_a, folder_b)
    try:
        with pytest.raises(NotPermitted, match="conflicts"):
            list_conflicts(b, http)
        with pytest.raises(NotPermitted, match="conflicts"):
            resolve_conflict(b, http, uuid.uuid4(), {}, "not allowed")
    finally:
        b.lock()


def test_a_choice_for_a_field_the_record_lacks_is_refused(
    server: RunningServer, settings: Settings, http: httpx.Client, tmp_path: Path
) -> None:
    folder_a = _enrolled(server, settings, http, tmp_path / "a")
    folder_b = _enrolled(server, settings, http, tmp_path / "b")
    _, b = _make_conflict(settings, http, folder_a, folder_b)
    b.lock()
    supervisor = _unlock(settings, folder_b, http, SUPERVISOR)
    try:
        [conflict] = list_conflicts(supervisor, http)
        with pytest.raises(InvalidInput, match="no field shoe_size"):
            merge_by_field(conflict, {"shoe_size": "incoming"})
        with pytest.raises(RecordNotFound, match="no longer open"):
            resolve_conflict(supervisor, http, uuid.uuid4(), {}, "a stale conflict")
    finally:
        supervisor.lock()
