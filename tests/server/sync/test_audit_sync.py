"""Audit-log sync over real HTTP: good chains kept, retries harmless, every kind of break named.

The chains are made with the workstation's own chaining rules (`cars_desktop.domain.audit_chain`)
and signed with the Ed25519 key the test workstation enrolled with, so the server checks exactly
what a real workstation would send. Runs on SQLite and on a real PostgreSQL cluster.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from cars_desktop.domain.audit_chain import GENESIS, entry_digest, sign_entry
from cars_server.cli import main
from cars_server.storage.tables import AuditAlertRow, ServerAuditRow, WorkstationAuditRow, WorkstationRow
from tests.server.helpers import (
    SUPERVISOR,
    WORKER,
    RunningServer,
    Station,
    api_headers,
    enrol,
    enrol_request,
    running_server,
    sign_in,
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningServer]:
    """A live server on SQLite or on a fresh PostgreSQL database."""
    url = None if request.param == "sqlite" else request.getfixturevalue("postgresql_db_url")
    with running_server(tmp_path, database_url=url) as running:
        yield running


def make_entry(
    key: Ed25519PrivateKey, seq: int, prev_hash: str, operation: str = "record_viewed"
) -> dict[str, Any]:
    """One chained, signed entry as the workstation's audit writer makes it (ids only)."""
    entry: dict[str, Any] = {
        "seq": seq,
        "at": f"2026-11-26T10:{seq % 60:02d}:00+00:00",
        "username": WORKER,
        "roles": "worker",
        "workstation_id": str(uuid.uuid4()),
        "operation": "record_viewed",
        "record_type": "person",
        "record_id": str(uuid.uuid4()),
        "justification": None,
        "recipient": None,
        "legal_basis": None,
        "details": None,
        "prev_hash": prev_hash,
    }
    entry["entry_hash"] = entry_digest(entry)
    entry["signature"] = base64.b64encode(sign_entry(key, entry["entry_hash"])).decode("ascii")
    return entry


def make_chain(
    key: Ed25519PrivateKey, count: int, start: int = 1, prev_hash: str = GENESIS
) -> list[dict[str, Any]]:
    """`count` entries continuing from `prev_hash`, numbered from `start`."""
    entries = []
    for seq in range(start, start + count):
        entry = make_entry(key, seq, prev_hash)
        entries.append(entry)
        prev_hash = entry["entry_hash"]
    return entries


