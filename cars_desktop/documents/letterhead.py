"""Each site's letterhead and service contact details, kept as reference data (letterheads.json).

The file is a versioned reference list like the others, so the central server can update a phone
number without a new release; one entry per site code in sites.json.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from cars_desktop.domain.errors import InvalidInput
from cars_desktop.resources import reference_list


class Letterhead(BaseModel):
    """What the top of a letter and the worker-contact lines say for one site."""

    model_config = ConfigDict(frozen=True)

    site_code: str
    site_name: str
    service_name: str
    address: tuple[str, ...] = Field(min_length=1)
    phone: str
    email: str
    hours: str
    directions: str = ""
    leaflets: tuple[str, ...] = ()
    specimen: bool = False

    @property
    def address_line(self) -> str:
        """The address on one line, for a contact card."""
        return ", ".join(self.address)


def load_letterhead(site_code: str, on: date | None = None) -> Letterhead:
    """The letterhead of a site in effect on `on`; an unknown site is an error naming the valid ones."""
    try:
        item = reference_list("letterheads").get(site_code, on)
    except InvalidInput:
        raise InvalidInput(
            f"there is no letterhead for site {site_code!r}; add it to resources/reference/letterheads.json"
        ) from None
    return Letterhead.model_validate(
        {"site_code": item.code, "site_name": item.name, **(item.model_extra or {})}
    )
