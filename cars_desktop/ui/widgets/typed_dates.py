"""Reading dates and times the way a UK worker types them, and showing stored UTC times in UK time.

Dates are typed day first (24/3/25, 24-03-2025, 24032025, "today"); stored as ISO "YYYY-MM-DD".
Times are typed 14:30, 1430 or 14.30; stored "HH:MM". Date-times are typed in UK local time and
stored in UTC with "+00:00", so a supply at 00:30 in British Summer Time lands on the right day
everywhere. No Qt here: these rules are tested on their own.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DATE_HINT = "dd/mm/yyyy"
TIME_HINT = "hh:mm"
DATE_MESSAGE = "enter the date as day/month/year, for example 24/03/2025"
TIME_MESSAGE = "enter the time as hours:minutes (24-hour clock), for example 14:30"
# A two-digit year is read as the one within this many years ahead (expiry dates), else the past.
TWO_DIGIT_YEARS_AHEAD = 20


@cache
def uk_zone() -> tzinfo:
    """Europe/London; the machine's own zone if the time-zone database is missing (a bare Windows)."""
    try:
        return ZoneInfo("Europe/London")
    except ZoneInfoNotFoundError:
        zone = datetime.now().astimezone().tzinfo
        assert zone is not None
        return zone


def _full_year(year: int, digits: int, today: date) -> int:
    if digits > 2:
        return year
    candidate = 2000 + year
    return candidate if candidate <= today.year + TWO_DIGIT_YEARS_AHEAD else 1900 + year


def parse_typed_date(text: str, today: date) -> date | None:
    """The date typed (None if blank); ValueError with a message the worker can act on."""
    cleaned = text.strip().lower()
    if not cleaned:
        return None
    if cleaned in ("today", "t"):
        return today
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned):
        try:
            return date.fromisoformat(cleaned)
        except ValueError:
            raise ValueError("there is no such date") from None
    parts = re.split(r"[/.\-\s]+", cleaned)
    if len(parts) == 1 and re.fullmatch(r"\d{6}|\d{8}", cleaned):
        parts = [cleaned[:2], cleaned[2:4], cleaned[4:]]
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or len(parts[2]) not in (2, 4):
        raise ValueError(DATE_MESSAGE)
    day, month = int(parts[0]), int(parts[1])
    year = _full_year(int(parts[2]), len(parts[2]), today)
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError("there is no such date; " + DATE_MESSAGE) from None


def format_date(day: date) -> str:
    """A date as the worker reads it: 24/03/2025."""
    return day.strftime("%d/%m/%Y")


def parse_typed_time(text: str) -> time | None:
    """The time typed (None if blank); ValueError with a message the worker can act on."""
    cleaned = text.strip().lower().replace(".", ":").replace(" ", "")
    if not cleaned:
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", cleaned) or re.fullmatch(r"(\d{1,2})(\d{2})", cleaned)
    if match is None:
        raise ValueError(TIME_MESSAGE)
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValueError("there is no such time; " + TIME_MESSAGE)
    return time(hour, minute)


def format_time(moment: time) -> str:
    """A time as stored and shown: 14:30."""
    return moment.strftime("%H:%M")


def uk_to_utc_iso(day: date, moment: time) -> str:
    """A UK wall-clock date and time as the stored UTC ISO string ("...+00:00")."""
    local = datetime.combine(day, moment, tzinfo=uk_zone())
    return local.astimezone(UTC).isoformat()


def utc_iso_to_uk(value: str) -> tuple[date, time]:
    """A stored date-time as the UK wall-clock date and time to show; ValueError if unreadable."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    local = parsed.astimezone(uk_zone())
    return local.date(), local.time().replace(second=0, microsecond=0)


def uk_time_text(moment: datetime) -> str:
    """When something happened, in UK time: "14:32 on 24/03/2025"."""
    local = moment.astimezone(uk_zone())
    return f"{format_time(local.time())} on {format_date(local.date())}"


# -- UK text of dates and times in lists and pages (one place for every page's cells) ----------


def uk_date(day: date | None) -> str:
    """dd/mm/yyyy, as UK forms write dates; empty for none."""
    return format_date(day) if day else ""


def uk_time(moment: datetime | None) -> str:
    """HH:MM in UK local time; empty for none."""
    return moment.astimezone(uk_zone()).strftime("%H:%M") if moment else ""


def uk_datetime(moment: datetime | None) -> str:
    """dd/mm/yyyy HH:MM in UK local time; empty for none."""
    return moment.astimezone(uk_zone()).strftime("%d/%m/%Y %H:%M") if moment else ""


def uk_long_date(day: date) -> str:
    """A date as people read it: "4 March 2026"."""
    return f"{day.day} {day:%B %Y}"


def uk_long_datetime(moment: datetime) -> str:
    """A moment as people read it: "Tuesday 3 March 2026, 09:00" (UK local time)."""
    local = moment.astimezone(uk_zone())
    return f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M}"
