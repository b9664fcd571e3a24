"""`cars-desktop documents specimen`: every document type written, rendered by poppler, never overwriting."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from cars_desktop.cli import main
from cars_desktop.documents.model import DocumentKind, PrintOptions
from cars_desktop.documents.specimen import all_specimens, write_specimens
from tests.documents.conftest import PRINTED_AT
from tests.documents.pdf_tools import all_text, ink_share, render_png

#: Which specimen file shows each document kind.
FILE_OF_KIND = {
    DocumentKind.REFERRAL_PROVIDER: "referral_provider",
    DocumentKind.REFERRAL_PERSON: "referral_person",
    DocumentKind.APPOINTMENT_LETTER: "appointment_letter_required",
    DocumentKind.PROVIDER_CONTACT_CARD: "provider_contact_card",
    DocumentKind.HARM_REDUCTION_ADVICE: "harm_reduction_advice",
    DocumentKind.NALOXONE_CHECKLIST: "naloxone_checklist",
    DocumentKind.POLICE_NOTIFICATION: "police_notification",
    DocumentKind.RA2_APPOINTMENT_CHANGE: "ra2_appointment_change",
    DocumentKind.RA3_ATTENDANCE: "ra3_attendance",
    DocumentKind.RA4_FOLLOW_UP_REQUIRED: "ra4_follow_up_required",
    DocumentKind.RA5_FOLLOW_UP_NOT_REQUIRED: "ra5_follow_up_not_required",
    DocumentKind.MARAC_REFERRAL: "marac_referral",
    DocumentKind.SAFEGUARDING_SUMMARY: "safeguarding_summary_children",
    DocumentKind.RELEASE_PACK: "release_pack",
    DocumentKind.SITE_LEAFLET: "site_leaflet",
}


def test_cli_writes_every_kind_and_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "specimens"
    assert main(["documents", "specimen", "--out", str(out)]) == 0
    written = {p.stem for p in out.glob("*.pdf")}
    assert set(FILE_OF_KIND.values()) <= written
    assert set(FILE_OF_KIND) == set(DocumentKind)
    assert "specimen documents" in capsys.readouterr().out
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert main(["documents", "specimen", "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "already holds" in error and "nothing was written" in error
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_large_print_specimens_have_their_own_names(tmp_path: Path) -> None:
    paths = write_specimens(tmp_path, large_print=True, printed_at=PRINTED_AT)
    assert all(p.stem.endswith("-large") for p in paths)
    assert "COPY — first printed" in all_text(
        (tmp_path / "appointment_letter_reprint-large.pdf").read_bytes()
    )


#: Pages of each core specimen: a change here is a layout change someone should look at.
CORE_PAGES = {
    "referral_provider": 3,
    "referral_person": 2,
    "appointment_letter_required": 1,
    "appointment_letter_voluntary": 1,
    "appointment_letter_reprint": 1,
    "provider_contact_card": 1,
    "harm_reduction_advice": 1,
    "naloxone_checklist": 2,
    "site_leaflet": 1,
    "release_pack": 6,
}


def test_every_specimen_renders_to_non_blank_pages_of_the_expected_count(tmp_path: Path) -> None:
    for name, build in all_specimens():
        built = build(PrintOptions(PRINTED_AT))
        assert (
            built.page_count
            == len(PdfReader(io.BytesIO(built.pdf)).pages)
            == CORE_PAGES.get(name, built.page_count)
        )
        pngs = render_png(built.pdf, tmp_path, name, dpi=30)
        assert len(pngs) == built.page_count, name
        for png in pngs:
            assert 0.01 < ink_share(png) < 0.6, png.name  # something printed, not a black page
