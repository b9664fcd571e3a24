"""The bundled typeface: names outside Latin-1 print as written, on every page, in an embedded font."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

import pytest
from pypdf import PdfReader

from cars_desktop.documents.appointment import build_appointment_letter
from cars_desktop.documents.core_specimen import core_casework
from cars_desktop.documents.fonts import FONT, FONT_BOLD, register_fonts
from cars_desktop.documents.model import BuiltDocument, PrintOptions
from cars_desktop.documents.pack_leaflets import build_site_leaflets
from cars_desktop.documents.release_pack import build_release_pack
from cars_desktop.documents.specimen import all_specimens
from cars_desktop.documents.styles import MIN_PT
from cars_desktop.resources import resource_path
from tests.documents.conftest import PRINTED_AT
from tests.documents.pdf_tools import pages_text, sizes_of_text

#: Invented names in scripts Helvetica (Latin-1) cannot print: Polish, Turkish, Romanian, Vietnamese.
NAMES = ("Łucja Wiśniewska", "Şükrü Yılmaz", "Ștefan Popescu", "Nguyễn Thị Hằng")


def _letter_and_pack(name: str, large_print: bool = False) -> tuple[BuiltDocument, BuiltDocument]:
    case = core_casework()
    subject = replace(case.referral.subject, display_name=name)
    options = PrintOptions(PRINTED_AT, large_print=large_print)
    letter = build_appointment_letter(case.required_appointment, subject, case.site, options)
    leaflets = build_site_leaflets(subject, case.site, options)
    pack = build_release_pack([letter, *leaflets], subject=subject, site=case.site, options=options)
    return letter, pack


@pytest.mark.parametrize("name", NAMES)
def test_a_name_outside_latin_1_prints_as_written_on_every_page_and_in_the_body(name: str) -> None:
    letter, pack = _letter_and_pack(name)
    assert f"Dear {name}," in " ".join(pages_text(letter.pdf)[0].split())
    assert pack.page_count > 1
    for built in (letter, pack):
        for text in pages_text(built.pdf):
            assert f"{name} Date of birth: 17 May 1991" in " ".join(text.split())


def test_large_print_prints_the_names_too() -> None:
    letter, _ = _letter_and_pack(NAMES[0], large_print=True)
    assert all(NAMES[0] in text for text in pages_text(letter.pdf))


def _fonts_used(pdf: bytes) -> dict[str, Any]:
    """Every font a page's text is set in, by base name (the subset prefix removed)."""
    fonts: dict[str, Any] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"]
        content = page.get_contents()
        data = content.get_data() if content is not None else b""
        for key, ref in resources["/Font"].get_object().items():
            if f"{key} ".encode() in data:  # declared and set with Tf
                font: Any = ref.get_object()
                fonts[str(font["/BaseFont"]).lstrip("/").split("+")[-1]] = font
    return fonts


def test_every_text_is_set_in_the_bundled_font_and_the_font_is_embedded() -> None:
    letter, _ = _letter_and_pack(NAMES[1])
    fonts = _fonts_used(letter.pdf)
    assert set(fonts) == {"DejaVuSans", "DejaVuSans-Bold"}
    for font in fonts.values():
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        assert "/FontFile2" in descendant["/FontDescriptor"].get_object()


def test_the_font_files_and_their_licence_ship_with_the_resources() -> None:
    assert register_fonts() == (FONT, FONT_BOLD)
    assert register_fonts() == (FONT, FONT_BOLD)  # registered once, safe to ask again
    for file in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        assert resource_path("fonts", file).read_bytes()[:4] == b"\x00\x01\x00\x00"  # TrueType
    licence = resource_path("fonts", "LICENSE-DejaVu.txt").read_text(encoding="utf-8")
    assert "Bitstream Vera Fonts Copyright" in licence and "DejaVu changes are in public domain" in licence


def test_the_same_facts_still_give_the_same_bytes() -> None:
    first, _ = _letter_and_pack(NAMES[2])
    again, _ = _letter_and_pack(NAMES[2])
    assert first.pdf == again.pdf and first.sha256 == again.sha256


def test_no_specimen_of_any_kind_refers_to_another_font() -> None:
    for name, build in all_specimens():
        assert set(_fonts_used(build(PrintOptions(PRINTED_AT)).pdf)) <= {"DejaVuSans", "DejaVuSans-Bold"}, (
            name
        )


def test_a_footer_line_too_wide_for_the_wider_font_is_set_smaller_not_over_the_qr_code() -> None:
    build = dict(all_specimens())["police_notification_left_early"]
    pdf = build(PrintOptions(PRINTED_AT, large_print=True)).pdf
    long_title = sizes_of_text(pdf, "Page 1 of")
    assert len(long_title) == 1 and MIN_PT <= long_title.pop() < 12.0
    assert sizes_of_text(pdf, "Date of birth:") == {12.0}  # a line that fits keeps its size
