"""Parsing stored and transmitted record JSON faster, accepting and refusing exactly what the models do.

Why (issue 7): a year's KPI report parses about 48,600 stored records, and a third of that time
went on the UTC times. pydantic parses a JSON time into a datetime carrying its own `TzInfo`;
turning that into `datetime.timezone.utc`, as every record time must be (`records._require_utc`),
costs two Python-level calls on each time field (`utcoffset`, `astimezone`), about 1 us each.
Yet nearly every stored time was written by pydantic itself in one shape, `2026-01-31T19:28:00Z`
(microseconds when there are some), which `datetime.fromisoformat` turns straight into a UTC
datetime in C.

How: `FastJsonParser` gives a model a second validator, built from the model's own core schema
with each UTC time field (the schema node wrapping the given `marker` validator) replaced by a
JSON string of exactly that shape, checked in Rust, then `datetime.fromisoformat`. Everything
else (fields, constraints, extra fields refused, model validators, the class built) is the
model's own schema. Whatever the fast validator refuses, for any reason (an offset such as
`+01:00`, a naive time, a number, a bad field anywhere), is validated again by the model's own
validator, whose answer stands: the record, or today's errors word for word.

Guarantee: the fast validator accepts only times the model's validator accepts too, and builds
equal values for them, always with `tzinfo` the `datetime.timezone.utc` object (the shape allows
only a zero offset; tests/protocol/test_fast_parse.py compares both over a grid of times, valid
and not). So the pair accepts and refuses exactly what the model alone does, and the model's own
`model_validate_json` is untouched for every other caller.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import CoreSchema, SchemaValidator, core_schema

M = TypeVar("M", bound=BaseModel)

#: A UTC time in the one shape pydantic writes (seconds always, 1 to 6 fraction digits, zero offset).
#: ASCII digits only: Rust's `\d` would also match other scripts' digits.
CANONICAL_UTC_TIME = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|[+-]00:00)$"
)


def canonical_utc_time_schema() -> CoreSchema:
    """A JSON string of the canonical shape, parsed by `datetime.fromisoformat` (C, no Python frame).

    An impossible date in that shape (30 February) makes `fromisoformat` raise, which refuses the
    fast path; the model's own validator then reports it as it always has.
    """
    return core_schema.chain_schema(
        [
            core_schema.str_schema(pattern=CANONICAL_UTC_TIME),
            core_schema.no_info_plain_validator_function(datetime.fromisoformat),
        ]
    )


def _is_marked(node: dict[str, Any], marker: Callable[..., Any]) -> bool:
    """Whether `node` is an after-validator calling `marker` (how `UtcDateTime` appears in a schema)."""
    if node.get("type") != "function-after":
        return False
    function = node.get("function")
    return isinstance(function, dict) and function.get("function") is marker


def with_fast_times(schema: Any, marker: Callable[..., Any], replacement: CoreSchema) -> tuple[Any, int]:
    """A copy of a core schema with every node marked by `marker` replaced; and how many were.

    Only dicts and lists are copied; everything else (classes, functions) is shared, so the
    validator built from the copy makes instances of the same model classes.
    """
    if isinstance(schema, dict):
        if _is_marked(schema, marker):
            return replacement, 1
        copied: dict[str, Any] = {}
        replaced = 0
        for key, value in schema.items():
            copied[key], count = with_fast_times(value, marker, replacement)
            replaced += count
        return copied, replaced
    if isinstance(schema, list):
        items: list[Any] = []
        replaced = 0
        for value in schema:
            item, count = with_fast_times(value, marker, replacement)
            items.append(item)
            replaced += count
        return items, replaced
    return schema, 0


def _leave_out_fields(schema: Any, names: tuple[str, ...]) -> None:
    """Take `names` out of the model's own fields in a copied schema (`with_fast_times` copies it),
    and let their JSON be skipped unread (`extra_behavior` "ignore"): an outline of the model."""
    node = schema
    while node.get("type") != "model-fields":
        node = node["schema"]  # model, then any validator functions wrapped around its fields
    for name in names:
        del node["fields"][name]
    node["extra_behavior"] = "ignore"


class FastJsonParser(Generic[M]):
    """Parses one model's JSON: the fast validator first, the model's own when that refuses.

    With `leave_out`, the fast validator makes an outline: an instance without those fields (their
    JSON skipped, never turned into Python objects; reading one raises AttributeError), for readers
    that never use them (`cars_desktop.reports.facts.kpi_outline`). Input it refuses still gets
    the model's own validator, so the answer is then the whole record, or its errors.

    `fast_time_fields` says how many UTC time nodes the fast validator parses in C (0: the schema
    held none, and every call goes straight to the model's validator). `fallbacks` counts the
    calls the fast validator refused, a diagnostic for benchmarks (not exact under threads).
    """

    def __init__(self, model: type[M], marker: Callable[..., Any], leave_out: tuple[str, ...] = ()) -> None:
        self.model = model
        schema, self.fast_time_fields = with_fast_times(
            model.__pydantic_core_schema__, marker, canonical_utc_time_schema()
        )
        if leave_out:
            _leave_out_fields(schema, leave_out)
        self._exact = model.__pydantic_validator__.validate_json
        self._fast = SchemaValidator(schema).validate_json if self.fast_time_fields else None
        self.fallbacks = 0

    def __call__(self, body: str | bytes) -> M:
        """The validated model; refused input raises the model's own `ValidationError`."""
        if self._fast is None:
            exact: M = self._exact(body)
            return exact
        try:
            parsed: M = self._fast(body)
        except ValidationError:
            self.fallbacks += 1
            parsed = self._exact(body)
        return parsed
