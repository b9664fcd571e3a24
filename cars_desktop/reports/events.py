"""What a KPI counts, as events: one dated, attributable fact per thing counted.

A KPI's counting function turns the report's facts into events; the computation then only sorts
events into periods and groups. Keeping the "what counts" apart from the "how it is tallied" is
what lets every KPI be defined once and tallied the same way for any period or grouping.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable, Iterable
from datetime import date
from typing import NamedTuple

from cars_desktop.reports.facts import Facts
from cars_protocol.records import RecordBase


class Event(NamedTuple):
    """One thing counted on one UK date, attributed to the record that shows it.

    `key` makes rates count distinct things (a referral, a person); `weight` lets one record count
    as several (kits in one supply); `category` is the line of a breakdown; `amount` is the value
    a median is taken over (days to treatment). A named tuple, not a frozen dataclass: a year's
    report makes over a hundred thousand events, and a frozen dataclass took four times as long to
    make each one.
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
