"""The version gate: every `/v1` request names the protocol and a client version new enough.

A client below `minimum_client_version` is told exactly which installer to run (the wording lives
in `cars_protocol.installers`, shared with the installer build); its data and unsent changes stay on
the workstation, so upgrading loses nothing.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cars_protocol import PROTOCOL_VERSION
from cars_protocol.installers import HEADER_MINIMUM_CLIENT_VERSION, client_too_old_message
from cars_protocol.sync import HEADER_CLIENT_VERSION, HEADER_PROTOCOL, ErrorCode
from cars_server.http.responses import send_error
from cars_server.versions import is_at_least

API_PREFIX = "/v1/"
_PROTOCOL = HEADER_PROTOCOL.lower().encode("latin-1")
_CLIENT = HEADER_CLIENT_VERSION.lower().encode("latin-1")
_MINIMUM = HEADER_MINIMUM_CLIENT_VERSION.lower().encode("latin-1")


class VersionGateMiddleware:
    """Refuse `/v1` requests with a wrong protocol (400) or a client that is too old (426).

    Every `/v1` reply, refused or not, carries the minimum client version in a header.
    """

    def __init__(
        self, app: ASGIApp, minimum_client_version: str, installer_source: str | None = None
    ) -> None:
        self.app = app
        self.minimum = minimum_client_version
        #: Where IT publishes installers (a share or web address); None says "your IT service".
        self.installer_source = installer_source

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        minimum = self.minimum.encode("latin-1")

        async def send_with_minimum(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (_MINIMUM, minimum)]}
            await send(message)

        await self._gate(scope, receive, send_with_minimum)

    async def _gate(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {key.lower(): value for key, value in scope.get("headers", [])}
        protocol = headers.get(_PROTOCOL, b"").decode("latin-1").strip()
        if protocol != str(PROTOCOL_VERSION):
            await send_error(
                send,
                400,
                ErrorCode.UNSUPPORTED_PROTOCOL,
                f"This server speaks sync protocol {PROTOCOL_VERSION} ({HEADER_PROTOCOL} header); "
                "install the CARS Desktop version your administrator names.",
            )
            return
        client = headers.get(_CLIENT, b"").decode("latin-1").strip()
        verdict = is_at_least(client, self.minimum)
        if verdict is None:
            await send_error(
                send,
                400,
                ErrorCode.INVALID_REQUEST,
                f"The {HEADER_CLIENT_VERSION} header must be a version number such as 1.2.3.",
            )
            return
        if not verdict:
            await send_error(
                send,
                426,
                ErrorCode.CLIENT_TOO_OLD,
                client_too_old_message(client, self.minimum, self.installer_source),
            )
            return
        await self.app(scope, receive, send)
