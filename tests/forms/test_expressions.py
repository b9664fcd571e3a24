"""The condition language: safe data, no eval, blanks never satisfy a comparison."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from cars_desktop.forms.expressions import Condition, Scope, evaluate, referenced_fields

parse = TypeAdapter(Condition).validate_python


@pytest.mark.parametrize(
    ("condition", "answers", "expected"),
    [
        ({"field": "a", "op": "==", "value": "yes"}, {"a": "yes"}, True),
        ({"field": "a", "op": "!=", "value": "yes"}, {"a": "no"}, True),
        ({"field": "n", "op": ">=", "value": 5}, {"n": 5}, True),
        ({"field": "n", "op": ">=", "value": 5}, {"n": 4}, False),
        ({"field": "n", "op": "<", "value": 5}, {}, False),
        ({"field": "n", "op": "!=", "value": 5}, {}, False),
        ({"field": "a", "op": "answered"}, {"a": ""}, False),
        ({"field": "a", "op": "not_answered"}, {"a": []}, True),
        ({"field": "a", "op": "in", "value": ["x", "y"]}, {"a": "y"}, True),
        ({"field": "a", "op": "not_in", "value": ["x", "y"]}, {"a": "z"}, True),
        ({"field": "m", "op": "contains", "value": "c"}, {"m": ["a", "c"]}, True),
        ({"field": "s", "op": ">=", "value": 5, "part": "total"}, {"s": {"total": 7}}, True),
        ({"field": "s", "op": ">=", "value": 5, "part": "total"}, {"s": None}, False),
        ({"field": "e", "op": ">", "other": "d"}, {"e": "2026-05-02", "d": "2026-05-01"}, True),
        ({"field": "e", "op": ">", "other": "d"}, {"e": "2026-05-02"}, False),
        ({"field": "n", "op": ">", "value": 3}, {"n": "text"}, False),
        (
            {"all": [{"field": "a", "op": "==", "value": 1}, {"field": "b", "op": "==", "value": 2}]},
            {"a": 1, "b": 2},
            True,
        ),
        (
            {"any": [{"field": "a", "op": "==", "value": 1}, {"field": "b", "op": "==", "value": 2}]},
            {"b": 2},
            True,
        ),
        ({"not": {"field": "a", "op": "==", "value": 1}}, {"a": 2}, True),
    ],
)
def test_evaluate(condition: dict[str, object], answers: dict[str, object], expected: bool) -> None:
    assert evaluate(parse(condition), Scope(answers)) is expected


def test_repeat_group_items_are_looked_up_first() -> None:
    condition = parse({"field": "route", "op": "==", "value": "inject"})
    assert evaluate(condition, Scope({"route": "smoke"}, {"route": "inject"}))
    assert not evaluate(condition, Scope({"route": "inject"}, {"route": "smoke"}))


@pytest.mark.parametrize(
    "bad",
    [
        {"field": "a", "op": "=~", "value": "x"},
        {"field": "a", "op": "in", "value": "x"},
        {"field": "a", "op": "contains", "other": "b"},
        {"all": []},
        {"field": "a", "op": "==", "value": "x", "python": "__import__('os')"},
    ],
)
def test_malformed_conditions_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        parse(bad)


def test_referenced_fields() -> None:
    condition = parse(
        {"all": [{"field": "a", "op": "answered"}, {"not": {"field": "b", "op": ">", "other": "c"}}]}
    )
    assert referenced_fields(condition) == {"a", "b", "c"}
