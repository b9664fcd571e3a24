"""The HTTP edge over real HTTP: version gate, bounded and gzip bodies, error bodies, access log."""

from __future__ import annotations

import gzip
import json
import logging
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cars_protocol.sync import ErrorBody
from cars_server.storage.tables import RecordRow, UserRow
from tests.factories import person
from tests.server.helpers import (
    PASSWORDS,
    WORKER,
    RunningServer,
    Station,
    api_headers,
    enrol,
    push_body,
    running_server,
    sign_in,
)


@pytest.fixture
def signed_in(live_server: RunningServer) -> tuple[Station, dict[str, str]]:
    station = enrol(live_server, live_server.enrolment_code())
    return station, api_headers(station, sign_in(live_server, station, WORKER))


def _records(server: RunningServer) -> int:
    with Session(server.engine) as session:
        return session.scalar(select(func.count()).select_from(RecordRow)) or 0


def _error(response: httpx.Response) -> ErrorBody:
    assert response.headers["content-type"].startswith("application/json")
    return ErrorBody.model_validate_json(response.content)


def test_an_old_client_is_told_which_version_to_install(
    live_server: RunningServer, signed_in: tuple[Station, dict[str, str]]
) -> None:
    station, headers = signed_in
    old = headers | api_headers(station, client_version="0.0.9")

    response = httpx.post(f"{live_server.base_url}/v1/push", json=push_body(person()), headers=old)

    assert response.status_code == 426
    assert response.headers["X-Cars-Minimum-Client-Version"] == "0.1.0"
    error = _error(response)
    assert error.error == "client_too_old"
    assert error.message == (
        "This CARS Desktop (0.0.9) is too old for the server, which needs 0.1.0 or later: run "
        "CARS-Desktop-Setup-0.1.0.exe (Windows) or install cars-desktop-0.1.0-linux-x86_64.tar.gz "
        "(Linux) from your IT service. Your data and unsent changes are kept."
    )
    assert _records(live_server) == 0


def test_every_api_reply_names_the_minimum_client_version(
    live_server: RunningServer, signed_in: tuple[Station, dict[str, str]]
) -> None:
    """An operator (or a workstation) sees the minimum before the server starts refusing anyone."""
    _station, headers = signed_in
    accepted = httpx.post(f"{live_server.base_url}/v1/push", json=push_body(), headers=headers)
    assert accepted.status_code == 200
    assert accepted.headers["X-Cars-Minimum-Client-Version"] == "0.1.0"
    health = httpx.get(f"{live_server.base_url}/health")
    assert "X-Cars-Minimum-Client-Version" not in health.headers  # outside the API: the health check


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        pytest.param({"X-Cars-Protocol": "2", "X-Cars-Client-Version": "0.1.0"}, "unsupported_protocol"),
        pytest.param({"X-Cars-Client-Version": "0.1.0"}, "unsupported_protocol", id="no-protocol"),
        pytest.param({"X-Cars-Protocol": "1"}, "invalid_request", id="no-client-version"),
        pytest.param({"X-Cars-Protocol": "1", "X-Cars-Client-Version": "new"}, "invalid_request"),
    ],
)
def test_wrong_protocol_or_version_headers_are_refused(
    live_server: RunningServer, headers: dict[str, str], code: str
) -> None:
    response = httpx.post(f"{live_server.base_url}/v1/enrol", json={}, headers=headers)

    assert response.status_code == 400
    assert _error(response).error == code


def test_a_newer_client_with_a_local_suffix_passes_the_gate(live_server: RunningServer) -> None:
    headers = api_headers(client_version="0.2.0+dev.3")

    response = httpx.post(f"{live_server.base_url}/v1/enrol", json={}, headers=headers)

    assert response.status_code == 422  # past the gate, refused for its empty body


