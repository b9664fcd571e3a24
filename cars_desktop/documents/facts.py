"""Typed facts for each of the core documents, built from records and form answers.

The services layer reads the records (and checks the user may see them); these functions turn
them into exactly what goes on paper, so consent and minimum-necessary rules are applied in one
place, before any layout: a document builder cannot print what its facts do not hold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cars_desktop.documents.letterhead import Letterhead, load_letterhead
from cars_desktop.documents.model import Subject, reference_for
from cars_desktop.documents.sharing import SharedSection, shared_sections
from cars_desktop.domain.errors import InvalidInput
from cars_desktop.forms.spec import FormSpec
from cars_desktop.resources import ReferenceItem, reference_list
from cars_protocol.records import (
    Appointment,
    Assessment,
    Consent,
    LegalBasis,
    NaloxoneSupply,
    Person,
    Referral,
)

#: The consent recipient code that covers a treatment provider.
PROVIDER_RECIPIENT = "treatment_provider"

DEFAULT_BRING = (
    "This letter",
    "Any medicines you take, or their names",
    "Your GP's name, if you have one",
)


class ConsentMissing(InvalidInput):
    """No live consent covers sending this referral: nothing is printed."""


@dataclass(frozen=True)
class WorkerContact:
    """Who wrote the referral and how to reach them (the site's team line, not a personal number)."""

    name: str
    team: str
    phone: str
    email: str


@dataclass(frozen=True)
class ProviderFacts:
    """A treatment provider as the contact card and the referral show it."""

    code: str
    name: str
    address: str
    phone: str
    email: str
    hours: str


@dataclass(frozen=True)
class AppointmentFacts:
    """When and where to go, and whether it is a required assessment (a legal duty)."""

    starts_at: datetime
    place: Letterhead
    required: bool
    ask_for: str
    bring: tuple[str, ...] = DEFAULT_BRING


@dataclass(frozen=True)
class ReferralFacts:
    """A referral to a provider, holding only what the person agreed to share with it."""

    subject: Subject
    provider: ProviderFacts
    local_authority: str
    required: bool
    address: str | None
    phone: str | None
    shared: tuple[SharedSection, ...]
    appointment: AppointmentFacts | None
    worker: WorkerContact
    consent_given_on: date
    consent_how: str


@dataclass(frozen=True)
class NaloxoneFacts:
    """A take-home Naloxone supply, with every training topic and whether it was covered."""

    product: str
    batch_number: str
    expiry_date: date
    quantity: int
    supplied_on: date
    reason: str
    topics: tuple[tuple[str, bool], ...]
    handed_to_property: bool
    returned_on_release: bool


def subject_for(person: Person) -> Subject:
    """The person as printed on every page; the reference is a hash of their record id."""
    name = f"{person.given_names} {person.family_name}"
    return Subject(person.id, name, person.date_of_birth, reference_for(person.id))


def worker_contact(worker_name: str, site: Letterhead) -> WorkerContact:
    """The worker's name with their site's team phone and e-mail."""
    return WorkerContact(worker_name, f"{site.service_name}, {site.site_name}", site.phone, site.email)


def _provider(item: ReferenceItem) -> ProviderFacts:
    def extra(key: str) -> str:
        return str(item.extra(key) or "ask the CARS team")

    return ProviderFacts(
        item.code, item.name, extra("address"), extra("phone"), extra("email"), extra("hours")
    )


def provider_facts(code: str, on: date) -> ProviderFacts:
    """A provider from the reference list in effect on `on`."""
    return _provider(reference_list("providers").get(code, on))


def provider_for_authority(local_authority: str, on: date) -> ProviderFacts:
    """The provider that serves a local authority (the person's, which decides where they go)."""
    for item in reference_list("providers").current(on):
        if local_authority in (item.extra("local_authorities") or ()):
            return _provider(item)
    raise InvalidInput(f"no treatment provider is listed for local authority {local_authority!r}")


def appointment_facts(
    appointment: Appointment, ask_for: str, bring: Sequence[str] = DEFAULT_BRING
) -> AppointmentFacts:
    """Where the appointment is (the location site's letterhead) and whether it is required."""
    place = load_letterhead(appointment.location_site_code, appointment.starts_at.date())
    return AppointmentFacts(
        appointment.starts_at, place, appointment.reason == "required_assessment", ask_for, tuple(bring)
    )


def _check_consent(consent: Consent | None, on: date) -> Consent:
    """A referral to a provider goes only on live consent that names treatment providers."""
    if consent is None or not consent.is_live:
        raise ConsentMissing("there is no consent on record to share with a treatment provider")
    if consent.legal_basis is not LegalBasis.CONSENT:
        raise ConsentMissing("a treatment referral needs the person's consent, not another legal basis")
    if consent.withdrawn_on is not None and consent.withdrawn_on <= on:
        raise ConsentMissing("the person has withdrawn consent to share; the referral cannot be sent")
    if PROVIDER_RECIPIENT not in consent.recipients:
        raise ConsentMissing("the person has not agreed to share with a treatment provider")
    return consent


def referral_facts(
    person: Person,
    referral: Referral,
    consent: Consent | None,
    forms: Sequence[tuple[FormSpec, Assessment]],
    worker: WorkerContact,
    appointment: AppointmentFacts | None = None,
    on: date | None = None,
) -> ReferralFacts:
    """What the referral letter may say: the person's consented categories from these forms.

    Raises `ConsentMissing` without live consent naming treatment providers. Name and date of
    birth always go (a referral cannot be made without them); address and phone only with the
    `contact_details` category; form answers only for their consented categories.
    """
    day = on or referral.created_at.date()
    granted = set(_check_consent(consent, day).data_categories)
    answered: list[tuple[FormSpec, Mapping[str, Any]]] = [
        (spec, form.answers) for spec, form in forms if form.person_id == person.id and form.is_live
    ]
    contact = "contact_details" in granted
    authority = reference_list("local_authorities").get(referral.local_authority, day).name
    assert consent is not None
    return ReferralFacts(
        subject=subject_for(person),
        provider=provider_facts(referral.provider_code, day),
        local_authority=authority,
        required=appointment.required if appointment else False,
        address=", ".join(filter(None, [person.address, person.postcode])) if contact else None,
        phone=person.phone if contact else None,
        shared=tuple(shared_sections(answered, granted, day)),
        appointment=appointment,
        worker=worker,
        consent_given_on=consent.given_on,
        consent_how=consent.how_given,
    )


def naloxone_facts(supply: NaloxoneSupply) -> NaloxoneFacts:
    """The supply with every training topic in effect, each marked covered or not."""
    on = supply.supplied_on
    product = reference_list("naloxone_products").get(supply.product.value, on).name
    covered = set(supply.training_topics)
    topics = tuple(
        (item.name, item.code in covered) for item in reference_list("naloxone_training_topics").current(on)
    )
    reason = "First supply"
    if supply.reason == "replacement":
        reason = f"Replacement ({(supply.replacement_reason or '').replace('_', ' ')})"
    return NaloxoneFacts(
        product,
        supply.batch_number,
        supply.expiry_date,
        supply.quantity,
        supply.supplied_on,
        reason,
        topics,
        supply.handed_to_property,
        supply.returned_on_release,
    )
