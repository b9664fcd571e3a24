"""Hypothesis strategies for request bodies and parameters, generated from the OpenAPI document.

A compact JSON Schema → strategy translation (the parts FastAPI and pydantic emit: `$ref`,
objects, arrays, strings with length, pattern and format, numbers with bounds, `anyOf`, `enum`),
mixed with arbitrary JSON and with schema-shaped values that break one rule, so each endpoint sees
well-formed, nearly-right and nonsense input. schemathesis would do this too, but is not installed.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from hypothesis import strategies as st

from cars_protocol.records import RECORD_TYPES

JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
ANY_JSON: st.SearchStrategy[Any] = st.recursive(
    JSON_LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
#: Property names that get realistic values half the time, so validation deeper down is reached.
_HINTS: dict[str, st.SearchStrategy[Any]] = {
    "record_type": st.sampled_from(sorted(RECORD_TYPES)),
    "site_code": st.sampled_from(["OLDBURY", "WALSALL"]),
    "username": st.sampled_from(["sam.worker", "ria.supervisor", "nobody.here"]),
}


class SchemaStrategies:
    """Strategies for the schemas of one OpenAPI document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.components: dict[str, Any] = document.get("components", {}).get("schemas", {})

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.components[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def value(self, schema: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
        """Values that conform to `schema` (mostly), or arbitrary JSON when nesting gets deep."""
        schema = self._resolve(schema)
        if depth > 6 or not schema:
            return ANY_JSON
        if "enum" in schema:
            return st.sampled_from(schema["enum"])
        if "const" in schema:
            return st.just(schema["const"])
        if "anyOf" in schema or "oneOf" in schema:
            options: list[dict[str, Any]] = schema.get("anyOf") or schema.get("oneOf") or []
            return st.one_of([self.value(option, depth + 1) for option in options])
        kind = schema.get("type")
        if kind == "object":
            return self._object(schema, depth)
        if kind == "array":
            items = self.value(schema.get("items", {}), depth + 1)
            return st.lists(
                items, min_size=schema.get("minItems", 0), max_size=min(schema.get("maxItems", 3), 3)
            )
        if kind == "string":
            return self._string(schema)
        if kind == "integer":
            return st.integers(min_value=_bound(schema, "minimum"), max_value=_bound(schema, "maximum"))
        if kind == "number":
            return st.floats(allow_nan=False, allow_infinity=False)
        if kind == "boolean":
            return st.booleans()
        if kind == "null":
            return st.none()
        return ANY_JSON

    def _object(self, schema: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
        properties: dict[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", []))
        if not properties:
            return st.dictionaries(st.text(max_size=12), ANY_JSON, max_size=4)
        fields = {
            name: st.one_of(_HINTS[name], self.value(sub, depth + 1))
            if name in _HINTS
            else self.value(sub, depth + 1)
            for name, sub in properties.items()
        }
        required_part = st.fixed_dictionaries({k: v for k, v in fields.items() if k in required})
        optional_part = st.fixed_dictionaries(
            {}, optional={k: v for k, v in fields.items() if k not in required}
        )
        return st.tuples(required_part, optional_part).map(lambda parts: {**parts[0], **parts[1]})

    def _string(self, schema: dict[str, Any]) -> st.SearchStrategy[str]:
        low, high = schema.get("minLength", 0), min(schema.get("maxLength", 60), 60)
        fmt = schema.get("format")
        if fmt == "uuid":
            return st.uuids().map(str)
        if fmt == "date-time":
            return st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat())
        if fmt == "date":
            return st.dates().map(str)
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True).filter(lambda s: low <= len(s) <= high)
        return st.text(min_size=low, max_size=max(low, high))

    def body(self, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
        """Bodies for an operation: schema-shaped, arbitrary JSON, or schema-shaped with junk added."""
        shaped = self.value(schema)
        broken = st.tuples(shaped, st.text(min_size=1, max_size=8), ANY_JSON).map(
            lambda t: {**t[0], t[1]: t[2]} if isinstance(t[0], dict) else t[0]
        )
        return st.one_of(shaped, shaped, broken, ANY_JSON)


def _bound(schema: dict[str, Any], key: str) -> int | None:
    value = schema.get(key)
    return int(value) if value is not None else None
