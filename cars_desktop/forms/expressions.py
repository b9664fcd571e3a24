"""A small, safe condition language that form specs can hold as data (no `eval`).

A condition is JSON:

* ``{"field": "injecting", "op": "==", "value": "current"}`` compares an answer with a constant;
* ``{"field": "expiry_date", "op": ">", "other": "supplied_on"}`` compares two answers;
* ``{"field": "audit_c", "op": ">=", "value": 5, "part": "total"}`` reads one part of a computed result;
* ``{"field": "consent", "op": "answered"}`` / ``"not_answered"``; ``"in"`` / ``"not_in"`` take a list;
  ``"contains"`` tests a multiple-choice answer;
* ``{"all": [...]}``, ``{"any": [...]}`` and ``{"not": {...}}`` combine them.

An unanswered field makes every comparison false (and ``not_answered`` true), so skip logic never
shows a branch because of a blank. Field names resolve in the current repeat-group item first, then
in the whole form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

Operator = Literal["==", "!=", ">", ">=", "<", "<=", "in", "not_in", "contains", "answered", "not_answered"]
Scalar = str | int | float | bool | None


class Comparison(BaseModel):
    """One test of one answer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str
    op: Operator
    value: Scalar | list[Scalar] = None
    other: str | None = None
    part: str | None = None

    @model_validator(mode="after")
    def _operands_fit(self) -> Comparison:
        if self.op in ("in", "not_in") and not isinstance(self.value, list):
            raise ValueError(f"'{self.op}' needs a list of values")
        if self.other is not None and self.op not in ("==", "!=", ">", ">=", "<", "<="):
            raise ValueError("'other' compares two answers and needs a comparison operator")
        return self


class AllOf(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    all: list[Condition] = Field(min_length=1)


class AnyOf(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    any: list[Condition] = Field(min_length=1)


class Not(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    not_: Condition = Field(alias="not")


Condition = Annotated[Union[Comparison, AllOf, AnyOf, Not], Field(union_mode="left_to_right")]  # noqa: UP007
AllOf.model_rebuild()
AnyOf.model_rebuild()
Not.model_rebuild()


class Scope:
    """Where names are looked up: a repeat-group item, then the whole form."""

    def __init__(self, answers: Mapping[str, Any], item: Mapping[str, Any] | None = None) -> None:
        self.answers = answers
        self.item = item

    def lookup(self, name: str, part: str | None = None) -> Any:
        in_item = self.item is not None and name in self.item
        value = self.item[name] if in_item and self.item is not None else self.answers.get(name)
        if part is not None:
            value = value.get(part) if isinstance(value, Mapping) else None
        return value


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def _compare(op: str, left: Any, right: Any) -> bool:
    try:
        if op == "==":
            return bool(left == right)
        if op == "!=":
            return bool(left != right)
        if op == ">":
            return bool(left > right)
        if op == ">=":
            return bool(left >= right)
        if op == "<":
            return bool(left < right)
        if op == "<=":
            return bool(left <= right)
    except TypeError:
        return False  # answers of different kinds never satisfy an ordering
    raise ValueError(f"unknown operator {op}")


def evaluate(condition: Condition, scope: Scope) -> bool:
    """Whether the condition holds for these answers."""
    if isinstance(condition, AllOf):
        return all(evaluate(c, scope) for c in condition.all)
    if isinstance(condition, AnyOf):
        return any(evaluate(c, scope) for c in condition.any)
    if isinstance(condition, Not):
        return not evaluate(condition.not_, scope)
    value = scope.lookup(condition.field, condition.part)
    if condition.op == "answered":
        return not _blank(value)
    if condition.op == "not_answered":
        return _blank(value)
    if _blank(value):
        return False
    if condition.op == "contains":
        return isinstance(value, list) and condition.value in value
    if condition.op in ("in", "not_in"):
        assert isinstance(condition.value, list)
        return (value in condition.value) == (condition.op == "in")
    right = scope.lookup(condition.other) if condition.other is not None else condition.value
    if _blank(right):
        return False
    return _compare(condition.op, value, right)


def referenced_fields(condition: Condition) -> set[str]:
    """Every field a condition reads, so a spec can be checked for names it does not define."""
    if isinstance(condition, AllOf):
        return set().union(*(referenced_fields(c) for c in condition.all))
    if isinstance(condition, AnyOf):
        return set().union(*(referenced_fields(c) for c in condition.any))
    if isinstance(condition, Not):
        return referenced_fields(condition.not_)
    return {condition.field} | ({condition.other} if condition.other else set())
