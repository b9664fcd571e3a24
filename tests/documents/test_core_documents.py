"""Referral letters, appointment letters, the pack's leaflets and the Naloxone checklist, read back
from real PDFs: every required item is there, and nothing the consent leaves out."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cars_desktop.documents.appointment import build_appointment_letter
from cars_desktop.documents.core_specimen import (
    ALCOHOL_MARKERS,
    MENTAL_HEALTH_MARKERS,
    core_casework,
    specimen_consent,
    specimen_person,
    specimen_referral,
)
from cars_desktop.documents.facts import ConsentMissing, referral_facts, worker_contact
from cars_desktop.documents.model import BuiltDocument, DocumentKind, PrintOptions
from cars_desktop.documents.naloxone import build_naloxone_checklist
from cars_desktop.documents.pack_leaflets import build_harm_reduction_advice, build_provider_card
from cars_desktop.documents.referral import build_referral_letter, build_referral_person_copy
from cars_desktop.documents.styles import LARGE_BODY_PT
from cars_protocol.records import Consent, LegalBasis
from tests.documents.conftest import PRINTED_AT
from tests.documents.pdf_tools import all_text, pages_text, sizes_of_text

OPTIONS = PrintOptions(PRINTED_AT)


def _identity_on_every_page(built: BuiltDocument) -> None:
    pages = pages_text(built.pdf)
    assert built.page_count == len(pages)
    for number, text in enumerate(pages, start=1):
        flat = " ".join(text.split())
        assert "Jordan Specimen Date of birth: 17 May 1991" in flat
        assert f"Page {number} of {len(pages)}" in flat and "Printed 4 March 2026 at 14:05" in flat
        assert "Ref: CARS-" in flat


def test_referral_letter_holds_who_why_what_appointment_and_contact() -> None:
    case = core_casework()
    built = build_referral_letter(case.referral, case.site, OPTIONS)
    text = all_text(built.pdf)
    assert built.kind is DocumentKind.REFERRAL_PROVIDER and built.recipient == "Cranstoun Sandwell"
    for item in (
        "To Cranstoun Sandwell",
        "Jordan Specimen (born 17 May 1991), who lives in Sandwell",
        "required assessment under the Drugs Act 2005",
        "agreed on 4 March 2026 (signed)",
        "12 Invented Road, Oldbury, B69 9ZZ",
        "07700 900123",
        "Heroin, Smoked",
        *MENTAL_HEALTH_MARKERS,
        "Tuesday 10 March 2026 at 10:30",
        "Sam Specimen-Worker",
        "0121 496 0003",
        *ALCOHOL_MARKERS,
    ):
        assert item in text, item
    assert "DASH" not in text and "domestic abuse" not in text.lower()
    _identity_on_every_page(built)


def test_referral_leaves_out_what_the_consent_excludes() -> None:
    case = core_casework(categories=("assessment_summary", "risk"))
    for built in (
        build_referral_letter(case.referral, case.site, OPTIONS),
        build_referral_person_copy(case.referral, case.site, OPTIONS),
    ):
        text = all_text(built.pdf)
        for word in (
            *ALCOHOL_MARKERS,
            *MENTAL_HEALTH_MARKERS,
            "Heroin",
            "Crack",
            "Hepatitis",
            "Invented Lane",
        ):
            assert word not in text, word
        assert "12 Invented Road" not in text and "07700 900123" not in text  # no contact_details
        assert "Hostel or temporary accommodation" in text and "Has ever overdosed" in text


def test_referral_with_no_shared_categories_says_so() -> None:
    case = core_casework(categories=())
    text = all_text(build_referral_letter(case.referral, case.site, OPTIONS).pdf)
    assert "not to sharing details of the assessment" in text and "Heroin" not in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"recipients": ["probation"]}, "not agreed to share with a treatment provider"),
        ({"withdrawn_on": specimen_consent(specimen_person()).given_on}, "withdrawn"),
        (
            {"legal_basis": LegalBasis.SAFEGUARDING, "justification": "x", "approver": "sup.one"},
            "needs the person's consent",
        ),
    ],
)
def test_no_referral_without_live_consent_to_a_provider(change: dict[str, object], message: str) -> None:
    person = specimen_person()
    consent = Consent.model_validate(specimen_consent(person).model_dump() | change)
    site = core_casework().site
    with pytest.raises(ConsentMissing, match=message):
        referral_facts(person, specimen_referral(person), consent, [], worker_contact("W", site))
    with pytest.raises(ConsentMissing, match="no consent"):
        referral_facts(person, specimen_referral(person), None, [], worker_contact("W", site))


def test_person_copy_is_plain_and_says_the_same() -> None:
    case = core_casework()
    built = build_referral_person_copy(case.referral, case.site, OPTIONS)
    text = all_text(built.pdf)
    assert built.kind is DocumentKind.REFERRAL_PERSON and built.recipient == "the person"
    for item in (
        "Dear Jordan Specimen",
        "asked Cranstoun Sandwell to help you",
        "What we told them",
        "Heroin",
    ):
        assert item in text, item
    assert "change your mind" in text and "Tuesday 10 March 2026 at 10:30" in text
    _identity_on_every_page(built)


def test_required_appointment_carries_the_offence_warning_and_voluntary_does_not() -> None:
    case = core_casework()
    subject = case.referral.subject
    required = all_text(build_appointment_letter(case.required_appointment, subject, case.site, OPTIONS).pdf)
    voluntary = all_text(
        build_appointment_letter(case.voluntary_appointment, subject, case.site, OPTIONS).pdf
    )
    for text in (required, voluntary):
        for item in (
            "Tuesday 10 March 2026 at 10:30",
            "Oldbury custody block, Oldbury Custody Suite, 3 Specimen Road",
            "front counter of the police station",
            "the CARS duty worker",
            "What to bring",
            "This letter",
        ):
            assert item in text, item
    assert "stay until the assessment is finished" in required and "committing an offence" in required
    assert "legal requirement" in required
    for word in ("offence", "prison", "court", "legal requirement", "RA1"):
        assert word not in voluntary, word
    assert "your choice" in voluntary


def test_provider_card_and_advice() -> None:
    case = core_casework()
    subject, provider = case.referral.subject, case.referral.provider
    card = all_text(build_provider_card(provider, subject, case.site, OPTIONS).pdf)
    for item in (provider.name, provider.address, provider.phone, provider.email, provider.hours, "999"):
        assert item in card, item
    advice = build_harm_reduction_advice(subject, case.site, OPTIONS)
    text = all_text(advice.pdf)
    assert "Use less than you used to" in text and "Do not use alone" in text and "Carry naloxone" in text
    assert advice.page_count == 1
    _identity_on_every_page(advice)


def test_naloxone_checklist_has_supply_topics_actions_signatures_and_handover() -> None:
    case = core_casework()
    built = build_naloxone_checklist(case.naloxone, case.referral.subject, case.site, OPTIONS)
    text = all_text(built.pdf)
    for item in (
        "Prenoxad (pre-filled syringe, 2 mg in 2 ml)",
        "SPEC-2026-0042",
        "30 September 2028",
        "Number of kits 1",
        "CALL 999",
        "RECOVERY POSITION",
        "GIVE NALOXONE",
        "REPEAT AFTER 2 TO 3 MINUTES",
        "STAY WITH THEM",
        "Worker who supplied the kit",
        "Person receiving the kit",
        "Custody officer (property hand-over)",
        "Kit put in the person's property Yes",
    ):
        assert item in text, item
    for label, covered in case.naloxone.topics:
        assert f"{label} {'covered' if covered else 'not covered'}" in text, label
    assert len(case.naloxone.topics) == 12 and sum(c for _, c in case.naloxone.topics) == 9
    assert min(sizes_of_text(built.pdf, "GIVE NALOXONE")) >= 20  # key actions in large print
    _identity_on_every_page(built)


def test_large_print_sets_the_body_at_16_pt() -> None:
    case = core_casework()
    large = replace(OPTIONS, large_print=True)
    built = build_appointment_letter(case.voluntary_appointment, case.referral.subject, case.site, large)
    assert sizes_of_text(built.pdf, "Coming to this appointment is your choice") == {LARGE_BODY_PT}
