"""Recovery keys people can read aloud over a phone and type back without mistakes.

160 random bits in Crockford base32 (no I, L, O or U to misread), grouped in fours, with a final
checksum group so a mistyped key is caught before any decryption is attempted.
"""

from __future__ import annotations

import hashlib
import secrets

from cars_desktop.domain.errors import InvalidInput

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
SECRET_BYTES = 20
GROUP = 4
_BODY_CHARS = SECRET_BYTES * 8 // 5
_CHECK_CHARS = 4


def _encode(data: bytes, chars: int) -> str:
    number = int.from_bytes(data, "big")
    out = []
    for _ in range(chars):
        out.append(ALPHABET[number & 31])
        number >>= 5
    return "".join(reversed(out))


def _checksum(secret: bytes) -> str:
    digest = hashlib.sha256(b"cars-recovery-key/1" + secret).digest()
    return _encode(digest[:3], _CHECK_CHARS)[-_CHECK_CHARS:]


def format_key(secret: bytes) -> str:
    """The key as shown once at set-up: nine groups of four characters."""
    text = _encode(secret, _BODY_CHARS) + _checksum(secret)
    return "-".join(text[i : i + GROUP] for i in range(0, len(text), GROUP))


def generate() -> tuple[bytes, str]:
    """A new recovery secret and its printable form."""
    secret = secrets.token_bytes(SECRET_BYTES)
    return secret, format_key(secret)


def parse(text: str) -> bytes:
    """The secret from a typed key; spaces, dashes, case and O/0, I/1 mix-ups are forgiven."""
    cleaned = "".join(c for c in text.upper() if c.isalnum()).translate(_CONFUSABLE)
    if len(cleaned) != _BODY_CHARS + _CHECK_CHARS or any(c not in ALPHABET for c in cleaned):
        raise InvalidInput(
            "a recovery key is 36 letters and digits in nine groups of four; check what was typed"
        )
    number = 0
    for c in cleaned[:_BODY_CHARS]:
        number = number * 32 + ALPHABET.index(c)
    secret = number.to_bytes(SECRET_BYTES, "big")
    if _checksum(secret) != cleaned[_BODY_CHARS:]:
        raise InvalidInput("that recovery key has a typing mistake in it; check each group")
    return secret
