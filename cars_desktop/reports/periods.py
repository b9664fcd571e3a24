"""Reporting periods in UK local dates: day, week, month, quarter and financial year (April to March).

The commissioner counts by the date in England, so a record made at 00:30 BST on 1 April belongs
to April even though it is 23:30 UTC on 31 March; every record time is UTC, turned into a UK date
here, in one place.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from cars_desktop.domain.report_months import month_key

UK = ZoneInfo("Europe/London")

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


class PeriodKind(StrEnum):
    DAY = "day"
    WEEK = "week"  # Monday to Sunday
    MONTH = "month"
    QUARTER = "quarter"  # financial quarters: Q1 is April to June
    FINANCIAL_YEAR = "financial_year"  # April to March


def uk_date_of(moment: datetime) -> date:
    """The Europe/London calendar date of a time (BST-correct); naive times are refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a time without a zone cannot be placed on a UK date")
    return moment.astimezone(UK).date()


def _financial_year_start(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def _long_date(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def natural_bounds(day: date, kind: PeriodKind) -> tuple[date, date]:
    """The whole period of `kind` that contains `day` (first and last dates, inclusive)."""
    if kind is PeriodKind.DAY:
        return day, day
    if kind is PeriodKind.WEEK:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if kind is PeriodKind.MONTH:
        start = day.replace(day=1)
    elif kind is PeriodKind.QUARTER:
        start = date(day.year, ((day.month - 1) // 3) * 3 + 1, 1)
    else:
        start = date(_financial_year_start(day), 4, 1)
    months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.FINANCIAL_YEAR: 12}[kind]
    index = start.year * 12 + start.month - 1 + months
    return start, date(index // 12, index % 12 + 1, 1) - timedelta(days=1)


@dataclass(frozen=True, order=True)
class Period:
    """A run of UK local dates, both ends inclusive; usually a whole calendar or financial period."""

    kind: PeriodKind
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a period cannot end before it starts")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def is_whole(self) -> bool:
        """Whether the period is a whole day, week, month, quarter or year (not cut by the report's dates)."""
        return natural_bounds(self.start, self.kind) == (self.start, self.end)

    @property
    def label(self) -> str:
        """How people name it: "April 2026", "Q1 2026/27", "2026/27"; a cut period shows its dates."""
        if not self.is_whole:
            return f"{_long_date(self.start)} to {_long_date(self.end)}"
        if self.kind is PeriodKind.DAY:
            return _long_date(self.start)
        if self.kind is PeriodKind.WEEK:
            return f"Week beginning {_long_date(self.start)}"
        if self.kind is PeriodKind.MONTH:
            return f"{_MONTHS[self.start.month - 1]} {self.start.year}"
        year = _financial_year_start(self.start)
        fy = f"{year}/{(year + 1) % 100:02d}"
        if self.kind is PeriodKind.QUARTER:
            quarter = ((self.start.month - 4) % 12) // 3 + 1
            return f"Q{quarter} {fy}"
        return fy


def periods_between(first: date, last: date, kind: PeriodKind) -> list[Period]:
    """The periods of `kind` covering `first` to `last`, in order.

    The first and last periods are cut to the report's dates, so nothing outside them is counted;
    a cut period's label shows its dates rather than a month or quarter name.
    """
    if last < first:
        raise ValueError("the report's last date is before its first")
    periods: list[Period] = []
    day = first
    while day <= last:
        _, end = natural_bounds(day, kind)
        periods.append(Period(kind, day, min(end, last)))
        day = end + timedelta(days=1)
    return periods


class PeriodIndex:
    """Finds the period a date falls in among ordered, non-overlapping periods (bisect, not a scan).

    A year's report places hundreds of thousands of events on a few hundred distinct days, so each
    day's answer is remembered, and `position` is the memo's own lookup: a day seen before costs
    one dictionary read.
    """

    def __init__(self, periods: Sequence[Period]) -> None:
        self.periods = tuple(sorted(periods))
        for before, after in zip(self.periods, self.periods[1:], strict=False):
            if after.start <= before.end:
                raise ValueError("report periods must not overlap")
        self.position: Callable[[date | None], int | None] = _Positions(self.periods).__getitem__
        """Where in `periods` the period holding a day is (None when no period holds it). A report
        tallies by position rather than by `Period`: a small number hashes far faster."""

    def find(self, day: date | None) -> Period | None:
        """The period holding `day`, or None."""
        at = self.position(day)
        return None if at is None else self.periods[at]


class _Positions(dict[date | None, int | None]):
    """Day -> position of the period holding it, worked out the first time each day is asked."""

    def __init__(self, periods: tuple[Period, ...]) -> None:
        super().__init__()
        self._periods = periods
        self._starts = [p.start for p in periods]

    def __missing__(self, day: date | None) -> int | None:
        found = None
        if day is not None:
            at = bisect.bisect_right(self._starts, day) - 1
            found = at if at >= 0 and day <= self._periods[at].end else None
        self[day] = found
        return found


@dataclass(frozen=True)
class DateWindow:
    """The dates a report can count on, widened by a day each side: a UTC time's UK date is its own
    date or the next, and an answer's time with another offset moves by at most a day."""

    first: date
    last: date

    @classmethod
    def around(cls, periods: Sequence[Period]) -> DateWindow | None:
        """The window covering `periods` (None when there are none)."""
        if not periods:
            return None
        first = min(p.start for p in periods) - timedelta(days=1)
        last = max(p.end for p in periods) + timedelta(days=1)
        return cls(first, last)

    @property
    def month_keys(self) -> tuple[int, int]:
        """The first and last month the window touches, as the report index stores months
        (`domain.report_months.month_key`): a report reads the records indexed between them."""
        return month_key(self.first), month_key(self.last)
