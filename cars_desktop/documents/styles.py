"""Type sizes and paragraph styles for paper read by people who may read poorly, on cheap lasers.

Body text is 12 pt (16 pt in large print), nothing is smaller than 9 pt, everything is black on
white, and emphasis is bold or a box, never colour. The typeface is the bundled DejaVu Sans
(fonts.py), which prints every name in the Latin, Greek and Cyrillic scripts correctly.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.colors import black
from reportlab.lib.styles import ParagraphStyle

from cars_desktop.documents.fonts import FONT, FONT_BOLD, register_fonts

BODY_PT = 12.0
LARGE_BODY_PT = 16.0
MIN_PT = 9.0
__all__ = ["BODY_PT", "FONT", "FONT_BOLD", "LARGE_BODY_PT", "MIN_PT", "TABLE_FONT", "Styles", "styles_for"]

#: The first command of every table style: a table's cells otherwise open in reportlab's default
#: Helvetica (the paragraphs inside set their own font, but the PDF would still refer to Helvetica).
TABLE_FONT: tuple[object, ...] = ("FONT", (0, 0), (-1, -1), FONT)


@dataclass(frozen=True)
class Styles:
    """The paragraph styles of one print; documents use these, never their own sizes."""

    body_pt: float
    body: ParagraphStyle
    bold: ParagraphStyle
    small: ParagraphStyle
    heading: ParagraphStyle
    title: ParagraphStyle
    shout: ParagraphStyle
    large_print: bool

    @property
    def gap(self) -> float:
        """The space between paragraphs, in points."""
        return self.body_pt * 0.6


def _style(name: str, size: float, font: str = FONT, leading: float = 1.25, **more: object) -> ParagraphStyle:
    size = max(size, MIN_PT)
    return ParagraphStyle(
        name,
        fontName=font,
        fontSize=size,
        leading=size * leading,
        textColor=black,
        bulletFontName=FONT,  # reportlab's default bullet font is Helvetica at 10 pt
        bulletFontSize=size,
        **more,
    )


def styles_for(large_print: bool) -> Styles:
    """The styles for normal or large print; every size scales from the body size."""
    register_fonts()
    body = LARGE_BODY_PT if large_print else BODY_PT
    return Styles(
        body_pt=body,
        body=_style("body", body, spaceAfter=body * 0.6),
        bold=_style("bold", body, FONT_BOLD, spaceAfter=body * 0.6),
        small=_style("small", body - 2),
        heading=_style("heading", body + 2, FONT_BOLD, spaceBefore=body * 0.6, spaceAfter=body * 0.4),
        title=_style("title", body + 6, FONT_BOLD, leading=1.2, spaceAfter=body * 0.8),
        shout=_style("shout", body + 8, FONT_BOLD, leading=1.25, spaceAfter=body * 0.3),
        large_print=large_print,
    )
