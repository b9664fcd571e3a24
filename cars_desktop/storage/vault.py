"""The vault: the store's data key, kept only wrapped, in key slots.

One random 256-bit data key encrypts the store. It is never written in clear; each slot holds it
wrapped (AES-256-GCM) under a key derived from a secret: a user's password (Argon2id), the recovery
key (HKDF: it already has 160 random bits), and later a server-assisted key or an escrowed copy.
Each slot's associated data binds it to this workstation, its kind and its user, so a slot cannot
be moved to another user or another vault. The file also holds the workstation's Ed25519 device
key (wrapped under the data key) that signs the audit log; its public half is in clear so that
the central server can be told it at enrolment and verify the log.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, ValidationError

from cars_desktop.config import KdfCost
from cars_desktop.domain.errors import AuthenticationFailed, StoreError
from cars_protocol.records import UtcDateTime, utc_now

VAULT_FORMAT = 1
DATA_KEY_BYTES = 32
SALT_BYTES = 16


def _b64decode(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str):
        raise ValueError("expected base64 text")
    return base64.b64decode(value.encode("ascii"), validate=True)


B64 = Annotated[
    bytes,
    BeforeValidator(_b64decode),
    PlainSerializer(lambda b: base64.b64encode(b).decode("ascii"), return_type=str),
]
SlotKind = Literal["password", "recovery", "server", "escrow"]


class KdfParams(BaseModel):
    """How a slot's wrapping key is derived from its secret."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Literal["argon2id", "hkdf-sha256"]
    salt: B64
    memory_kib: int | None = None
    time_cost: int | None = None
    parallelism: int | None = None


class KeySlot(BaseModel):
    """The data key wrapped under one secret."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    slot_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    kind: SlotKind
    username: str | None = None
    kdf: KdfParams
    nonce: B64
    wrapped_key: B64
    created_at: UtcDateTime = Field(default_factory=utc_now)


class VaultFile(BaseModel):
    """Everything needed to unlock the store, and nothing that unlocks it without a secret."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal[1] = 1
    workstation_id: str
    site_code: str
    created_at: UtcDateTime = Field(default_factory=utc_now)
    device_public_key: B64
    device_key_nonce: B64
    device_key_wrapped: B64
    slots: tuple[KeySlot, ...] = ()
    enrolment: dict[str, str] | None = None


def _aad(vault_id: str, kind: str, username: str | None) -> bytes:
    return f"cars-vault/{VAULT_FORMAT}/{vault_id}/{kind}/{username or ''}".encode()


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
    nonce = secrets.token_bytes(12)
    return nonce, AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes | None:
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, aad)
    except InvalidTag:
        return None


def derive_password_key(password: str, kdf: KdfParams) -> bytes:
    """Argon2id: the slow step that makes guessing passwords from a stolen file expensive."""
    assert kdf.memory_kib
    assert kdf.time_cost
    assert kdf.parallelism
    return hash_secret_raw(
        password.encode("utf-8"),
        kdf.salt,
        time_cost=kdf.time_cost,
        memory_cost=kdf.memory_kib,
        parallelism=kdf.parallelism,
        hash_len=32,
        type=Type.ID,
    )


def derive_recovery_key(secret: bytes, kdf: KdfParams) -> bytes:
    """HKDF suffices: the recovery secret is random, not something a person chose."""
    return HKDF(hashes.SHA256(), 32, kdf.salt, b"cars-recovery-slot").derive(secret)


def new_password_kdf(cost: KdfCost) -> KdfParams:
    """Fresh salt and the configured Argon2id cost for a new password slot."""
    return KdfParams(
        name="argon2id",
        salt=secrets.token_bytes(SALT_BYTES),
        memory_kib=cost.memory_kib,
        time_cost=cost.time_cost,
        parallelism=cost.parallelism,
    )


