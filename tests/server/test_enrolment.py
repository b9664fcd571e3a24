"""Enrolment over real HTTP: one-time codes, duplicate ids, escrow and its offline unsealing."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cars_desktop.domain.escrow import seal
from cars_desktop.domain.recovery_key import format_key, generate
from cars_server.cli import main
from cars_server.storage.tables import EnrolmentCodeRow, EscrowRow, ServerAuditRow, WorkstationRow
from tests.server.helpers import (
    SITE,
    RunningServer,
    api_headers,
    enrol,
    enrol_request,
    running_server,
)


@pytest.fixture
def server(live_server: RunningServer) -> RunningServer:
    return live_server


def _post_enrol(server: RunningServer, code: str, workstation_id: uuid.UUID | None = None) -> httpx.Response:
    body = enrol_request(code, workstation_id or uuid.uuid4(), Ed25519PrivateKey.generate())
    return httpx.post(f"{server.base_url}/v1/enrol", json=body, headers=api_headers(), timeout=30)


def _workstation_count(server: RunningServer) -> int:
    with Session(server.engine) as session:
        return session.scalar(select(func.count()).select_from(WorkstationRow)) or 0


def test_a_good_code_enrols_once_and_names_the_site(server: RunningServer) -> None:
    code = server.enrolment_code()

    station = enrol(server, code)

    assert station.site_code == SITE
    assert len(station.credential) >= 40 and len(station.device_key) == 44
    with Session(server.engine) as session:
        row = session.get(WorkstationRow, str(station.workstation_id))
        assert row is not None and row.site_code == SITE
        # Only hashes are stored: the credential itself is nowhere in the row.
        assert station.credential not in (row.credential_hash, row.device_key)
        operations = session.scalars(select(ServerAuditRow.operation)).all()
    assert "workstation_enrolled" in operations


def test_a_replayed_code_is_refused_with_the_same_message_as_an_unknown_one(server: RunningServer) -> None:
    code = server.enrolment_code()
    enrol(server, code)

    replayed = _post_enrol(server, code)
    unknown = _post_enrol(server, "no-such-code-at-all")

    assert replayed.status_code == unknown.status_code == 403
    assert replayed.json()["error"] == unknown.json()["error"] == "enrolment_code_invalid"
    assert replayed.json()["message"] == unknown.json()["message"]
    assert _workstation_count(server) == 1


def test_an_expired_code_is_refused(server: RunningServer) -> None:
    code = server.enrolment_code()
    with Session(server.engine) as session, session.begin():
        session.execute(
            update(EnrolmentCodeRow).values(expires_at=EnrolmentCodeRow.created_at - timedelta(minutes=1))
        )

    response = _post_enrol(server, code)

    assert response.status_code == 403
    assert response.json()["error"] == "enrolment_code_invalid"
    assert _workstation_count(server) == 0


def test_an_id_already_enrolled_is_refused_and_the_code_stays_unused(server: RunningServer) -> None:
    first = enrol(server, server.enrolment_code())
    code = server.enrolment_code()

    response = _post_enrol(server, code, first.workstation_id)

    assert response.status_code == 409
    assert response.json()["error"] == "invalid_request"
    assert enrol(server, code).site_code == SITE  # the refused attempt did not use the code up


def test_a_bad_signing_key_is_refused_before_the_code_is_used(server: RunningServer) -> None:
    code = server.enrolment_code()
    body = enrol_request(code, uuid.uuid4(), Ed25519PrivateKey.generate()) | {"signing_public_key": "AAAA"}

    response = httpx.post(f"{server.base_url}/v1/enrol", json=body, headers=api_headers(), timeout=30)

    assert response.status_code == 422
    assert enrol(server, code).site_code == SITE


def test_enrolment_is_refused_while_no_recovery_key_is_set(tmp_path: Path) -> None:
    with running_server(tmp_path, recovery_public_key="") as server:
        response = _post_enrol(server, server.enrolment_code())

        assert response.status_code == 503
        assert "CARS_SERVER_RECOVERY_PUBLIC_KEY" in response.json()["message"]
        assert _workstation_count(server) == 0


def test_escrowed_recovery_key_is_unsealed_offline_by_the_admin_command(
    server: RunningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    station = enrol(server, server.enrolment_code())
    secret, printed = generate()
    sealed = seal(server.settings.recovery_public_key, secret, str(station.workstation_id))

    response = httpx.put(
        f"{server.base_url}/v1/escrow",
        json={"sealed_recovery_key": sealed},
        headers=api_headers(station),
        timeout=30,
    )
    assert response.status_code == 204
    with Session(server.engine) as session:
        assert session.get(EscrowRow, str(station.workstation_id)) is not None

    key_file = tmp_path / "org-recovery.pem"
    key_file.write_bytes(server.recovery_private_pem)
    code = main(
        [
            "admin",
            "recovery",
            "unseal",
            "--db",
            server.settings.database_url,
            "--private-key",
            str(key_file),
            "--workstation",
            str(station.workstation_id),
        ]
    )

    assert code == 0
    assert capsys.readouterr().out.strip() == printed == format_key(secret)


def test_escrow_needs_a_device_credential(server: RunningServer) -> None:
    response = httpx.put(
        f"{server.base_url}/v1/escrow", json={"sealed_recovery_key": "x"}, headers=api_headers(), timeout=30
    )

    assert response.status_code == 401
    assert response.json()["error"] == "device_unknown"
