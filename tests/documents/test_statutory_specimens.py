"""Every statutory and safeguarding specimen renders with poppler: pages non-blank, count as built."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cars_desktop.documents.model import PrintOptions
from cars_desktop.documents.statutory_specimen import Specimen, specimens
from tests.documents.pdf_tools import ink_share, pages_text, render_png

OPTIONS = PrintOptions(printed_at=datetime(2026, 3, 11, 9, 0, tzinfo=UTC))
SPECIMENS = specimens()


@pytest.mark.parametrize("large_print", [False, True], ids=["normal", "large"])
@pytest.mark.parametrize("specimen", SPECIMENS, ids=[s.name for s in SPECIMENS])
def test_specimen_renders_non_blank_pages(specimen: Specimen, large_print: bool, tmp_path: Path) -> None:
    doc = specimen.build(PrintOptions(OPTIONS.printed_at, large_print=large_print))
    pngs = render_png(doc.pdf, tmp_path, specimen.name)
    assert len(pngs) == doc.page_count == len(pages_text(doc.pdf))
    assert doc.page_count <= (6 if large_print else 4)
    for png in pngs:
        assert ink_share(png) > 0.01, png.name  # letterhead, text and the identity footer at least


def test_large_print_makes_longer_documents() -> None:
    for specimen in SPECIMENS:
        normal = specimen.build(OPTIONS)
        large = specimen.build(PrintOptions(OPTIONS.printed_at, large_print=True))
        assert large.page_count >= normal.page_count, specimen.name
        assert large.sha256 != normal.sha256
