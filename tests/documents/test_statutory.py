"""Required-assessment paperwork: each document carries what the law needs and nothing clinical.

Built from the invented casework in `statutory_specimen`, whose forms deliberately hold drug test
results, findings, the person's own account and notes; the PDFs are read back with pypdf.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cars_desktop.documents.letterhead import Letterhead, load_letterhead
from cars_desktop.documents.model import BuiltDocument, DocumentKind, PrintOptions, reference_for
from cars_desktop.documents.statutory import (
    build_police_notification,
    build_ra2_notice,
    build_ra3_attendance,
    build_ra4_notice,
    build_ra5_notice,
)
from cars_desktop.documents.statutory_facts import (
    Failure,
    RequiredAssessmentFacts,
    RequirementStage,
    required_assessment_facts,
)
from cars_desktop.documents.statutory_specimen import (
    CLINICAL_MARKERS,
    SITE,
    follow_up_left_early,
    initial_did_not_attend,
    initial_follow_up_not_required,
    initial_follow_up_required,
    specimen_episode,
    specimen_person,
    vulnerability_screen,
)
from cars_desktop.documents.templates import TemplateError, parse_template
from cars_desktop.domain.errors import InvalidInput
from cars_desktop.resources import resource_path
from cars_protocol.records import Assessment, Person
from tests.documents.pdf_tools import all_text, pages_text

OPTIONS = PrintOptions(printed_at=datetime(2026, 3, 11, 9, 0, tzinfo=UTC))
PERSON = specimen_person()
EPISODE = specimen_episode(PERSON)
#: The person's own account and the RA5 reason: recorded, but for no statutory document.
ACCOUNTS = ("hospital appointment", "felt unwell", "Weekly keyworker sessions", "Already engaged")


@pytest.fixture(scope="module")
def site() -> Letterhead:
    return load_letterhead(SITE)


def _facts(
    form_maker: Callable[[Person], Assessment], initial: Assessment | None = None
) -> RequiredAssessmentFacts:
    return required_assessment_facts(PERSON, form_maker(PERSON), episode=EPISODE, initial=initial)


def _assert_identity_on_every_page(doc: BuiltDocument) -> None:
    pages = pages_text(doc.pdf)
    assert len(pages) == doc.page_count >= 1
    for number, text in enumerate(pages, start=1):
        flat = " ".join(text.split())
        assert "Tamsin Farrowdale" in flat
        assert "Date of birth: 14 February 1991" in flat
        assert f"Page {number} of {doc.page_count}" in flat
        assert reference_for(PERSON.id) in flat
        assert "Printed 11 March 2026 at 09:00" in flat


def _assert_nothing_clinical(text: str) -> None:
    for marker in (*CLINICAL_MARKERS, *ACCOUNTS):
        assert marker.lower() not in text.lower(), marker


def test_police_notice_of_a_missed_initial_assessment_has_what_the_police_need(site: Letterhead) -> None:
    facts = _facts(initial_did_not_attend)
    assert facts.failure is Failure.DID_NOT_ATTEND
    doc = build_police_notification(facts, site, OPTIONS)
    text = all_text(doc.pdf)
    for needed in (
        "Tamsin Farrowdale",
        "14 February 1991",
        "92/000123X",  # PNC ID
        "20-SPEC-0042",  # custody record number
        "2 March 2026 at 10:30",  # RA1 given
        "PS 4471 Okonjo-Specimen",  # imposing officer
        "5 March 2026 at 10:00, CARS office, Oldbury custody block",  # the appointment missed
        "Did not attend at the time and place set",
        "PC 2290 Delacroix-Specimen",  # already told by phone
        "Priya Specimen-Kaur",  # assessor
        "specimen.worker",  # the worker who recorded it
        site.phone,
        "section 12 of the Drugs Act 2005",
        "requirement imposed under section 9",
        "statutory duty",
    ):
        assert needed in text, needed
    _assert_nothing_clinical(text)
    assert doc.kind is DocumentKind.POLICE_NOTIFICATION
    assert doc.recipient.startswith("Police")
    _assert_identity_on_every_page(doc)


def test_police_notice_of_leaving_a_follow_up_early_takes_the_ra1_from_the_initial_form(
    site: Letterhead,
) -> None:
    facts = _facts(follow_up_left_early, initial=initial_follow_up_required(PERSON))
    assert facts.stage is RequirementStage.FOLLOW_UP and facts.failure is Failure.DID_NOT_REMAIN
    doc = build_police_notification(facts, site, OPTIONS)
    text = all_text(doc.pdf)
    for needed in (
        "attended but did not stay for the whole of the required follow-up assessment",
        "section 14 of the Drugs Act 2005",
        "requirement imposed under section 10",
        "2 March 2026 at 10:30",
        "20 March 2026 at 11:00",  # the follow-up appointment
        "20 March 2026 at 11:02",  # arrived
        "20 March 2026 at 11:20",  # left before the end
        "Not yet recorded",  # no officer told yet: this notice is the notification
    ):
        assert needed in text, needed
    _assert_nothing_clinical(text)
    _assert_identity_on_every_page(doc)


def test_no_police_notice_when_the_person_attended_and_stayed(site: Letterhead) -> None:
    with pytest.raises(InvalidInput, match="no failure to report"):
        build_police_notification(_facts(initial_follow_up_required), site, OPTIONS)


def test_ra3_records_attendance_only(site: Letterhead) -> None:
    doc = build_ra3_attendance(_facts(follow_up_left_early), site, OPTIONS)
    text = all_text(doc.pdf)
    for needed in ("(RA3)", "follow-up assessment", "20 March 2026 at 11:02", "20 March 2026 at 11:20", "No"):
        assert needed in text, needed
    assert "the police must be told now" in text
    _assert_nothing_clinical(text)
    _assert_identity_on_every_page(doc)


def test_ra4_gives_the_time_place_and_the_warning(site: Letterhead) -> None:
    doc = build_ra4_notice(_facts(initial_follow_up_required), site, OPTIONS)
    text = all_text(doc.pdf)
    for needed in (
        "20 March 2026 at 11:00",
        "CARS office, Oldbury custody block",
        "stay until the assessment is finished",
        "breaking the law",
        "Priya Specimen-Kaur",
        site.phone,
        "sections 10, 13 and 14",
    ):
        assert needed in text, needed
    _assert_nothing_clinical(text)
    assert doc.recipient == "The person"
    _assert_identity_on_every_page(doc)


def test_ra5_says_the_requirement_ended_without_the_reason(site: Letterhead) -> None:
    doc = build_ra5_notice(_facts(initial_follow_up_not_required), site, OPTIONS)
    text = all_text(doc.pdf)
    for needed in (
        "requirement to go to a follow-up assessment has ended",
        "5 March 2026 at 10:50",
        "section 13",
    ):
        assert needed in text, needed
    assert "breaking the law" not in text
    _assert_nothing_clinical(text)


def test_ra4_and_ra5_only_for_their_decision(site: Letterhead) -> None:
    with pytest.raises(InvalidInput, match="RA4"):
        build_ra4_notice(_facts(initial_follow_up_not_required), site, OPTIONS)
    with pytest.raises(InvalidInput, match="RA5"):
        build_ra5_notice(_facts(initial_follow_up_required), site, OPTIONS)
    with pytest.raises(InvalidInput, match="RA5"):
        build_ra5_notice(_facts(initial_did_not_attend), site, OPTIONS)


def test_ra2_gives_the_old_and_new_appointment_and_repeats_the_warning(site: Letterhead) -> None:
    facts = _facts(initial_follow_up_required)
    assert facts.final_slot.at == datetime(2026, 3, 6, 14, tzinfo=UTC)
    doc = build_ra2_notice(facts, site, OPTIONS)
    text = all_text(doc.pdf)
    for needed in (
        "6 March 2026 at 14:00",  # new
        "This replaces: 5 March 2026 at 10:00",  # old
        "Court date on the same day",
        "breaking the law",
        "sections 11, 13 and 12",
    ):
        assert needed in text, needed
    _assert_nothing_clinical(text)
    with pytest.raises(InvalidInput, match="no RA2 change 2"):
        build_ra2_notice(facts, site, OPTIONS, change=2)
    with pytest.raises(InvalidInput, match="no appointment change"):
        build_ra2_notice(_facts(initial_did_not_attend), site, OPTIONS)


def test_a_reprint_is_marked_copy_and_large_print_still_fits(site: Letterhead) -> None:
    first = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    reprint = PrintOptions(printed_at=OPTIONS.printed_at, large_print=True, copy_of=first)
    doc = build_police_notification(_facts(initial_did_not_attend), site, reprint)
    for page in pages_text(doc.pdf):
        assert "COPY — first printed 5 March 2026 at 12:00" in " ".join(page.split())
    _assert_identity_on_every_page(doc)


def test_facts_refuse_other_forms_and_unfinished_ones() -> None:
    with pytest.raises(InvalidInput, match="not a required assessment"):
        required_assessment_facts(PERSON, vulnerability_screen(PERSON))
    blank = initial_did_not_attend(PERSON).model_copy(update={"answers": {"assessor": "X"}})
    with pytest.raises(InvalidInput, match="appointment_at"):
        required_assessment_facts(PERSON, blank)
    other = specimen_person().model_copy(update={"id": EPISODE.id})
    with pytest.raises(InvalidInput, match="different person"):
        required_assessment_facts(other, initial_did_not_attend(PERSON))


STATUTORY_TEMPLATES = sorted(resource_path("letters", "statutory").glob("*.toml"))


@pytest.mark.parametrize("path", STATUTORY_TEMPLATES, ids=lambda p: p.stem)
def test_a_template_using_an_undeclared_placeholder_is_refused_by_name(path: Path) -> None:
    raw = path.read_text(encoding="utf-8").replace(
        "[text]\n", '[text]\nsurprise = "Hello {custody_secret}"\n', 1
    )
    with pytest.raises(TemplateError, match=r"unknown placeholder \{custody_secret\}") as caught:
        parse_template(raw, path.name)
    assert path.name in str(caught.value)


def test_a_declared_placeholder_the_program_does_not_fill_is_named(site: Letterhead) -> None:
    raw = (resource_path("letters", "statutory", "ra5_follow_up_not_required.toml")).read_text(
        encoding="utf-8"
    )
    broken = parse_template(
        raw.replace("[placeholders]\n", '[placeholders]\nward = "A ward"\n', 1), "ra5.toml"
    )
    with pytest.raises(TemplateError, match=r"ra5.toml: no value for placeholder \{ward\}"):
        broken.fill({"name": "A", "assessor": "B", "issued": "C", "service": "D", "phone": "E"})
