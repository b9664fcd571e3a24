"""How names are compared when looking a person up, so search finds them however typed."""

from __future__ import annotations

import unicodedata


def normalise_name(name: str) -> str:
    """Fold case, accents, spaces, hyphens and apostrophes: O'Neil, o neil and ONEIL match."""
    decomposed = unicodedata.normalize("NFKD", name)
    letters = (c for c in decomposed if not unicodedata.combining(c))
    return "".join(c for c in "".join(letters).casefold() if c.isalnum())
