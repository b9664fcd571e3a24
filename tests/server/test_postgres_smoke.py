"""The enrol → session → push → pull path and the enrolment-code race on a real PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.factories import person
from tests.server.helpers import (
    WORKER,
    api_headers,
    enrol,
    enrol_request,
    push_body,
    running_server,
    sign_in,
)

RACERS = 6


def test_enrol_sign_in_push_and_pull_on_postgresql(postgresql_db_url: str, tmp_path: Path) -> None:
    with running_server(tmp_path, database_url=postgresql_db_url) as server:
        station = enrol(server, server.enrolment_code())
        headers = api_headers(station, sign_in(server, station, WORKER))
        record = person()
        body = push_body(record)

        pushed = httpx.post(f"{server.base_url}/v1/push", json=body, headers=headers, timeout=30)
        retried = httpx.post(f"{server.base_url}/v1/push", json=body, headers=headers, timeout=30)
        pulled = httpx.get(f"{server.base_url}/v1/pull", headers=headers, timeout=30)

    assert pushed.status_code == 200, pushed.text
    assert [r["status"] for r in pushed.json()["receipts"]] == ["applied"]
    assert [r["status"] for r in retried.json()["receipts"]] == ["duplicate"]
    assert [item["record"]["id"] for item in pulled.json()["items"]] == [str(record.id)]


def test_one_code_enrols_exactly_one_of_several_racing_workstations(
    postgresql_db_url: str, tmp_path: Path
) -> None:
    with running_server(tmp_path, database_url=postgresql_db_url) as server:
        code = server.enrolment_code()
        start = threading.Barrier(RACERS)
        statuses: list[int] = []

        def race() -> None:
            body = enrol_request(code, uuid.uuid4(), Ed25519PrivateKey.generate())
            start.wait()
            response = httpx.post(f"{server.base_url}/v1/enrol", json=body, headers=api_headers(), timeout=60)
            statuses.append(response.status_code)

        threads = [threading.Thread(target=race) for _ in range(RACERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sorted(statuses) == [200] + [403] * (RACERS - 1)
