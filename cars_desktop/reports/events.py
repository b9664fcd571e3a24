"""What a KPI counts, as events: one dated, attributable fact per thing counted.

A KPI's counting function turns the report's facts into events; the computation then only sorts
events into periods and groups. Keeping the "what counts" apart from the "how it is tallied" is
what lets every KPI be defined once and tallied the same way for any period or grouping.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date

from cars_desktop.reports.facts import Facts
from cars_protocol.records import RecordBase


@dataclass(frozen=True, slots=True)
class Event:
    """One thing counted on one UK date, attributed to the record that shows it.

    `key` makes rates count distinct things (a referral, a person); `weight` lets one record count
    as several (kits in one supply); `category` is the line of a breakdown; `amount` is the value
    a median is taken over (days to treatment).
    """

    day: date | None
    record: RecordBase
    key: Hashable
    category: str | None = None
    weight: int = 1
    amount: float | None = None

    @property
    def person_id(self) -> uuid.UUID | None:
        return getattr(self.record, "person_id", None)


EventSource = Callable[[Facts], Iterable[Event]]
