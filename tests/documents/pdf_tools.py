"""Reading back what the document builders made: text, font sizes and page images (real PDFs)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

from pypdf import PdfReader

_TF = re.compile(rb"/(\S+)\s+([0-9.]+)\s+Tf")


def pages_text(pdf: bytes) -> list[str]:
    """The text of every page, as pypdf extracts it."""
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def all_text(pdf: bytes) -> str:
    """The whole document's text with runs of white space made single spaces."""
    return " ".join(" ".join(pages_text(pdf)).split())


def font_sizes(pdf: bytes) -> list[float]:
    """Every font size set in the page content streams (the `Tf` operator)."""
    sizes: list[float] = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        contents = page.get_contents()
        data = contents.get_data() if contents is not None else b""
        sizes += [float(m.group(2)) for m in _TF.finditer(data)]
    return sizes


def sizes_of_text(pdf: bytes, words: str) -> set[float]:
    """The font sizes of the text runs that contain `words`."""
    found: set[float] = set()

    def visit(text: str, cm: object, tm: object, font: object, size: float) -> None:
        if words in text:
            found.add(round(size, 1))

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return found


def render_png(pdf: bytes, folder: Path, stem: str = "page", dpi: int = 60) -> list[Path]:
    """Render each page with poppler's pdftoppm, as CI does; returns the PNGs in page order."""
    assert shutil.which("pdftoppm"), "pdftoppm (poppler-utils) is needed to render specimens"
    source = folder / f"{stem}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(source), str(folder / stem)], check=True)
    return sorted(folder.glob(f"{stem}-*.png"))


def ink_share(png: Path) -> float:
    """The share of pixels that are not white, read with Pillow (a reportlab dependency)."""
    from PIL import Image

    with Image.open(png) as image:
        grey = image.convert("L")
        histogram = grey.histogram()
    dark = sum(histogram[:200])
    return dark / sum(histogram)
