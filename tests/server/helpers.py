"""Shared helpers for tests that need a real, running `cars_server` with people and codes in it.

Use them from any test package (server, desktop sync end-to-end, benchmarks):

    from tests.server.helpers import running_server, enrol, sign_in, api_headers

    with running_server(tmp_path) as server:          # SQLite in tmp_path; pass database_url= for PostgreSQL
        station = enrol(server, server.enrolment_code())   # a real enrolment over HTTP
        token = sign_in(server, station, WORKER)       # a password session
        httpx.post(f"{server.base_url}/v1/push", json=..., headers=api_headers(station, token))

`running_server` migrates the database, creates the sites `SITE` (custody) and `OTHER_SITE` (court),
the users in `DEFAULT_USERS` (a worker and a supervisor at `SITE`, a court worker at `OTHER_SITE`,
passwords in `PASSWORDS`), sets a fresh organisation recovery key pair (private half in
`server.recovery_private_pem`) and cheap Argon2id, then serves the app on a loopback port in a
thread (`tests.server.live_server.serve_in_thread`). Everything is created through the same admin
functions `cars-server admin` uses. Test data are invented people only.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from sqlalchemy import Engine

from cars_desktop.domain.escrow import generate_key_pair
from cars_protocol import PROTOCOL_VERSION
from cars_protocol.records import RecordBase
from cars_protocol.sync import (
    DEVICE_AUTH_SCHEME,
    HEADER_CLIENT_VERSION,
    HEADER_PROTOCOL,
    HEADER_SESSION,
    Change,
    attestation_message,
)
from cars_server.admin.enrolment_codes import issue_code
from cars_server.admin.sites import create_site
from cars_server.admin.users import create_user
from cars_server.app import create_app
from cars_server.clock import utc_now
from cars_server.config import ServerSettings
from cars_server.context import ServerContext
from cars_server.storage.engine import build_engine
from cars_server.storage.migrate import upgrade_to_head
from tests.server.live_server import serve_in_thread

SITE = "OLDBURY"
OTHER_SITE = "WALSALL"
WORKER = "sam.worker"
SUPERVISOR = "ria.supervisor"
COURT_WORKER = "cal.court"
PASSWORDS = {
    WORKER: "worker pass 4821",
    SUPERVISOR: "supervisor pass 7713",
    COURT_WORKER: "court pass 9035",
}
CLIENT_VERSION = "0.1.0"
ACTOR = "test-setup"
TIMEOUT_S = 30.0


@dataclass(frozen=True)
class ServerUser:
    """A server user the helper creates."""

    username: str
    display_name: str
    roles: tuple[str, ...]
    sites: tuple[str, ...]


DEFAULT_USERS = (
    ServerUser(WORKER, "Sam Worker", ("worker",), (SITE,)),
    ServerUser(SUPERVISOR, "Ria Supervisor", ("supervisor", "worker"), (SITE, OTHER_SITE)),
    ServerUser(COURT_WORKER, "Cal Court", ("court_worker",), (OTHER_SITE,)),
)

#: Settings that keep tests fast: Argon2id at the cheapest cost.
CHEAP_SETTINGS: dict[str, Any] = {"argon2_memory_kib": 64, "argon2_time_cost": 1}


@dataclass(frozen=True)
class RunningServer:
    """A live server: its URL, settings, app, engine and the recovery private key."""

    base_url: str
    settings: ServerSettings
    app: FastAPI
    recovery_private_pem: bytes

    @property
    def engine(self) -> Engine:
        """The app's own engine (for checking what was stored)."""
        context: ServerContext = self.app.state.context
        return context.engine

    def enrolment_code(self, site: str = SITE, hours: int = 24) -> str:
        """Issue a one-time enrolment code for `site`, as `cars-server admin enrolment-code` does."""
        return issue_code(self.engine, site, hours, ACTOR, utc_now())

    def client(self) -> httpx.Client:
        """An httpx client for this server (close it, or use it in a `with`)."""
        return httpx.Client(base_url=self.base_url, timeout=TIMEOUT_S)


@dataclass(frozen=True)
class Station:
    """An enrolled workstation as the client keeps it: id, credential, device key and signing key."""

    workstation_id: uuid.UUID
    site_code: str
    credential: str
    device_key: str
    signing_key: Ed25519PrivateKey = field(repr=False)


