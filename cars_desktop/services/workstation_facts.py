"""What the unlock window shows before anyone unlocks: the site and the workstation id.

Why a module of its own: the unlock window is the first thing on screen, and it needs only these
facts (from the vault's clear part). `services.workstation` imports the whole store stack
(SQLAlchemy, Alembic, SQLCipher, the sync client); keeping these few lines apart lets the program
draw the unlock window before any of that is imported. `services.workstation` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cars_desktop.domain.errors import CarsError, StoreError
from cars_desktop.resources import reference_list
from cars_desktop.storage.layout import StoreLayout
from cars_desktop.storage.vault import Vault

__all__ = ["WorkstationIdentity", "site_name", "workstation_identity"]


@dataclass(frozen=True)
class WorkstationIdentity:
    """Where this workstation is, as shown before anyone unlocks (from the vault's clear part)."""

    site_code: str
    site_name: str
    workstation_id: str

    @property
    def site_label(self) -> str:
        """For example "Oldbury custody block (OLDBURY)"; the code alone if the site list lacks it."""
        return f"{self.site_name} ({self.site_code})" if self.site_name != self.site_code else self.site_code


def site_name(site_code: str) -> str:
    """The site's name from the reference list, or the code if the list no longer has it."""
    try:
        return reference_list("sites").get(site_code).name
    except CarsError:
        return site_code


def workstation_identity(data_dir: Path) -> WorkstationIdentity:
    """The site and workstation id; no key material is touched, so it is safe before unlock."""
    layout = StoreLayout(data_dir)
    if not layout.vault.exists():
        raise StoreError(
            f"There is no workstation store in {data_dir}. Ask IT staff to set this workstation up "
            "with the command “cars-desktop init”, then start CARS Desktop again."
        )
    vault = Vault.load(layout.vault)
    code = vault.content.site_code
    return WorkstationIdentity(code, site_name(code), vault.workstation_id)
