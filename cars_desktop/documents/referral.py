"""The referral letter to the treatment provider, and the person's own copy in plain language.

Both are made from one `ReferralFacts`, which already holds only what the person's consent allows
(see `facts.referral_facts`), so the two copies always say the same thing.
"""

from __future__ import annotations

from html import unescape

from reportlab.platypus import Flowable

from cars_desktop.documents.appointment import appointment_body, appointment_wording
from cars_desktop.documents.blocks import facts_table, heading, paragraphs
from cars_desktop.documents.facts import ReferralFacts
from cars_desktop.documents.layout import render, uk_date
from cars_desktop.documents.letterhead import Letterhead
from cars_desktop.documents.model import BuiltDocument, DocumentKind, PrintOptions
from cars_desktop.documents.styles import Styles
from cars_desktop.documents.templates import load_template

HOW_GIVEN = {"verbal": "given verbally", "signed": "signed", "not_applicable": "recorded"}


def _shared(facts: ReferralFacts, styles: Styles) -> list[Flowable]:
    """One heading and table per consented category."""
    body: list[Flowable] = []
    for section in facts.shared:
        body.append(heading(section.heading, styles))
        body.append(facts_table(list(section.lines), styles, label_share=0.4))
    return body


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
        body += _shared(facts, styles) or paragraphs([wording.one("nothing_found")], styles)
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
        body += _shared(facts, styles) or paragraphs([wording.one("nothing_sent")], styles)
        body.append(heading(unescape(wording.one("heading_next")), styles))
        body += paragraphs([wording.one(following)], styles)
        body += _appointment(facts, wording.one("heading_appointment"), styles)
        body += paragraphs([wording.one("change_mind")], styles)
        return body

    return render(
        DocumentKind.REFERRAL_PERSON, wording.title, subject, site, flowables, options, "the person"
    )
