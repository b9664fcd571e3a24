"""Which reference data this workstation is using, and the site's own details, for administrators.

A list comes with the program (resources/reference) and may be replaced from a date by versions
received from the central server (`sync.reference`). When a phone number on a letter or a missing
drop-down choice is questioned, the administrator needs to see which version is in effect today,
since when, where it came from and what it holds, without reading files. Everything here is
read-only: reference data changes only centrally.

The version in effect follows `resources.ReferenceList.items_on`: the received version with the
latest effective date (then number) that has started, else the shipped list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import ValidationError

from cars_desktop.documents.letterhead import Letterhead, load_letterhead
from cars_desktop.domain.access import Permission, require
from cars_desktop.domain.errors import CarsError, InvalidInput
from cars_desktop.resources import (
    ReferenceItem,
    ReferenceList,
    ReferenceVersion,
    resource_path,
    shipped_reference_list,
)
from cars_desktop.services.workstation import WorkstationSession, session_identity
from cars_desktop.storage.reference_repository import ReferenceRepository
from cars_desktop.sync.reference import FORM_KIND_PREFIX

Source = Literal["shipped", "received"]


@dataclass(frozen=True)
class ReferenceListSummary:
    """One list as in effect on the day asked about."""

    name: str
    label: str  # "Naloxone products"
    version: int
    effective_from: date | None  # None: the shipped list, in effect since the program was installed
    source: Source
    items_in_effect: int  # items current on the day (an item can itself start or end on a date)
    items_total: int  # every item the version holds
    waiting_versions: int  # received versions that take effect later
    next_effective_from: date | None  # when the first of those starts

    @property
    def source_label(self) -> str:
        return "Shipped with the program" if self.source == "shipped" else "Received from the server"


@dataclass(frozen=True)
class ReferenceItemView:
    """One item of a list, with the dates it is valid between."""

    code: str
    name: str
    effective_from: date
    effective_to: date | None
    in_effect: bool
    details: str  # the list's own attributes, "key: value; ..." (a provider's address, a site's kind)


def list_label(name: str) -> str:
    """A list's name as words: "naloxone_products" -> "Naloxone products"."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _shipped_names() -> list[str]:
    """Every shipped file that is a reference list (scoring tables and the like are not)."""
    names = []
    for path in sorted(resource_path("reference").glob("*.json")):
        try:
            shipped_reference_list(path.stem)
        except (ValidationError, ValueError):
            continue
        names.append(path.stem)
    return names


def _received(session: WorkstationSession) -> dict[str, list[ReferenceVersion]]:
    """Received list versions this program can read, by list name (form versions left out)."""
    found: dict[str, list[ReferenceVersion]] = {}
    with session.store.read_session() as read:
        stored_all = ReferenceRepository(read).all()
    for stored in stored_all:
        if stored.kind.startswith(FORM_KIND_PREFIX):
            continue
        try:
            parsed = ReferenceList.model_validate_json(stored.body)
        except ValidationError:
            continue  # kept but unreadable by this program: not in use, as sync.reference says
        found.setdefault(stored.kind, []).append(
            ReferenceVersion(version=stored.version, effective_from=stored.effective_from, items=parsed.items)
        )
    return found


def _in_effect(versions: list[ReferenceVersion], on: date) -> ReferenceVersion | None:
    started = [v for v in versions if v.effective_from <= on]
    return max(started, key=lambda v: (v.effective_from, v.version)) if started else None


def _summary(name: str, versions: list[ReferenceVersion], on: date) -> ReferenceListSummary:
    current = _in_effect(versions, on)
    waiting = sorted((v for v in versions if v.effective_from > on), key=lambda v: v.effective_from)
    next_from = waiting[0].effective_from if waiting else None
    if current is not None:
        items: tuple[ReferenceItem, ...] = current.items
        version, since, source = current.version, current.effective_from, "received"
    else:
        shipped = shipped_reference_list(name)
        items, version, since, source = shipped.items, shipped.version, None, "shipped"
    return ReferenceListSummary(
        name=name,
        label=list_label(name),
        version=version,
        effective_from=since,
        source=source,  # type: ignore[arg-type]
        items_in_effect=sum(1 for item in items if item.in_effect(on)),
        items_total=len(items),
        waiting_versions=len(waiting),
        next_effective_from=next_from,
    )


def reference_lists(session: WorkstationSession, on: date) -> list[ReferenceListSummary]:
    """Every list this program uses, as in effect on `on`, by label."""
    require(session.actor, Permission.MANAGE_SETTINGS, "see the reference data in use")
    received = _received(session)
    shipped = _shipped_names()
    summaries = [_summary(name, received.get(name, []), on) for name in shipped]
    # A list received that this program does not ship is kept but nothing reads it; still shown.
    for name in sorted(set(received) - set(shipped)):
        versions = received[name]
        if _in_effect(versions, on) is not None:
            summaries.append(_summary(name, versions, on))
    return sorted(summaries, key=lambda s: s.label)


def reference_items(session: WorkstationSession, name: str, on: date) -> list[ReferenceItemView]:
    """The items of the version of `name` in effect on `on`, in the list's own order."""
    require(session.actor, Permission.MANAGE_SETTINGS, "see the reference data in use")
    current = _in_effect(_received(session).get(name, []), on)
    if current is not None:
        items = current.items
    else:
        try:
            items = shipped_reference_list(name).items
        except (FileNotFoundError, ValidationError, ValueError):
            raise InvalidInput(f"there is no reference list called {name!r}") from None
    return [
        ReferenceItemView(
            item.code,
            item.name,
            item.effective_from,
            item.effective_to,
            item.in_effect(on),
            _extras_text(item),
        )
        for item in items
    ]


def _extras_text(item: ReferenceItem) -> str:
    parts = []
    for key, value in (item.model_extra or {}).items():
        if value in (None, "", [], {}):
            continue
        if isinstance(value, list):
            shown = ", ".join(str(v) for v in value)
        elif isinstance(value, dict):
            shown = json.dumps(value, ensure_ascii=False, sort_keys=True)
        else:
            shown = str(value)
        parts.append(f"{key.replace('_', ' ')}: {shown}")
    return "; ".join(parts)


@dataclass(frozen=True)
class SiteSettings:
    """This workstation's site and the contact details its letters carry."""

    site_code: str
    site_name: str
    workstation_id: str
    letterhead: Letterhead | None
    problem: str  # why there is no letterhead ("" if there is one)


def site_settings(session: WorkstationSession, on: date) -> SiteSettings:
    """The site, workstation and letterhead in effect on `on` (read-only: they change centrally)."""
    require(session.actor, Permission.MANAGE_SETTINGS, "see the site settings")
    identity = session_identity(session)
    try:
        letterhead: Letterhead | None = load_letterhead(identity.site_code, on)
        problem = ""
    except CarsError as exc:
        letterhead, problem = None, exc.message
    return SiteSettings(identity.site_code, identity.site_name, identity.workstation_id, letterhead, problem)
