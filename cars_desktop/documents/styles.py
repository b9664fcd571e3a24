"""Type sizes and paragraph styles for paper read by people who may read poorly, on cheap lasers.

Body text is 12 pt (16 pt in large print), nothing is smaller than 9 pt, everything is black on
white, and emphasis is bold or a box, never colour.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.colors import black
from reportlab.lib.styles import ParagraphStyle

BODY_PT = 12.0
LARGE_BODY_PT = 16.0
MIN_PT = 9.0
FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"


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


def _style(name: str, size: float, font: str = FONT, leading: float = 1.3, **more: object) -> ParagraphStyle:
    size = max(size, MIN_PT)
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * leading, textColor=black, **more)


def styles_for(large_print: bool) -> Styles:
    """The styles for normal or large print; every size scales from the body size."""
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