class Vault:
    """The vault file of one workstation and the operations on its slots."""

    def __init__(self, path: Path, content: VaultFile) -> None:
        self.path = path
        self.content = content

    # -- creation and persistence ---------------------------------------------------------------

    @classmethod
    def create(cls, path: Path, site_code: str, data_key: bytes, workstation_id: str | None = None) -> Vault:
        """A new vault holding a fresh device signing key, with no slots yet.

        A store made by enrolment passes the UUID it registers with the server as its id; a
        standalone store gets a short local id (and its server UUID later, at enrolment).
        """
        workstation_id = workstation_id or f"ws-{uuid.uuid4().hex[:12]}"
        device_key = Ed25519PrivateKey.generate()
        raw = device_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        nonce, wrapped = _seal(data_key, raw, _aad(workstation_id, "device", None))
        public = device_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        content = VaultFile(
            workstation_id=workstation_id,
            site_code=site_code,
            device_public_key=public,
            device_key_nonce=nonce,
            device_key_wrapped=wrapped,
        )
        return cls(path, content)

    @classmethod
    def load(cls, path: Path) -> Vault:
        """Read the vault file, with a clear message when it is missing or damaged."""
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise StoreError(
                f"there is no workstation store in {path.parent}; set one up with "
                "'cars-desktop init' or choose the right --data-dir"
            ) from None
        try:
            return cls(path, VaultFile.model_validate_json(raw))
        except ValidationError:
            raise StoreError(f"the vault file {path} is damaged; restore it from a backup") from None

    def save(self) -> None:
        """Write atomically: a crash leaves the old vault or the new one, never half of one."""
        data = json.dumps(self.content.model_dump(mode="json"), indent=1).encode()
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)

    # -- slots ----------------------------------------------------------------------------------

    @property
    def workstation_id(self) -> str:
        return self.content.workstation_id

    def usernames(self) -> list[str]:
        """Users who hold a password slot here."""
        return [s.username for s in self.content.slots if s.kind == "password" and s.username]

    def _replace_slots(self, keep: list[KeySlot], add: KeySlot | None = None) -> None:
        slots = keep + ([add] if add else [])
        self.content = self.content.model_copy(update={"slots": tuple(slots)})

    def set_password_slot(self, username: str, password: str, data_key: bytes, cost: KdfCost) -> None:
        """Add or rewrap one user's slot; every other slot is untouched."""
        kdf = new_password_kdf(cost)
        wrapping = derive_password_key(password, kdf)
        nonce, wrapped = _seal(wrapping, data_key, _aad(self.workstation_id, "password", username))
        slot = KeySlot(kind="password", username=username, kdf=kdf, nonce=nonce, wrapped_key=wrapped)
        others = [s for s in self.content.slots if not (s.kind == "password" and s.username == username)]
        self._replace_slots(others, slot)

    def remove_password_slot(self, username: str) -> None:
        """Withdraw a user's ability to unlock this workstation."""
        self._replace_slots(
            [s for s in self.content.slots if not (s.kind == "password" and s.username == username)]
        )

    def set_recovery_slot(self, recovery_secret: bytes, data_key: bytes) -> None:
        """Replace the recovery slot: the previous recovery key stops working."""
        kdf = KdfParams(name="hkdf-sha256", salt=secrets.token_bytes(SALT_BYTES))
        wrapping = derive_recovery_key(recovery_secret, kdf)
        nonce, wrapped = _seal(wrapping, data_key, _aad(self.workstation_id, "recovery", None))
        slot = KeySlot(kind="recovery", kdf=kdf, nonce=nonce, wrapped_key=wrapped)
        self._replace_slots([s for s in self.content.slots if s.kind != "recovery"], slot)

    def destroy_local_slots(self) -> None:
        """On revocation: nothing left here can unwrap the data key (password, recovery, server)."""
        self._replace_slots([])

    # -- enrolment with the central server ------------------------------------------------------

    def set_server_slot(self, device_key: bytes, data_key: bytes) -> None:
        """Wrap the data key under the server's per-device key; the device key itself is not kept.

        The server releases the device key only to an authenticated user of this workstation's
        site, so this slot lets a user with no local slot yet enrol here while online.
        """
        if len(device_key) != DATA_KEY_BYTES:
            raise StoreError("the server's device key has the wrong length; enrol the workstation again")
        kdf = KdfParams(name="hkdf-sha256", salt=secrets.token_bytes(SALT_BYTES))
        wrapping = _derive_server_key(device_key, kdf)
        nonce, wrapped = _seal(wrapping, data_key, _aad(self.workstation_id, "server", None))
        slot = KeySlot(kind="server", kdf=kdf, nonce=nonce, wrapped_key=wrapped)
        self._replace_slots([s for s in self.content.slots if s.kind != "server"], slot)

    def has_server_slot(self) -> bool:
        return any(s.kind == "server" for s in self.content.slots)

    def unwrap_with_server(self, device_key: bytes) -> bytes:
        """The data key from the device key the server released."""
        for slot in self.content.slots:
            if slot.kind == "server":
                wrapping = _derive_server_key(device_key, slot.kdf)
                key = _open(wrapping, slot.nonce, slot.wrapped_key, _aad(self.workstation_id, "server", None))
                if key is not None:
                    return key
        raise AuthenticationFailed(
            "the central server's key does not open this workstation's store; ask IT staff to enrol it again"
        )

    def set_enrolment(
        self, server_url: str, server_workstation_id: str, site_code: str, credential: str, data_key: bytes
    ) -> None:
        """Record the enrolment; the device credential is kept only encrypted under the data key."""
        nonce, wrapped = _seal(
            data_key, credential.encode("utf-8"), _aad(self.workstation_id, "credential", None)
        )
        enrolment = {
            "server_url": server_url,
            "workstation_id": server_workstation_id,
            "site_code": site_code,
            "enrolled_at": utc_now().isoformat(),
            "credential_nonce": base64.b64encode(nonce).decode("ascii"),
            "credential": base64.b64encode(wrapped).decode("ascii"),
            # A second copy, protected only by the vault file's permissions: a user with no slot
            # here must reach the server (which wants the device credential) before any key to
            # this store exists. Alone it opens nothing: the server releases the device key only
            # to a password session of a user of this site, and refuses a revoked workstation.
            "pre_unlock_credential": credential,
        }
        self.content = self.content.model_copy(update={"enrolment": enrolment, "site_code": site_code})

    def enrolment_info(self) -> Enrolment | None:
        """Where and as what this workstation is enrolled (no secret), or None if standalone."""
        data = self.content.enrolment
        if not data:
            return None
        return Enrolment(
            server_url=data["server_url"],
            workstation_id=data["workstation_id"],
            site_code=data["site_code"],
            enrolled_at=datetime.fromisoformat(data["enrolled_at"]),
        )

    def pre_unlock_credential(self) -> str | None:
        """The device credential for server-assisted unlock of a user with no slot here yet."""
        data = self.content.enrolment
        return data.get("pre_unlock_credential") if data else None

    def set_enrolment_fact(self, name: str, value: str | None) -> None:
        """Keep (or with None drop) a small clear fact of the enrolment, such as an escrow still to send."""
        data = dict(self.content.enrolment or {})
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
        self.content = self.content.model_copy(update={"enrolment": data})

    def enrolment_fact(self, name: str) -> str | None:
        return (self.content.enrolment or {}).get(name)

    def device_credential(self, data_key: bytes) -> str:
        """The credential that identifies this workstation to the server (unlocked stores only)."""
        data = self.content.enrolment
        if not data:
            raise StoreError("this workstation is not enrolled with a central server; enrol it first")
        raw = _open(
            data_key,
            _b64decode(data["credential_nonce"]),
            _b64decode(data["credential"]),
            _aad(self.workstation_id, "credential", None),
        )
        if raw is None:
            raise StoreError(
                "the vault's device credential does not match the store key; the vault is damaged"
            )
        return raw.decode("utf-8")

    def has_password_slot(self, username: str) -> bool:
        return username in self.usernames()

    def unwrap_with_password(self, username: str, password: str) -> bytes:
        """The data key, or AuthenticationFailed that does not say which part was wrong."""
        for slot in self.content.slots:
            if slot.kind == "password" and slot.username == username:
                wrapping = derive_password_key(password, slot.kdf)
                key = _open(
                    wrapping, slot.nonce, slot.wrapped_key, _aad(self.workstation_id, "password", username)
                )
                if key is not None:
                    return key
                break
        else:
            # Spend the same time as a real attempt so user names cannot be probed by timing.
            template = next((s.kdf for s in self.content.slots if s.kind == "password"), None)
            derive_password_key(password, template or new_password_kdf(KdfCost()))
        raise AuthenticationFailed("the user name or password is not right")

    def unwrap_with_recovery(self, recovery_secret: bytes) -> bytes:
        """The data key from the recovery key, if it is the current one."""
        for slot in self.content.slots:
            if slot.kind == "recovery":
                wrapping = derive_recovery_key(recovery_secret, slot.kdf)
                key = _open(
                    wrapping, slot.nonce, slot.wrapped_key, _aad(self.workstation_id, "recovery", None)
                )
                if key is not None:
                    return key
        raise AuthenticationFailed("that recovery key does not open this workstation's store")

    def device_signing_key(self, data_key: bytes) -> Ed25519PrivateKey:
        """The audit-signing key, available only once the store is unlocked."""
        raw = _open(
            data_key,
            self.content.device_key_nonce,
            self.content.device_key_wrapped,
            _aad(self.workstation_id, "device", None),
        )
        if raw is None:
            raise StoreError("the vault's device key does not match the store key; the vault is damaged")
        return Ed25519PrivateKey.from_private_bytes(raw)

    def device_public_key(self) -> Ed25519PublicKey:
        """What a verifier (this program or the central server) checks signatures against."""
        return Ed25519PublicKey.from_public_bytes(self.content.device_public_key)

    def created(self) -> datetime:
        return self.content.created_at


@dataclass(frozen=True)
class Enrolment:
    """The clear facts of an enrolment: which server, as which workstation, for which site."""

    server_url: str
    workstation_id: str
    site_code: str
    enrolled_at: datetime


def _derive_server_key(device_key: bytes, kdf: KdfParams) -> bytes:
    """HKDF with its own label, so the device key wraps nothing but this slot."""
    return HKDF(hashes.SHA256(), 32, kdf.salt, b"cars-server-slot").derive(device_key)


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable; not possible (nor needed) on Windows."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
