"""Treatment Outcomes Profile day counts (DOMAIN.md 3.4): the previous 28 days as 4 weekly counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from cars_desktop.domain.errors import InvalidInput
from cars_desktop.forms.scoring.rules import scoring_rules


def top_days(weeks: Sequence[int], *, on: date | None = None) -> int:
    """Total days over the TOP look-back from its weekly counts.

    Input: a list of 4 weekly counts, each 0-7 (week 1 first). Returns the 28-day total (0-28).
    A fifth week, a week over 7 or a total over 28 is rejected: each would mean days outside
    the look-back were counted.
    """
    rules = scoring_rules(on).top
    if isinstance(weeks, str | bytes) or not isinstance(weeks, Sequence):
        raise InvalidInput(f"TOP day counts must be a list of {rules.weeks} weekly counts")
    if len(weeks) != rules.weeks:
        raise InvalidInput(
            f"TOP counts the previous {rules.max_total_days} days as {rules.weeks} weekly counts "
            f"(got {len(weeks)})"
        )
    counts = [_week(n, value, rules.max_days_per_week) for n, value in enumerate(weeks, start=1)]
    total = sum(counts)
    if total > rules.max_total_days:
        raise InvalidInput(f"TOP day counts add up to {total}, more than {rules.max_total_days} days")
    return total


def _week(number: int, value: object, most: int) -> int:
    if value is None:
        raise InvalidInput(f"TOP week {number} has no count")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        shown = value if isinstance(value, int) and not isinstance(value, bool) else repr(value)
        raise InvalidInput(f"TOP week {number} accepts 0 to {most} days (got {shown})")
    return value
