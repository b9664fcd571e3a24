"""Layout pieces shared by the statutory and safeguarding documents, on top of `blocks`.

Forms sent to the police or social care are read as tables of facts under headings; a heading
must never be left alone at the foot of a page.
"""

from __future__ import annotations

from reportlab.platypus import Flowable, KeepTogether

from cars_desktop.documents.blocks import facts_table, heading, notice
from cars_desktop.documents.styles import Styles

Row = tuple[str, str]


def section(title: str, rows: list[Row], styles: Styles) -> Flowable:
    """A heading and its table of facts, kept on one page so a heading is never left alone."""
    return KeepTogether([heading(title, styles), facts_table(rows, styles)])


def boxed(texts: list[str], styles: Styles) -> list[Flowable]:
    """Already-escaped wording in a thick frame (the frame brings its own space around it)."""
    return [notice(texts, styles)]
