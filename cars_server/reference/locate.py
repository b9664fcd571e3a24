"""Find the line of a value inside a JSON text, so a refusal can say "line 14" instead of a path.

`json` reports positions only for syntax errors; for a schema error (pydantic's location, such as
`("items", 3, "effective_from")`) this walks the text along that path with the standard decoder
and returns the line where the deepest value it could reach starts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

_WHITESPACE = " \t\r\n"
_DECODER = json.JSONDecoder()


def line_of(text: str, path: Sequence[str | int]) -> int:
    """The 1-based line of the value at `path` in `text` (or of its deepest existing parent)."""
    pos = _skip(text, 0)
    for part in path:
        found = _child(text, pos, part)
        if found is None:
            break
        pos = found
    return text.count("\n", 0, pos) + 1


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WHITESPACE:
        pos += 1
    return pos


def _child(text: str, pos: int, part: str | int) -> int | None:
    """Where the value of key/index `part` of the container starting at `pos` starts, if any."""
    if pos >= len(text):
        return None
    try:
        if text[pos] == "{" and isinstance(part, str):
            return _member(text, pos, part)
        if text[pos] == "[" and isinstance(part, int):
            return _element(text, pos, part)
    except (ValueError, IndexError):  # the text is valid JSON when we are called; be safe anyway
        return None
    return None


def _member(text: str, pos: int, key: str) -> int | None:
    pos = _skip(text, pos + 1)
    while pos < len(text) and text[pos] == '"':
        name, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, pos)
        pos = _skip(text, pos + 1)  # past ':'
        if name == key:
            return pos
        _value, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, pos)
        if pos < len(text) and text[pos] == ",":
            pos = _skip(text, pos + 1)
    return None


def _element(text: str, pos: int, index: int) -> int | None:
    pos = _skip(text, pos + 1)
    current = 0
    while pos < len(text) and text[pos] != "]":
        if current == index:
            return pos
        _value, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, pos)
        if pos < len(text) and text[pos] == ",":
            pos = _skip(text, pos + 1)
        current += 1
    return None
