"""Dotted version numbers, compared without `packaging` (the server needs only `X.Y.Z` order)."""

from __future__ import annotations

import re

_VERSION = re.compile(r"^(\d{1,6})(?:\.(\d{1,6})){0,3}")
MAX_VERSION_TEXT = 40


def parse_version(text: str) -> tuple[int, ...] | None:
    """The numeric parts of `1.2.3` (a `+local` or `-pre` suffix is ignored); None if not a version.

    Missing trailing parts count as zero, so `1.2` equals `1.2.0`.
    """
    text = text.strip()
    if not text or len(text) > MAX_VERSION_TEXT:
        return None
    core = re.split(r"[+\-]", text, maxsplit=1)[0]
    if not _VERSION.fullmatch(core):
        return None
    parts = [int(part) for part in core.split(".")]
    while len(parts) < 3:
        parts.append(0)
    return tuple(parts)


def is_at_least(version: str, minimum: str) -> bool | None:
    """True if `version` >= `minimum`, None if either is not a version."""
    have, need = parse_version(version), parse_version(minimum)
    if have is None or need is None:
        return None
    width = max(len(have), len(need))
    return have + (0,) * (width - len(have)) >= need + (0,) * (width - len(need))
