"""Parsing record JSON (`record_from_json`) accepts and refuses exactly what the models do.

`record_from_json` tries a faster validator first (canonical UTC times parsed in C) and falls back
to the model's own `model_validate_json`. These tests pin the wire contract through both: every
time the model accepts comes back equal and in UTC (`tzinfo` the `datetime.timezone.utc` object),
every input it refuses is refused with the model's own errors, word for word.
"""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel, ValidationError

from cars_protocol.fast_parse import FastJsonParser
from cars_protocol.records import (
    RECORD_TYPES,
    Action,
    ActionType,
    Appointment,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    Consent,
    CourtListEntry,
    CustodyEpisode,
    DaySignOff,
    DrugTest,
    NaloxoneProduct,
    NaloxoneSupply,
    RecordBase,
    Referral,
    ReviewDecision,
    Role,
    Tombstone,
    _require_utc,
    record_from_json,
    record_parser,
)
from tests import factories

PERSON_ID = uuid.UUID("0b6f3c52-8c1e-4a57-9a4e-1d2f3a4b5c6d")
AT = datetime(2026, 1, 31, 19, 28, tzinfo=UTC)
COMMON: dict[str, Any] = {"site_code": "OLDBURY", "author": "sam.worker", "created_at": AT, "updated_at": AT}


def _specimens() -> list[RecordBase]:
    """One record of every type, each UTC time field filled in (invented people only)."""
    return [
        factories.person(created_at=AT, updated_at=AT),
        CustodyEpisode(
            **COMMON,
            person_id=PERSON_ID,
            custody_record_number="20-0012345",
            arrived_at=AT - timedelta(hours=3),
            released_at=AT + timedelta(hours=5, microseconds=250_000),
        ),
        DrugTest(
            **COMMON,
            person_id=PERSON_ID,
            episode_id=uuid.uuid4(),
            sample_taken_at=AT - timedelta(hours=1),
            results={"opiates": "positive"},
        ),
        Assessment(
            **COMMON,
            person_id=PERSON_ID,
            kind=AssessmentKind.CUSTODY_ARRIVAL,
            form_id="custody_arrival",
            form_version=1,
            answers={"arrived_at": "2026-01-31T19:28:00+00:00", "tested_on": "arrest"},
            status=AssessmentStatus.COMPLETED,
            completed_at=AT + timedelta(minutes=40),
        ),
        Referral(
            **COMMON,
            person_id=PERSON_ID,
            provider_code="CGL-BHAM",
            local_authority="BIRMINGHAM",
            appointment_at=AT + timedelta(days=3),
        ),
        NaloxoneSupply(
            **COMMON,
            person_id=PERSON_ID,
            product=NaloxoneProduct.NYXOID,
            batch_number="NX1",
            supplied_on=date(2026, 1, 31),
            expiry_date=date(2028, 1, 31),
        ),
        Appointment(
            **COMMON,
            person_id=PERSON_ID,
            starts_at=AT + timedelta(days=2),
            location_site_code="OLDBURY",
            booked_by="cus.staff",
            booked_by_role=Role.CUSTODY_STAFF,
        ),
        ReviewDecision(**COMMON, assessment_id=uuid.uuid4(), assessment_revision=2, decision="approved"),
        Consent(**COMMON, person_id=PERSON_ID, given_on=date(2026, 1, 31)),
        Action(
            **COMMON,
            person_id=PERSON_ID,
            action_type=ActionType.SAFEGUARDING,
            owner="sam.worker",
            due_at=AT + timedelta(days=1),
            tombstone=Tombstone(at=AT + timedelta(days=4), by="sup.one", reason="raised in error"),
        ),
        CourtListEntry(**COMMON, person_id=PERSON_ID, hearing_at=AT + timedelta(days=7)),
        DaySignOff(
            **COMMON, day=date(2026, 1, 31), signed_off_site="OLDBURY", signed_off_by_name="Ada Okonkwo"
        ),
    ]


#: UTC time fields of each record type, counting the tombstone's `at` that every record may carry.
TIME_FIELDS = {
    "person": 3,
    "custody_episode": 5,
    "drug_test": 4,
    "assessment": 4,
    "referral": 4,
    "naloxone_supply": 3,
    "appointment": 4,
    "review_decision": 3,
    "consent": 3,
    "action": 4,
    "court_list_entry": 4,
    "day_sign_off": 3,
}


def _exact(record_type: str, body: str) -> RecordBase:
    """What the model alone makes of `body`: the contract `record_from_json` must keep."""
    return RECORD_TYPES[record_type].model_validate_json(body)


def _person_body(**times: Any) -> str:
    """A stored person's JSON with the given fields replaced (times as raw JSON values)."""
    fields = json.loads(factories.person(created_at=AT, updated_at=AT).model_dump_json())
    fields.update(times)
    return json.dumps(fields)


