"""The documents' typeface: DejaVu Sans, bundled, registered with reportlab once, embedded in every PDF.

reportlab's built-in Helvetica knows Latin-1 only, so names common in custody ("Łucja Wiśniewska",
"Şükrü Yılmaz", "Ștefan Popescu", "Nguyễn") came out as black boxes or wrong letters. DejaVu Sans
covers Latin Extended, Vietnamese, Greek and Cyrillic, and prints clearly on a cheap laser. The
font files ship in `resources/fonts/` (package `cars_resources`) with their licence
(`LICENSE-DejaVu.txt`); a TrueType font registered with reportlab is always embedded (as a
subset), so the PDF prints the same on any machine.

Italic mark-up (`<i>`) maps to the upright faces: the documents emphasise with bold or a box, never
slant (see styles.py), and leaving the oblique files out keeps the bundle small.
"""

from __future__ import annotations

from functools import cache

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from cars_desktop.resources import resource_path

FONT = "CarsSans"
FONT_BOLD = "CarsSans-Bold"
_FILES = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}


@cache
def register_fonts() -> tuple[str, str]:
    """Register the bundled regular and bold faces (once per process); return their names.

    Raises FileNotFoundError if a font file is missing from resources/fonts, which is a packaging
    bug: the documents must not fall back silently to a font that misprints names.
    """
    for name, file in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(resource_path("fonts", file))))
    # So that <b> in paragraph mark-up picks the bold face (and <i> stays upright, see above).
    for bold, italic, face in ((0, 0, FONT), (1, 0, FONT_BOLD), (0, 1, FONT), (1, 1, FONT_BOLD)):
        addMapping(FONT, bold, italic, face)
    return FONT, FONT_BOLD
