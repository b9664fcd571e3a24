"""Device credentials, sessions by password and attestation, and who may do what, over real HTTP."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cars_server.admin.users import disable_user
from cars_server.admin.workstations import revoke_workstation
from cars_server.clock import utc_now
from cars_server.storage.tables import RecordRow, ServerAuditRow, SessionRow
from tests.factories import person
from tests.server.helpers import (
    COURT_WORKER,
    PASSWORDS,
    SUPERVISOR,
    WORKER,
    RunningServer,
    Station,
    api_headers,
    attestation_body,
    enrol,
    push_body,
    sign_in,
)


@pytest.fixture
def station(live_server: RunningServer) -> Station:
    return enrol(live_server, live_server.enrolment_code())


def _session(server: RunningServer, station: Station, body: dict[str, object]) -> httpx.Response:
    return httpx.post(f"{server.base_url}/v1/session", json=body, headers=api_headers(station), timeout=30)


def _records(server: RunningServer) -> int:
    with Session(server.engine) as session:
        return session.scalar(select(func.count()).select_from(RecordRow)) or 0


def test_password_session_pushes_and_pulls(live_server: RunningServer, station: Station) -> None:
    token = sign_in(live_server, station, WORKER)
    headers = api_headers(station, token)

    pushed = httpx.post(
        f"{live_server.base_url}/v1/push", json=push_body(person()), headers=headers, timeout=30
    )
    pulled = httpx.get(f"{live_server.base_url}/v1/pull", headers=headers, timeout=30)

    assert pushed.status_code == 200, pushed.text
    assert [r["status"] for r in pushed.json()["receipts"]] == ["applied"]
    assert pulled.status_code == 200
    assert len(pulled.json()["items"]) == 1


def test_session_response_describes_the_user(live_server: RunningServer, station: Station) -> None:
    response = _session(live_server, station, {"username": WORKER, "password": PASSWORDS[WORKER]})

    body = response.json()
    assert body["user"]["username"] == WORKER
    assert body["user"]["roles"] == ["worker"]
    assert body["expires_at"] > utc_now().isoformat()[:10]
    with Session(live_server.engine) as session:
        kinds = session.scalars(select(SessionRow.kind)).all()
    assert kinds == ["password"]


def test_wrong_password_and_unknown_user_get_the_same_answer(
    live_server: RunningServer, station: Station
) -> None:
    wrong = _session(live_server, station, {"username": WORKER, "password": "not the password"})
    unknown = _session(live_server, station, {"username": "nobody.here", "password": "not the password"})

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"] == "bad_credentials"


def test_a_user_of_another_site_cannot_sign_in_here(live_server: RunningServer, station: Station) -> None:
    response = _session(live_server, station, {"username": COURT_WORKER, "password": PASSWORDS[COURT_WORKER]})

    assert response.status_code == 403
    assert response.json()["error"] == "not_permitted"


def test_attested_session_syncs_but_cannot_fetch_the_device_key(
    live_server: RunningServer, station: Station
) -> None:
    response = _session(live_server, station, attestation_body(station, WORKER, utc_now()))
    assert response.status_code == 200, response.text
    headers = api_headers(station, response.json()["session_token"])

    pulled = httpx.get(f"{live_server.base_url}/v1/pull", headers=headers, timeout=30)
    key = httpx.post(f"{live_server.base_url}/v1/device-key", headers=headers, timeout=30)

    assert pulled.status_code == 200
    assert key.status_code == 403
    assert key.json()["error"] == "not_permitted"


def test_password_session_fetches_the_device_key(live_server: RunningServer, station: Station) -> None:
    token = sign_in(live_server, station, WORKER)

    response = httpx.post(
        f"{live_server.base_url}/v1/device-key", headers=api_headers(station, token), timeout=30
    )

    assert response.status_code == 200
    assert response.json() == {"device_key": station.device_key}


@pytest.mark.parametrize(
    ("shift", "tamper"),
    [
        pytest.param(timedelta(hours=13), False, id="too-old"),
        pytest.param(timedelta(0), True, id="signed-by-another-key"),
    ],
)
def test_bad_attestations_are_refused(
    live_server: RunningServer, station: Station, shift: timedelta, tamper: bool
) -> None:
    body = attestation_body(station, WORKER, utc_now() - shift)
    if tamper:
        other = enrol(live_server, live_server.enrolment_code(), label="Custody PC 2")
        body = attestation_body(other, WORKER, utc_now())

    response = _session(live_server, station, body)

    assert response.status_code == 401
    assert response.json()["error"] == "bad_credentials"


def test_password_and_attestation_together_are_refused(live_server: RunningServer, station: Station) -> None:
    body = attestation_body(station, WORKER, utc_now()) | {"password": PASSWORDS[WORKER]}

    assert _session(live_server, station, body).status_code == 422


def test_disabled_user_is_refused_at_sign_in_and_on_an_open_session(
    live_server: RunningServer, station: Station
) -> None:
    token = sign_in(live_server, station, WORKER)
    disable_user(live_server.engine, WORKER, "test", utc_now())

    signed_in = _session(live_server, station, {"username": WORKER, "password": PASSWORDS[WORKER]})
    pulled = httpx.get(f"{live_server.base_url}/v1/pull", headers=api_headers(station, token), timeout=30)

    assert signed_in.status_code == 403
    assert signed_in.json()["error"] == "user_disabled"
    assert pulled.status_code in (401, 403)  # its sessions were ended, and it could not open new ones


def test_revoked_device_is_refused_with_device_revoked(live_server: RunningServer, station: Station) -> None:
    token = sign_in(live_server, station, WORKER)
    revoke_workstation(live_server.engine, str(station.workstation_id), "test", utc_now())

    pushed = httpx.post(
        f"{live_server.base_url}/v1/push",
        json=push_body(person()),
        headers=api_headers(station, token),
        timeout=30,
    )
    signed_in = _session(live_server, station, {"username": WORKER, "password": PASSWORDS[WORKER]})

    for response in (pushed, signed_in):
        assert response.status_code == 403
        assert response.json()["error"] == "device_revoked"
    assert _records(live_server) == 0


def test_unknown_device_is_refused(live_server: RunningServer, station: Station) -> None:
    headers = api_headers(station) | {"Authorization": "Device not-a-credential"}

    response = httpx.post(
        f"{live_server.base_url}/v1/session", json={"username": WORKER, "password": "x"}, headers=headers
    )

    assert response.status_code == 401
    assert response.json()["error"] == "device_unknown"


def test_casework_needs_a_live_session_from_the_same_workstation(
    live_server: RunningServer, station: Station
) -> None:
    other = enrol(live_server, live_server.enrolment_code(), label="Custody PC 2")
    token = sign_in(live_server, station, WORKER)
    url = f"{live_server.base_url}/v1/pull"

    missing = httpx.get(url, headers=api_headers(station), timeout=30)
    foreign = httpx.get(url, headers=api_headers(other, token), timeout=30)
    with Session(live_server.engine) as session, session.begin():
        session.execute(update(SessionRow).values(expires_at=utc_now() - timedelta(seconds=1)))
    expired = httpx.get(url, headers=api_headers(station, token), timeout=30)

    assert (missing.status_code, missing.json()["error"]) == (401, "session_required")
    assert (foreign.status_code, foreign.json()["error"]) == (401, "session_expired")
    assert (expired.status_code, expired.json()["error"]) == (401, "session_expired")


def test_supervisor_views_are_refused_to_workers_and_logged_for_supervisors(
    live_server: RunningServer, station: Station
) -> None:
    worker = api_headers(station, sign_in(live_server, station, WORKER))
    supervisor = api_headers(station, sign_in(live_server, station, SUPERVISOR))

    refused = httpx.get(f"{live_server.base_url}/v1/conflicts", headers=worker, timeout=30)
    conflicts = httpx.get(f"{live_server.base_url}/v1/conflicts", headers=supervisor, timeout=30)
    stations = httpx.get(f"{live_server.base_url}/v1/workstations", headers=supervisor, timeout=30)

    assert (refused.status_code, refused.json()["error"]) == (403, "not_permitted")
    assert conflicts.status_code == 200 and conflicts.json() == []
    assert stations.status_code == 200
    assert [s["workstation_id"] for s in stations.json()] == [str(station.workstation_id)]
    with Session(live_server.engine) as session:
        logged = session.scalars(
            select(ServerAuditRow.operation).where(ServerAuditRow.actor == SUPERVISOR)
        ).all()
    assert sorted(logged) == ["conflicts_viewed", "workstations_viewed"]


def test_a_record_of_another_site_is_refused_and_not_stored(
    live_server: RunningServer, station: Station
) -> None:
    headers = api_headers(station, sign_in(live_server, station, WORKER))

    response = httpx.post(
        f"{live_server.base_url}/v1/push",
        json=push_body(person(site_code="WALSALL")),
        headers=headers,
        timeout=30,
    )

    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "wrong_site"
    assert body["problems"] and body["problems"][0]["location"].endswith("site_code")
    assert _records(live_server) == 0


def test_an_unknown_record_type_is_refused_with_its_change_named(
    live_server: RunningServer, station: Station
) -> None:
    headers = api_headers(station, sign_in(live_server, station, WORKER))
    body = push_body(person())
    body["changes"][0]["record_type"] = "spaceship"

    response = httpx.post(f"{live_server.base_url}/v1/push", json=body, headers=headers, timeout=30)

    assert response.status_code == 422
    assert response.json()["problems"][0]["change_id"] == body["changes"][0]["change_id"]
    assert _records(live_server) == 0
