"""Desktop workstations syncing with a real server over HTTP on loopback.

Each workstation is its own data folder, vault and SQLCipher store, enrolled with a one-time code
and unlocked by server-assisted enrolment of the user, exactly as on a new PC.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from cars_desktop.config import Settings
from cars_desktop.domain.errors import AuthenticationFailed, StoreLocked
from cars_desktop.services.enrolment import enrol
from cars_desktop.services.records import save_record
from cars_desktop.services.sync import sync_now, workstation_sync_status
from cars_desktop.services.workstation import WorkstationSession, unlock
from cars_desktop.storage.sync_repository import SyncState
from cars_desktop.storage.vault import Vault
from cars_desktop.sync.errors import DeviceRevoked, ServerUnreachable
from cars_protocol.records import Assessment, Person
from cars_server.admin.workstations import revoke_workstation
from cars_server.clock import utc_now
from tests.factories import assessment, person
from tests.server.helpers import (
    COURT_WORKER,
    OTHER_SITE,
    PASSWORDS,
    SITE,
    WORKER,
    RunningServer,
)


def _enrolled(
    server: RunningServer, settings: Settings, http: httpx.Client, folder: Path, site: str = SITE
) -> Path:
    result = enrol(settings, folder, server.base_url, server.enrolment_code(site), folder.name, http)
    assert result.created_store and result.escrowed and result.recovery_key is None
    return folder


def _unlock(settings: Settings, folder: Path, http: httpx.Client, user: str = WORKER) -> WorkstationSession:
    return unlock(settings, folder, user, PASSWORDS[user], http=http)


def _server_count(server: RunningServer, sql: str, *params: object) -> int:
    with server.engine.connect() as conn:
        return int(conn.exec_driver_sql(sql, params).scalar() or 0)


def _local(session: WorkstationSession, record_id: uuid.UUID) -> object:
    with session.unit_of_work() as uow:
        return uow.records.get(record_id)


def test_records_made_offline_on_two_workstations_converge(
    server: RunningServer, settings: Settings, http: httpx.Client, tmp_path: Path
) -> None:
    a = _unlock(settings, _enrolled(server, settings, http, tmp_path / "custody-a"), http)
    b = _unlock(settings, _enrolled(server, settings, http, tmp_path / "custody-b"), http)
    try:
        made_a = [
            save_record(a, person(author=WORKER, family_name=f"Ashcombe{n}")).records[0] for n in range(3)
        ]
        made_b = [
            save_record(b, person(author=WORKER, family_name=f"Birchley{n}")).records[0] for n in range(2)
        ]
        first = sync_now(a, http)
        assert (first.pushed, first.conflicts) == (3, 0)
        second = sync_now(b, http)
        assert second.pushed == 2 and second.pulled == 3
        third = sync_now(a, http)
        assert third.sent == 0 and third.pulled == 2
        for record in [*made_a, *made_b]:
            for session in (a, b):
                stored = _local(session, record.id)
                assert isinstance(stored, Person) and stored.family_name == record.family_name
            assert _server_count(server, "SELECT count(*) FROM records WHERE id = ?", str(record.id)) == 1
        for session in (a, b):
            status = workstation_sync_status(session)
            assert status.pending_count == 0 and status.last_good_sync_at is not None
            with session.unit_of_work() as uow:
                assert uow.sync.state_of(made_a[0].id) is SyncState.RECEIPTED
        again = sync_now(b, http)  # nothing new either way
        assert (again.sent, again.pulled) == (0, 0)
    finally:
        a.lock()
        b.lock()


def test_a_court_workstation_sees_the_custody_assessment(
    server: RunningServer, settings: Settings, http: httpx.Client, tmp_path: Path
) -> None:
    custody = _unlock(settings, _enrolled(server, settings, http, tmp_path / "custody"), http)
    try:
        someone = save_record(custody, person(author=WORKER, family_name="Thistlewood")).records[0]
        done = save_record(custody, assessment(someone.id, author=WORKER)).records[0]
        assert sync_now(custody, http).pushed == 2
    finally:
        custody.lock()
    court = _unlock(
        settings, _enrolled(server, settings, http, tmp_path / "court", OTHER_SITE), http, COURT_WORKER
    )
    try:
        report = sync_now(court, http)
        assert report.pulled >= 2
        seen = _local(court, done.id)
        assert isinstance(seen, Assessment) and seen.answers == done.answers and seen.site_code == SITE
    finally:
        court.lock()


def test_concurrent_edits_make_a_conflict_and_both_revisions_are_kept(
    server: RunningServer, settings: Settings, http: httpx.Client, tmp_path: Path
) -> None:
    a = _unlock(settings, _enrolled(server, settings, http, tmp_path / "a"), http)
    b = _unlock(settings, _enrolled(server, settings, http, tmp_path / "b"), http)
    try:
        original = save_record(a, person(author=WORKER, family_name="Merriweather")).records[0]
        sync_now(a, http)
        sync_now(b, http)
        on_b = _local(b, original.id)
        assert isinstance(on_b, Person)
        save_record(a, original.model_copy(update={"family_name": "Merriweather-A", "phone": "01210000001"}))
        save_record(b, on_b.model_copy(update={"family_name": "Merriweather-B", "phone": "01210000002"}))
        assert sync_now(a, http).pushed == 1
        report = sync_now(b, http)
        assert report.conflicts == 1 and report.conflicted_records >= 1
        with b.unit_of_work() as uow:
            assert uow.sync.state_of(original.id) is SyncState.CONFLICTED
            names = {r.family_name for r in uow.records.history(original.id) if isinstance(r, Person)}
        assert "Merriweather-B" in names  # our losing revision stays in local history
        # Both revisions are kept on the server: A's as current, B's in the conflict.
        assert (
            _server_count(server, "SELECT count(*) FROM conflicts WHERE record_id = ?", str(original.id)) == 1
        )
        with server.engine.connect() as conn:
            current = conn.exec_driver_sql(
                "SELECT body FROM records WHERE id = ?", (str(original.id),)
            ).scalar()
            incoming = conn.exec_driver_sql(
                "SELECT incoming_body FROM conflicts WHERE record_id = ?", (str(original.id),)
            ).scalar()
        assert "Merriweather-A" in current and "Merriweather-B" in incoming
    finally:
        a.lock()
        b.lock()


def test_a_revoked_workstation_destroys_its_key_slots_at_its_next_sync(
    server: RunningServer, settings: Settings, http: httpx.Client, tmp_path: Path
) -> None:
    folder = _enrolled(server, settings, http, tmp_path / "lost-laptop")
    session = _unlock(settings, folder, http)
    save_record(session, person(author=WORKER))
    info = session.vault.enrolment_info()
    assert info is not None
    revoke_workstation(server.engine, info.workstation_id, "test-admin", utc_now())
    with pytest.raises(DeviceRevoked, match="withdrawn"):
        sync_now(session, http)
    assert session.locked
    assert Vault.load(folder / "vault.json").content.slots == ()
    with pytest.raises(AuthenticationFailed):
        unlock(settings, folder, WORKER, PASSWORDS[WORKER])
    with pytest.raises(AuthenticationFailed):  # nor by asking the server again
        _unlock(settings, folder, http)


def test_a_user_unknown_here_cannot_unlock_while_the_server_is_unreachable(
    server: RunningServer, settings: Settings, http: httpx.Client, tmp_path: Path
) -> None:
    folder = _enrolled(server, settings, http, tmp_path / "offline")
    offline = Settings(kdf=settings.kdf, server_url="http://127.0.0.1:9")
    with pytest.raises(AuthenticationFailed, match="not enrolled on this workstation"):
        unlock(offline, folder, WORKER, PASSWORDS[WORKER], http=http)
    with pytest.raises(AuthenticationFailed):  # a wrong password is refused by the server
        unlock(settings, folder, WORKER, "not the password", http=http)
    session = _unlock(settings, folder, http)  # online: enrolled with the server's roles
    try:
        assert session.user.display_name == "Sam Worker"
    finally:
        session.lock()
    unlock(offline, folder, WORKER, PASSWORDS[WORKER], http=http).lock()  # now offline works too


def test_a_standalone_store_enrolled_later_pushes_what_it_already_holds(
    server: RunningServer, settings: Settings, http: httpx.Client, tmp_path: Path
) -> None:
    from cars_desktop.services.workstation import init_workstation
    from tests.conftest import ADMIN, ADMIN_PASSWORD

    folder = tmp_path / "standalone"
    init_workstation(settings, folder, SITE, ADMIN, ADMIN_PASSWORD)
    admin = unlock(settings, folder, ADMIN, ADMIN_PASSWORD)
    try:
        result = enrol(settings, folder, server.base_url, server.enrolment_code(), "old pc", http, admin)
        assert not result.created_store and result.escrowed
    finally:
        admin.lock()
    worker = _unlock(settings, folder, http)  # a server user with no slot here yet
    try:
        made = save_record(worker, person(author=WORKER, family_name="Oakenshaw")).records[0]
        assert sync_now(worker, http).pushed == 1
        assert _server_count(server, "SELECT count(*) FROM records WHERE id = ?", str(made.id)) == 1
    finally:
        worker.lock()


class _LoseFirstPushReply(httpx.BaseTransport):
    """Delivers the first push to the server, then loses its reply (as a dropped connection would)."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self.lost = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if request.url.path == "/v1/push" and not self.lost:
            response.read()
            self.lost += 1
            raise httpx.ReadError("connection dropped after the server answered", request=request)
        return response

    def close(self) -> None:
        self._inner.close()


