"""The one exception tree every layer raises and the UI and command line show.

Each error's message is written for the person at the keyboard (a custody worker, a supervisor or
IT staff) and never contains personal data or a secret, so it can be shown and logged as it is.
"""

from __future__ import annotations

from datetime import datetime


class CarsError(Exception):
    """Base of every error CARS expects; anything else is a bug."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(CarsError):
    """Input that cannot be accepted as given; nothing was changed."""

    exit_code = 2


class AuthenticationFailed(CarsError):
    """Wrong user name, password or recovery key."""

    exit_code = 3


class LockedOut(AuthenticationFailed):
    """Too many failed unlocks; the user must wait or ask a supervisor."""

    def __init__(self, username: str, until: datetime) -> None:
        local = until.astimezone().strftime("%H:%M on %d %b %Y")
        super().__init__(
            f"user {username} is locked out of this workstation after too many failed attempts; "
            f"try again after {local} or ask a supervisor to clear the lockout"
        )
        self.until = until


class NotPermitted(CarsError):
    """The signed-in user's role does not allow this (need-to-know)."""

    exit_code = 4


class StoreError(CarsError):
    """The workstation store is missing, already exists, or cannot be opened."""

    exit_code = 5


class StoreLocked(StoreError):
    """The store was locked (idle or by hand) and must be unlocked again."""


class RecordNotFound(CarsError):
    """No live record with that id is visible to this user."""

    exit_code = 6


class IntegrityFailure(CarsError):
    """Tamper evidence: the audit chain or unlock journal does not verify."""

    exit_code = 7
