"""Bounded request bodies: a size limit before and after gzip, checked while reading.

The body is read into memory up to `max_bytes` (a push is at most a few MiB), decompressed in
bounded steps so a small "gzip bomb" is refused as soon as its output passes the limit, and then
handed to the app as an ordinary uncompressed body. Nothing reaches a route until the whole body
has passed, so a refused body stores nothing.
"""

from __future__ import annotations

import zlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cars_protocol.sync import ErrorCode
from cars_server.http.responses import send_error

_GZIP_WBITS = 31  # zlib: gzip header and trailer
_CHUNK = 64 * 1024


class BodyTooLarge(Exception):
    """The body, compressed or not, is over the limit."""


class BadEncoding(Exception):
    """The body claims gzip but is not valid gzip."""


def gunzip_bounded(data: bytes, max_bytes: int) -> bytes:
    """Decompress gzip `data` (concatenated members allowed), refusing output over `max_bytes`."""
    out = bytearray()
    remaining = data
    while True:
        inflater = zlib.decompressobj(_GZIP_WBITS)
        pending = remaining
        try:
            while pending:
                out += inflater.decompress(pending, _CHUNK)
                if len(out) > max_bytes:
                    raise BodyTooLarge
                pending = inflater.unconsumed_tail
            out += inflater.flush()
        except zlib.error:
            raise BadEncoding from None
        if len(out) > max_bytes:
            raise BodyTooLarge
        if not inflater.eof:
            raise BadEncoding
        remaining = inflater.unused_data
        if not remaining:
            return bytes(out)


class RequestBodyMiddleware:
    """Bound every request body and undo `Content-Encoding: gzip` before the app sees it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {key.lower(): value for key, value in scope.get("headers", [])}
        encoding = headers.get(b"content-encoding", b"identity").strip().lower()
        if encoding not in (b"identity", b"gzip", b""):
            await send_error(
                send, 415, ErrorCode.INVALID_REQUEST, "Request bodies must be sent plain or gzip-compressed."
            )
            return
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.strip().isdigit() or int(declared) > self.max_bytes):
            await _too_large(send, self.max_bytes)
            return
        try:
            body = await self._read(receive)
            if encoding == b"gzip" and body:
                body = gunzip_bounded(body, self.max_bytes)
        except BodyTooLarge:
            await _too_large(send, self.max_bytes)
            return
        except BadEncoding:
            await send_error(send, 400, ErrorCode.INVALID_REQUEST, "The request body is not valid gzip.")
            return
        except _Disconnected:
            return
        await self.app(_plain_scope(scope, len(body)), _replay(body, receive), send)

    async def _read(self, receive: Receive) -> bytes:
        """The whole body, refusing it as soon as it passes the limit."""
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                raise BodyTooLarge
            if not message.get("more_body", False):
                return bytes(body)


class _Disconnected(Exception):
    """The client went away before sending its whole body; there is nobody to answer."""


async def _too_large(send: Send, max_bytes: int) -> None:
    await send_error(
        send,
        413,
        ErrorCode.PAYLOAD_TOO_LARGE,
        f"The request body is larger than the server accepts ({max_bytes} bytes, "
        "before and after decompression); send fewer changes per request.",
    )


def _plain_scope(scope: Scope, length: int) -> Scope:
    """`scope` with the encoding removed and the length of the decoded body.

    Changed in place, not copied: the outer middleware reads what routing adds to this scope.
    """
    headers = [
        (key, value)
        for key, value in scope.get("headers", [])
        if key.lower() not in (b"content-encoding", b"content-length", b"transfer-encoding")
    ]
    headers.append((b"content-length", str(length).encode("ascii")))
    scope["headers"] = headers
    return scope


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that yields the buffered body once, then waits on the real one (disconnects)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
