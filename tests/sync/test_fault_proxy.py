"""The fault proxy against a tiny real server over loopback: it forwards exactly, and every fault
really fires where it says (counted by the proxy, seen by the client and, for uploads, by the server).

Timings are printed and only checked against generous lower bounds derived from bytes and rates.
"""

from __future__ import annotations

import hashlib
import logging
import random
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import StreamingResponse
from starlette.requests import ClientDisconnect

from tests.server.live_server import serve_in_thread
from tests.sync.fault_proxy import BodyFault, FaultProxy, Faults, ResetBeforeRequest, _Framer, kbit_per_s

CLIENT_TIMEOUT = httpx.Timeout(10.0)


def payload(size: int, seed: int = 7) -> bytes:
    """Deterministic bytes, so server and test can both compute what a body should be."""
    return random.Random(seed).randbytes(size)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Upload:
    """What the test server saw of one uploaded body."""

    complete: bool
    length: int
    sha256: str


class UploadLog:
    """Uploads seen by the server, filled in its thread and read by the test."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Upload] = []

    def add(self, upload: Upload) -> None:
        with self._lock:
            self._items.append(upload)

    def items(self) -> list[Upload]:
        with self._lock:
            return list(self._items)

    def wait_for_count(self, count: int, timeout_s: float = 5.0) -> list[Upload]:
        """Wait for the server to finish with `count` uploads (it notices a cut asynchronously)."""
        deadline = time.monotonic() + timeout_s
        while len(items := self.items()) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the test server saw {len(items)} uploads, expected {count}")
            time.sleep(0.005)
        return items


def make_app(log: UploadLog) -> FastAPI:
    """Upload (hash what arrives), download (fixed length or chunked) and echo."""
    app = FastAPI()

    @app.post("/upload")
    async def upload(request: Request) -> Response:
        digest = hashlib.sha256()
        length = 0
        try:
            async for part in request.stream():
                digest.update(part)
                length += len(part)
        except ClientDisconnect:
            log.add(Upload(False, length, digest.hexdigest()))
            return Response(status_code=400)
        log.add(Upload(True, length, digest.hexdigest()))
        return Response(content=f"{length} {digest.hexdigest()}", media_type="text/plain")

    @app.api_route("/download/{size}", methods=["GET", "HEAD"])
    async def download(size: int) -> Response:
        return Response(content=payload(size), media_type="application/octet-stream")

    @app.get("/chunked/{size}")
    async def chunked(size: int) -> StreamingResponse:
        body = payload(size)

        async def parts() -> AsyncIterator[bytes]:
            for start in range(0, len(body), 8192):
                yield body[start : start + 8192]

        return StreamingResponse(parts(), media_type="application/octet-stream")

    @app.post("/echo")
    async def echo(request: Request) -> Response:
        return Response(content=await request.body(), media_type="application/octet-stream")

    return app


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, UploadLog]]:
    log = UploadLog()
    with serve_in_thread(make_app(log)) as base_url:
        yield base_url, log


@pytest.fixture
def proxy(server: tuple[str, UploadLog]) -> Iterator[FaultProxy]:
    with FaultProxy.for_url(server[0], rng=random.Random(20240611)) as running:
        yield running


@pytest.fixture
def log(server: tuple[str, UploadLog]) -> UploadLog:
    return server[1]


@pytest.fixture
def client(proxy: FaultProxy) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=proxy.url, timeout=CLIENT_TIMEOUT) as http:
        yield http


def chunks_of(data: bytes, size: int = 10_000) -> Iterator[bytes]:
    """An iterator body, which httpx sends with `Transfer-Encoding: chunked`."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.fixture(autouse=True)
