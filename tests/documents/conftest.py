"""Invented people and print settings for document tests (no real person data)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from cars_desktop.documents.letterhead import Letterhead, load_letterhead
from cars_desktop.documents.model import PrintOptions, Subject, reference_for

PERSON_ID = UUID("00000000-0000-4000-8000-00000000d0c5")
PRINTED_AT = datetime(2026, 3, 4, 14, 5, tzinfo=UTC)


@pytest.fixture
def subject() -> Subject:
    return Subject(PERSON_ID, "Robin Testperson", date(1988, 7, 14), reference_for(PERSON_ID))


@pytest.fixture
def site() -> Letterhead:
    return load_letterhead("OLDBURY")


@pytest.fixture
def options() -> PrintOptions:
    return PrintOptions(printed_at=PRINTED_AT)
