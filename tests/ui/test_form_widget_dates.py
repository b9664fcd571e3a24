"""How the form widget reads typed dates and times, and shows stored UTC times in UK time."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from cars_desktop.ui.widgets.typed_dates import (
    DATE_MESSAGE,
    format_date,
    parse_typed_date,
    parse_typed_time,
    uk_time_text,
    uk_to_utc_iso,
    utc_iso_to_uk,
)

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("24/03/2025", date(2025, 3, 24)),
        ("24/3/25", date(2025, 3, 24)),
        ("24-03-2025", date(2025, 3, 24)),
        ("24.03.2025", date(2025, 3, 24)),
        ("24 3 2025", date(2025, 3, 24)),
        ("24032025", date(2025, 3, 24)),
        ("240325", date(2025, 3, 24)),
        ("2025-03-24", date(2025, 3, 24)),
        (" today ", TODAY),
        ("T", TODAY),
        ("1/1/46", date(2046, 1, 1)),  # within twenty years ahead: an expiry date
        ("1/1/47", date(1947, 1, 1)),  # further ahead than that: a date of birth
        ("", None),
        ("   ", None),
    ],
)
def test_typed_dates_are_read_day_first(typed: str, expected: date | None) -> None:
    assert parse_typed_date(typed, TODAY) == expected


@pytest.mark.parametrize("typed", ["24/03", "March 24", "24/03/202", "2025/03/24x", "yesterday-ish"])
def test_unreadable_dates_say_how_to_type_one(typed: str) -> None:
    with pytest.raises(ValueError, match="day/month/year"):
        parse_typed_date(typed, TODAY)


def test_an_impossible_date_says_so() -> None:
    with pytest.raises(ValueError, match=r"^there is no such date") as raised:
        parse_typed_date("31/02/2025", TODAY)
    assert DATE_MESSAGE in str(raised.value)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("14:30", time(14, 30)),
        ("9:05", time(9, 5)),
        ("1430", time(14, 30)),
        ("930", time(9, 30)),
        ("14.30", time(14, 30)),
    ],
)
def test_typed_times_are_read_on_the_24_hour_clock(typed: str, expected: time) -> None:
    assert parse_typed_time(typed) == expected


@pytest.mark.parametrize("typed", ["24:00", "12:60", "2pm", "1"])
def test_unreadable_times_say_how_to_type_one(typed: str) -> None:
    with pytest.raises(ValueError, match="hours:minutes"):
        parse_typed_time(typed)


def test_uk_times_are_stored_in_utc_across_summer_time() -> None:
    assert uk_to_utc_iso(date(2025, 7, 1), time(0, 30)) == "2025-06-30T23:30:00+00:00"  # BST
    assert uk_to_utc_iso(date(2025, 1, 15), time(0, 30)) == "2025-01-15T00:30:00+00:00"  # GMT
    assert utc_iso_to_uk("2025-06-30T23:30:00+00:00") == (date(2025, 7, 1), time(0, 30))
    assert uk_time_text(datetime.fromisoformat("2025-06-30T23:30:00+00:00")) == "00:30 on 01/07/2025"
    assert format_date(date(2025, 3, 4)) == "04/03/2025"
