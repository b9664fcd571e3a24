"""What makes a password acceptable for unlocking a store of sensitive records."""

from __future__ import annotations

from cars_desktop.domain.errors import InvalidInput

MIN_LENGTH = 10


def check_new_password(password: str, username: str) -> None:
    """Reject passwords that are short, blank-padded or the user name itself, with the reason."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"a password must be at least {MIN_LENGTH} characters long")
    if password != password.strip():
        raise InvalidInput("a password cannot start or end with a space")
    if username.casefold() in password.casefold():
        raise InvalidInput("a password must not contain the user name")
    if len(set(password)) < 4:
        raise InvalidInput("a password needs more variety than that (at least four different characters)")
