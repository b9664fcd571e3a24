"""Every way a sync can fail, in one tree (like httpx's `_exceptions.py`).

    CarsError
    └── SyncError                    anything the sync client reports
        ├── ServerUnreachable        no answer, a broken connection, a timeout, a 5xx, a garbled reply
        ├── InsecureServer           the server address is not https (and not loopback) or TLS is refused
        └── ServerRefused            the server answered with an ErrorBody (`code`, `message`)
            ├── ClientTooOld         CLIENT_TOO_OLD / UNSUPPORTED_PROTOCOL: update the program
            ├── DeviceRevoked        DEVICE_REVOKED: the workstation's slots are destroyed
            ├── DeviceUnknown        DEVICE_UNKNOWN: the server does not know this workstation
            ├── SessionRejected      SESSION_REQUIRED / SESSION_EXPIRED: sign in again
            ├── BadCredentials       BAD_CREDENTIALS / USER_DISABLED at the server
            └── EnrolmentRefused     ENROLMENT_CODE_INVALID

Messages are for the person at the keyboard; none carries a secret, a record or a server body
beyond the server's own one-line message.
"""

from __future__ import annotations

from cars_desktop.domain.errors import CarsError
from cars_protocol.sync import ErrorCode

#: Exit status of `cars-desktop sync` / `enrol` when the server could not be reached or refused.
UNREACHABLE_EXIT = 8
REFUSED_EXIT = 9


class SyncError(CarsError):
    """A sync (or enrolment) did not complete; local data and the outbox are unchanged."""

    exit_code = REFUSED_EXIT


class ServerUnreachable(SyncError):
    """No usable answer: the change stays queued and the next cycle tries again."""

    exit_code = UNREACHABLE_EXIT


class InsecureServer(SyncError):
    """The address or its certificate is not acceptable; nothing was sent."""


class ServerRefused(SyncError):
    """The server answered with a refusal; `code` says why, `message` says it for people."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


class ClientTooOld(ServerRefused):
    """The server needs a newer CARS Desktop; data and outbox are kept until it is updated."""


class DeviceRevoked(ServerRefused):
    """The workstation was revoked centrally; its local key slots are destroyed on this refusal."""


class DeviceUnknown(ServerRefused):
    """The server has no record of this workstation's credential."""


class SessionRejected(ServerRefused):
    """The user's server session is missing or expired; sign in again."""


class BadCredentials(ServerRefused):
    """The server did not accept the user name and password, or the user is disabled there."""


class EnrolmentRefused(ServerRefused):
    """The enrolment code is wrong, used or expired."""


_BY_CODE: dict[ErrorCode, type[ServerRefused]] = {
    ErrorCode.CLIENT_TOO_OLD: ClientTooOld,
    ErrorCode.UNSUPPORTED_PROTOCOL: ClientTooOld,
    ErrorCode.DEVICE_REVOKED: DeviceRevoked,
    ErrorCode.DEVICE_UNKNOWN: DeviceUnknown,
    ErrorCode.SESSION_REQUIRED: SessionRejected,
    ErrorCode.SESSION_EXPIRED: SessionRejected,
    ErrorCode.BAD_CREDENTIALS: BadCredentials,
    ErrorCode.USER_DISABLED: BadCredentials,
    ErrorCode.ENROLMENT_CODE_INVALID: EnrolmentRefused,
}

_ADVICE: dict[type[ServerRefused], str] = {
    DeviceRevoked: "this workstation was withdrawn from the service; ask IT staff",
    DeviceUnknown: "the server does not know this workstation; ask IT staff to enrol it again",
    EnrolmentRefused: "ask IT staff for a new enrolment code",
}


def refusal(code: ErrorCode, message: str) -> ServerRefused:
    """The typed exception for a server refusal, its message ending in what to do where that is known."""
    kind = _BY_CODE.get(code, ServerRefused)
    text = f"the central server refused: {message.rstrip('.')}"
    advice = _ADVICE.get(kind)
    if advice:
        text += f"; {advice}"
    return kind(code, text)
