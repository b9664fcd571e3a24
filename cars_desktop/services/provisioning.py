"""Provisioning: one file from IT makes a freshly installed CARS Desktop a ready, enrolled workstation.

The installer runs `cars-desktop provision FILE` once. The file (TOML) names the central server,
how to trust it (an organisation CA certificate, as text or as a file, or the SHA-256 of the
server's public key to pin it) and a one-time enrolment code, which also decides the site.
Enrolment is exactly `enrol`'s (`services.enrolment.enrol`): a new store with a server-assisted
slot and a recovery slot whose key is escrowed, never shown.

Why so strict: the file is written by hand for many PCs at once, so every mistake is found before
anything is created and named by its field (or TOML line); and it holds a secret, so its values
are never echoed in a message, and once the code is spent the file is overwritten and removed.

The trust given in the file is kept in the data folder (`server-ca.pem` or `server-key.pin`) and
named in the workstation's settings file, so every later sync verifies the server the same way.
"""

from __future__ import annotations

import logging
import os
import ssl
import stat
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from cars_desktop.config import Settings
from cars_desktop.domain.errors import InvalidInput, StoreError
from cars_desktop.services import local_settings
from cars_desktop.services.enrolment import EnrolResult, enrol
from cars_desktop.storage.layout import StoreLayout
from cars_desktop.storage.vault import Vault
from cars_desktop.sync.client import (
    PIN_PREFIX,
    check_server_url,
    http_client,
    normalise_pin,
    pinned_context,
)
from cars_desktop.sync.errors import InsecureServer

log = logging.getLogger(__name__)

CA_FILE_NAME = "server-ca.pem"
PIN_FILE_NAME = "server-key.pin"
#: A provisioning file is a few hundred bytes; anything much bigger is the wrong file.
MAX_FILE_BYTES = 256 * 1024
_TRUST_FIELDS = ("ca_certificate", "ca_certificate_file", "pinned_key_sha256")


def _load_pem(pem: str, field: str) -> ssl.SSLContext:
    """A verifying TLS context trusting `pem`; ValueError naming `field` if it holds no certificate."""
    if "-----BEGIN CERTIFICATE-----" not in pem:
        raise ValueError(f"{field} must hold a PEM certificate (-----BEGIN CERTIFICATE----- ...)")
    try:
        return ssl.create_default_context(cadata=pem)
    except (ssl.SSLError, ValueError):
        raise ValueError(f"{field} is not a readable PEM certificate") from None


class ProvisioningFile(BaseModel):
    """The file's fields; the folder of the file itself comes in the validation context (`folder`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    server_url: Annotated[str, Field(min_length=1, max_length=2000)]
    ca_certificate: str | None = None
    ca_certificate_file: Path | None = None
    pinned_key_sha256: str | None = None
    enrolment_code: SecretStr
    workstation_name: Annotated[str | None, Field(min_length=1, max_length=200)] = None

    @field_validator("server_url")
    @classmethod
    def _server_url(cls, value: str) -> str:
        try:
            return check_server_url(value)
        except InsecureServer as exc:
            raise ValueError(exc.message) from None

    @field_validator("ca_certificate")
    @classmethod
    def _pem_text(cls, value: str | None) -> str | None:
        if value is not None:
            _load_pem(value, "it")
        return value

    @field_validator("ca_certificate_file")
    @classmethod
    def _pem_file(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is None:
            return None
        folder = (info.context or {}).get("folder")
        path = value if value.is_absolute() or folder is None else Path(folder) / value
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise ValueError(f"the certificate file {path} cannot be read") from None
        _load_pem(text, f"the certificate file {path}")
        return path

    @field_validator("pinned_key_sha256")
    @classmethod
    def _pin(cls, value: str | None) -> str | None:
        if value is None:
            return None
        pin = normalise_pin(value)
        if pin is None:
            raise ValueError("it must be the 64 hexadecimal digits of a SHA-256")
        return pin

    @field_validator("enrolment_code")
    @classmethod
    def _code(cls, value: SecretStr) -> SecretStr:
        code = value.get_secret_value().strip()
        if not code:
            raise ValueError("it is empty; give the code IT staff issued on the server")
        return SecretStr(code)

    @model_validator(mode="after")
    def _one_trust(self) -> ProvisioningFile:
        given = [name for name in _TRUST_FIELDS if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of ca_certificate, ca_certificate_file or pinned_key_sha256"
                + (f" (the file gives {', '.join(given)})" if given else "")
            )
        return self

    def trust_file(self) -> tuple[str, str]:
        """The name and text of the file that keeps this trust in the data folder."""
        if self.pinned_key_sha256 is not None:
            return PIN_FILE_NAME, f"{PIN_PREFIX}{self.pinned_key_sha256}\n"
        if self.ca_certificate_file is not None:
            return CA_FILE_NAME, self.ca_certificate_file.read_text(encoding="utf-8")
        assert self.ca_certificate is not None
        return CA_FILE_NAME, self.ca_certificate

    def verification(self) -> ssl.SSLContext:
        """The TLS verification the enrolment uses, the same the kept trust file gives later syncs."""
        if self.pinned_key_sha256 is not None:
            return pinned_context(self.pinned_key_sha256)
        name, text = self.trust_file()
        return _load_pem(text, name)


def _problem(exc: ValidationError) -> str:
    """The first problem as words naming the field; the values (a secret among them) are never quoted."""
    error = exc.errors()[0]
    field = ".".join(str(part) for part in error["loc"])
    kind = error["type"]
    if kind == "missing":
        return f"the field “{field}” is missing"
    if kind == "extra_forbidden":
        return f"“{field}” is not a provisioning field (check its spelling)"
    reason = str(error["msg"]).removeprefix("Value error, ")
    return f"the field “{field}”: {reason}" if field else reason


def read_provisioning_file(path: Path) -> ProvisioningFile:
    """Read and check the whole file; InvalidInput names the field or TOML line at fault."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"the provisioning file {path} cannot be read ({type(exc).__name__})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise InvalidInput(f"the provisioning file {path} is too big to be one; check the file name")
    try:
        data: dict[str, Any] = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidInput(f"the provisioning file {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"the provisioning file {path} is not valid TOML: {exc}") from None
    try:
        return ProvisioningFile.model_validate(data, context={"folder": path.parent})
    except ValidationError as exc:
        raise InvalidInput(f"the provisioning file {path}: {_problem(exc)}; nothing was set up") from None


def readable_by_others(path: Path) -> bool:
    """True if users other than the owner may read the file (POSIX; Windows ACLs are the installer's)."""
    if sys.platform == "win32":
        return False
    try:
        return bool(path.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH))
    except OSError:
        return False


