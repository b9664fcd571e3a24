"""What a reference data file must look like, per kind, as pydantic models.

Every code list (`resources/reference/<name>.json`) has the same frame: `list` (its kind),
`version`, an optional `note` and `items`, each with a `code`, a `name` and the dates it is in
effect; lists may add their own fields. Some kinds check more: sites (their kind), providers
(their local authorities), service hours and appointment slots (site, times, capacity). The
scoring rules are versioned inside the file (`versions`). A form version is a `FormSpec`, checked
by the same code the workstation draws it with.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cars_desktop.forms.spec import FormSpec
from cars_protocol.records import Code

ListName = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[a-z][a-z0-9_]*$")]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ALL_WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
LocalTime = Annotated[str, Field(pattern=_TIME.pattern, description="UK local time, HH:MM")]


class ListItem(BaseModel):
    """One entry of a code list, in effect from `effective_from` until (not including) `effective_to`."""

    model_config = ConfigDict(extra="allow", frozen=True)

    code: Code
    name: Annotated[str, Field(min_length=1, max_length=300)]
    effective_from: date
    effective_to: date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> ListItem:
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            raise ValueError("effective_to must be after effective_from")
        return self


class SiteItem(ListItem):
    kind: Literal["custody", "court", "office"]


class ProviderItem(ListItem):
    local_authorities: Annotated[list[Code], Field(min_length=1)]


class ServiceHoursItem(ListItem):
    """When the team is available at a site on one weekday (UK local time)."""

    site_code: Code
    weekday: Weekday
    opens: LocalTime
    closes: LocalTime

    @model_validator(mode="after")
    def _opens_before_closing(self) -> ServiceHoursItem:
        if self.closes <= self.opens:
            raise ValueError("closes must be later than opens")
        return self


class AppointmentSlotItem(ListItem):
    """Bookable appointment slots at a site: a start time (UK local) on some weekdays, and how many."""

    site_code: Code
    start: LocalTime
    weekdays: Annotated[list[Weekday], Field(min_length=1)] = list(ALL_WEEKDAYS)
    capacity: Annotated[int, Field(ge=0, le=1000)]


class _ListFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    list_name: ListName = Field(alias="list")
    version: Annotated[int, Field(ge=1)]
    note: Annotated[str, Field(max_length=2000)] | None = None

    @model_validator(mode="after")
    def _codes_unique(self) -> _ListFile:
        seen: set[tuple[str, date]] = set()
        for item in getattr(self, "items", ()):
            key = (item.code, item.effective_from)
            if key in seen:
                raise ValueError(f"code {item.code!r} appears twice with the same effective_from")
            seen.add(key)
        return self


class CodeListFile(_ListFile):
    items: Annotated[list[ListItem], Field(min_length=1)]


class SitesFile(_ListFile):
    items: Annotated[list[SiteItem], Field(min_length=1)]


class ProvidersFile(_ListFile):
    items: Annotated[list[ProviderItem], Field(min_length=1)]


class ServiceHoursFile(_ListFile):
    items: Annotated[list[ServiceHoursItem], Field(min_length=1)]


class AppointmentSlotsFile(_ListFile):
    items: Annotated[list[AppointmentSlotItem], Field(min_length=1)]


class ScoringVersion(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    version: Annotated[int, Field(ge=1)]
    effective_from: date


class ScoringFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    list_name: Literal["scoring"] = Field(alias="list")
    note: Annotated[str, Field(max_length=2000)] | None = None
    versions: Annotated[list[ScoringVersion], Field(min_length=1)]


#: The model each list kind is checked with; any other list name is a plain code list.
LIST_MODELS: dict[str, type[BaseModel]] = {
    "sites": SitesFile,
    "providers": ProvidersFile,
    "service_hours": ServiceHoursFile,
    "appointment_slots": AppointmentSlotsFile,
    "scoring": ScoringFile,
}


def model_for(raw: Any) -> tuple[str, type[BaseModel]]:
    """The kind a decoded file declares and the model that checks it.

    A file with `list` is a reference list; one with `id` and `sections` is a form version
    (kind `form:<id>`). Anything else is a plain code list, so its errors name the missing `list`.
    """
    if isinstance(raw, dict):
        name = raw.get("list")
        if isinstance(name, str):
            return name, LIST_MODELS.get(name, CodeListFile)
        form_id = raw.get("id")
        if isinstance(form_id, str) and "sections" in raw:
            return f"form:{form_id}", FormSpec
    return "", CodeListFile
