"""Random bearer secrets (device credentials, session tokens, enrolment codes) and their hashes.

They are long random values, so a fast SHA-256 is enough to store them: nothing about them can be
guessed offline. The clear value is shown once and never stored.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

TOKEN_BYTES = 32
DEVICE_KEY_BYTES = 32


def new_token() -> str:
    """A new 256-bit URL-safe secret."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest under which a secret is stored and looked up."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_device_key() -> str:
    """A new per-device key (base64 of 32 random bytes) wrapping a workstation's server slot."""
    return base64.b64encode(secrets.token_bytes(DEVICE_KEY_BYTES)).decode("ascii")
