"""Answers checked against a spec, with messages that name the field in the worker's words."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from cars_desktop.forms.spec import FormSpec
from cars_desktop.forms.validation import validate, visible_answers

SPEC = FormSpec.model_validate(
    {
        "id": "test_form",
        "version": 1,
        "title": "Test form",
        "purpose": "Exercise every field type",
        "record_kind": "lifestyle",
        "sections": [
            {
                "id": "one",
                "title": "One",
                "fields": [
                    {
                        "id": "name",
                        "type": "short_text",
                        "label": "Name",
                        "required": True,
                        "validation": {"max_length": 20},
                    },
                    {"id": "notes", "type": "long_text", "label": "Notes"},
                    {
                        "id": "age",
                        "type": "integer",
                        "label": "Age first used",
                        "validation": {"min": 5, "max": 90},
                    },
                    {"id": "units", "type": "decimal", "label": "Units a day", "validation": {"min": 0}},
                    {
                        "id": "seen_on",
                        "type": "date",
                        "label": "Date seen",
                        "validation": {"not_in_future": True},
                    },
                    {"id": "seen_at", "type": "time", "label": "Time seen"},
                    {"id": "arrived", "type": "datetime", "label": "Arrived"},
                    {"id": "injects", "type": "yes_no", "label": "Injects", "required": True},
                    {
                        "id": "sharing",
                        "type": "yes_no",
                        "label": "Shares equipment",
                        "shown_when": {"field": "injects", "op": "==", "value": "yes"},
                        "required_when": {"field": "injects", "op": "==", "value": "yes"},
                    },
                    {
                        "id": "colour",
                        "type": "single_choice",
                        "label": "Colour",
                        "choices": [{"code": "r", "label": "Red"}, {"code": "g", "label": "Green"}],
                    },
                    {
                        "id": "la",
                        "type": "single_choice",
                        "label": "Local authority",
                        "choices_from": "local_authorities",
                    },
                    {
                        "id": "topics",
                        "type": "multiple_choice",
                        "label": "Topics",
                        "choices": [{"code": "a", "label": "A"}, {"code": "b", "label": "B"}],
                    },
                    {
                        "id": "mood",
                        "type": "scale",
                        "label": "Mood",
                        "choices": [
                            {"code": 0, "label": "Low"},
                            {"code": 1, "label": "Mid"},
                            {"code": 2, "label": "High"},
                        ],
                    },
                    {"id": "provider", "type": "lookup", "label": "Provider", "lookup": "provider"},
                    {"id": "signed", "type": "signature", "label": "Signed by the worker"},
                    {"id": "supplied", "type": "date", "label": "Date supplied"},
                    {
                        "id": "expiry",
                        "type": "date",
                        "label": "Expiry date",
                        "validation": {"after_field": "supplied"},
                    },
                    {
                        "id": "drugs",
                        "type": "repeat_group",
                        "label": "Problem substances",
                        "validation": {"max_items": 3, "min_items": 1},
                        "fields": [
                            {"id": "drug", "type": "short_text", "label": "Substance", "required": True},
                            {
                                "id": "route",
                                "type": "single_choice",
                                "label": "Route",
                                "choices": [
                                    {"code": "smoke", "label": "Smoked"},
                                    {"code": "inject", "label": "Injected"},
                                ],
                            },
                            {
                                "id": "site",
                                "type": "short_text",
                                "label": "Injecting site",
                                "shown_when": {"field": "route", "op": "==", "value": "inject"},
                            },
                        ],
                    },
                ],
            }
        ],
    }
)

GOOD = {
    "name": "Marnie",
    "injects": "no",
    "drugs": [{"drug": "heroin", "route": "smoke"}],
}


def messages(answers: dict[str, object], completing: bool = True) -> list[str]:
    return [i.text for i in validate(SPEC, answers, completing=completing, today=date(2026, 11, 25))]


def test_minimal_valid_answers_pass() -> None:
    assert messages(GOOD) == []


def test_required_answers_are_named_when_completing_but_not_for_drafts() -> None:
    assert messages({}) == [
        "Name: this must be answered",
        "Injects: this must be answered",
        "Problem substances: add at least 1",
    ]
    assert messages({}, completing=False) == []


def test_skip_logic_makes_a_question_required_only_when_shown() -> None:
    assert "Shares equipment: this must be answered" in messages({**GOOD, "injects": "yes"})
    assert visible_answers(SPEC, {**GOOD, "sharing": "yes"}).get("sharing") is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "x" * 21, "Name: keep this to 20 characters or fewer"),
        ("age", 4, "Age first used: must be 5 or more"),
        ("age", 12.5, "Age first used: enter a whole number"),
        ("age", "twelve", "Age first used: enter a number"),
        ("units", True, "Units a day: enter a number"),
        ("seen_on", "2026-11-26", "Date seen: cannot be in the future"),
        ("seen_on", "2026-02-30", "Date seen: enter a real date, day month year"),
        ("arrived", "2026-11-20T09:00:00", "Arrived: the time must carry its time zone"),
        ("colour", "blue", "Colour: choose one of the options"),
        ("la", "ATLANTIS", "Local authority: choose one of the options"),
        ("topics", ["a", "a"], "Topics: each option can be chosen once"),
        ("mood", 3, "Mood: choose one of the options"),
        ("injects", "maybe", "Injects: answer yes, no or not asked"),
        (
            "signed",
            {"name": " ", "signed_at": "2026-11-20T09:00:00+00:00"},
            "Signed by the worker: type the name of the person signing",
        ),
    ],
)
def test_bad_values_get_a_message_naming_the_field(field: str, value: object, message: str) -> None:
    assert message in messages({**GOOD, field: value}, completing=False)


def test_expiry_must_follow_supply() -> None:
    assert "Expiry date: must be after date supplied" in messages(
        {**GOOD, "supplied": "2026-05-01", "expiry": "2026-05-01"}
    )
    assert messages({**GOOD, "supplied": "2026-05-01", "expiry": "2027-05-01"}) == []


def test_repeat_group_items_are_checked_and_named_by_entry() -> None:
    found = messages({**GOOD, "drugs": [{"drug": "heroin"}, {"route": "inject"}]})
    assert found == ["Substance (entry 2): this must be answered"]
    assert messages({**GOOD, "drugs": [{"drug": "a"}] * 4}) == ["Problem substances: at most 3 entries"]
    kept = visible_answers(SPEC, {**GOOD, "drugs": [{"drug": "a", "route": "smoke", "site": "arm"}]})
    assert kept["drugs"] == [{"drug": "a", "route": "smoke"}]


def test_unknown_answers_are_reported() -> None:
    assert "favourite_colour: this question is not on this version of the form" in messages(
        {**GOOD, "favourite_colour": "red"}
    )


def test_spec_refuses_conditions_on_unknown_fields() -> None:
    raw = SPEC.model_dump(mode="json", by_alias=True)
    raw["sections"][0]["fields"][0]["shown_when"] = {"field": "nowhere", "op": "answered"}
    with pytest.raises(ValidationError, match="unknown fields"):
        FormSpec.model_validate(raw)