def refuse_if_set_up(data_dir: Path) -> None:
    """Provisioning is for a fresh install only: an existing store is never touched."""
    layout = StoreLayout(data_dir)
    if not layout.exists():
        return
    enrolled = None
    if layout.vault.exists():
        try:
            enrolled = Vault.load(layout.vault).enrolment_info()
        except StoreError:
            enrolled = None
    if enrolled is not None:
        raise StoreError(
            f"this workstation is already enrolled with {enrolled.server_url} for site "
            f"{enrolled.site_code} (store in {data_dir}); provisioning is only for a new installation, "
            "so nothing was changed and the code was not used"
        )
    raise StoreError(
        f"a workstation store already exists in {data_dir}; provisioning is only for a new "
        "installation, so nothing was changed (an administrator enrols an existing store with "
        "'cars-desktop enrol --user')"
    )


def _keep_trust(data_dir: Path, provisioning: ProvisioningFile) -> Path:
    """Write the trust into the data folder and name it in the settings file, for every later sync."""
    name, text = provisioning.trust_file()
    target = data_dir / name
    target.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    # The settings file's own (atomic) reader and writer; an unreadable file is replaced, as saving does.
    current = local_settings.current_or_fresh(data_dir)
    chosen = current.workstation.model_copy(update={"server_ca_file": str(target)})
    local_settings.write_local_settings(data_dir, current.model_copy(update={"workstation": chosen}))
    return target


def destroy_file(path: Path) -> bool:
    """Overwrite the spent file with zeros and remove it; False if it could not be removed."""
    try:
        size = path.stat().st_size
        with open(path, "r+b") as handle:
            handle.write(b"\0" * size)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError:
        log.warning("the provisioning file could not be overwritten before removal")
    try:
        path.unlink()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class Provisioned:
    """What provisioning did: the enrolment, where the trust is kept, and whether the file is gone."""

    enrolment: EnrolResult
    trust_file: Path | None  # None: enrolled, but the trust could not be written (a full disk)
    file_removed: bool


def provision(
    settings: Settings,
    data_dir: Path,
    provisioning: ProvisioningFile,
    source: Path,
    default_label: str,
    timeout_s: float | None = None,
) -> Provisioned:
    """Enrol a fresh workstation as the file says, keep its trust, then destroy the spent file.

    Checked before anything is made: the store must not exist. A refused enrolment leaves no store
    and keeps the file (its code may still be good). The recovery key is escrowed and never shown.
    """
    refuse_if_set_up(data_dir)
    label = (provisioning.workstation_name or default_label or "workstation")[:200]
    code = provisioning.enrolment_code.get_secret_value()
    with http_client(provisioning.verification(), timeout_s or settings.sync_timeout_s) as http:
        result = enrol(settings, data_dir, provisioning.server_url, code, label, http)
    # From here the code is spent: the file goes whatever else happens.
    try:
        trust: Path | None = _keep_trust(data_dir, provisioning)
    except OSError as exc:
        log.error("the server trust could not be kept in the data folder: %s", type(exc).__name__)
        trust = None
    return Provisioned(result, trust, destroy_file(source))
