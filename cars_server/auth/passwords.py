"""Argon2id password hashes for server users, at the cost the settings name."""

from __future__ import annotations

import contextlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cars_server.config import ServerSettings

ARGON2_PARALLELISM = 4
#: Checked against when the user name is unknown, so the answer takes as long as a wrong password.
_DUMMY_PASSWORD = "not-a-real-password"  # noqa: S105


def hasher_for(settings: ServerSettings) -> PasswordHasher:
    """An Argon2id hasher at the configured memory and time cost."""
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=ARGON2_PARALLELISM,
    )


def hash_password(settings: ServerSettings, password: str) -> str:
    """The Argon2id hash to store for `password`."""
    return hasher_for(settings).hash(password)


def verify_password(settings: ServerSettings, stored_hash: str | None, password: str) -> bool:
    """True if `password` matches `stored_hash`; an unknown user (None) costs the same time."""
    hasher = hasher_for(settings)
    if stored_hash is None:
        with contextlib.suppress(VerificationError, InvalidHashError):
            hasher.verify(hasher.hash(_DUMMY_PASSWORD), password)
        return False
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(settings: ServerSettings, stored_hash: str) -> bool:
    """True when the stored hash was made at a different cost than the settings now ask for."""
    try:
        return hasher_for(settings).check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True
