"""MARAC referral and safeguarding summary: each carries what its legal basis allows and no more.

The invented vulnerability screen holds mental health and self-harm answers, the lifestyle form
an AUDIT-C score, and the actions carry notes: none of these may reach either document; the DASH
answers and score may reach the MARAC referral only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from cars_desktop.documents.letterhead import Letterhead, load_letterhead
from cars_desktop.documents.model import DocumentKind, PrintOptions, reference_for
from cars_desktop.documents.safeguarding import (
    build_marac_referral,
    build_safeguarding_summary,
    marac_area_template,
)
from cars_desktop.documents.safeguarding_facts import (
    Audience,
    ConcernCode,
    MaracFacts,
    SafeguardingFacts,
    marac_facts,
    safeguarding_facts,
    sharing_basis,
)
from cars_desktop.documents.statutory_specimen import (
    CLINICAL_MARKERS,
    DASH_MARKERS,
    SHARED_ON,
    SITE,
    lifestyle_children,
    non_consent_basis,
    safeguarding_actions,
    specimen_person,
    vulnerability_screen,
)
from cars_desktop.documents.templates import load_template_file
from cars_desktop.domain.errors import InvalidInput
from cars_desktop.resources import resource_path
from cars_protocol.records import Consent, LegalBasis, Person
from tests.documents.pdf_tools import all_text, pages_text

OPTIONS = PrintOptions(printed_at=datetime(2026, 3, 11, 9, 0, tzinfo=UTC))
PERSON = specimen_person()
SCREEN = vulnerability_screen(PERSON)
#: Answers no referral may carry: self-harm history, the person's own phone, action notes.
NEVER = ("Overdose two years ago", "crisis team", "0121 496 0999", "Hears voices", "Theft from a shop")


@pytest.fixture(scope="module")
def site() -> Letterhead:
    return load_letterhead(SITE)


def _marac(person: Person = PERSON, consents: list[Consent] | None = None) -> MaracFacts:
    return marac_facts(
        person,
        vulnerability_screen(person),
        lifestyle=lifestyle_children(person),
        consents=consents if consents is not None else [non_consent_basis(person, LegalBasis.MARAC)],
        shared_on=SHARED_ON,
    )


def _assert_identity(pdf: bytes, person: Person) -> None:
    pages = pages_text(pdf)
    for number, page in enumerate(pages, start=1):
        flat = " ".join(page.split())
        assert f"{person.given_names} {person.family_name}" in flat
        assert "Date of birth: 14 February 1991" in flat
        assert f"Page {number} of {len(pages)}" in flat
        assert reference_for(person.id) in flat


def _assert_absent(text: str, markers: tuple[str, ...]) -> None:
    for marker in markers:
        assert marker.lower() not in text.lower(), marker


def test_marac_referral_carries_the_dash_answers_and_risk(site: Letterhead) -> None:
    facts = _marac()
    doc = build_marac_referral(facts, site, OPTIONS)
    text = all_text(doc.pdf)
    for needed in (
        "Sandwell MARAC referral",  # the area's own template
        "Sandwell MARAC coordinator",
        "Tamsin Farrowdale",
        "Flat 2, 9 Specimen Terrace, Oldbury, B69 0XX",
        "Text first on 07700 900 123",  # safe contact, not the phone on record
        "15 of 24 yes (high risk is 14 or more)",
        "1 not known, 0 not asked",
        "visible high risk; professional judgement; potential escalation",
        "Non-fatal strangulation",
        "13. Has the abuser ever used a weapon or an object to hurt you?",
        "23. Has the abuser ever broken bail",
        "Children under 18 2",
        "specimen.supervisor",  # approver of the non-consent share
        "shared without the person's consent",
        site.phone,
    ):
        assert needed in text, needed
    assert "5. Are you feeling depressed" not in text  # answered "not known": not a yes
    assert "7. Is there conflict over contact" not in text  # answered no
    _assert_absent(text, (*CLINICAL_MARKERS, *NEVER))
    assert doc.kind is DocumentKind.MARAC_REFERRAL
    assert doc.recipient == "MARAC coordinator, Sandwell"
    _assert_identity(doc.pdf, PERSON)


def test_marac_template_is_chosen_by_local_authority_with_a_default(site: Letterhead) -> None:
    assert marac_area_template("BIRMINGHAM").source.endswith("marac_BIRMINGHAM.toml")
    assert marac_area_template("COVENTRY").source.endswith("marac_default.toml")
    assert marac_area_template(None).source.endswith("marac_default.toml")
    coventry = PERSON.model_copy(update={"local_authority": "COVENTRY"})
    text = all_text(build_marac_referral(_marac(coventry), site, OPTIONS).pdf)
    assert "MARAC referral: Coventry" in text
    assert "Coventry MARAC coordinator" in text


def test_marac_needs_criteria_a_completed_checklist_and_a_recorded_basis() -> None:
    answers = dict(SCREEN.answers)
    answers.update({f"dash_{n}": "no" for n in range(1, 25)})
    answers.update({"professional_judgement": "no", "judgement_reason": None, "dash_incidents_12m": 0})
    low = SCREEN.model_copy(update={"answers": answers})
    with pytest.raises(InvalidInput, match="no MARAC criterion is met"):
        marac_facts(PERSON, low, consents=[non_consent_basis(PERSON, LegalBasis.MARAC)], shared_on=SHARED_ON)
    unsafe = SCREEN.model_copy(update={"answers": {**SCREEN.answers, "safe_to_talk": "no"}})
    with pytest.raises(InvalidInput, match="not completed"):
        marac_facts(
            PERSON, unsafe, consents=[non_consent_basis(PERSON, LegalBasis.MARAC)], shared_on=SHARED_ON
        )
    with pytest.raises(InvalidInput, match="no basis is recorded for this marac share"):
        _marac(consents=[])


def test_consent_to_share_risk_with_social_care_is_a_basis_and_withdrawal_ends_it() -> None:
    consent = Consent(
        site_code=SITE,
        author="specimen.worker",
        person_id=PERSON.id,
        recipients=["social_care"],
        data_categories=["contact_details", "risk"],
        given_on=date(2026, 3, 1),
    )
    basis = sharing_basis([consent], LegalBasis.SAFEGUARDING, date(2026, 3, 10))
    assert basis.consented and basis.basis is LegalBasis.CONSENT
    withdrawn = consent.model_copy(update={"withdrawn_on": date(2026, 3, 5)})
    with pytest.raises(InvalidInput):
        sharing_basis([withdrawn], LegalBasis.SAFEGUARDING, date(2026, 3, 10))
    no_risk = consent.model_copy(update={"data_categories": ["contact_details"]})
    with pytest.raises(InvalidInput):
        sharing_basis([no_risk], LegalBasis.SAFEGUARDING, date(2026, 3, 10))


def _summary(audience: Audience, note: str | None = None) -> SafeguardingFacts:
    return safeguarding_facts(
        PERSON,
        SCREEN,
        audience,
        lifestyle=lifestyle_children(PERSON),
        actions=safeguarding_actions(PERSON),
        consents=[non_consent_basis(PERSON, LegalBasis.SAFEGUARDING)],
        immediate_risk_note=note,
        shared_on=SHARED_ON,
    )


def test_childrens_summary_has_concerns_children_risk_and_actions_but_no_dash(site: Letterhead) -> None:
    facts = _summary(Audience.CHILDREN, "Children with a neighbour until 18:00.")
    doc = build_safeguarding_summary(facts, site, OPTIONS)
    text = all_text(doc.pdf)
    for needed in (
        "Safeguarding referral: children's services",
        "A child is at risk of harm: Two children at home",
        "A child was left without care because of the arrest",
        "Domestic abuse disclosed: victim",
        "Children under 18 2",
        "All of them",
        "Children with a neighbour until 18:00.",
        "Custody officer told that a child was left without care",
        "MARAC referral: in progress",
        "Safeguarding referral: in progress",
        "Finds reading or writing difficult",
        "High risk of serious harm",  # the justification of the non-consent share
        "specimen.supervisor",
    ):
        assert needed in text, needed
    _assert_absent(
        text,
        (*CLINICAL_MARKERS, *DASH_MARKERS, *NEVER, "15 of 24", "cuckooing", "National Referral Mechanism"),
    )
    assert doc.recipient == "Children's services (MASH), Sandwell"
    _assert_identity(doc.pdf, PERSON)


def test_adults_summary_has_the_exploitation_concern_not_the_childrens_details(site: Letterhead) -> None:
    doc = build_safeguarding_summary(_summary(Audience.ADULTS), site, OPTIONS)
    text = all_text(doc.pdf)
    for needed in (
        "Safeguarding referral: adult social care",
        "Concern that they are being exploited",
        "Cuckooing",
        "More than one phone",
        "Exploitation concern passed to the police as first responder",
        "Does not agree to a National Referral Mechanism referral",
        "No immediate risk recorded.",
    ):
        assert needed in text, needed
    _assert_absent(
        text, (*CLINICAL_MARKERS, *DASH_MARKERS, *NEVER, "Two children at home", "left without care")
    )
    assert doc.recipient == "Adult social care, Sandwell"


def test_summary_refuses_an_audience_with_no_concern() -> None:
    quiet = SCREEN.model_copy(
        update={"answers": {**SCREEN.answers, "exploitation_concern": "no", "learning_disability": "no"}}
    )
    with pytest.raises(InvalidInput, match="no concern for adults' services"):
        safeguarding_facts(
            PERSON,
            quiet,
            Audience.ADULTS,
            consents=[non_consent_basis(PERSON, LegalBasis.SAFEGUARDING)],
            shared_on=SHARED_ON,
        )
    facts = _summary(Audience.CHILDREN)
    assert ConcernCode.CHILD_LEFT_WITHOUT_CARE in facts.immediate_risk


@pytest.mark.parametrize(
    "path",
    sorted(resource_path("letters", "safeguarding").glob("marac_*.toml")),
    ids=lambda p: p.stem,
)
def test_every_marac_area_template_fills_with_the_area_alone(path: Path) -> None:
    if path.stem == "marac_referral":
        return  # the common wording, filled by the referral test
    filled = load_template_file(path).fill({"area": "Testshire"})
    assert filled.one("send_to")
    assert filled.lines("area_notes")


def test_the_basis_is_checked_on_the_day_of_sharing_not_the_day_of_the_screen() -> None:
    later = non_consent_basis(PERSON, LegalBasis.MARAC).model_copy(update={"given_on": date(2026, 3, 12)})
    facts = marac_facts(PERSON, SCREEN, consents=[later], shared_on=date(2026, 3, 12))
    assert facts.basis.decided_on == date(2026, 3, 12) and facts.screened_on == date(2026, 3, 10)
    with pytest.raises(InvalidInput, match="no basis"):
        marac_facts(PERSON, SCREEN, consents=[later], shared_on=date(2026, 3, 11))
