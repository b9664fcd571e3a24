"""Checking a workstation's signed word that a user unlocked it (sync-only sessions)."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from cars_protocol.sync import attestation_message

#: How far an attestation's time may be from the server's clock, either way.
ATTESTATION_WINDOW = timedelta(hours=12)
ED25519_KEY_BYTES = 32


def decode_public_key(text: str) -> Ed25519PublicKey | None:
    """The Ed25519 public key from its base64 raw form, or None if it is not one."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return None
    if len(raw) != ED25519_KEY_BYTES:
        return None
    return Ed25519PublicKey.from_public_bytes(raw)


def attestation_is_valid(
    signing_public_key: str,
    workstation_id: uuid.UUID,
    username: str,
    attested_at: datetime,
    signature_b64: str,
    now: datetime,
) -> bool:
    """True if the signature is the workstation's over this user and time, and the time is recent."""
    if abs(now - attested_at) > ATTESTATION_WINDOW:
        return False
    key = decode_public_key(signing_public_key)
    if key is None:
        return False
    try:
        signature = base64.b64decode(signature_b64.encode("ascii"), validate=True)
        key.verify(signature, attestation_message(workstation_id, username, attested_at))
    except (binascii.Error, UnicodeEncodeError, InvalidSignature):
        return False
    return True
