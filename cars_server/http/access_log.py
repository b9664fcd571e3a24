"""One JSON line per request on the `cars_server.access` logger, without personal data.

It names the route template (`/v1/conflicts/{conflict_id}/resolve`, never the raw path), the
status, the time taken, the bytes each way and who asked (workstation id and user name, which the
auth dependencies note in `AccessNote`). Bodies and query values are never logged.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("cars_server.access")

SCOPE_KEY = "cars_server.access"


@dataclass
class AccessNote:
    """Who made the request, filled in by the auth dependencies once they know."""

    workstation_id: str | None = None
    username: str | None = None


def access_note(scope: Scope) -> AccessNote:
    """The note for this request (a throwaway one outside the middleware, as in unit tests)."""
    note = scope.get(SCOPE_KEY)
    return note if isinstance(note, AccessNote) else AccessNote()


class AccessLogMiddleware:
    """Time each HTTP request and log one line when its response is done (or it failed)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        note = AccessNote()
        scope[SCOPE_KEY] = note
        started = time.perf_counter()
        status = 500
        sent = 0
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            return message

        async def counting_send(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, counting_receive, counting_send)
        finally:
            route = scope.get("route")
            logger.info(
                json.dumps(
                    {
                        "method": scope.get("method"),
                        "route": getattr(route, "path", None) or "(unmatched)",
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        "workstation_id": note.workstation_id,
                        "username": note.username,
                        "bytes_in": received,
                        "bytes_out": sent,
                    },
                    separators=(",", ":"),
                )
            )
