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