def _same_outcome(record_type: str, body: str) -> RecordBase | None:
    """Parse `body` both ways and check they agree; the record, or None when both refused it."""
    expected: RecordBase | None = None
    refusal: str | None = None
    try:
        expected = _exact(record_type, body)
    except ValidationError as refused:
        refusal = str(refused)
    if expected is None:
        with pytest.raises(ValidationError) as caught:
            record_from_json(record_type, body)
        assert str(caught.value) == refusal, body
        return None
    parsed = record_from_json(record_type, body)
    assert parsed == expected, body
    assert parsed.model_dump_json() == expected.model_dump_json()
    assert parsed.model_fields_set == expected.model_fields_set
    for name in ("created_at", "updated_at"):
        assert getattr(parsed, name).tzinfo is UTC, body
    return parsed


def test_every_record_type_parses_its_times_on_the_fast_path() -> None:
    specimens = _specimens()
    assert {type(record).record_type for record in specimens} == set(RECORD_TYPES)
    for record in specimens:
        parser = record_parser(record.record_type)
        assert parser.fast_time_fields == TIME_FIELDS[record.record_type], record.record_type
        before = parser.fallbacks
        parsed = record_from_json(record.record_type, record.model_dump_json())
        assert parsed == record
        assert parser.fallbacks == before, f"{record.record_type} fell back to the model's validator"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-31T19:28:00Z", datetime(2026, 1, 31, 19, 28, tzinfo=UTC)),
        ("2026-01-31T19:28:00+00:00", datetime(2026, 1, 31, 19, 28, tzinfo=UTC)),
        ("2026-01-31T19:28:00-00:00", datetime(2026, 1, 31, 19, 28, tzinfo=UTC)),
        ("2026-07-14T10:30:00+01:00", datetime(2026, 7, 14, 9, 30, tzinfo=UTC)),
        ("2026-01-01T00:30:00+02:00", datetime(2025, 12, 31, 22, 30, tzinfo=UTC)),
        ("2026-01-31T19:28:00.123456Z", datetime(2026, 1, 31, 19, 28, 0, 123456, tzinfo=UTC)),
        ("2026-01-31T19:28:00.5Z", datetime(2026, 1, 31, 19, 28, 0, 500000, tzinfo=UTC)),
        ("2026-01-31 19:28:00Z", datetime(2026, 1, 31, 19, 28, tzinfo=UTC)),
        ("2026-01-31T19:28Z", datetime(2026, 1, 31, 19, 28, tzinfo=UTC)),
        (1769887680, datetime(2026, 1, 31, 19, 28, tzinfo=UTC)),
    ],
)
def test_accepted_times_come_back_in_utc(text: str | int, expected: datetime) -> None:
    parsed = _same_outcome("person", _person_body(created_at=text, updated_at=text))
    assert parsed is not None
    assert parsed.created_at == expected
    assert (parsed.created_at.utcoffset(), parsed.created_at.tzinfo) == (timedelta(0), UTC)


@pytest.mark.parametrize("text", ["2026-01-31T19:28:00", "2026-01-31T19:28:00.250000", "2026-01-31"])
def test_naive_times_are_refused_naming_the_field(text: str) -> None:
    body = _person_body(updated_at=text)
    assert _same_outcome("person", body) is None
    with pytest.raises(ValidationError) as caught:
        record_from_json("person", body)
    (error,) = caught.value.errors()
    assert error["loc"] == ("updated_at",)
    assert error["msg"] == "Value error, time must include a time zone (UTC)"


def test_a_naive_time_and_another_fault_are_both_reported() -> None:
    body = _person_body(created_at="2026-01-31T19:28:00", site_code="no spaces allowed")
    assert _same_outcome("person", body) is None
    with pytest.raises(ValidationError) as caught:
        record_from_json("person", body)
    assert [error["loc"] for error in caught.value.errors()] == [("created_at",), ("site_code",)]


def test_impossible_and_malformed_times_are_refused_as_before() -> None:
    for text in ("2026-02-30T10:00:00Z", "2026-13-01T10:00:00Z", "2026-01-31T24:00:00Z", "yesterday", ""):
        body = _person_body(created_at=text)
        assert _same_outcome("person", body) is None, text
        with pytest.raises(ValidationError) as caught:
            record_from_json("person", body)
        assert caught.value.errors()[0]["loc"] == ("created_at",)


