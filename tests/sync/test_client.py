"""The sync client's own behaviour over httpx.MockTransport: headers, gzip, and error mapping.

End-to-end behaviour against the real server is in test_end_to_end.py; these tests pin what the
client puts on the wire and how it turns every failure into one typed, one-line error.
"""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from cars_desktop.sync.client import SyncClient, check_server_url
from cars_desktop.sync.errors import (
    ClientTooOld,
    DeviceRevoked,
    InsecureServer,
    ServerRefused,
    ServerUnreachable,
    SessionRejected,
)
from cars_protocol import PROTOCOL_VERSION
from cars_protocol.sync import Change, ErrorBody, ErrorCode, PushRequest, SessionRequest

SERVER = "http://127.0.0.1:9"


def _client(handler: Callable[[httpx.Request], httpx.Response], **kw: str) -> SyncClient:
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return SyncClient(
        http,
        SERVER,
        "9.9.9",
        device_credential=kw.get("credential", "cred-secret"),
        session_token=kw.get("session"),
    )


def _refuse(status: int, code: ErrorCode, message: str) -> Callable[[httpx.Request], httpx.Response]:
    body = ErrorBody(error=code, message=message).model_dump_json()
    return lambda request: httpx.Response(status, content=body, headers={"Content-Type": "application/json"})


def _push_request(n: int) -> PushRequest:
    changes = [
        Change(
            change_id=uuid.uuid4(),
            record_type="person",
            record_id=uuid.uuid4(),
            revision=1,
            base_revision=0,
            record={"family_name": "Quillfeather", "notes": "x" * 200},
        )
        for _ in range(n)
    ]
    return PushRequest(changes=changes, pending_count=n)


def test_push_carries_versions_credential_session_and_a_gzip_body() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"receipts": []})

    client = _client(handler, session="sess-token")
    client.push(_push_request(5))
    request = seen[0]
    assert request.url.path == "/v1/push"
    assert request.headers["X-Cars-Protocol"] == str(PROTOCOL_VERSION)
    assert request.headers["X-Cars-Client-Version"] == "9.9.9"
    assert request.headers["Authorization"] == "Device cred-secret"
    assert request.headers["X-Cars-Session"] == "sess-token"
    assert request.headers["Content-Encoding"] == "gzip"
    body = json.loads(gzip.decompress(request.content))
    assert len(body["changes"]) == 5 and body["pending_count"] == 5


def test_session_request_sends_the_password_only_in_the_body() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            json={
                "session_token": "tok-1",
                "expires_at": datetime(2030, 1, 1, tzinfo=UTC).isoformat(),
                "user": {
                    "username": "sam.worker",
                    "display_name": "Sam",
                    "roles": ["worker"],
                    "sites": ["OLDBURY"],
                },
            },
        )

    client = _client(handler)
    response = client.open_session(SessionRequest(username="sam.worker", password="pw-secret-1"))
    assert response.user.username == "sam.worker"
    assert "X-Cars-Session" not in seen[0].headers
    assert json.loads(seen[0].content)["password"] == "pw-secret-1"
    assert "pw-secret-1" not in str(seen[0].url)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (ErrorCode.CLIENT_TOO_OLD, ClientTooOld),
        (ErrorCode.DEVICE_REVOKED, DeviceRevoked),
        (ErrorCode.SESSION_EXPIRED, SessionRejected),
        (ErrorCode.NOT_PERMITTED, ServerRefused),
    ],
)
def test_refusals_become_typed_errors_with_the_servers_message(
    code: ErrorCode, kind: type[ServerRefused]
) -> None:
    client = _client(_refuse(403, code, "Because of a clear reason."), session="s")
    with pytest.raises(kind) as caught:
        client.pull(0, 10)
    assert caught.value.code is code
    assert "Because of a clear reason" in caught.value.message
    assert "\n" not in caught.value.message


def test_transport_failures_5xx_and_garbage_are_unreachable() -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    for handler in (
        broken,
        timeout,
        lambda r: httpx.Response(502, text="<html>bad gateway</html>"),
        _refuse(503, ErrorCode.UNAVAILABLE, "database down"),
        lambda r: httpx.Response(200, text="not json"),
    ):
        with pytest.raises(ServerUnreachable) as caught:
            _client(handler, session="s").pull(0, 10)
        assert "cred-secret" not in caught.value.message and "<html>" not in caught.value.message


def test_a_4xx_without_an_error_body_is_still_one_clear_refusal() -> None:
    with pytest.raises(ServerRefused, match="HTTP 404"):
        _client(lambda r: httpx.Response(404, text="nope"), session="s").pull(0, 10)


def test_casework_without_a_session_is_refused_before_sending() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("nothing should be sent")

    with pytest.raises(SessionRejected):
        _client(handler).pull(0, 10)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8443", "http://localhost:1", "http://[::1]:5", "https://cars.example.org/"]
)
def test_https_anywhere_and_plain_http_only_to_loopback_are_accepted(url: str) -> None:
    assert not check_server_url(url).endswith("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://cars.example.org",
        "http://10.0.0.5:80",
        "ftp://x",
        "cars.example.org",
        "https://u:p@cars.example.org",
    ],
)
def test_plain_http_across_a_network_is_refused(url: str) -> None:
    with pytest.raises(InsecureServer):
        check_server_url(url)
