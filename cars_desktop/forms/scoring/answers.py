"""Reading instrument answers given as a list or keyed by question number.

Forms hand answers over either way; both are read into one shape here so that every instrument
rejects bad input with the same kind of message, naming the question in a worker's words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cars_desktop.domain.errors import InvalidInput


def numbered_answers(
    instrument: str, answers: Mapping[int, object] | Sequence[object], numbers: Sequence[int]
) -> dict[int, object]:
    """Answers keyed by question number; a list is read as questions 1, 2, 3, ...

    A None answer counts as not answered and is left out, so callers report it as missing.
    A question number the instrument does not have is rejected rather than ignored, because it
    means the form and the instrument disagree.
    """
    if isinstance(answers, str | bytes):
        raise InvalidInput(f"{instrument} answers must be given question by question, not as text")
    if isinstance(answers, Mapping):
        pairs: list[tuple[object, object]] = list(answers.items())
    elif isinstance(answers, Sequence):
        pairs = [(index + 1, value) for index, value in enumerate(answers)]
    else:
        raise InvalidInput(f"{instrument} answers must be a list or keyed by question number")
    first, last = min(numbers), max(numbers)
    result: dict[int, object] = {}
    for key, value in pairs:
        if isinstance(key, bool) or not isinstance(key, int):
            raise InvalidInput(f"{instrument} question numbers must be whole numbers (got {key!r})")
        if key not in numbers:
            raise InvalidInput(f"{instrument} has questions {first} to {last}; there is no question {key}")
        if value is not None:
            result[key] = value
    return result


def describe_values(allowed: Sequence[int]) -> str:
    """'0 to 4' for a run of scores, 'only 0, 2 or 4' for scores with gaps."""
    ordered = sorted(allowed)
    if ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]} to {ordered[-1]}"
    return "only " + ", ".join(str(v) for v in ordered[:-1]) + f" or {ordered[-1]}"


def item_score(instrument: str, number: int, value: object, allowed: Sequence[int]) -> int:
    """One item's score, checked against the values that item accepts."""
    # bool is an int in Python; a tick box answer here means the form is wired wrongly
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        shown = value if isinstance(value, int) and not isinstance(value, bool) else repr(value)
        raise InvalidInput(f"{instrument} question {number} accepts {describe_values(allowed)} (got {shown})")
    return value


def required(instrument: str, answers: Mapping[int, object], number: int) -> object:
    """The answer to a question that must be answered."""
    if number not in answers:
        raise InvalidInput(f"{instrument} question {number} has no answer")
    return answers[number]