def test_a_lost_receipt_leads_to_a_harmless_retry(
    server: RunningServer, settings: Settings, http: httpx.Client, tmp_path: Path
) -> None:
    session = _unlock(settings, _enrolled(server, settings, http, tmp_path / "flaky"), http)
    try:
        made = save_record(session, person(author=WORKER, family_name="Fennimore")).records[0]
        with httpx.Client(transport=_LoseFirstPushReply(), timeout=30) as flaky:
            with pytest.raises(ServerUnreachable):
                sync_now(session, flaky)
            with session.unit_of_work() as uow:
                assert uow.sync.pending_count() == 1  # sent, but no receipt: still unsent
                assert uow.sync.state_of(made.id) is SyncState.SENT
            assert "could not be reached" in (workstation_sync_status(session).last_error or "")
            report = sync_now(session, flaky)
        assert (report.pushed, report.duplicates) == (0, 1)
        assert _server_count(server, "SELECT count(*) FROM records WHERE id = ?", str(made.id)) == 1
        with session.unit_of_work() as uow:
            assert uow.sync.pending_count() == 0
            assert uow.sync.state_of(made.id) is SyncState.RECEIPTED
        assert workstation_sync_status(session).last_error is None
    finally:
        session.lock()


def test_after_the_offline_limit_a_workstation_unlocks_only_to_sync(
    server: RunningServer, settings: Settings, http: httpx.Client, tmp_path: Path
) -> None:
    folder = _enrolled(server, settings, http, tmp_path / "remote-block")
    session = _unlock(settings, folder, http)
    with session.unit_of_work() as uow:
        uow.sync.set_fact("last_good_at", "2020-01-01T00:00:00+00:00")
        uow.commit()
    session.lock()
    offline = Settings(kdf=settings.kdf, server_url="http://127.0.0.1:9")
    with pytest.raises(StoreLocked, match="more than 14 days") as caught:
        unlock(offline, folder, WORKER, PASSWORDS[WORKER], http=http)
    assert "could not be reached" in caught.value.message
    online = _unlock(settings, folder, http)  # the sync succeeds, so the unlock stands
    try:
        assert not online.locked
        assert workstation_sync_status(online).last_good_sync_at is not None
    finally:
        online.lock()
    unlock(offline, folder, WORKER, PASSWORDS[WORKER], http=http).lock()  # within the limit again
