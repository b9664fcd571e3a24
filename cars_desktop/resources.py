"""The one way to reach `resources/`: from a source checkout, an installed wheel or a frozen bundle.

The wheel ships the top-level `resources/` folder as the package `cars_resources`; a PyInstaller
bundle unpacks it under `sys._MEIPASS`; a source checkout has it beside the packages.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cars_desktop.domain.errors import InvalidInput


@cache
def resources_root() -> Path:
    """The folder holding reference data, wording and icons."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    try:
        package = importlib.import_module("cars_resources")
    except ImportError:
        return Path(__file__).resolve().parent.parent / "resources"
    return Path(str(package.__file__)).parent


def resource_path(*parts: str) -> Path:
    """A file under resources/, which must exist (a missing one is a packaging bug)."""
    path = resources_root().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"resource {'/'.join(parts)} is missing from {resources_root()}")
    return path


class ReferenceItem(BaseModel):
    """One entry of a versioned reference list, valid between two dates."""

    model_config = ConfigDict(extra="allow", frozen=True)

    code: str
    name: str
    effective_from: date
    effective_to: date | None = None

    def in_effect(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on < self.effective_to)

    def extra(self, key: str) -> Any:
        """A list-specific attribute (for example a site's kind)."""
        return (self.model_extra or {}).get(key)


class ReferenceVersion(BaseModel):
    """A later version of a list, received from the central server and used from `effective_from`."""

    model_config = ConfigDict(frozen=True)

    version: int
    effective_from: date
    items: tuple[ReferenceItem, ...]


class ReferenceList(BaseModel):
    """A versioned reference list as shipped in resources/reference, plus any versions received since."""

    model_config = ConfigDict(frozen=True)

    list_name: str = Field(alias="list")
    version: int
    items: tuple[ReferenceItem, ...]
    later: tuple[ReferenceVersion, ...] = ()

    def items_on(self, day: date) -> tuple[ReferenceItem, ...]:
        """The items of the version in effect on `day`: the newest received one that has taken
        effect (latest effective date, then version), else the shipped list."""
        started = [v for v in self.later if v.effective_from <= day]
        if not started:
            return self.items
        return max(started, key=lambda v: (v.effective_from, v.version)).items

    def current(self, on: date | None = None) -> list[ReferenceItem]:
        day = on or date.today()
        return [i for i in self.items_on(day) if i.in_effect(day)]

    def get(self, code: str, on: date | None = None) -> ReferenceItem:
        """The item in effect with this code, or a message listing the valid codes."""
        for item in self.current(on):
            if item.code == code:
                return item
        valid = ", ".join(i.code for i in self.current(on))
        kind = self.list_name.replace("_", " ")
        raise InvalidInput(f"{code!r} is not a known {kind} code; use one of: {valid}")


@cache
def shipped_reference_list(name: str) -> ReferenceList:
    """Load resources/reference/<name>.json once."""
    raw = json.loads(resource_path("reference", f"{name}.json").read_text(encoding="utf-8"))
    return ReferenceList.model_validate(raw)


#: Versions received from the central server for the unlocked store, by list name. Set at unlock
#: and after each sync (`cars_desktop.sync.reference.install_received_reference`), cleared at lock;
#: one store is unlocked per program, like the shipped lists this module already holds.
_received: dict[str, tuple[ReferenceVersion, ...]] = {}


def use_received_reference(versions: Mapping[str, tuple[ReferenceVersion, ...]]) -> None:
    """Make these received versions (replacing any before) part of every `reference_list`."""
    global _received  # rebound in one step, so a reader in another thread sees old or new, whole
    _received = dict(versions)


def reference_list(name: str) -> ReferenceList:
    """The shipped list with the versions received since; `current(on)` picks the one in effect."""
    shipped = shipped_reference_list(name)
    later = _received.get(name)
    return shipped.model_copy(update={"later": later}) if later else shipped
