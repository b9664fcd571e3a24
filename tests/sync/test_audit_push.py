"""The workstation's signed audit log reaches the central server by sync, over real HTTP on loopback.

Checks what the server stored (its `workstation_audit` and `audit_alerts` tables), that a push
whose reply is lost is simply sent again without storing anything twice, and that an entry edited
in the store through a raw keyed connection (as an insider with the database key could) makes the
server raise an alert that the sync report and the workstation's sync status carry.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from cars_desktop.config import Settings
from cars_desktop.services.enrolment import enrol
from cars_desktop.services.records import save_record
from cars_desktop.services.sync import sync_now, workstation_sync_status
from cars_desktop.services.workstation import WorkstationSession, unlock
from cars_desktop.storage.audit_outbox import last_seq
from cars_desktop.storage.engine import connect_raw
from cars_desktop.storage.layout import StoreLayout
from cars_desktop.sync.audit_push import FACT_AUDIT_THROUGH
from cars_desktop.sync.errors import ServerUnreachable
from tests.factories import person
from tests.server.helpers import PASSWORDS, WORKER, RunningServer


@pytest.fixture
def folder(server: RunningServer, settings: Settings, http: httpx.Client, tmp_path: Path) -> Path:
    place = tmp_path / "custody"
    enrol(settings, place, server.base_url, server.enrolment_code(), "custody", http)
    return place


def _unlock(settings: Settings, folder: Path, http: httpx.Client) -> WorkstationSession:
    return unlock(settings, folder, WORKER, PASSWORDS[WORKER], http=http)


def _workstation_id(session: WorkstationSession) -> str:
    info = session.vault.enrolment_info()
    assert info is not None
    return info.workstation_id


def _server_entries(server: RunningServer, workstation_id: str) -> list[tuple[int, str, str | None]]:
    with server.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT seq, entry_hash, problem FROM workstation_audit WHERE workstation_id = ? ORDER BY seq",
            (workstation_id,),
        ).all()
    return [(int(r.seq), str(r.entry_hash), r.problem) for r in rows]


def _local_entries(session: WorkstationSession, through: int) -> list[tuple[int, str, None]]:
    with session.unit_of_work() as uow:
        rows = uow.session.connection().exec_driver_sql(
            "SELECT seq, entry_hash FROM audit_log WHERE seq <= ? ORDER BY seq", (through,)
        )
        return [(int(r.seq), str(r.entry_hash), None) for r in rows]


def _alerts(server: RunningServer, workstation_id: str) -> list[str]:
    with server.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT problem FROM audit_alerts WHERE workstation_id = ? ORDER BY id", (workstation_id,)
        ).all()
    return [str(r.problem) for r in rows]


def test_the_audit_log_reaches_the_server_in_order_and_in_batches(
    server: RunningServer, settings: Settings, http: httpx.Client, folder: Path
) -> None:
    session = _unlock(settings, folder, http)
    try:
        for n in range(4):
            save_record(session, person(author=WORKER, family_name=f"Hollins{n}"))
        with session.unit_of_work() as uow:
            before_sync = last_seq(uow.session)
        report = sync_now(session, http)
        assert report.audit_sent == before_sync and report.audit_alert is None
        assert report.audit_accepted_through == before_sync
        workstation_id = _workstation_id(session)
        assert _server_entries(server, workstation_id) == _local_entries(session, before_sync)
        # The next cycle sends only what is new: the previous cycle's own entry and later ones.
        save_record(session, person(author=WORKER, family_name="Hollins9"))
        with session.unit_of_work() as uow:
            newest = last_seq(uow.session)
        again = sync_now(session, http)
        assert again.audit_sent == newest - before_sync
        assert _server_entries(server, workstation_id) == _local_entries(session, newest)
        assert workstation_sync_status(session).audit_alert is None
        assert _alerts(server, workstation_id) == []
    finally:
        session.lock()


class _LoseFirstAuditReply(httpx.BaseTransport):
    """Delivers the first audit push to the server, then loses its reply."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self.lost = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if request.url.path == "/v1/audit" and not self.lost:
            response.read()
            self.lost += 1
            raise httpx.ReadError("connection dropped after the server answered", request=request)
        return response

    def close(self) -> None:
        self._inner.close()


def test_a_lost_reply_or_a_forgotten_position_only_resends_and_nothing_is_stored_twice(
    server: RunningServer, settings: Settings, http: httpx.Client, folder: Path
) -> None:
    session = _unlock(settings, folder, http)
    try:
        save_record(session, person(author=WORKER, family_name="Ravensworth"))
        with httpx.Client(transport=_LoseFirstAuditReply(), timeout=30) as flaky:
            with pytest.raises(ServerUnreachable):
                sync_now(session, flaky)
            with session.unit_of_work() as uow:
                assert uow.sync.fact(FACT_AUDIT_THROUGH) is None  # no reply, so nothing recorded
                sent_first = last_seq(uow.session)
            report = sync_now(session, flaky)
        assert report.audit_sent >= sent_first and report.audit_alert is None
        workstation_id = _workstation_id(session)
        held = _server_entries(server, workstation_id)
        assert held == _local_entries(session, report.audit_accepted_through)
        # The store forgets how far the server holds its log (a restored backup): all is resent.
        with session.unit_of_work() as uow:
            uow.sync.set_fact(FACT_AUDIT_THROUGH, None)
            uow.commit()
        resent = sync_now(session, http)
        assert resent.audit_sent > report.audit_accepted_through and resent.audit_alert is None
        assert _server_entries(server, workstation_id) == _local_entries(
            session, resent.audit_accepted_through
        )
        assert _alerts(server, workstation_id) == []
    finally:
        session.lock()


def test_an_entry_edited_in_the_store_makes_the_server_raise_an_alert(
    server: RunningServer, settings: Settings, http: httpx.Client, folder: Path
) -> None:
    session = _unlock(settings, folder, http)
    sync_now(session, http)
    for n in range(3):
        save_record(session, person(author=WORKER, family_name=f"Whitlock{n}"))
    with session.unit_of_work() as uow:
        accepted = int(uow.sync.fact(FACT_AUDIT_THROUGH) or 0)
    target = accepted + 2  # an entry the server has not seen yet
    key = session.data_key()
    workstation_id = _workstation_id(session)
    session.lock()
    conn = connect_raw(StoreLayout(folder).database, key)
    conn.isolation_level = None
    conn.execute("BEGIN")
    conn.execute("UPDATE audit_log SET username = 'someone.else' WHERE seq = ?", (target,))
    conn.execute("COMMIT")
    conn.close()
    session = _unlock(settings, folder, http)
    try:
        report = sync_now(session, http)
        assert report.audit_alert is not None and f"entry {target}" in report.audit_alert
        assert "altered" in report.audit_alert
        status = workstation_sync_status(session)
        assert status.audit_alert == report.audit_alert
        alerts = _alerts(server, workstation_id)
        assert len(alerts) == 1 and f"entry {target}" in alerts[0]
        problems = {seq: problem for seq, _, problem in _server_entries(server, workstation_id)}
        assert problems[target] is not None  # the edited entry is kept as evidence
        later = sync_now(session, http)  # later pushes go on; the alert stays in the facts
        assert later.audit_alert is None and later.audit_sent > 0
        assert workstation_sync_status(session).audit_alert == report.audit_alert
        assert len(_alerts(server, workstation_id)) == 1
    finally:
        session.lock()