def prepare_database(
    settings: ServerSettings,
    users: tuple[ServerUser, ...] = DEFAULT_USERS,
    passwords: dict[str, str] | None = None,
) -> None:
    """Migrate the settings' database and create the two sites and `users`."""
    passwords = passwords or PASSWORDS
    engine = build_engine(settings.database_url)
    try:
        upgrade_to_head(engine)
        now = utc_now()
        create_site(engine, SITE, "Oldbury custody", "custody", ACTOR, now)
        create_site(engine, OTHER_SITE, "Walsall magistrates", "court", ACTOR, now)
        for user in users:
            create_user(
                engine,
                settings,
                username=user.username,
                display_name=user.display_name,
                roles=list(user.roles),
                sites=list(user.sites),
                password=passwords.get(user.username, "default pass 1234"),
                actor=ACTOR,
                now=now,
            )
    finally:
        engine.dispose()


def server_settings(
    tmp_path: Path, database_url: str | None = None, **overrides: Any
) -> tuple[ServerSettings, bytes]:
    """Test settings (cheap Argon2id, a fresh recovery key) and the recovery private key PEM."""
    pem, public = generate_key_pair()
    values: dict[str, Any] = {
        "data_dir": tmp_path / "server-data",
        "recovery_public_key": public,
        **CHEAP_SETTINGS,
        **overrides,
    }
    if database_url:
        values["database_url"] = database_url
    return ServerSettings(**values), pem


@contextmanager
def running_server(
    tmp_path: Path, database_url: str | None = None, **overrides: Any
) -> Iterator[RunningServer]:
    """Set up a database (SQLite in `tmp_path` unless `database_url`) and serve it on loopback."""
    settings, pem = server_settings(tmp_path, database_url, **overrides)
    prepare_database(settings)
    app = create_app(settings)
    with serve_in_thread(app) as base_url:
        yield RunningServer(base_url=base_url, settings=settings, app=app, recovery_private_pem=pem)


def api_headers(
    station: Station | None = None,
    session_token: str | None = None,
    client_version: str = CLIENT_VERSION,
    protocol: str = str(PROTOCOL_VERSION),
) -> dict[str, str]:
    """The headers a CARS Desktop client sends: versions, device credential, session."""
    headers = {HEADER_PROTOCOL: protocol, HEADER_CLIENT_VERSION: client_version}
    if station is not None:
        headers["Authorization"] = f"{DEVICE_AUTH_SCHEME} {station.credential}"
    if session_token is not None:
        headers[HEADER_SESSION] = session_token
    return headers


def public_key_b64(key: Ed25519PrivateKey) -> str:
    """The raw Ed25519 public key in base64, as `EnrolRequest.signing_public_key` carries it."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def enrol_request(
    code: str, workstation_id: uuid.UUID, key: Ed25519PrivateKey, label: str = "Custody PC 1"
) -> dict[str, Any]:
    """The JSON body of `POST /v1/enrol`."""
    return {
        "code": code,
        "workstation_id": str(workstation_id),
        "label": label,
        "signing_public_key": public_key_b64(key),
    }


def enrol(server: RunningServer, code: str, label: str = "Custody PC 1") -> Station:
    """Enrol a new workstation over HTTP with `code`; fails the test if the server refuses."""
    key = Ed25519PrivateKey.generate()
    workstation_id = uuid.uuid4()
    response = httpx.post(
        f"{server.base_url}/v1/enrol",
        json=enrol_request(code, workstation_id, key, label),
        headers=api_headers(),
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    return Station(
        workstation_id=workstation_id,
        site_code=body["site_code"],
        credential=body["device_credential"],
        device_key=body["device_key"],
        signing_key=key,
    )


def sign_in(server: RunningServer, station: Station, username: str, password: str | None = None) -> str:
    """Open a password session for `username` at `station` and return its token."""
    response = httpx.post(
        f"{server.base_url}/v1/session",
        json={"username": username, "password": password or PASSWORDS[username]},
        headers=api_headers(station),
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["session_token"]
    return token


def attestation_body(station: Station, username: str, attested_at: datetime) -> dict[str, Any]:
    """The JSON body of an attested `POST /v1/session`, signed with the station's key."""
    signature = station.signing_key.sign(attestation_message(station.workstation_id, username, attested_at))
    return {
        "username": username,
        "attested_at": attested_at.isoformat(),
        "attestation": base64.b64encode(signature).decode("ascii"),
    }


def push_body(*records: RecordBase, pending_count: int = 0) -> dict[str, Any]:
    """The JSON body of `POST /v1/push` carrying the first revision of each record."""
    changes = [
        Change(
            change_id=uuid.uuid4(),
            record_type=record.record_type,
            record_id=record.id,
            revision=record.revision,
            base_revision=record.revision - 1,
            record=record.model_dump(mode="json"),
        ).model_dump(mode="json")
        for record in records
    ]
    return {"changes": changes, "pending_count": pending_count}
