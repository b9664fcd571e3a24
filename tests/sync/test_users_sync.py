"""Users travel by sync: disabling, moving and role changes made centrally reach the workstation.

A real server on loopback, real enrolled workstations (vault, SQLCipher store), users changed with
the server's admin functions (roles by SQL: the admin has no role command yet).
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from cars_desktop.config import Settings
from cars_desktop.domain.errors import AuthenticationFailed
from cars_desktop.domain.users import UserAccount
from cars_desktop.services.enrolment import enrol
from cars_desktop.services.sync import sync_now
from cars_desktop.services.workstation import WorkstationSession, init_workstation, unlock
from cars_desktop.storage.tables import AuditRow
from cars_desktop.storage.vault import Vault
from cars_protocol.records import Role
from cars_server.admin.users import disable_user
from cars_server.clock import utc_now
from tests.conftest import ADMIN, ADMIN_PASSWORD
from tests.server.helpers import PASSWORDS, SITE, SUPERVISOR, WORKER, RunningServer, running_server

DISABLED = "your account was disabled by the central service; ask your supervisor"


def _enrolled(server: RunningServer, settings: Settings, http: httpx.Client, folder: Path) -> Path:
    enrol(settings, folder, server.base_url, server.enrolment_code(), folder.name, http)
    return folder


def _unlock(settings: Settings, folder: Path, http: httpx.Client | None, user: str) -> WorkstationSession:
    return unlock(settings, folder, user, PASSWORDS[user], http=http)


def _account(session: WorkstationSession, username: str) -> UserAccount | None:
    with session.unit_of_work() as uow:
        return uow.users.get(username)


def _user_audit(session: WorkstationSession, action: str) -> list[dict[str, object]]:
    with session.unit_of_work() as uow:
        texts = uow.session.scalars(select(AuditRow.details).where(AuditRow.operation == "administration"))
        found = [json.loads(text) for text in texts if text]
    return [details for details in found if details.get("action") == action]


def _set_server_roles(server: RunningServer, username: str, roles: list[str], sites: list[str]) -> None:
    with server.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE users SET roles = ?, sites = ? WHERE username = ?",
            (json.dumps(roles), json.dumps(sites), username),
        )


def test_a_user_disabled_centrally_cannot_unlock_offline_after_the_next_sync(
    settings: Settings, tmp_path: Path
) -> None:
    with httpx.Client(timeout=30) as http:
        with running_server(tmp_path / "server") as server:
            folder = _enrolled(server, settings, http, tmp_path / "custody-a")
            _unlock(settings, folder, http, WORKER).lock()  # the worker now has a slot here
            assert WORKER in Vault.load(folder / "vault.json").usernames()
            disable_user(server.engine, WORKER, "operator", utc_now())
            supervisor = _unlock(settings, folder, http, SUPERVISOR)
            try:
                sync_now(supervisor, http)
                worker = _account(supervisor, WORKER)
                assert worker is not None and not worker.active
                audit = _user_audit(supervisor, "user_disabled")
                assert audit == [
                    {"action": "user_disabled", "user": WORKER, "via": "central_server", "reason": "disabled"}
                ]
                sync_now(supervisor, http)  # a second sync changes nothing more
                assert len(_user_audit(supervisor, "user_disabled")) == 1
                assert _account(supervisor, SUPERVISOR) is not None
                assert supervisor.user.username == SUPERVISOR  # the running session is untouched
            finally:
                supervisor.lock()
        # The server is stopped now: the worker is refused, with or without a network offered.
        assert WORKER not in Vault.load(folder / "vault.json").usernames()
        with pytest.raises(AuthenticationFailed) as offline:
            _unlock(settings, folder, None, WORKER)
        assert offline.value.message == DISABLED
        with pytest.raises(AuthenticationFailed, match="disabled by the central service"):
            _unlock(settings, folder, http, WORKER)
        _unlock(settings, folder, None, SUPERVISOR).lock()  # others still unlock offline


def test_a_user_moved_to_another_site_is_withdrawn_and_can_come_back_online(
    server: RunningServer, settings: Settings, http: httpx.Client, tmp_path: Path
) -> None:
    folder = _enrolled(server, settings, http, tmp_path / "custody-a")
    _unlock(settings, folder, http, WORKER).lock()
    _set_server_roles(server, WORKER, ["worker"], ["WALSALL"])
    supervisor = _unlock(settings, folder, http, SUPERVISOR)
    try:
        sync_now(supervisor, http)
        assert [d["reason"] for d in _user_audit(supervisor, "user_disabled")] == ["site_removed"]
    finally:
        supervisor.lock()
    with pytest.raises(AuthenticationFailed, match="disabled by the central service"):
        _unlock(settings, folder, None, WORKER)
    with pytest.raises(AuthenticationFailed, match="not set up for site"):  # the server still says no
        _unlock(settings, folder, http, WORKER)

    _set_server_roles(server, WORKER, ["worker"], [SITE])  # back at this site
    worker = _unlock(settings, folder, http, WORKER)  # online: a new slot, active again
    try:
        assert worker.user.active
    finally:
        worker.lock()
    _unlock(settings, folder, None, WORKER).lock()  # and offline from then on


def test_roles_changed_centrally_reach_the_local_account_at_the_next_sync(
    server: RunningServer, settings: Settings, http: httpx.Client, tmp_path: Path
) -> None:
    folder = _enrolled(server, settings, http, tmp_path / "custody-a")
    _unlock(settings, folder, http, WORKER).lock()
    _set_server_roles(server, WORKER, ["supervisor", "worker"], [SITE])
    supervisor = _unlock(settings, folder, http, SUPERVISOR)
    try:
        report = sync_now(supervisor, http)
        assert report is not None
        worker = _account(supervisor, WORKER)
        assert worker is not None and worker.active
        assert worker.roles == frozenset({Role.SUPERVISOR, Role.WORKER})
        assert _user_audit(supervisor, "user_updated") == [
            {
                "action": "user_updated",
                "user": WORKER,
                "via": "central_server",
                "roles": ["supervisor", "worker"],
            }
        ]
    finally:
        supervisor.lock()
    worker_session = _unlock(settings, folder, None, WORKER)  # offline, with the new roles
    try:
        assert worker_session.user.roles == frozenset({Role.SUPERVISOR, Role.WORKER})
    finally:
        worker_session.lock()


def test_a_local_administrator_the_server_does_not_know_is_left_alone(
    server: RunningServer, settings: Settings, http: httpx.Client, tmp_path: Path
) -> None:
    folder = tmp_path / "standalone"
    init_workstation(settings, folder, SITE, ADMIN, ADMIN_PASSWORD)
    admin = unlock(settings, folder, ADMIN, ADMIN_PASSWORD)
    try:
        enrol(settings, folder, server.base_url, server.enrolment_code(), "old pc", http, admin)
    finally:
        admin.lock()
    worker = _unlock(settings, folder, http, WORKER)
    try:
        sync_now(worker, http)
        local_admin = _account(worker, ADMIN)
        assert local_admin is not None and local_admin.active and local_admin.roles == {Role.ADMIN}
        assert _user_audit(worker, "user_disabled") == []
    finally:
        worker.lock()
    unlock(settings, folder, ADMIN, ADMIN_PASSWORD).lock()  # still unlocks offline
