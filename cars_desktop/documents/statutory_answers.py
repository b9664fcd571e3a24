"""Typed reading of stored form answers for the statutory and safeguarding documents.

Answers are JSON (`Assessment.answers`): times are ISO strings in UTC, yes/no questions are
"yes"/"no", lists are lists of codes. A document must never print a blank where the law needs a
fact, so a missing required answer is an `InvalidInput` naming the question in a worker's words,
never a `KeyError` or an empty line on paper. Messages never carry the answer itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from cars_desktop.domain.errors import InvalidInput


class Answers:
    """Read-only view of one form's answers with typed, named getters."""

    def __init__(self, form_title: str, answers: Mapping[str, Any]) -> None:
        self._title = form_title
        self._answers = answers

    def _missing(self, field_id: str, what: str) -> InvalidInput:
        return InvalidInput(
            f"the {self._title} form has no answer for {what} ({field_id}); "
            "complete the form before making this document"
        )

    def text(self, field_id: str) -> str | None:
        """A free-text or code answer, stripped; None when blank."""
        value = self._answers.get(field_id)
        if value is None:
            return None
        text = str(value).strip()
        return text or None

    def need_text(self, field_id: str, what: str) -> str:
        """A text answer the document cannot do without."""
        value = self.text(field_id)
        if value is None:
            raise self._missing(field_id, what)
        return value

    def yes(self, field_id: str) -> bool:
        """True only for an explicit "yes" (a blank is not a yes)."""
        return self._answers.get(field_id) == "yes"

    def yes_no(self, field_id: str) -> bool | None:
        """True, False, or None when the question was not answered."""
        value = self._answers.get(field_id)
        if value == "yes":
            return True
        if value == "no":
            return False
        return None

    def moment(self, field_id: str) -> datetime | None:
        """A stored date and time (UTC with its zone); None when blank or not a time."""
        value = self._answers.get(field_id)
        if not isinstance(value, str) or not value:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        return moment if moment.tzinfo is not None else None

    def need_moment(self, field_id: str, what: str) -> datetime:
        """A date and time the document cannot do without."""
        value = self.moment(field_id)
        if value is None:
            raise self._missing(field_id, what)
        return value

    def day(self, field_id: str) -> date | None:
        """A stored date; None when blank."""
        value = self._answers.get(field_id)
        if not isinstance(value, str) or not value:
            return None
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None

    def integer(self, field_id: str) -> int | None:
        """A whole-number answer; None when blank."""
        value = self._answers.get(field_id)
        if isinstance(value, bool) or not isinstance(value, int):
            return None
        return value

    def codes(self, field_id: str) -> tuple[str, ...]:
        """A multiple-choice answer as its codes, in the order given."""
        value = self._answers.get(field_id)
        if not isinstance(value, list):
            return ()
        return tuple(str(v) for v in value if isinstance(v, str) and v)

    def groups(self, field_id: str) -> tuple[Answers, ...]:
        """The entries of a repeat group, each readable like a form."""
        value = self._answers.get(field_id)
        if not isinstance(value, list):
            return ()
        return tuple(Answers(self._title, entry) for entry in value if isinstance(entry, Mapping))
