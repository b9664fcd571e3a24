"""The refusals the sync core raises; routes turn them into an `ErrorBody` with the same code."""

from __future__ import annotations

from cars_protocol.sync import ErrorCode, Problem
from cars_server.errors import CarsServerError

#: An `ErrorBody` carries at most this many problems; the rest are summarised by the message.
MAX_PROBLEMS = 100


class ChangesRefused(CarsServerError):
    """The batch was refused as a whole; nothing was stored.

    `code` says why (invalid request, wrong site, not permitted, not found); `problems` name each
    offending change by id and the field at fault. Messages hold ids, record types and field names
    only, never record contents, so they are safe to log and return.
    """

    def __init__(self, code: ErrorCode, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.problems: list[Problem] = list(problems or [])[:MAX_PROBLEMS]