def _no_asyncio_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """The proxy must end every connection quietly, whatever fault ended it."""
    yield
    errors = [r for r in caplog.records if r.name == "asyncio" and r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


# --- pass-through --------------------------------------------------------------------------------


def test_large_bodies_pass_through_byte_exact_on_one_keep_alive_connection(
    proxy: FaultProxy, client: httpx.Client, log: UploadLog
) -> None:
    up = payload(3_000_000, seed=1)
    echoed = client.post("/echo", content=up)
    assert echoed.status_code == 200 and sha(echoed.content) == sha(up)

    downloaded = client.get("/download/2000000")
    assert sha(downloaded.content) == sha(payload(2_000_000))

    streamed = client.get("/chunked/1000000")
    assert streamed.headers.get("transfer-encoding") == "chunked"
    assert sha(streamed.content) == sha(payload(1_000_000))

    before = len(log.items())
    body = payload(250_000, seed=2)
    uploaded = client.post("/upload", content=chunks_of(body))
    assert uploaded.text == f"{len(body)} {sha(body)}"
    assert log.items()[before:] == [Upload(True, len(body), sha(body))]

    counts = proxy.counters.snapshot()
    assert counts.connections == 1 and counts.requests == 4 and counts.responses == 4
    assert counts.bytes_to_server > 3_250_000 and counts.bytes_to_client > 6_000_000
    assert counts.request_body_cuts == counts.response_body_cuts == counts.resets == counts.stalls == 0


def test_keep_alive_carries_several_requests_and_a_head_response_without_body(
    proxy: FaultProxy, client: httpx.Client
) -> None:
    for size in (0, 1, 10, 100_000, 5):
        assert client.get(f"/download/{size}").content == payload(size)
    assert client.head("/download/50000").headers["content-length"] == "50000"
    assert client.post("/echo", content=b"after the HEAD").content == b"after the HEAD"
    counts = proxy.counters.snapshot()
    assert (counts.connections, counts.requests, counts.responses) == (1, 7, 7)


# --- body cuts -----------------------------------------------------------------------------------


def test_request_cut_mid_body_only_for_the_next_large_enough_body(
    proxy: FaultProxy, client: httpx.Client, log: UploadLog
) -> None:
    proxy.set_faults(Faults(request_body=BodyFault(min_body_bytes=100_000)))
    small = payload(50_000, seed=3)
    assert client.post("/upload", content=small).text == f"{len(small)} {sha(small)}"
    assert proxy.counters.request_body_cuts == 0

    before = len(log.items())
    large = payload(400_000, seed=4)
    with pytest.raises(httpx.TransportError):
        client.post("/upload", content=large)
    assert proxy.counters.request_body_cuts == 1
    seen = log.wait_for_count(before + 1)[before]
    assert not seen.complete and seen.length < len(large)

    # One shot: the same upload now goes through, on a new connection.
    assert client.post("/upload", content=large).text == f"{len(large)} {sha(large)}"
    counts = proxy.counters.snapshot()
    assert counts.request_body_cuts == 1 and counts.connections == 2


def test_seeded_random_cuts_land_at_different_points_inside_each_body(
    proxy: FaultProxy, log: UploadLog
) -> None:
    proxy.set_faults(Faults(request_body=BodyFault(min_body_bytes=10_000, shots=None)))
    body = payload(200_000, seed=5)
    before = len(log.items())
    for _ in range(4):
        with (
            httpx.Client(base_url=proxy.url, timeout=CLIENT_TIMEOUT) as fresh,
            pytest.raises(httpx.TransportError),
        ):
            fresh.post("/upload", content=body)
    seen = log.wait_for_count(before + 4)[before:]
    assert proxy.counters.request_body_cuts == 4
    assert all(not upload.complete and upload.length < len(body) for upload in seen)
    print("server saw", [upload.length for upload in seen], "of", len(body))


def test_chunked_request_cut_at_a_byte_offset(
    proxy: FaultProxy, client: httpx.Client, log: UploadLog
) -> None:
    proxy.set_faults(Faults(request_body=BodyFault(at_byte=25_000)))
    before = len(log.items())
    with pytest.raises(httpx.TransportError):
        client.post("/upload", content=chunks_of(payload(100_000, seed=6)))
    assert proxy.counters.request_body_cuts == 1
    seen = log.wait_for_count(before + 1)[before]
    assert not seen.complete and seen.length < 25_000


def test_chunked_body_shorter_than_the_cut_point_passes_and_keeps_the_shot(
    proxy: FaultProxy, client: httpx.Client
) -> None:
    proxy.set_faults(Faults(request_body=BodyFault(at_byte=50_000)))
    short = payload(20_000, seed=8)
    assert client.post("/upload", content=chunks_of(short)).text == f"{len(short)} {sha(short)}"
    assert proxy.counters.request_body_cuts == 0
    with pytest.raises(httpx.TransportError):
        client.post("/upload", content=chunks_of(payload(80_000, seed=9)))
    assert proxy.counters.request_body_cuts == 1


@pytest.mark.parametrize("path", ["/download/500000", "/chunked/500000"])
def test_response_cut_mid_body(proxy: FaultProxy, client: httpx.Client, path: str) -> None:
    proxy.set_faults(Faults(response_body=BodyFault(min_body_bytes=1000)))
    parts: list[bytes] = []
    with pytest.raises(httpx.RemoteProtocolError):
        stream_into(client, path, parts)
    received = sum(map(len, parts))
    print(f"{path}: client got {received} of 500000 body bytes")
    assert received < 500_000
    counts = proxy.counters.snapshot()
    assert counts.response_body_cuts == 1 and counts.resets == 0


def stream_into(client: httpx.Client, path: str, parts: list[bytes]) -> None:
    """GET `path`, keeping every body part that arrives before any error."""
    with client.stream("GET", path) as response:
        assert response.status_code == 200
        parts.extend(response.iter_bytes())


def caused_by_reset(error: BaseException) -> bool:
    """Whether ECONNRESET is somewhere in the exception's cause chain."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ConnectionResetError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def test_path_prefix_picks_which_exchange_is_cut(proxy: FaultProxy, client: httpx.Client) -> None:
    proxy.set_faults(
        Faults(
            response_body=BodyFault(path_prefix="/chunked/", shots=None),
            reset_before_request=ResetBeforeRequest(path_prefix="/upload", shots=None),
        )
    )
    assert client.get("/download/100000").content == payload(100_000)
    assert client.post("/echo", content=b"x" * 50_000).content == b"x" * 50_000
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/chunked/100000")
    with pytest.raises(httpx.ReadError):
        client.post("/upload", content=b"refused")
    counts = proxy.counters.snapshot()
    assert (counts.response_body_cuts, counts.resets, counts.requests) == (1, 1, 4)


def test_reset_mid_response_is_a_connection_reset(proxy: FaultProxy, client: httpx.Client) -> None:
    proxy.set_faults(Faults(response_body=BodyFault(action="reset", at_fraction=0.5)))
    with pytest.raises(httpx.ReadError) as raised:
        client.get("/download/300000")
    assert caused_by_reset(raised.value)
    counts = proxy.counters.snapshot()
    assert counts.response_body_cuts == 1 and counts.resets == 1


def test_reset_before_the_request_reaches_the_server(
    proxy: FaultProxy, client: httpx.Client, log: UploadLog
) -> None:
    proxy.set_faults(Faults(reset_before_request=ResetBeforeRequest()))
    before = len(log.items())
    with pytest.raises(httpx.ReadError) as raised:
        client.post("/upload", content=b"never arrives")
    assert caused_by_reset(raised.value)
    counts = proxy.counters.snapshot()
    assert counts.resets == 1 and counts.bytes_to_server == 0
    # The next upload goes through; the server never saw the reset one.
    assert client.post("/upload", content=b"arrives").status_code == 200
    assert [upload.length for upload in log.wait_for_count(before + 1)[before:]] == [len(b"arrives")]


def test_probability_draws_from_the_seeded_generator(server: tuple[str, UploadLog]) -> None:
    """The same seed fires the same faults: randomized sync tests can be replayed."""
    outcomes: list[list[bool]] = []
    for _ in range(2):
        fault = Faults(reset_before_request=ResetBeforeRequest(probability=0.5, shots=None))
        with FaultProxy.for_url(server[0], faults=fault, rng=random.Random(99)) as proxy:
            fired: list[bool] = []
            for _ in range(8):
                with httpx.Client(base_url=proxy.url, timeout=CLIENT_TIMEOUT) as fresh:
                    try:
                        fresh.get("/download/10")
                        fired.append(False)
                    except httpx.TransportError:
                        fired.append(True)
            assert proxy.counters.resets == sum(fired)
        outcomes.append(fired)
    assert outcomes[0] == outcomes[1] and 0 < sum(outcomes[0]) < 8


# --- stalls --------------------------------------------------------------------------------------


def test_stall_mid_response_trips_the_client_read_timeout(proxy: FaultProxy) -> None:
    proxy.set_faults(Faults(response_body=BodyFault(action="stall", stall_s=3.0)))
    impatient = httpx.Client(base_url=proxy.url, timeout=httpx.Timeout(10.0, read=0.3))
    with impatient, pytest.raises(httpx.ReadTimeout):
        impatient.get("/download/200000")
    # On a loaded machine the timeout may fire before the stall starts; the stall still comes.
    counts = proxy.wait_for(lambda c: c.stalls == 1)
    assert counts.response_body_cuts == 0


def test_stall_then_continue_delivers_the_whole_body(proxy: FaultProxy, client: httpx.Client) -> None:
    proxy.set_faults(Faults(response_body=BodyFault(action="stall", stall_s=0.4)))
    started = time.monotonic()
    body = client.get("/download/200000").content
    elapsed = time.monotonic() - started
    print(f"stall 0.4 s then continue: {elapsed:.3f} s")
    assert sha(body) == sha(payload(200_000))
    assert proxy.counters.stalls == 1 and elapsed >= 0.2


def test_stall_then_drop_mid_request(proxy: FaultProxy, client: httpx.Client, log: UploadLog) -> None:
    proxy.set_faults(Faults(request_body=BodyFault(action="stall_then_drop", stall_s=0.2)))
    before = len(log.items())
    with pytest.raises(httpx.TransportError):
        client.post("/upload", content=payload(100_000))
    counts = proxy.counters.snapshot()
    assert counts.stalls == 1 and counts.request_body_cuts == 1
    assert not log.wait_for_count(before + 1)[before].complete


# --- link shaping --------------------------------------------------------------------------------


def test_bandwidth_cap_slows_a_download_to_about_the_rate(proxy: FaultProxy, client: httpx.Client) -> None:
    rate = kbit_per_s(256)
    size = 16_000
    proxy.set_faults(Faults(bandwidth_bytes_per_s=rate))
    started = time.monotonic()
    body = client.get(f"/download/{size}").content
    elapsed = time.monotonic() - started
    ideal = size / rate
    print(f"{size} B at 256 kbit/s: {elapsed:.3f} s (ideal {ideal:.3f} s)")
    assert body == payload(size)
    assert elapsed >= 0.5 * ideal


def test_delay_costs_a_round_trip_per_request(proxy: FaultProxy, client: httpx.Client) -> None:
    proxy.set_faults(Faults(delay_s=0.1))
    started = time.monotonic()
    for _ in range(3):
        assert client.get("/download/1000").content == payload(1000)
    elapsed = time.monotonic() - started
    ideal = 3 * 2 * 0.1
    print(f"3 requests at 100 ms each way: {elapsed:.3f} s (ideal {ideal:.3f} s)")
    assert elapsed >= 0.5 * ideal


def test_loss_holds_segments_back_in_order(proxy: FaultProxy, client: httpx.Client) -> None:
    proxy.set_faults(Faults(loss_probability=0.5, retransmission_timeout_s=0.2))
    size = 30_000
    started = time.monotonic()
    body = client.get(f"/download/{size}").content
    elapsed = time.monotonic() - started
    held = proxy.counters.held_back_chunks
    print(f"{size} B with 50% loss, 200 ms RTO: {elapsed:.3f} s, {held} segments held back")
    assert sha(body) == sha(payload(size))  # order preserved despite hold-backs
    assert held >= 1 and elapsed >= 0.5 * 0.2


def test_poor_link_preset_and_validation() -> None:
    link = Faults.poor_link(rtt_s=0.3, kbit_per_s=256, loss=0.02)
    assert (link.delay_s, link.bandwidth_bytes_per_s, link.loss_probability) == (0.15, 32_000.0, 0.02)
    assert not Faults().shapes_traffic
    with pytest.raises(ValueError, match="loss_probability"):
        Faults(loss_probability=1.5)
    with pytest.raises(ValueError, match="at_fraction"):
        BodyFault(at_fraction=1.0)
    with pytest.raises(ValueError, match="stall_s"):
        BodyFault(action="stall")
    with pytest.raises(ValueError, match="http://host:port"):
        FaultProxy.for_url("https://example.invalid")


def test_unreachable_server_is_counted_and_the_client_gets_an_error() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound but never listening: connections are refused
        with FaultProxy(("127.0.0.1", port)) as proxy, httpx.Client(base_url=proxy.url) as http:
            with pytest.raises(httpx.TransportError):
                http.get("/")
            assert proxy.counters.upstream_connect_failures == 1


def test_framer_follows_pipelined_messages_fed_one_byte_at_a_time() -> None:
    """Heads, Content-Length and chunked bodies on one connection, split at every possible point."""
    requests = (
        b"POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
        b"GET /b HTTP/1.1\r\n\r\n"
        b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n0\r\nT: 1\r\n\r\n"
        b"HEAD /d HTTP/1.1\r\n\r\n"
    )
    responses = (
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        b"HTTP/1.1 204 No Content\r\n\r\n"
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"
        b"HTTP/1.1 200 OK\r\n\r\nuntil close"
    )
    methods: deque[tuple[str, str]] = deque()
    for direction, stream, bodies in (
        ("request", requests, [b"hello", b"3;x=1\r\nabc\r\n0\r\nT: 1\r\n\r\n"]),
        ("response", responses, [b"ok", b"1\r\nz\r\n0\r\n\r\n", b"until close"]),
    ):
        framer = _Framer(direction, methods)  # type: ignore[arg-type]
        pieces = [piece for i in range(len(stream)) for piece in framer.feed(stream[i : i + 1])]
        assert b"".join(piece.data for piece in pieces) == stream
        assert not any(piece.kind == "opaque" for piece in pieces)
        found: dict[int, bytes] = {}
        for piece in pieces:
            if piece.kind == "body" and piece.message is not None:
                found[id(piece.message)] = found.get(id(piece.message), b"") + piece.data
        assert list(found.values()) == bodies
        ended = [piece.ends_body for piece in pieces if piece.kind == "body"]
        assert ended.count(True) == 2  # the until-close body never ends
    heads = [piece.message for piece in pieces if piece.kind == "head" and piece.message is not None]
    assert [message.target for message in heads] == ["/a", "/b", "", "/c", "/d", ""]
