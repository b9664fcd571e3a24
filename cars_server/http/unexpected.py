"""The last line of defence: an unexpected exception becomes a 500 `ErrorBody` without details.

The traceback is logged on the server (it may name tables and columns, never request bodies,
because the engine hides SQL parameters); the client only learns that it should try again. A lost
database connection is a 503, since retrying later is exactly right.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cars_protocol.sync import ErrorCode
from cars_server.http.responses import send_error

logger = logging.getLogger("cars_server.errors")


class UnexpectedErrorMiddleware:
    """Answer 500 (or 503 when the database is unreachable) instead of letting an exception escape."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            route = getattr(scope.get("route"), "path", None) or "(unmatched)"
            if isinstance(exc, OperationalError):
                logger.warning(
                    "%s %s: database unavailable: %s", scope.get("method"), route, type(exc.orig).__name__
                )
                status, code, message = (
                    503,
                    ErrorCode.UNAVAILABLE,
                    "The server's database is unavailable; try again later.",
                )
            else:
                logger.exception("%s %s failed unexpectedly", scope.get("method"), route)
                status, code, message = (
                    500,
                    ErrorCode.UNAVAILABLE,
                    "The server could not complete this request; try again later.",
                )
            if not started:
                await send_error(send, status, code, message)
