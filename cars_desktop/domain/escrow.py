"""Sealing a workstation's recovery key to the organisation's offline recovery key pair.

The workstation encrypts its recovery secret to the organisation's X25519 public key (ephemeral
ECDH, HKDF-SHA256, AES-256-GCM, the workstation id bound as associated data) and hands the sealed
text to the server. The server can store it but not open it; only the holder of the private half,
kept offline by the organisation, can. Qt-free and storage-free, so both the desktop program and
`cars-server admin recovery` use this one module.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from cars_desktop.domain.errors import InvalidInput

SEAL_FORMAT = "cars-escrow-1"
_NONCE_BYTES = 12
_KEY_BYTES = 32


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise InvalidInput(f"the {what} is not valid base64") from None


def generate_key_pair() -> tuple[bytes, str]:
    """A new organisation recovery key pair: (private key as PEM, public key as base64)."""
    private = X25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem, public_key_text(private.public_key())


def public_key_text(public: X25519PublicKey) -> str:
    """The base64 form of a public key, as set in the server's settings."""
    return _b64(public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def load_public_key(text: str) -> X25519PublicKey:
    """Parse the base64 public key, with a clear error for anything else."""
    raw = _unb64(text.strip(), "recovery public key")
    if len(raw) != _KEY_BYTES:
        raise InvalidInput("the recovery public key must be 32 bytes (base64 of a raw X25519 key)")
    return X25519PublicKey.from_public_bytes(raw)


def load_private_key(pem: bytes) -> X25519PrivateKey:
    """Parse the organisation's private key file (PEM, PKCS#8)."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        raise InvalidInput("the file is not an unencrypted PEM private key") from None
    if not isinstance(key, X25519PrivateKey):
        raise InvalidInput("the private key is not an X25519 recovery key")
    return key


def _derive(shared: bytes, ephemeral_public: bytes, workstation_id: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=_KEY_BYTES,
        salt=ephemeral_public,
        info=f"{SEAL_FORMAT}/{workstation_id}".encode(),
    ).derive(shared)


def seal(public_key_text_: str, secret: bytes, workstation_id: str) -> str:
    """Seal `secret` so only the private half of `public_key_text_` opens it."""
    recipient = load_public_key(public_key_text_)
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    key = _derive(ephemeral.exchange(recipient), ephemeral_public, workstation_id)
    nonce = os.urandom(_NONCE_BYTES)
    ciphertext = AESGCM(key).encrypt(nonce, secret, workstation_id.encode())
    return ".".join((SEAL_FORMAT, _b64(ephemeral_public), _b64(nonce), _b64(ciphertext)))


def unseal(private_key: X25519PrivateKey, sealed: str, workstation_id: str) -> bytes:
    """Open a sealed secret; a wrong key, workstation or damaged text is a clear `InvalidInput`."""
    parts = sealed.strip().split(".")
    if len(parts) != 4 or parts[0] != SEAL_FORMAT:
        raise InvalidInput(f"the sealed recovery key is not in the {SEAL_FORMAT} format")
    ephemeral_public = _unb64(parts[1], "sealed recovery key")
    nonce, ciphertext = _unb64(parts[2], "sealed recovery key"), _unb64(parts[3], "sealed recovery key")
    if len(ephemeral_public) != _KEY_BYTES or len(nonce) != _NONCE_BYTES:
        raise InvalidInput("the sealed recovery key is damaged")
    shared = private_key.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    key = _derive(shared, ephemeral_public, workstation_id)
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, workstation_id.encode())
    except InvalidTag:
        raise InvalidInput(
            "this private key or workstation id does not open the sealed recovery key"
        ) from None
