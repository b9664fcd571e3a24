"""Server ingest throughput for `bench/sync.py`: many enrolled workstations pushing at once.

Each workstation is enrolled with its own one-time code and signs in with its own session, then
pushes pre-built, gzip-compressed batches of new assessments over HTTP with an
`httpx.AsyncClient`, all of them concurrently from one event loop (the issue allows async tasks in
one process, since the machine has two cores). Bodies are built before the clock starts, so the
figure is the server's: HTTP, auth, validation, the batch transaction and the feed stamp.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.sync_rig import HTTP_TIMEOUT_S, ServerProcess
from cars_protocol.records import Assessment
from cars_protocol.sync import (
    DEVICE_AUTH_SCHEME,
    HEADER_SESSION,
    Change,
    PushRequest,
    PushResponse,
    ReceiptStatus,
)
from tests.server.helpers import PASSWORDS, SITE, WORKER, api_headers, enrol_request

WARM_UP_RECORDS = 5


@dataclass(frozen=True)
class IngestResult:
    """What the concurrent push achieved."""

    stations: int
    assessments: int
    seconds: float
    request_p50_s: float
    request_p95_s: float
    stored: int
    body_bytes: int
    server_cpu_s: float | None  # CPU time of the server process while the pushes ran (Linux only)
    client_cpu_s: float  # CPU time of this process (the 20 async clients) meanwhile

    @property
    def per_second(self) -> float:
        return self.assessments / self.seconds if self.seconds > 0 else 0.0


def _station_headers(server: ServerProcess, label: str) -> dict[str, str]:
    """Enrol one workstation and open a password session for the worker; return its request headers."""
    key = Ed25519PrivateKey.generate()
    code = server.enrolment_code(SITE)
    with httpx.Client(base_url=server.base_url, timeout=HTTP_TIMEOUT_S) as http:
        enrolled = http.post(
            "/v1/enrol", json=enrol_request(code, uuid.uuid4(), key, label), headers=api_headers()
        )
        enrolled.raise_for_status()
        credential = enrolled.json()["device_credential"]
        headers = api_headers()
        headers["Authorization"] = f"{DEVICE_AUTH_SCHEME} {credential}"
        signed_in = http.post(
            "/v1/session", json={"username": WORKER, "password": PASSWORDS[WORKER]}, headers=headers
        )
        signed_in.raise_for_status()
        headers[HEADER_SESSION] = signed_in.json()["session_token"]
    return headers


def _body(pool: list[Assessment], start: int, count: int, pending: int) -> bytes:
    """One gzip-compressed push of `count` new assessments (fresh ids; answers from the pool)."""
    changes = []
    for i in range(start, start + count):
        record = pool[i % len(pool)].model_copy(update={"id": uuid.uuid4()})
        changes.append(
            Change(
                change_id=uuid.uuid4(),
                record_type=record.record_type,
                record_id=record.id,
                revision=1,
                base_revision=0,
                record=record.model_dump(mode="json"),
            )
        )
    raw = PushRequest(changes=changes, pending_count=pending).model_dump_json().encode()
    return gzip.compress(raw, compresslevel=6)


async def _push_all(
    base_url: str, headers: dict[str, str], bodies: list[bytes], latencies: list[float]
) -> int:
    """Push `bodies` one after another on one connection; return how many changes were applied."""
    send_headers = {**headers, "Content-Type": "application/json", "Content-Encoding": "gzip"}
    applied = 0
    async with httpx.AsyncClient(base_url=base_url, timeout=HTTP_TIMEOUT_S) as client:
        for body in bodies:
            started = time.perf_counter()
            response = await client.post("/v1/push", content=body, headers=send_headers)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"push refused: HTTP {response.status_code} {response.text[:300]}")
            receipts = PushResponse.model_validate_json(response.content).receipts
            applied += sum(1 for r in receipts if r.status is ReceiptStatus.APPLIED)
    return applied


async def _run(base_url: str, work: list[tuple[dict[str, str], list[bytes]]]) -> tuple[int, list[float]]:
    latencies: list[float] = []
    applied = await asyncio.gather(*(_push_all(base_url, h, bodies, latencies) for h, bodies in work))
    return sum(applied), latencies


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process `pid` so far, from /proc (None where there is no /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered)) - 1))]


def measure_ingest(
    server: ServerProcess, pool: list[Assessment], stations: int, batches: int, batch_size: int
) -> IngestResult:
    """Enrol `stations` workstations, warm each up, then time them all pushing their batches at once."""
    headers = [_station_headers(server, f"Bench PC {n + 1}") for n in range(stations)]
    warm = [(h, [_body(pool, n * 7, WARM_UP_RECORDS, 0)]) for n, h in enumerate(headers)]
    warmed, _ = asyncio.run(_run(server.base_url, warm))
    if warmed != stations * WARM_UP_RECORDS:
        raise RuntimeError(f"warm-up pushes applied {warmed} changes, expected {stations * WARM_UP_RECORDS}")
    work = []
    for n, h in enumerate(headers):
        bodies = [
            _body(pool, (n * batches + b) * batch_size, batch_size, (batches - b - 1) * batch_size)
            for b in range(batches)
        ]
        work.append((h, bodies))
    body_bytes = sum(len(body) for _, bodies in work for body in bodies)
    server_cpu = process_cpu_seconds(server.process.pid)
    client_cpu = time.process_time()
    started = time.perf_counter()
    applied, latencies = asyncio.run(_run(server.base_url, work))
    seconds = time.perf_counter() - started
    client_cpu = time.process_time() - client_cpu
    server_cpu_after = process_cpu_seconds(server.process.pid)
    if server_cpu is not None and server_cpu_after is not None:
        server_cpu = server_cpu_after - server_cpu
    expected = stations * batches * batch_size
    if applied != expected:
        raise RuntimeError(f"the server applied {applied} of {expected} pushed assessments")
    stored = server.count("SELECT count(*) FROM records WHERE record_type = 'assessment'") - warmed
    return IngestResult(
        stations=stations,
        assessments=applied,
        seconds=seconds,
        request_p50_s=_percentile(latencies, 50),
        request_p95_s=_percentile(latencies, 95),
        stored=stored,
        body_bytes=body_bytes,
        server_cpu_s=server_cpu,
        client_cpu_s=client_cpu,
    )
