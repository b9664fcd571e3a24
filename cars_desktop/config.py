"""Settings: the one place that reads the environment.

No secret is ever a setting: passwords, keys and recovery keys come from a prompt or standard input.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger(__name__)

APP_DIR_NAME = "cars-desktop"


class KdfCost(BaseSettings):
    """Argon2id cost for new password slots (RFC 9106's second recommendation by default)."""

    model_config = SettingsConfigDict(env_prefix="CARS_ARGON2_", frozen=True)

    memory_kib: int = Field(default=65_536, ge=8, le=4_194_304)
    time_cost: int = Field(default=3, ge=1, le=20)
    parallelism: int = Field(default=4, ge=1, le=16)


class Settings(BaseSettings):
    """Workstation settings; every field can be set by a `CARS_` environment variable."""

    model_config = SettingsConfigDict(env_prefix="CARS_", frozen=True)

    data_dir: Path | None = None
    kdf: KdfCost = Field(default_factory=KdfCost)
    lockout_attempts: int = Field(default=5, ge=1, le=100)
    lockout_minutes: float = Field(default=10.0, gt=0, le=24 * 60)
    idle_lock_minutes: float = Field(default=5.0, gt=0, le=8 * 60)
    # Sync with the central server (issue 4). The server URL is normally taken from the vault,
    # where enrolment records it; this setting overrides it (a moved server, a test rig).
    server_url: str | None = None
    server_ca_file: Path | None = None  # a CA bundle or the server's own certificate, to pin it
    sync_interval_s: float = Field(default=120.0, ge=5, le=24 * 3600)
    sync_batch_size: int = Field(default=200, ge=1, le=500)
    sync_batch_bytes: int = Field(default=2 * 1024 * 1024, ge=16 * 1024, le=8 * 1024 * 1024)
    sync_timeout_s: float = Field(default=30.0, gt=0, le=600)
    offline_days_limit: float = Field(default=14.0, gt=0, le=365)
    retention_days: int = Field(default=90, ge=1, le=3650)


def machine_data_dir() -> Path:
    """The per-machine folder the installer creates for every user of the PC."""
    if sys.platform == "win32":
        base = os.environ.get("PROGRAMDATA", r"C:\ProgramData")
        return Path(base) / "CARS Desktop"
    return Path("/var/lib") / APP_DIR_NAME


def resolve_data_dir(settings: Settings, override: Path | None = None) -> Path:
    """The data folder to use: an explicit choice, else the machine folder if writable.

    A developer's machine has no writable machine folder; falling back to the user's data folder
    is said in the log so nobody wonders where the store went.
    """
    if override is not None:
        return override
    if settings.data_dir is not None:
        return settings.data_dir
    machine = machine_data_dir()
    if machine.is_dir() and os.access(machine, os.W_OK):
        return machine
    fallback = Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False))
    log.info("machine data folder %s is not writable; using %s", machine, fallback)
    return fallback
