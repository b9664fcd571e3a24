"""The one way to reach `resources/`: from a source checkout, an installed wheel or a frozen bundle.

The wheel ships the top-level `resources/` folder as the package `cars_resources`; a PyInstaller
bundle unpacks it under `sys._MEIPASS`; a source checkout has it beside the packages.
"""

from __future__ import annotations

import importlib
import json
import sys
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


class ReferenceList(BaseModel):
    """A versioned reference list as shipped in resources/reference."""

    model_config = ConfigDict(frozen=True)

    list_name: str = Field(alias="list")
    version: int
    items: tuple[ReferenceItem, ...]

    def current(self, on: date | None = None) -> list[ReferenceItem]:
        day = on or date.today()
        return [i for i in self.items if i.in_effect(day)]

    def get(self, code: str, on: date | None = None) -> ReferenceItem:
        """The item in effect with this code, or a message listing the valid codes."""
        for item in self.current(on):
            if item.code == code:
                return item
        valid = ", ".join(i.code for i in self.current(on))
        kind = self.list_name.replace("_", " ")
        raise InvalidInput(f"{code!r} is not a known {kind} code; use one of: {valid}")


@cache
def reference_list(name: str) -> ReferenceList:
    """Load resources/reference/<name>.json once."""
    raw = json.loads(resource_path("reference", f"{name}.json").read_text(encoding="utf-8"))
    return ReferenceList.model_validate(raw)