def test_a_gzip_push_is_accepted_and_a_gzip_answer_returned(
    live_server: RunningServer, signed_in: tuple[Station, dict[str, str]]
) -> None:
    _station, headers = signed_in
    records = [person(family_name=f"Quillfeather{i}") for i in range(20)]
    payload = gzip.compress(json.dumps(push_body(*records)).encode())

    response = httpx.post(
        f"{live_server.base_url}/v1/push",
        content=payload,
        headers=headers | {"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    pulled = httpx.get(f"{live_server.base_url}/v1/pull", headers=headers | {"Accept-Encoding": "gzip"})

    assert response.status_code == 200, response.text
    assert len(response.json()["receipts"]) == 20
    assert pulled.headers.get("content-encoding") == "gzip"
    assert len(pulled.json()["items"]) == 20


def test_an_oversized_body_is_refused_and_nothing_stored(tmp_path: Path) -> None:
    with running_server(tmp_path / "small", max_body_bytes=4096) as server:
        station = enrol(server, server.enrolment_code())
        headers = api_headers(station, sign_in(server, station, WORKER))
        body = json.dumps(push_body(*(person(family_name=f"Quillfeather{i}") for i in range(30))))
        assert len(body) > 4096

        plain = httpx.post(
            f"{server.base_url}/v1/push",
            content=body.encode(),
            headers=headers | {"Content-Type": "application/json"},
        )
        compressed = gzip.compress(body.encode())
        assert len(compressed) < 4096  # small on the wire, too large once decompressed
        bomb = httpx.post(
            f"{server.base_url}/v1/push",
            content=compressed,
            headers=headers | {"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )

        for response in (plain, bomb):
            assert response.status_code == 413
            assert _error(response).error == "payload_too_large"
        assert _records(server) == 0


def test_a_gzip_bomb_is_refused_without_inflating_it(
    live_server: RunningServer, signed_in: tuple[Station, dict[str, str]]
) -> None:
    _station, headers = signed_in
    bomb = gzip.compress(b"[" + b" " * (64 * 1024 * 1024) + b"]", compresslevel=9)
    assert len(bomb) < 100 * 1024

    response = httpx.post(
        f"{live_server.base_url}/v1/push",
        content=bomb,
        headers=headers | {"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )

    assert response.status_code == 413
    assert _error(response).error == "payload_too_large"


@pytest.mark.parametrize(
    ("content", "encoding", "status"),
    [
        pytest.param(b"{not json", None, 400, id="malformed-json"),
        pytest.param(b"not gzip at all", "gzip", 400, id="broken-gzip"),
        pytest.param(b"{}", "br", 415, id="unsupported-encoding"),
        pytest.param(b'{"changes": "many"}', None, 422, id="wrong-type"),
        pytest.param(b'{"changes": [], "extra": 1}', None, 422, id="unknown-field"),
    ],
)
def test_bad_bodies_get_an_error_body(
    live_server: RunningServer,
    signed_in: tuple[Station, dict[str, str]],
    content: bytes,
    encoding: str | None,
    status: int,
) -> None:
    _station, headers = signed_in
    extra = {"Content-Type": "application/json"} | ({"Content-Encoding": encoding} if encoding else {})

    response = httpx.post(f"{live_server.base_url}/v1/push", content=content, headers=headers | extra)

    assert response.status_code == status
    assert _error(response).error == "invalid_request"


def test_validation_problems_name_the_field_but_never_echo_the_value(
    live_server: RunningServer, signed_in: tuple[Station, dict[str, str]]
) -> None:
    _station, headers = signed_in
    body = push_body(person())
    body["changes"][0]["revision"] = "Zephyrine-secret"

    response = httpx.post(f"{live_server.base_url}/v1/push", json=body, headers=headers)

    assert response.status_code == 422
    error = _error(response)
    assert [p.location for p in error.problems] == ["body.changes.0.revision"]
    assert "Zephyrine" not in response.text


def test_unknown_routes_and_methods_get_an_error_body(live_server: RunningServer) -> None:
    missing = httpx.get(f"{live_server.base_url}/v1/nothing-here", headers=api_headers())
    outside = httpx.get(f"{live_server.base_url}/favicon.ico")
    method = httpx.delete(f"{live_server.base_url}/v1/push", headers=api_headers())

    assert (missing.status_code, _error(missing).error) == (404, "not_found")
    assert (outside.status_code, _error(outside).error) == (404, "not_found")
    assert (method.status_code, _error(method).error) == (405, "invalid_request")


def test_pull_limits_are_checked(
    live_server: RunningServer, signed_in: tuple[Station, dict[str, str]]
) -> None:
    _station, headers = signed_in
    for query in ("limit=0", "limit=1001", "cursor=-1", "cursor=abc"):
        response = httpx.get(f"{live_server.base_url}/v1/pull?{query}", headers=headers)
        assert response.status_code == 422, query
        assert _error(response).error == "invalid_request"


def test_openapi_document_is_served(live_server: RunningServer) -> None:
    response = httpx.get(f"{live_server.base_url}/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/v1/enrol", "/v1/session", "/v1/push", "/v1/pull", "/v1/conflicts/{conflict_id}/resolve"):
        assert path in paths


def test_access_log_is_one_json_line_without_personal_data(
    live_server: RunningServer,
    signed_in: tuple[Station, dict[str, str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    station, headers = signed_in
    record = person(family_name="Zephyrine")
    caplog.set_level(logging.INFO, logger="cars_server.access")

    httpx.post(f"{live_server.base_url}/v1/push", json=push_body(record), headers=headers)
    httpx.get(f"{live_server.base_url}/v1/pull?cursor=0&limit=7", headers=headers)

    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "cars_server.access"]
    push_line = next(line for line in lines if line["route"] == "/v1/push")
    pull_line = next(line for line in lines if line["route"] == "/v1/pull")
    assert push_line["status"] == 200 and push_line["method"] == "POST"
    assert push_line["workstation_id"] == str(station.workstation_id)
    assert push_line["username"] == WORKER
    assert push_line["bytes_in"] > 0 and pull_line["bytes_out"] > 0
    assert isinstance(pull_line["duration_ms"], float)
    # Only what the server logs counts: the test's own HTTP client logs its request lines (with the
    # query) when an earlier test in the session has turned INFO on for every logger.
    logged = "\n".join(
        r.getMessage() for r in caplog.records if r.name.startswith(("cars_server", "uvicorn"))
    )
    assert "Zephyrine" not in logged and "limit=7" not in logged and str(record.id) not in logged


def test_an_unexpected_failure_is_a_500_error_body_and_a_logged_traceback(
    live_server: RunningServer,
    signed_in: tuple[Station, dict[str, str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    station, _headers = signed_in
    with Session(live_server.engine) as session, session.begin():
        # Damage a row behind the server's back, so reading it fails in a way no check expects.
        session.execute(update(UserRow).where(UserRow.username == WORKER).values(roles="{not json"))

    response = httpx.post(
        f"{live_server.base_url}/v1/session",
        json={"username": WORKER, "password": PASSWORDS[WORKER]},
        headers=api_headers(station),
    )

    assert response.status_code == 500
    error = _error(response)
    assert error.error == "unavailable" and "try again" in error.message
    assert "Traceback" not in response.text and "JSON" not in response.text
    assert any(r.name == "cars_server.errors" and r.exc_info for r in caplog.records)
