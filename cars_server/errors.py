"""The server's exception tree, in one module so callers know what they may have to catch.

Messages are written for the operator who runs the server and never contain a secret (a database
URL can hold a password, so it is never quoted back).
"""

from __future__ import annotations

from collections.abc import Sequence

from cars_protocol.sync import ErrorCode, Problem


class CarsServerError(Exception):
    """Base of every error the server raises on purpose; its message is safe to show and log."""


class ConfigurationError(CarsServerError):
    """A setting is missing, malformed or names something the server cannot use."""


class ApiError(CarsServerError):
    """A refusal of one HTTP request: the status, the protocol's error code and a message.

    Raised by routes, dependencies and the auth and enrolment services; `cars_server.http_errors`
    turns it into an `ErrorBody` response. The message is read by the person at the workstation,
    so it says what to do and never quotes a secret or a submitted value.
    """

    def __init__(self, status: int, code: ErrorCode, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.problems = list(problems)


class DatabaseNotReady(CarsServerError):
    """The database has no schema or an older one; `cars-server migrate` must be run first."""


class AdminError(CarsServerError):
    """An `cars-server admin` command cannot do what was asked; the message says why."""
