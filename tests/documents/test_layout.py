"""The shared page machinery: identity on every page, COPY marking, sizes, letterheads, the pack."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from reportlab.platypus import Flowable, Paragraph

from cars_desktop.documents.blocks import tick_list
from cars_desktop.documents.layout import MARGIN, render
from cars_desktop.documents.letterhead import Letterhead, load_letterhead
from cars_desktop.documents.model import (
    BuiltDocument,
    DocumentKind,
    FlowablesFactory,
    PrintOptions,
    Subject,
    reference_for,
)
from cars_desktop.documents.release_pack import ReleasePackError, build_release_pack
from cars_desktop.documents.styles import BODY_PT, LARGE_BODY_PT, MIN_PT, Styles
from cars_desktop.domain.errors import InvalidInput
from cars_desktop.resources import resource_path
from tests.documents.pdf_tools import all_text, font_sizes, pages_text, sizes_of_text

LONG = "Words that fill a page of plain English advice about the appointment. " * 60


def _body(paragraph_count: int) -> FlowablesFactory:
    def flowables(styles: Styles) -> list[Flowable]:
        return [Paragraph(LONG, styles.body) for _ in range(paragraph_count)]

    return flowables


def _doc(subject: Subject, site: Letterhead, options: PrintOptions, count: int = 4) -> BuiltDocument:
    return render(
        DocumentKind.HARM_REDUCTION_ADVICE,
        "Staying safer",
        subject,
        site,
        _body(count),
        options,
        "the person",
    )


def test_identity_on_every_page(subject: Subject, site: Letterhead, options: PrintOptions) -> None:
    built = _doc(subject, site, options)
    pages = pages_text(built.pdf)
    assert built.page_count == len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        flat = " ".join(text.split())
        assert "Robin Testperson" in flat
        assert "Date of birth: 14 July 1988" in flat
        assert f"Staying safer Page {number} of {len(pages)}" in flat
        assert "Printed 4 March 2026 at 14:05" in flat  # UK local time (GMT in March)
        assert f"Ref: {subject.reference}" in flat
    assert "COPY" not in all_text(built.pdf)


def test_reprint_is_marked_copy_with_the_first_date_on_every_page(subject: Subject, site: Letterhead) -> None:
    first = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)
    built = _doc(subject, site, PrintOptions(datetime(2026, 7, 2, 10, 0, tzinfo=UTC), copy_of=first))
    for text in pages_text(built.pdf):
        assert "COPY — first printed 1 July 2026 at 10:30" in text  # BST


def test_same_facts_and_time_give_the_same_bytes(
    subject: Subject, site: Letterhead, options: PrintOptions
) -> None:
    one, two = _doc(subject, site, options), _doc(subject, site, options)
    assert one.sha256 == two.sha256 and one.pdf == two.pdf
    assert one.pdf.startswith(b"%PDF")


def test_body_is_12_pt_or_16_in_large_print_and_nothing_below_9(
    subject: Subject, site: Letterhead, options: PrintOptions
) -> None:
    normal = font_sizes(_doc(subject, site, options, 1).pdf)
    large = font_sizes(_doc(subject, site, PrintOptions(options.printed_at, large_print=True), 1).pdf)
    assert BODY_PT == 12 and LARGE_BODY_PT == 16 and MIN_PT == 9
    assert sizes_of_text(_doc(subject, site, options, 1).pdf, "plain English advice") == {BODY_PT}
    large_doc = _doc(subject, site, PrintOptions(options.printed_at, large_print=True), 1)
    assert sizes_of_text(large_doc.pdf, "plain English advice") == {LARGE_BODY_PT}
    assert min(normal) >= MIN_PT and min(large) >= MIN_PT
    assert MARGIN >= 15 * 72 / 25.4


def test_metadata_title_never_names_the_person(
    subject: Subject, site: Letterhead, options: PrintOptions
) -> None:
    built = _doc(subject, site, options, 1)
    assert b"Staying safer" in built.pdf
    assert b"Testperson" not in built.pdf.split(b"stream")[0]


def test_tick_boxes_say_covered_in_words(subject: Subject, site: Letterhead, options: PrintOptions) -> None:
    built = render(
        DocumentKind.NALOXONE_CHECKLIST,
        "Ticks",
        subject,
        site,
        lambda styles: [tick_list([("Call 999", True), ("Myths", False)], styles)],
        options,
        "the person",
    )
    text = all_text(built.pdf)
    assert "Call 999 covered" in text and "Myths not covered" in text


def test_every_site_has_a_letterhead_marked_specimen() -> None:
    sites = json.loads(resource_path("reference", "sites.json").read_text(encoding="utf-8"))["items"]
    for item in sites:
        head = load_letterhead(item["code"])
        assert head.specimen and "specimen" in head.email
        assert head.phone.startswith("0121 496 0")  # Ofcom's drama range: never a real line
    with pytest.raises(InvalidInput, match=r"NOWHERE.*letterheads\.json"):
        load_letterhead("NOWHERE")


def test_release_pack_orders_parts_and_numbers_pages_across_the_pack(
    subject: Subject, site: Letterhead, options: PrintOptions
) -> None:
    def doc(kind: DocumentKind, title: str, count: int) -> BuiltDocument:
        return render(kind, title, subject, site, _body(count), options, "the person")

    naloxone = doc(DocumentKind.NALOXONE_CHECKLIST, "Naloxone checklist", 1)
    advice = doc(DocumentKind.HARM_REDUCTION_ADVICE, "Staying safer", 3)
    appointment = doc(DocumentKind.APPOINTMENT_LETTER, "Your appointment", 1)
    pack = build_release_pack([naloxone, advice, appointment], subject=subject, site=site, options=options)
    pages = [" ".join(t.split()) for t in pages_text(pack.pdf)]
    total = appointment.page_count + advice.page_count + naloxone.page_count
    assert pack.kind is DocumentKind.RELEASE_PACK and pack.page_count == len(pages) == total
    assert "Your appointment Release pack: page 1 of" in pages[0]
    assert f"Naloxone checklist Release pack: page {total} of {total}" in pages[-1]
    assert all("Robin Testperson" in page for page in pages)
    other_id = uuid4()
    other = Subject(other_id, "Other Person", subject.date_of_birth, reference_for(other_id))
    with pytest.raises(ReleasePackError, match="someone else"):
        build_release_pack([appointment], subject=other, site=site, options=options)
    with pytest.raises(ReleasePackError, match="at least one"):
        build_release_pack([], subject=subject, site=site, options=options)


def test_reference_reveals_nothing_and_is_stable() -> None:
    record = uuid4()
    code = reference_for(record)
    assert code == reference_for(record) and code.startswith("CARS-") and len(code) == 14
    assert not any(ch in code for ch in "ILOU")


def test_naive_print_time_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        PrintOptions(printed_at=datetime(2026, 1, 1))


def test_nothing_written_to_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, subject: Subject, site: Letterhead, options: PrintOptions
) -> None:
    monkeypatch.chdir(tmp_path)
    _doc(subject, site, options, 1)
    assert list(tmp_path.iterdir()) == []