def _time_texts() -> list[str]:
    """Valid and invalid times around every edge of the canonical shape the fast path takes."""
    dates = [
        f"{year}-{month_day}"
        for year in ("0000", "0001", "1970", "2024", "2025", "9999")
        for month_day in ("01-01", "02-28", "02-29", "02-30", "04-31", "12-31", "00-10", "13-01", "01-00")
    ]
    clocks = ["00:00:00", "23:59:59", "24:00:00", "12:60:00", "12:00:60", "9:00:00", "12:00"]
    fractions = ["", ".5", ".12", ".123", ".1234", ".12345", ".123456", ".1234567", "."]
    zones = ["Z", "z", "+00:00", "-00:00", "+0000", "+00", "+01:00", "-05:30", "+23:59", "+24:00", ""]
    texts = [f"{day}T{clock}Z" for day, clock in itertools.product(dates, clocks)]
    for day in ("2024-02-29", "2025-02-29", "9999-12-31", "0001-01-01"):
        for fraction, zone, separator in itertools.product(fractions, zones, ("T", " ", "t")):
            texts.append(f"{day}{separator}23:59:59{fraction}{zone}")
    texts += ["２０２６-01-31T19:28:00Z", "2026-W05-6T19:28:00Z", "20260131T192800Z", "2026-01-31T19:28:00ZZ"]
    return texts


def test_fast_and_exact_parsing_agree_over_a_grid_of_times() -> None:
    accepted = 0
    for text in _time_texts():
        if _same_outcome("person", _person_body(created_at=text, updated_at="9999-12-31T23:59:59Z")):
            accepted += 1
    assert accepted > 100  # the grid really exercises acceptance, not only refusal


def test_tombstone_times_are_normalised_and_checked() -> None:
    tombstone = {"at": "2026-07-14T10:30:00+01:00", "by": "sup.one", "reason": "entered twice"}
    parsed = _same_outcome("person", _person_body(tombstone=tombstone))
    assert parsed is not None and parsed.tombstone is not None
    assert parsed.tombstone.at == datetime(2026, 7, 14, 9, 30, tzinfo=UTC)
    assert parsed.tombstone.at.tzinfo is UTC
    body = _person_body(tombstone={**tombstone, "at": "2026-07-14T10:30:00"})
    assert _same_outcome("person", body) is None
    with pytest.raises(ValidationError, match="time must include a time zone") as caught:
        record_from_json("person", body)
    assert caught.value.errors()[0]["loc"] == ("tombstone", "at")


def test_dates_and_times_in_answers_are_left_as_written() -> None:
    answers = {
        "arrived_at": "2026-01-31T19:28:00+00:00",
        "released_at": "2026-01-31T21:00:00Z",
        "seen_on": "2026-01-31",
        "naive": "2026-01-31T19:28:00",
        "results": [{"drug": "opiates", "taken_at": "2026-01-31T20:47:00.5+01:00"}],
    }
    record = Assessment(
        **COMMON,
        person_id=PERSON_ID,
        kind=AssessmentKind.CUSTODY_ARRIVAL,
        form_id="custody_arrival",
        form_version=1,
        answers=answers,
    )
    parsed = _same_outcome("assessment", record.model_dump_json())
    assert isinstance(parsed, Assessment)
    assert parsed.answers == answers


def test_other_refusals_are_the_models_own() -> None:
    bodies = [
        _person_body(favourite_colour="blue"),
        _person_body(revision=0),
        _person_body(updated_at="2026-01-30T19:28:00Z"),  # before created_at
        '{"id": "not json',
        "[]",
    ]
    for body in bodies:
        assert _same_outcome("person", body) is None, body
    with pytest.raises(ValueError, match="unknown record type 'spaceship'"):
        record_from_json("spaceship", "{}")


def test_building_records_in_python_is_unchanged() -> None:
    london = datetime(2026, 7, 14, 10, 30, tzinfo=ZoneInfo("Europe/London"))
    person = factories.person(created_at=london, updated_at=AT.replace(year=2027))
    assert person.created_at == datetime(2026, 7, 14, 9, 30, tzinfo=UTC)
    assert person.created_at.tzinfo is UTC
    assert person.updated_at is not None and person.updated_at.tzinfo is UTC
    with pytest.raises(ValidationError, match="time must include a time zone"):
        factories.person(updated_at=datetime(2026, 7, 14, 10, 30))


def test_a_model_without_utc_times_is_parsed_by_its_own_validator() -> None:
    class Note(BaseModel):
        text: str
        written_at: datetime

    parser = FastJsonParser(Note, _require_utc)
    assert parser.fast_time_fields == 0
    assert parser('{"text": "hi", "written_at": "2026-01-31T19:28:00"}').written_at.tzinfo is None
    with pytest.raises(ValidationError):
        parser('{"text": 1}')


@pytest.mark.parametrize("text", ["9999-12-31T23:59:59-05:30", "0001-01-01T00:30:00+01:00"])
def test_a_time_whose_utc_is_off_the_calendar_is_refused_naming_the_field(text: str) -> None:
    body = _person_body(created_at=text)
    assert _same_outcome("person", body) is None
    with pytest.raises(ValidationError) as caught:
        record_from_json("person", body)
    (error,) = caught.value.errors()
    assert error["loc"] == ("created_at",)
    assert error["msg"] == "Value error, time is out of range once converted to UTC"
