"""The referral letter to the treatment provider, and the person's own copy in plain language.

Both are made from one `ReferralFacts`, which already holds only what the person's consent allows
(see `facts.referral_facts`), so the two copies always say the same thing.

Screening scores (AUDIT-C, AUDIT, Severity of Dependence) print in the worker's words in the
provider's letter ("AUDIT-C 7: positive — ask the remaining AUDIT questions"). The person's copy
keeps them, because it exists to show the person everything that was shared about them, but says
what each result means in plain words, with no test names or numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import unescape
from typing import Any

from reportlab.platypus import Flowable

from cars_desktop.documents.appointment import appointment_body, appointment_wording
from cars_desktop.documents.blocks import facts_table, heading, paragraphs
from cars_desktop.documents.facts import ReferralFacts
from cars_desktop.documents.layout import render, uk_date
from cars_desktop.documents.letterhead import Letterhead
from cars_desktop.documents.model import BuiltDocument, DocumentKind, PrintOptions
from cars_desktop.documents.sharing import SharedSection
from cars_desktop.documents.styles import Styles
from cars_desktop.documents.templates import FilledTemplate, load_template

HOW_GIVEN = {"verbal": "given verbally", "signed": "signed", "not_applicable": "recorded"}


def _shared(sections: tuple[SharedSection, ...], styles: Styles) -> list[Flowable]:
    """One heading and table per consented category."""
    body: list[Flowable] = []
    for section in sections:
        body.append(heading(section.heading, styles))
        body.append(facts_table(list(section.lines), styles, label_share=0.4))
    return body


def _score_words(field_id: str, value: Any) -> tuple[str, str] | None:
    """The wording keys (label, result) for a screening score in the person's copy, or None."""
    if not isinstance(value, Mapping):
        return None
    if field_id == "audit_c_score":
        return "score_alcohol_label", "score_alcohol_harm" if value.get("positive") else "score_alcohol_lower"
    if field_id == "audit_score":
        band = value.get("band")
        lower = isinstance(band, Mapping) and band.get("code") == "lower_risk"
        if value.get("refer_for_specialist_assessment") or value.get("dependence_flag"):
            return "score_alcohol_label", "score_alcohol_dependence"
        return "score_alcohol_label", "score_alcohol_lower" if lower else "score_alcohol_harm"
    if field_id == "sds_score":
        return "score_drug_label", "score_drug_dependence" if value.get("positive") else "score_drug_lower"
    return None


def _in_plain_words(
    sections: tuple[SharedSection, ...], wording: FilledTemplate
) -> tuple[SharedSection, ...]:
    """The shared sections with each screening score said in plain words (the rest unchanged)."""
    plain: list[SharedSection] = []
    for section in sections:
        lines = list(section.lines)
        for index, (field_id, value) in enumerate(section.answers):
            keys = _score_words(field_id, value)
            if keys is not None:
                lines[index] = (wording.plain(keys[0]), wording.plain(keys[1]))
        plain.append(SharedSection(section.category, section.heading, tuple(lines), section.answers))
    return tuple(plain)


def _appointment(facts: ReferralFacts, title: str, styles: Styles) -> list[Flowable]:
    """The appointment table, worded as in the appointment letter."""
    if facts.appointment is None:
        return []
    labels = appointment_wording(facts.appointment, facts.subject)
    return [heading(unescape(title), styles), *appointment_body(facts.appointment, labels, styles)]


def build_referral_letter(facts: ReferralFacts, site: Letterhead, options: PrintOptions) -> BuiltDocument:
    """The letter to the provider: who, why, what was found (consented only), appointment, contact."""
    subject = facts.subject
    wording = load_template("referral_provider").fill(
        {
            "provider_name": facts.provider.name,
            "person_name": subject.display_name,
            "date_of_birth": uk_date(subject.date_of_birth),
            "local_authority": facts.local_authority,
            "consent_given_on": uk_date(facts.consent_given_on),
            "consent_how": HOW_GIVEN[facts.consent_how],
            "worker_name": facts.worker.name,
            "worker_team": facts.worker.team,
            "worker_phone": facts.worker.phone,
            "worker_email": facts.worker.email,
        }
    )
    reason = "reason_required" if facts.required else "reason_voluntary"

    def flowables(styles: Styles) -> list[Flowable]:
        person = [("Name", subject.display_name), ("Date of birth", uk_date(subject.date_of_birth))]
        if facts.address:
            person.append(("Address", facts.address))
        if facts.phone:
            person.append(("Phone", facts.phone))
        body = paragraphs([wording.one(k) for k in ("greeting", "intro", reason, "consent")], styles)
        body += [heading(wording.plain("heading_person"), styles), facts_table(person, styles, 0.4)]
        body.append(heading(unescape(wording.one("heading_found")), styles))
        body += _shared(facts.shared, styles) or paragraphs([wording.one("nothing_found")], styles)
        body += _appointment(facts, wording.one("heading_appointment"), styles)
        body.append(heading(unescape(wording.one("heading_contact")), styles))
        body += paragraphs([wording.one("contact"), wording.one("closing")], styles)
        return body

    return render(
        DocumentKind.REFERRAL_PROVIDER, wording.title, subject, site, flowables, options, facts.provider.name
    )


def build_referral_person_copy(
    facts: ReferralFacts, site: Letterhead, options: PrintOptions
) -> BuiltDocument:
    """The person's own copy: the same shared facts, introduced in plain words."""
    subject = facts.subject
    wording = load_template("referral_person").fill(
        {
            "name": subject.display_name,
            "provider_name": facts.provider.name,
            "consent_given_on": uk_date(facts.consent_given_on),
            "worker_name": facts.worker.name,
            "worker_phone": facts.worker.phone,
        }
    )
    following = "next_with_appointment" if facts.appointment else "next_without_appointment"

    def flowables(styles: Styles) -> list[Flowable]:
        body = paragraphs([wording.one(k) for k in ("greeting", "intro", "consent")], styles)
        body.append(heading(unescape(wording.one("heading_sent")), styles))
        shared = _in_plain_words(facts.shared, wording)
        body += _shared(shared, styles) or paragraphs([wording.one("nothing_sent")], styles)
        body.append(heading(unescape(wording.one("heading_next")), styles))
        body += paragraphs([wording.one(following)], styles)
        body += _appointment(facts, wording.one("heading_appointment"), styles)
        body += paragraphs([wording.one("change_mind")], styles)
        return body

    return render(
        DocumentKind.REFERRAL_PERSON, wording.title, subject, site, flowables, options, "the person"
    )
