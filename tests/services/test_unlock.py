"""Unlocking: wrong passwords, lockout and its expiry, the recovery key, password changes."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from cars_desktop.domain.errors import AuthenticationFailed, LockedOut, StoreError
from cars_desktop.services.records import find_people, save_record
from cars_desktop.services.users import (
    change_own_password,
    clear_lockout,
    list_users,
    reset_password,
    reset_password_with_recovery,
    rotate_recovery_key,
)
from cars_desktop.services.workstation import init_workstation, unlock, unlock_with_recovery
from cars_desktop.storage.layout import StoreLayout
from tests import factories
from tests.conftest import ADMIN, ADMIN_PASSWORD, WORKER, WORKER_PASSWORD, Workstation


def _fingerprint(ws: Workstation) -> tuple[bytes, bytes]:
    layout = StoreLayout(ws.data_dir)
    return layout.vault.read_bytes(), layout.database.read_bytes()


def test_wrong_password_says_so_and_changes_nothing(workstation: Workstation) -> None:
    before = _fingerprint(workstation)
    with pytest.raises(AuthenticationFailed, match="4 attempts left"):
        workstation.unlock(WORKER, "not the password")
    assert _fingerprint(workstation) == before


def test_unknown_user_is_told_the_same_as_a_wrong_password(workstation: Workstation) -> None:
    with pytest.raises(AuthenticationFailed, match="user name or password is not right"):
        workstation.unlock("nobody", "whatever password")


def test_five_failures_lock_out_even_with_the_right_password(workstation: Workstation) -> None:
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            workstation.unlock(WORKER, "wrong wrong wrong")
    with pytest.raises(LockedOut) as caught:
        workstation.unlock(WORKER, "wrong wrong wrong")
    assert "try again after" in caught.value.message
    with pytest.raises(LockedOut):
        workstation.unlock(WORKER, WORKER_PASSWORD)
    # Another user is not affected.
    workstation.unlock(ADMIN, ADMIN_PASSWORD).lock()


def test_lockout_survives_a_restart_and_lifts_after_the_period(workstation: Workstation) -> None:
    short = replace(workstation, settings=workstation.settings.model_copy(update={"lockout_minutes": 0.02}))
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            short.unlock(WORKER, "wrong wrong wrong")
    # A fresh process sees the same journal: still locked.
    with pytest.raises(LockedOut):
        short.unlock(WORKER, WORKER_PASSWORD)
    time.sleep(1.3)
    short.unlock(WORKER, WORKER_PASSWORD).lock()


def test_failed_unlocks_are_folded_into_the_audit_log(workstation: Workstation) -> None:
    with pytest.raises(AuthenticationFailed):
        workstation.unlock(WORKER, "wrong wrong wrong")
    session = workstation.unlock()
    try:
        from sqlalchemy import select

        from cars_desktop.storage.tables import AuditRow

        with session.store.read_session() as read:
            rows = read.execute(select(AuditRow.operation, AuditRow.details)).all()
        failed = [r for r in rows if r.operation == "failed_login"]
        assert len(failed) == 1
        assert WORKER in (failed[0].details or "")
    finally:
        session.lock()


def test_supervisor_clears_a_lockout(workstation: Workstation) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            workstation.unlock(ADMIN, "wrong wrong wrong")
    supervisor = workstation.unlock()
    try:
        listed = {u.username: u for u in list_users(supervisor)}
        assert listed[ADMIN].locked_until is not None
        clear_lockout(supervisor, ADMIN)
    finally:
        supervisor.lock()
    workstation.unlock(ADMIN, ADMIN_PASSWORD).lock()


def test_password_change_keeps_data_and_retires_the_old_password(workstation: Workstation) -> None:
    session = workstation.unlock()
    save_record(session, factories.person(family_name="Ottercombe"))
    change_own_password(session, WORKER_PASSWORD, "a brand new phrase")
    session.lock()
    with pytest.raises(AuthenticationFailed):
        workstation.unlock(WORKER, WORKER_PASSWORD)
    again = workstation.unlock(WORKER, "a brand new phrase")
    try:
        assert [p.family_name for p in find_people(again, "Ottercombe")] == ["Ottercombe"]
    finally:
        again.lock()
    # Other users' slots were not touched.
    workstation.unlock(ADMIN, ADMIN_PASSWORD).lock()


def test_wrong_current_password_changes_nothing(workstation: Workstation) -> None:
    session = workstation.unlock()
    try:
        with pytest.raises(AuthenticationFailed, match="nothing was changed"):
            change_own_password(session, "not my password", "a brand new phrase")
    finally:
        session.lock()
    workstation.unlock().lock()


def test_recovery_key_resets_a_forgotten_password(workstation: Workstation) -> None:
    reset_password_with_recovery(
        workstation.settings,
        workstation.data_dir,
        workstation.recovery_key.lower(),
        WORKER,
        "remembered now 1",
    )
    workstation.unlock(WORKER, "remembered now 1").lock()


def test_rotated_recovery_key_replaces_the_old_one(workstation: Workstation) -> None:
    admin = workstation.unlock(ADMIN, ADMIN_PASSWORD)
    try:
        new_key = rotate_recovery_key(admin)
    finally:
        admin.lock()
    with pytest.raises(AuthenticationFailed):
        unlock_with_recovery(workstation.settings, workstation.data_dir, workstation.recovery_key, WORKER)
    unlock_with_recovery(workstation.settings, workstation.data_dir, new_key, WORKER).lock()


def test_admin_resets_another_users_password_but_a_worker_cannot(workstation: Workstation) -> None:
    admin = workstation.unlock(ADMIN, ADMIN_PASSWORD)
    try:
        reset_password(admin, WORKER, "set by the admin 7")
    finally:
        admin.lock()
    worker = workstation.unlock(WORKER, "set by the admin 7")
    try:
        from cars_desktop.domain.errors import NotPermitted

        with pytest.raises(NotPermitted):
            reset_password(worker, ADMIN, "taken over now 1")
    finally:
        worker.lock()


def test_init_refuses_to_overwrite_an_existing_store(workstation: Workstation) -> None:
    before = _fingerprint(workstation)
    with pytest.raises(StoreError, match="already exists"):
        init_workstation(workstation.settings, workstation.data_dir, "OLDBURY", "other", "some password 1")
    assert _fingerprint(workstation) == before


def test_locked_session_refuses_work(workstation: Workstation) -> None:
    from cars_desktop.domain.errors import StoreLocked

    session = workstation.unlock()
    saved: list[str] = []
    session.on_before_lock(lambda: saved.append("draft"))
    session.lock("idle")
    assert saved == ["draft"]
    with pytest.raises(StoreLocked):
        session.unit_of_work()
    with pytest.raises(StoreLocked):
        session.data_key()


def test_unlock_without_a_store_explains(tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StoreError, match="cars-desktop init"):
        unlock(settings, tmp_path / "empty", WORKER, WORKER_PASSWORD)