class Workstation:
    """An enrolled workstation with a signed-in worker, pushing its audit log over HTTP."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.station: Station = enrol(server, server.enrolment_code())
        self.token = sign_in(server, self.station, WORKER)

    def push(self, entries: list[dict[str, Any]]) -> dict[str, Any]:
        response = httpx.post(
            f"{self.server.base_url}/v1/audit",
            json={"entries": entries},
            headers=api_headers(self.station, self.token),
            timeout=30,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def stored(server: RunningServer, station: Station) -> list[tuple[int, str | None]]:
    with server.engine.connect() as connection:
        rows = connection.execute(
            select(WorkstationAuditRow.seq, WorkstationAuditRow.problem)
            .where(WorkstationAuditRow.workstation_id == str(station.workstation_id))
            .order_by(WorkstationAuditRow.seq)
        ).all()
    return [(row.seq, row.problem) for row in rows]


def alert_problems(server: RunningServer) -> list[str]:
    with server.engine.connect() as connection:
        return list(connection.scalars(select(AuditAlertRow.problem).order_by(AuditAlertRow.id)).all())


def head_of(server: RunningServer, station: Station) -> tuple[int, str | None]:
    with server.engine.connect() as connection:
        row = connection.execute(
            select(WorkstationRow.audit_head_seq, WorkstationRow.audit_head_digest).where(
                WorkstationRow.id == str(station.workstation_id)
            )
        ).one()
    return row.audit_head_seq, row.audit_head_digest


def test_a_good_chain_is_kept_and_a_retry_is_acknowledged_once(server: RunningServer) -> None:
    pc = Workstation(server)
    chain = make_chain(pc.station.signing_key, 5)

    assert pc.push(chain[:3]) == {"accepted_through": 3, "alert": None}
    assert pc.push(chain[:3]) == {"accepted_through": 3, "alert": None}
    assert pc.push(chain[2:]) == {"accepted_through": 5, "alert": None}

    assert stored(server, pc.station) == [(seq, None) for seq in range(1, 6)]
    assert head_of(server, pc.station) == (5, chain[-1]["entry_hash"])
    assert alert_problems(server) == []


def test_an_altered_entry_is_kept_flagged_alerted_and_logged(server: RunningServer) -> None:
    pc = Workstation(server)
    chain = make_chain(pc.station.signing_key, 4)
    chain[1] = {**chain[1], "operation": "record_exported"}  # changed after it was hashed and signed

    reply = pc.push(chain)

    assert reply["accepted_through"] == 4
    assert reply["alert"] == "audit log broken at entry 2: its content has been altered"
    assert stored(server, pc.station) == [
        (1, None),
        (2, "audit log broken at entry 2: its content has been altered"),
        (3, None),
        (4, None),
    ]
    assert alert_problems(server) == ["audit log broken at entry 2: its content has been altered"]
    with server.engine.connect() as connection:
        logged = connection.execute(
            select(ServerAuditRow.detail, ServerAuditRow.workstation_id).where(
                ServerAuditRow.operation == "audit_chain_break"
            )
        ).all()
    assert [(json.loads(row.detail)["seq"], row.workstation_id) for row in logged] == [
        (2, str(pc.station.workstation_id))
    ]
    # The retry of the same push is answered the same way, without a second alert.
    assert pc.push(chain)["alert"] == "audit log broken at entry 2: its content has been altered"
    assert len(alert_problems(server)) == 1


def test_a_gap_is_named_and_the_chain_continues_from_what_arrived(server: RunningServer) -> None:
    pc = Workstation(server)
    chain = make_chain(pc.station.signing_key, 6)

    pc.push(chain[:2])
    reply = pc.push(chain[3:5])  # entry 3 never sent

    assert reply == {
        "accepted_through": 5,
        "alert": "audit log broken at entry 3: it is missing or out of order",
    }
    assert pc.push(chain[5:]) == {"accepted_through": 6, "alert": None}
    assert [seq for seq, _problem in stored(server, pc.station)] == [1, 2, 4, 5, 6]


def test_a_wrong_signature_is_named(server: RunningServer) -> None:
    pc = Workstation(server)
    chain = make_chain(pc.station.signing_key, 1)
    forged = make_chain(Ed25519PrivateKey.generate(), 1, start=2, prev_hash=chain[0]["entry_hash"])

    reply = pc.push(chain + forged)

    assert reply["alert"] == "audit log broken at entry 2: its signature does not match (altered)"
    assert stored(server, pc.station)[1] == (2, reply["alert"])


def test_a_different_entry_at_a_number_already_held_is_a_break(server: RunningServer) -> None:
    pc = Workstation(server)
    chain = make_chain(pc.station.signing_key, 3)
    pc.push(chain)
    rewritten = make_chain(pc.station.signing_key, 3)  # a second history, validly signed

    reply = pc.push(rewritten)

    assert reply["accepted_through"] == 3
    assert reply["alert"] is not None
    assert reply["alert"].startswith("audit log broken at entry 1: it differs from the copy the server")
    assert [seq for seq, _ in stored(server, pc.station)] == [1, 2, 3]  # the first copy is kept
    with server.engine.connect() as connection:
        kept = connection.scalars(select(AuditAlertRow.entry).where(AuditAlertRow.seq == 1)).one()
    assert kept is not None and json.loads(kept)["entry_hash"] == rewritten[0]["entry_hash"]


def test_supervisors_see_alerts_of_their_sites_and_workers_are_refused(server: RunningServer) -> None:
    pc = Workstation(server)
    chain = make_chain(pc.station.signing_key, 2)
    chain[1] = {**chain[1], "prev_hash": "f" * 64}
    pc.push(chain)
    supervisor_token = sign_in(server, pc.station, SUPERVISOR)

    seen = httpx.get(
        f"{server.base_url}/v1/audit/alerts", headers=api_headers(pc.station, supervisor_token), timeout=30
    )
    refused = httpx.get(
        f"{server.base_url}/v1/audit/alerts", headers=api_headers(pc.station, pc.token), timeout=30
    )

    assert seen.status_code == 200, seen.text
    assert [(a["workstation_id"], a["seq"], a["problem"]) for a in seen.json()] == [
        (
            str(pc.station.workstation_id),
            2,
            "audit log broken at entry 2: it does not follow the entry before it",
        )
    ]
    assert refused.status_code == 403
    assert refused.json()["error"] == "not_permitted"


def test_history_from_before_enrolment_is_checked_against_the_reported_head(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        key = Ed25519PrivateKey.generate()
        chain = make_chain(key, 4)
        workstation_id = uuid.uuid4()
        body = enrol_request(server.enrolment_code(), workstation_id, key)
        body |= {"audit_head_seq": 3, "audit_head_digest": chain[2]["entry_hash"]}
        enrolled = httpx.post(f"{server.base_url}/v1/enrol", json=body, headers=api_headers(), timeout=30)
        assert enrolled.status_code == 200, enrolled.text
        station = Station(
            workstation_id=workstation_id,
            site_code=enrolled.json()["site_code"],
            credential=enrolled.json()["device_credential"],
            device_key=enrolled.json()["device_key"],
            signing_key=key,
        )
        token = sign_in(server, station, WORKER)

        reply = httpx.post(
            f"{server.base_url}/v1/audit",
            json={"entries": chain},
            headers=api_headers(station, token),
            timeout=30,
        )

        assert reply.json() == {"accepted_through": 4, "alert": None}
        assert [seq for seq, problem in stored(server, station) if problem is None] == [1, 2, 3, 4]


def test_cars_server_admin_audit_alerts_lists_breaks(
    server: RunningServer, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--db", server.settings.database_url]
    assert main(["admin", "audit", "alerts", *db]) == 0
    assert capsys.readouterr().out == "no audit chain alerts\n"
    pc = Workstation(server)
    chain = make_chain(pc.station.signing_key, 3)
    pc.push(chain[:1] + chain[2:])

    assert main(["admin", "audit", "alerts", "--site", pc.station.site_code, *db]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    fields = lines[0].split("\t")
    assert fields[2:] == [
        pc.station.site_code,
        str(pc.station.workstation_id),
        "entry 3",
        "audit log broken at entry 2: it is missing or out of order",
    ]


def test_a_number_beyond_the_database_is_refused_as_invalid(server: RunningServer) -> None:
    """Found by the endpoint fuzzer: an entry numbered past 2**64 made the insert overflow (a 500)."""
    pc = Workstation(server)
    entry = make_entry(pc.station.signing_key, 28832007023901495296, GENESIS)
    response = httpx.post(
        f"{server.base_url}/v1/audit",
        json={"entries": [entry]},
        headers=api_headers(pc.station, pc.token),
        timeout=30,
    )
    assert response.status_code == 422, response.text
    assert "seq" in response.text
    assert stored(server, pc.station) == []
