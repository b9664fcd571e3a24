"""A fault-injecting TCP proxy on loopback, between an HTTP/1.1 client and a real server.

Why it exists: the sync client must survive a poor custody link (latency, a thin pipe, lost
segments) and connections that die part-way through a push or a pull. Mocking the transport
would only test our idea of those failures; this proxy makes them happen on real sockets, so
httpx, uvicorn and the kernel all behave as they would in a police station.

From a test::

    from tests.sync.fault_proxy import BodyFault, FaultProxy, Faults

    with serve_in_thread(app) as base_url, FaultProxy.for_url(base_url) as proxy:
        client = httpx.Client(base_url=proxy.url)
        # "the next request whose body is at least 64 KiB: cut it after a random fraction"
        proxy.set_faults(Faults(request_body=BodyFault(min_body_bytes=65_536)))
        # "reset mid-way through the response to the next pull"
        proxy.set_faults(Faults(response_body=BodyFault(action="reset", path_prefix="/v1/pull")))
        ...
        assert proxy.counters.snapshot().request_body_cuts == 1

For randomized tests pass a seeded `random.Random` as `rng=`; every probability and every random
cut point is drawn from it (in the proxy's thread, so do not share it with the test thread).

From `bench/sync.py`::

    with FaultProxy.for_url(server_url) as proxy:
        proxy.set_faults(Faults.poor_link(rtt_s=0.3, kbit_per_s=256, loss=0.02))
        run_the_sync(base_url=proxy.url)
        print(proxy.counters.snapshot())

Model and caveats:
- The proxy runs its own asyncio loop in a daemon thread: `start()`/`stop()` or a `with` block.
- `set_faults` may be called at any time. Shaping (delay, bandwidth, loss) applies from the next
  forwarded segment; body and reset faults are considered at the next message head, on any
  connection. Each fault has `probability` and `shots` (`None` = unlimited); a new `set_faults`
  re-arms the shots.
- It parses each HTTP/1.1 message head (Content-Length, `Transfer-Encoding: chunked`, HEAD,
  1xx/204/304) so it knows where every body starts and ends on a keep-alive connection. For a
  chunked body, body offsets count the raw bytes on the wire, chunk framing included, and the cut
  point cannot be a fraction of an unknown length: it is `at_byte`, else `at_fraction` of
  `min_body_bytes`, else random below `min_body_bytes`; if the body ends first, the fault does
  not fire and keeps its shot. Anything it cannot parse (an upgrade, a malformed head) is
  forwarded untouched.
- Delay is one-way latency applied to every segment as a pipeline (a segment leaves `delay_s`
  after it arrived), so it costs a round trip per exchange without throttling throughput.
- Bandwidth is one shared link each way (all connections share the budget), paced as a token
  bucket holding one segment. The kernel's socket buffers still accept a client's upload quickly;
  the server receives it at the capped rate.
- Loss holds a segment back for `retransmission_timeout_s` and, as TCP would, everything behind
  it on that connection and direction waits too (order is preserved).
- Counters are incremented before the effect can be seen by either peer, so a test that saw an
  error may read the counter straight away. A body cut counts only when it fell strictly after
  the first and before the last byte of the body.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, fields
from types import TracebackType
from typing import Any, Literal
from urllib.parse import urlsplit

Direction = Literal["request", "response"]
BodyAction = Literal["drop", "reset", "stall", "stall_then_drop"]

READ_BYTES = 65_536
QUEUE_ITEMS = (
    256  # per direction per connection: bounds what the proxy buffers, so backpressure reaches the sender
)
MAX_HEAD_BYTES = 65_536
START_TIMEOUT_S = 5.0
STOP_TIMEOUT_S = 5.0


def kbit_per_s(kbit: float) -> float:
    """Bytes per second of a link quoted in kilobits per second (256 kbit/s is 32,000 B/s)."""
    return kbit * 1000.0 / 8.0


def _check_probability(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, not {value}")


def _check_shots(shots: int | None) -> None:
    if shots is not None and shots < 1:
        raise ValueError(f"shots must be at least 1 (or None for unlimited), not {shots}")


@dataclass(frozen=True)
class BodyFault:
    """What to do part-way through a request or response body, and to which bodies.

    `action`: "drop" closes both sides (FIN); "reset" closes both with SO_LINGER 0 (RST);
    "stall" stops forwarding for `stall_s` then carries on; "stall_then_drop" stalls then drops.
    Eligible bodies: Content-Length of at least `min_body_bytes` (and 2, so a strict middle
    exists), or any chunked body; and, with `path_prefix`, only those of requests whose target
    starts with it (a response is matched by its request's target). The cut point is `at_byte`,
    else `at_fraction` of the body (of `min_body_bytes` for chunked bodies), else uniformly
    random strictly inside the body.
    """

    action: BodyAction = "drop"
    min_body_bytes: int = 2
    at_fraction: float | None = None
    at_byte: int | None = None
    stall_s: float = 0.0
    probability: float = 1.0
    shots: int | None = 1
    path_prefix: str | None = None

    def __post_init__(self) -> None:
        _check_probability("probability", self.probability)
        _check_shots(self.shots)
        if self.min_body_bytes < 2:
            raise ValueError(
                f"min_body_bytes must be at least 2 to leave a middle to cut, not {self.min_body_bytes}"
            )
        if self.at_fraction is not None and not 0.0 < self.at_fraction < 1.0:
            raise ValueError(f"at_fraction must be strictly between 0 and 1, not {self.at_fraction}")
        if self.at_byte is not None and self.at_byte < 1:
            raise ValueError(f"at_byte must be at least 1, not {self.at_byte}")
        if self.stall_s < 0 or (self.action in ("stall", "stall_then_drop") and self.stall_s == 0):
            raise ValueError(f"a {self.action!r} fault needs a positive stall_s, not {self.stall_s}")


@dataclass(frozen=True)
class ResetBeforeRequest:
    """Reset the connection on a request (optionally only for targets starting with
    `path_prefix`) without forwarding any of it to the server.

    The proxy reads the whole request first, so the client sees ECONNRESET while waiting for
    the response (httpx.ReadError) rather than a failed write.
    """

    probability: float = 1.0
    shots: int | None = 1
    path_prefix: str | None = None

    def __post_init__(self) -> None:
        _check_probability("probability", self.probability)
        _check_shots(self.shots)


@dataclass(frozen=True)
class Faults:
    """Everything the proxy does to traffic; `Faults()` is a clean pass-through.

    Delay, bandwidth and loss apply to both directions; the body faults to one direction each.
    """

    delay_s: float = 0.0
    bandwidth_bytes_per_s: float | None = None
    loss_probability: float = 0.0
    retransmission_timeout_s: float = 1.0
    segment_bytes: int = 1460
    request_body: BodyFault | None = None
    response_body: BodyFault | None = None
    reset_before_request: ResetBeforeRequest | None = None

    def __post_init__(self) -> None:
        _check_probability("loss_probability", self.loss_probability)
        if self.delay_s < 0:
            raise ValueError(f"delay_s cannot be negative ({self.delay_s})")
        if self.bandwidth_bytes_per_s is not None and self.bandwidth_bytes_per_s <= 0:
            raise ValueError(f"bandwidth_bytes_per_s must be positive, not {self.bandwidth_bytes_per_s}")
        if self.retransmission_timeout_s < 0:
            raise ValueError(f"retransmission_timeout_s cannot be negative ({self.retransmission_timeout_s})")
        if self.segment_bytes < 1:
            raise ValueError(f"segment_bytes must be at least 1, not {self.segment_bytes}")

    @classmethod
    def poor_link(cls, rtt_s: float = 0.3, kbit_per_s: float = 256.0, loss: float = 0.02) -> Faults:
        """A slow custody link: `rtt_s` round trip, `kbit_per_s` each way, `loss` of segments."""
        return cls(delay_s=rtt_s / 2.0, bandwidth_bytes_per_s=kbit_per_s * 125.0, loss_probability=loss)

    @property
    def shapes_traffic(self) -> bool:
        """Whether data must be cut into segments (loss and bandwidth act per segment)."""
        return self.loss_probability > 0 or self.bandwidth_bytes_per_s is not None


@dataclass(frozen=True)
class CounterSnapshot:
    """A frozen copy of the proxy's counters, taken under its lock."""

    connections: int = 0  # accepted from clients
    upstream_connect_failures: int = 0  # the server refused; the client was reset
    requests: int = 0  # request heads seen, including one then reset before the server
    responses: int = 0  # response heads seen (a 100 Continue counts)
    bytes_to_server: int = 0  # handed to the server's socket, heads and framing included
    bytes_to_client: int = 0  # handed to the client's socket
    request_body_cuts: int = 0  # drop/reset strictly inside a request body
    response_body_cuts: int = 0  # drop/reset strictly inside a response body
    resets: int = 0  # connections closed with RST (before a request, or mid-body)
    stalls: int = 0  # stalls begun
    held_back_chunks: int = 0  # segments held for a retransmission timeout


COUNTER_NAMES = tuple(f.name for f in fields(CounterSnapshot))


class Counters:
    """Thread-safe counters: the proxy's thread adds, the test thread reads attributes or snapshots."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values = dict.fromkeys(COUNTER_NAMES, 0)

    def add(self, name: str, amount: int = 1) -> None:
        """Add to one counter (names are the fields of `CounterSnapshot`)."""
        with self._lock:
            self._values[name] += amount

    def snapshot(self) -> CounterSnapshot:
        """All counters at one instant."""
        with self._lock:
            return CounterSnapshot(**self._values)

    def __getattr__(self, name: str) -> int:
        # Only reached for names not found normally: the counter names.
        if name.startswith("_") or name not in COUNTER_NAMES:
            raise AttributeError(name)
        with self._lock:
            return self._values[name]

    # Typed read access for the common ones (mypy cannot see through __getattr__ for them otherwise).
    connections: int
    upstream_connect_failures: int
    requests: int
    responses: int
    bytes_to_server: int
    bytes_to_client: int
    request_body_cuts: int
    response_body_cuts: int
    resets: int
    stalls: int
    held_back_chunks: int


# --- HTTP/1.1 framing: where each body starts and ends ----------------------------------------


class _Malformed(Exception):
    """Bytes the framer cannot follow; the rest of the connection is forwarded untouched."""


@dataclass
class _CutPlan:
    """A body fault chosen for one message: act once `at` body bytes have been forwarded."""

    fault: BodyFault
    at: int
    give_back: Callable[[], None]


@dataclass
class _Message:
    """One request or response on a connection, as far as the framer has seen it."""

    direction: Direction
    target: str  # the request target (path and query); a response carries its request's
    content_length: int | None  # set only for a body framed by Content-Length
    chunked: bool
    has_body: bool
    body_seen: int = 0
    plan: _CutPlan | None = None


@dataclass(frozen=True)
class _Piece:
    """A run of bytes from one direction: a whole head, part of a body, or opaque bytes.

    `offset` is where a body piece starts within its body; `ends_body` says it holds the last byte.
    """

    kind: Literal["head", "body", "opaque"]
    data: bytes
    message: _Message | None = None
    offset: int = 0
    ends_body: bool = False


class _ChunkedBody:
    """Follows `Transfer-Encoding: chunked` framing just far enough to find the end of the body."""

    def __init__(self) -> None:
        self._state: Literal["size", "data", "crlf", "trailer"] = "size"
        self._line = bytearray()
        self._left = 0

    def advance(self, data: bytes, pos: int) -> tuple[int, bool]:
        """Consume body bytes from `data[pos:]`; return how many, and whether the body ended."""
        start = pos
        while pos < len(data):
            if self._state == "data":
                n = min(self._left, len(data) - pos)
                pos += n
                self._left -= n
                if self._left == 0:
                    self._state = "crlf"
                continue
            self._line.append(data[pos])
            pos += 1
            if len(self._line) > 8192:
                raise _Malformed("chunk line too long")
            if not self._line.endswith(b"\r\n"):
                continue
            line = bytes(self._line[:-2])
            self._line.clear()
            if self._state == "size":
                try:
                    size = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError as exc:
                    raise _Malformed("bad chunk size") from exc
                if size < 0:
                    raise _Malformed("negative chunk size")
                self._state, self._left = ("trailer", 0) if size == 0 else ("data", size)
            elif self._state == "crlf":
                if line:
                    raise _Malformed("chunk data not followed by CRLF")
                self._state = "size"
            elif not line:  # the empty line that ends the trailer section
                return pos - start, True
        return pos - start, False


class _Framer:
    """Splits one direction's byte stream into message heads and body pieces.

    The request framer records each request's method and target, so the response framer knows
    that the answer to HEAD has no body, and which path a response answers. Requests arrive at
    the proxy (and are framed) before the server can answer them, so the shared deque is always
    filled before it is read.
    """

    def __init__(self, direction: Direction, methods: deque[tuple[str, str]]) -> None:
        self._direction: Direction = direction
        self._methods = methods
        self._head = bytearray()
        self._state: Literal["head", "length", "chunked", "until_close", "opaque"] = "head"
        self._message: _Message | None = None
        self._chunked = _ChunkedBody()
        self._opaque_after_message = False

    def feed(self, data: bytes) -> list[_Piece]:
        """Frame newly read bytes; pieces come out in stream order and cover every byte."""
        try:
            return self._feed(data)
        except _Malformed:
            self._state = "opaque"
            pending = bytes(self._head)
            self._head.clear()
            return [_Piece("opaque", pending)]

    def _feed(self, data: bytes) -> list[_Piece]:
        out: list[_Piece] = []
        pos = 0
        while pos < len(data):
            if self._state == "opaque":
                out.append(_Piece("opaque", data[pos:]))
                break
            if self._state == "head":
                self._head += data[pos:]
                end = self._head.find(b"\r\n\r\n")
                if end < 0:
                    if len(self._head) > MAX_HEAD_BYTES:
                        self._state = "opaque"
                        out.append(_Piece("opaque", bytes(self._head)))
                        self._head.clear()
                    break
                head = bytes(self._head[: end + 4])
                data, pos = bytes(self._head[end + 4 :]), 0
                self._head.clear()
                out.append(_Piece("head", head, self._start_message(head)))
                continue
            message = self._message
            assert message is not None
            offset = message.body_seen
            if self._state == "length":
                assert message.content_length is not None
                n = min(message.content_length - offset, len(data) - pos)
                ended = offset + n == message.content_length
            elif self._state == "chunked":
                # On malformed framing, the bytes already framed stay framed; the rest goes opaque.
                n, ended = self._chunked.advance(data, pos)
            else:  # until_close: the body is everything until the server closes
                n, ended = len(data) - pos, False
            message.body_seen += n
            out.append(_Piece("body", data[pos : pos + n], message, offset, ended))
            pos += n
            if ended:
                self._end_message()
        return out

    def _start_message(self, head: bytes) -> _Message:
        lines = head.lstrip(b"\r\n").split(b"\r\n")
        headers: dict[str, str] = {}
        for raw in lines[1:]:
            if raw:
                name, sep, value = raw.partition(b":")
                if not sep:
                    raise _Malformed("header line without a colon")
                key = name.strip().decode("latin-1").lower()
                text = value.strip().decode("latin-1")
                headers[key] = f"{headers[key]}, {text}" if key in headers else text
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        length: int | None = None
        state: Literal["length", "chunked", "until_close", "none"]
        if not chunked and "content-length" in headers:
            try:
                length = int(headers["content-length"].split(",")[0])
            except ValueError as exc:
                raise _Malformed("bad Content-Length") from exc
        if self._direction == "request":
            words = lines[0].decode("latin-1").split(" ")
            method, target = words[0].upper(), (words[1] if len(words) > 1 else "")
            self._methods.append((method, target))
            self._opaque_after_message = method == "CONNECT"
            state = "chunked" if chunked else ("length" if length else "none")
        else:
            parts = lines[0].split(b" ", 2)
            try:
                status = int(parts[1])
            except (IndexError, ValueError) as exc:
                raise _Malformed("bad status line") from exc
            target = ""
            if 100 <= status < 200:
                self._opaque_after_message = status == 101
                state = "none"
            else:
                method, target = self._methods.popleft() if self._methods else ("GET", "")
                if method == "HEAD" or status in (204, 304):
                    state = "none"
                elif chunked:
                    state = "chunked"
                elif length is not None:
                    state = "length" if length else "none"
                else:
                    state = "until_close"
        message = _Message(
            self._direction,
            target,
            length if state == "length" else None,
            state == "chunked",
            state != "none",
        )
        self._message = message
        if state == "none":
            self._end_message()
        else:
            self._state = state
            self._chunked = _ChunkedBody()
        return message

    def _end_message(self) -> None:
        self._state = "opaque" if self._opaque_after_message else "head"


# --- shaping and forwarding -------------------------------------------------------------------


@dataclass(frozen=True)
class _Chunk:
    """Bytes to forward no earlier than `release_at` (loop time): arrival + delay (+ hold-back)."""

    data: bytes
    release_at: float


@dataclass(frozen=True)
class _Act:
    """An instruction queued in stream order behind the bytes that precede it."""

    kind: Literal["eof", "drop", "reset", "stall", "stall_then_drop"]
    stall_s: float = 0.0
    cut_counter: str | None = None  # the body-cut counter to add to when this act ends the connection


class _Link:
    """One direction of the shared link: a token bucket of one segment, kept in virtual time."""

    def __init__(self) -> None:
        self._empty_until = 0.0  # loop time at which the bucket would hold nothing

    def reserve(self, n: int, rate: float, capacity: int, now: float) -> float:
        """Take `n` bytes' worth of tokens; return the loop time at which they may be sent."""
        start = max(self._empty_until, now - capacity / rate)  # a full bucket holds `capacity`
        self._empty_until = start + n / rate
        return max(now, self._empty_until)


class _Armed:
    """The faults in force and the shots they have left; only the proxy's loop thread mutates it."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._shots: dict[str, int | None] = {
            "request_body": faults.request_body.shots if faults.request_body else 0,
            "response_body": faults.response_body.shots if faults.response_body else 0,
            "reset_before_request": (faults.reset_before_request.shots if faults.reset_before_request else 0),
        }

    def take(self, key: str, probability: float, rng: random.Random) -> bool:
        """Roll for a fault and, if it fires, spend one of its shots."""
        left = self._shots[key]
        if left is not None and left <= 0:
            return False
        if probability < 1.0 and rng.random() >= probability:
            return False
        if left is not None:
            self._shots[key] = left - 1
        return True

    def give_back(self, key: str) -> None:
        """Return a shot spent on a body that ended before the cut point."""
        left = self._shots[key]
        if left is not None:
            self._shots[key] = left + 1


def _set_linger_zero(writer: asyncio.StreamWriter) -> None:
    """Make the next close send RST instead of FIN, so the peer sees ECONNRESET."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


class _Connection:
    """One client connection and its upstream twin: two readers that frame and decide, two
    writers that shape and act, all cancelled together when one of them ends the connection."""

    def __init__(
        self, proxy: FaultProxy, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter
    ) -> None:
        self._proxy = proxy
        self._client_r = client_r
        self._client_w = client_w
        self._up_w: asyncio.StreamWriter | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._methods: deque[tuple[str, str]] = deque()
        self._closed = False
        self._swallowing: _Message | None = None  # a request to be reset once fully received

    async def run(self) -> None:
        """Connect upstream and pump both ways until both sides finish or a fault ends it."""
        proxy = self._proxy
        try:
            up_r, up_w = await asyncio.open_connection(*proxy.upstream)
        except OSError:
            proxy.counters.add("upstream_connect_failures")
            _set_linger_zero(self._client_w)
            self._client_w.transport.abort()
            return
        self._up_w = up_w
        for writer in (self._client_w, up_w):
            # Hand bytes to the kernel before taking more, so pacing and cuts happen where we say.
            writer.transport.set_write_buffer_limits(high=0)
        to_server: asyncio.Queue[_Chunk | _Act] = asyncio.Queue(QUEUE_ITEMS)
        to_client: asyncio.Queue[_Chunk | _Act] = asyncio.Queue(QUEUE_ITEMS)
        self._tasks = [
            asyncio.create_task(self._guard(lambda: self._read("request", self._client_r, to_server))),
            asyncio.create_task(self._guard(lambda: self._write("request", to_server, up_w))),
            asyncio.create_task(self._guard(lambda: self._read("response", up_r, to_client))),
            asyncio.create_task(self._guard(lambda: self._write("response", to_client, self._client_w))),
        ]
        try:
            # Pumps end by returning or by being cancelled by the one that ended the connection.
            await asyncio.gather(*self._tasks, return_exceptions=True)
        finally:
            self._terminate(reset=False)

    async def _guard(self, pump: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run one pump; a socket error on either side ends the whole connection quietly.

        The pump's coroutine is made here, inside the task, so a task cancelled before it ever
        ran leaves no never-awaited coroutine behind.
        """
        try:
            await pump()
        except (OSError, EOFError, RuntimeError):
            self._terminate(reset=False)

    def _terminate(self, *, reset: bool) -> None:
        """Close both sides (RST if `reset`, else FIN after what was forwarded) and stop the pumps."""
        if self._closed:
            return
        self._closed = True
        for writer in (self._client_w, self._up_w):
            if writer is None:
                continue
            if reset:
                _set_linger_zero(writer)
                writer.transport.abort()
            else:
                writer.close()
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()

    async def _read(
        self, direction: Direction, source: asyncio.StreamReader, queue: asyncio.Queue[_Chunk | _Act]
    ) -> None:
        framer = _Framer(direction, self._methods)
        while True:
            data = await source.read(READ_BYTES)
            if not data:
                await queue.put(_Act("eof"))
                return
            for piece in framer.feed(data):
                if not await self._route(direction, piece, queue):
                    return

    async def _route(self, direction: Direction, piece: _Piece, queue: asyncio.Queue[_Chunk | _Act]) -> bool:
        """Forward one piece, applying any body fault planned for it; False once the reader must stop."""
        proxy = self._proxy
        armed = proxy._armed
        message = piece.message
        if direction == "request" and self._swallowing is not None:
            # A request being reset: keep it from the server, and reset once the client has sent
            # all of it. Resetting earlier would race the client's own writes: httpcore ignores a
            # failed body write and then reads a plain EOF instead of ECONNRESET.
            if piece.kind == "body" and message is self._swallowing and not piece.ends_body:
                return True
            await queue.put(_Act("reset"))
            return False
        if piece.kind == "head" and message is not None:
            if direction == "request":
                proxy.counters.add("requests")
                reset = armed.faults.reset_before_request
                if (
                    reset is not None
                    and message.target.startswith(reset.path_prefix or "")
                    and armed.take("reset_before_request", reset.probability, proxy.rng)
                ):
                    if message.has_body:
                        self._swallowing = message
                        return True
                    await queue.put(_Act("reset"))
                    return False
            else:
                proxy.counters.add("responses")
            if message.has_body:
                message.plan = self._plan(direction, armed, message)
        elif piece.kind == "body" and message is not None and message.plan is not None:
            plan = message.plan
            end = piece.offset + len(piece.data)
            if piece.offset < plan.at < end or (plan.at == end and not piece.ends_body):
                message.plan = None
                split = plan.at - piece.offset
                await self._emit(piece.data[:split], queue)
                fault = plan.fault
                if fault.action == "stall":
                    await queue.put(_Act("stall", fault.stall_s))
                    await self._emit(piece.data[split:], queue)
                    return True
                await queue.put(_Act(fault.action, fault.stall_s, f"{direction}_body_cuts"))
                return False
            if piece.ends_body:  # the body ended before the cut point: the fault did not fire
                message.plan = None
                plan.give_back()
        await self._emit(piece.data, queue)
        return True

    def _plan(self, direction: Direction, armed: _Armed, message: _Message) -> _CutPlan | None:
        """Decide whether this message's body will be cut, and where."""
        key = f"{direction}_body"
        fault = armed.faults.request_body if direction == "request" else armed.faults.response_body
        if fault is None:
            return None
        length = message.content_length
        if length is not None and length < fault.min_body_bytes:
            return None
        if not message.target.startswith(fault.path_prefix or ""):
            return None
        if not armed.take(key, fault.probability, self._proxy.rng):
            return None
        basis = length if length is not None else fault.min_body_bytes  # chunked/until-close: unknown
        if fault.at_byte is not None:
            at = fault.at_byte if length is None else min(fault.at_byte, length - 1)
        elif fault.at_fraction is not None:
            at = min(max(round(fault.at_fraction * basis), 1), basis - 1)
        else:
            at = self._proxy.rng.randint(1, basis - 1)
        return _CutPlan(fault, at, lambda: armed.give_back(key))

    async def _emit(self, data: bytes, queue: asyncio.Queue[_Chunk | _Act]) -> None:
        """Queue bytes as segments stamped with their release time (delay, plus hold-back on loss)."""
        proxy = self._proxy
        faults = proxy._armed.faults
        size = faults.segment_bytes if faults.shapes_traffic else READ_BYTES
        loop = asyncio.get_running_loop()
        for start in range(0, len(data), size):
            release_at = loop.time() + faults.delay_s
            if faults.loss_probability > 0 and proxy.rng.random() < faults.loss_probability:
                release_at += faults.retransmission_timeout_s
                proxy.counters.add("held_back_chunks")
            await queue.put(_Chunk(data[start : start + size], release_at))

    async def _write(
        self, direction: Direction, queue: asyncio.Queue[_Chunk | _Act], sink: asyncio.StreamWriter
    ) -> None:
        proxy = self._proxy
        link = proxy._links[direction]
        byte_counter = "bytes_to_server" if direction == "request" else "bytes_to_client"
        loop = asyncio.get_running_loop()
        while True:
            item = await queue.get()
            if isinstance(item, _Chunk):
                await asyncio.sleep(max(0.0, item.release_at - loop.time()))
                faults = proxy._armed.faults
                if faults.bandwidth_bytes_per_s is not None:
                    send_at = link.reserve(
                        len(item.data), faults.bandwidth_bytes_per_s, faults.segment_bytes, loop.time()
                    )
                    await asyncio.sleep(max(0.0, send_at - loop.time()))
                proxy.counters.add(byte_counter, len(item.data))
                sink.write(item.data)
                await sink.drain()
            elif item.kind == "eof":
                with contextlib.suppress(OSError, RuntimeError):
                    if sink.can_write_eof() and not sink.is_closing():
                        sink.write_eof()
                return
            elif item.kind == "stall":
                proxy.counters.add("stalls")
                await asyncio.sleep(item.stall_s)
            else:
                if item.kind == "stall_then_drop":
                    proxy.counters.add("stalls")
                    await asyncio.sleep(item.stall_s)
                if item.cut_counter is not None:
                    proxy.counters.add(item.cut_counter)
                if item.kind == "reset":
                    proxy.counters.add("resets")
                self._terminate(reset=item.kind == "reset")
                return


# --- the public proxy -------------------------------------------------------------------------


class FaultProxy:
    """A TCP proxy on 127.0.0.1 (ephemeral port) to `upstream`, injecting the current `Faults`."""

    def __init__(
        self, upstream: tuple[str, int], *, faults: Faults | None = None, rng: random.Random | None = None
    ) -> None:
        self.upstream = upstream
        self.rng = rng if rng is not None else random.Random(0)
        self.counters = Counters()
        self._armed = _Armed(faults if faults is not None else Faults())
        self._links: dict[Direction, _Link] = {"request": _Link(), "response": _Link()}
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.port = 0

    @classmethod
    def for_url(
        cls, base_url: str, *, faults: Faults | None = None, rng: random.Random | None = None
    ) -> FaultProxy:
        """A proxy in front of an `http://host:port` server."""
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None or parts.port is None:
            raise ValueError(f"the fault proxy needs a plain http://host:port URL, not {base_url!r}")
        return cls((parts.hostname, parts.port), faults=faults, rng=rng)

    @property
    def url(self) -> str:
        """The base URL clients should use instead of the server's."""
        if not self.port:
            raise RuntimeError("the fault proxy has not been started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def faults(self) -> Faults:
        """The faults in force."""
        return self._armed.faults

    def set_faults(self, faults: Faults) -> None:
        """Replace the faults in force (re-arming their shots); takes effect for the next segment/message."""
        self._armed = _Armed(faults)  # one reference swap: the loop thread sees old or new, never half

    def wait_for(
        self, condition: Callable[[CounterSnapshot], bool], timeout_s: float = 5.0
    ) -> CounterSnapshot:
        """Wait until the counters satisfy `condition` (for effects seen by the server, not the client)."""
        deadline = time.monotonic() + timeout_s
        while True:
            snapshot = self.counters.snapshot()
            if condition(snapshot):
                return snapshot
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"the fault proxy counters did not reach the condition in {timeout_s} s: {snapshot}"
                )
            time.sleep(0.005)

    def start(self) -> FaultProxy:
        """Bind the port and start forwarding in a background thread."""
        if self._thread is not None:
            raise RuntimeError("the fault proxy is already started")
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        listener.setblocking(False)
        self._listener = listener
        self.port = listener.getsockname()[1]
        self._thread = threading.Thread(target=self._run, name=f"fault-proxy-{self.port}", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_S) or self._failure is not None:
            self.stop()
            raise RuntimeError(f"the fault proxy did not start: {self._failure!r}")
        return self

    def stop(self) -> None:
        """Close every connection and the listener, and join the thread."""
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None:
            return
        if loop is not None and stopping is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop may have just finished
                loop.call_soon_threadsafe(stopping.set)
        thread.join(STOP_TIMEOUT_S)
        if self._listener is not None:
            self._listener.close()
        self._thread = None
        if thread.is_alive():
            raise RuntimeError(f"the fault proxy thread did not stop within {STOP_TIMEOUT_S} s")

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported by start(); a daemon thread has nowhere else to say it
            self._failure = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(self._accept, sock=self._listener)
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            server.close()
            for task in list(self._connections):
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), STOP_TIMEOUT_S)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        self.counters.add("connections")
        try:
            await _Connection(self, reader, writer).run()
        except asyncio.CancelledError:
            # Cancelled by stop(): end quietly, since asyncio 3.11 logs a callback task that ends
            # cancelled as an error.
            pass
        finally:
            self._connections.discard(task)
