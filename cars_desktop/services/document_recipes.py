"""Which record each kind of document is made from, and how: records in, `BuiltDocument` out.

One `Recipe` per document kind: the record types it is made from (`source`: an appointment, a
referral, a Naloxone supply, a completed form), how to build it from the person's records, and
the legal basis its disclosure is logged under. The print history keys reprints by that source
record, so a letter for a new appointment is an original and the same letter again is a copy.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from cars_desktop.documents import safeguarding, statutory
from cars_desktop.documents.appointment import build_appointment_letter
from cars_desktop.documents.facts import (
    PROVIDER_RECIPIENT,
    ProviderFacts,
    ReferralFacts,
    appointment_facts,
    naloxone_facts,
    provider_facts,
    provider_for_authority,
    referral_facts,
    subject_for,
    worker_contact,
)
from cars_desktop.documents.letterhead import Letterhead
from cars_desktop.documents.model import BuiltDocument, DocumentKind, PrintOptions
from cars_desktop.documents.naloxone import build_naloxone_checklist
from cars_desktop.documents.pack_leaflets import (
    build_harm_reduction_advice,
    build_provider_card,
    build_site_leaflets,
)
from cars_desktop.documents.referral import build_referral_letter, build_referral_person_copy
from cars_desktop.documents.release_pack import build_release_pack
from cars_desktop.documents.safeguarding_facts import Audience, marac_facts, safeguarding_facts
from cars_desktop.documents.statutory_facts import required_assessment_facts
from cars_desktop.domain.errors import InvalidInput
from cars_desktop.forms.catalogue import FormCatalogue
from cars_desktop.forms.spec import FormSpec
from cars_desktop.services.document_facts import PersonRecords
from cars_protocol.records import (
    Appointment,
    AppointmentStatus,
    Assessment,
    AssessmentKind,
    Consent,
    LegalBasis,
    NaloxoneSupply,
    RecordBase,
    Referral,
)

#: Who to ask for at an appointment (the site's duty worker; a name could leave before the day).
ASK_FOR = "the CARS duty worker"
#: Forms whose answers a referral may share, by the person's consented categories.
REFERRAL_FORMS = (AssessmentKind.LIFESTYLE, AssessmentKind.VULNERABILITY)

StatutoryBuilder = Callable[..., BuiltDocument]


@dataclass(frozen=True)
class BuildContext:
    """What every builder needs beside the records: the letterhead, the print options, who prints."""

    site: Letterhead
    options: PrintOptions
    worker_name: str
    forms: FormCatalogue
    variant: str | None = None
    """Which version of a kind, where there are several (a safeguarding summary's audience)."""


@dataclass(frozen=True)
class Recipe:
    """How one kind of document is made and logged."""

    kind: DocumentKind
    what: str
    """The source record in words, for the message when there is none ("a required assessment")."""
    candidates: Callable[[PersonRecords], tuple[RecordBase, ...]]
    """The records this kind can be made from, the default (newest) first."""
    build: Callable[[PersonRecords, RecordBase, BuildContext], BuiltDocument]
    legal_basis: LegalBasis | None = None
    """The basis its disclosure is logged under; None for a document handed to the person."""

    def source(self, records: PersonRecords, source_id: uuid.UUID | None) -> RecordBase:
        """The record to build from: the one asked for, or the newest that fits."""
        found = self.candidates(records)
        if source_id is None:
            if not found:
                raise InvalidInput(f"there is no {self.what} to make this document from")
            return found[0]
        chosen = next((r for r in found if r.id == source_id), None)
        if chosen is None:
            raise InvalidInput(f"that record is not {self.what} this document can be made from")
        return chosen


_REQUIRED = (AssessmentKind.REQUIRED_INITIAL, AssessmentKind.REQUIRED_FOLLOW_UP)


def _completed_forms(*kinds: AssessmentKind) -> Callable[[PersonRecords], tuple[RecordBase, ...]]:
    def candidates(records: PersonRecords) -> tuple[RecordBase, ...]:
        return records.completed_forms(*kinds)

    return candidates


def _statutory(
    builder: StatutoryBuilder,
) -> Callable[[PersonRecords, RecordBase, BuildContext], BuiltDocument]:
    """Adapt a builder of `documents.statutory` (facts, site, options) to the person's records."""

    def build(records: PersonRecords, source: RecordBase, ctx: BuildContext) -> BuiltDocument:
        assert isinstance(source, Assessment)
        initial = None
        if source.kind is AssessmentKind.REQUIRED_FOLLOW_UP:
            initial = records.latest_form(AssessmentKind.REQUIRED_INITIAL)
        facts = required_assessment_facts(
            records.person,
            source,
            episode=records.episode_of(source),
            initial=initial,
            recorded_by=ctx.worker_name,
        )
        return builder(facts, ctx.site, ctx.options)

    return build


def _marac(records: PersonRecords, source: RecordBase, ctx: BuildContext) -> BuiltDocument:
    assert isinstance(source, Assessment)
    facts = marac_facts(
        records.person,
        source,
        lifestyle=records.latest_form(AssessmentKind.LIFESTYLE),
        consents=records.consents,
        referrer=ctx.worker_name,
    )
    return safeguarding.build_marac_referral(facts, ctx.site, ctx.options)


def _audience(variant: str | None) -> Audience:
    try:
        return Audience(variant or Audience.CHILDREN.value)
    except ValueError:
        choices = ", ".join(a.value for a in Audience)
        raise InvalidInput(f"a safeguarding summary goes to one of: {choices}") from None


def _safeguarding(records: PersonRecords, source: RecordBase, ctx: BuildContext) -> BuiltDocument:
    assert isinstance(source, Assessment)
    facts = safeguarding_facts(
        records.person,
        source,
        _audience(ctx.variant),
        lifestyle=records.latest_form(AssessmentKind.LIFESTYLE),
        actions=records.actions,
        consents=records.consents,
        referrer=ctx.worker_name,
    )
    return safeguarding.build_safeguarding_summary(facts, ctx.site, ctx.options)


def _appointments(records: PersonRecords) -> tuple[RecordBase, ...]:
    return tuple(a for a in records.appointments if a.status is AppointmentStatus.BOOKED)


def _referrals(records: PersonRecords) -> tuple[RecordBase, ...]:
    return records.referrals


def _supplies(records: PersonRecords) -> tuple[RecordBase, ...]:
    return records.supplies


def _the_person(records: PersonRecords) -> tuple[RecordBase, ...]:
    return (records.person,)


def _pack_sources(records: PersonRecords) -> tuple[RecordBase, ...]:
    """A pack is keyed by the appointment it sends the person to; without one, by the person."""
    return (*_appointments(records), records.person)


def _appointment_letter(records: PersonRecords, source: RecordBase, ctx: BuildContext) -> BuiltDocument:
    assert isinstance(source, Appointment)
    facts = appointment_facts(source, ASK_FOR)
    return build_appointment_letter(facts, subject_for(records.person), ctx.site, ctx.options)


def _provider_consent(records: PersonRecords) -> Consent | None:
    """The consent a provider referral rests on: the newest naming providers, else the newest at all
    (so the refusal names what is wrong with it)."""
    naming = [
        c
        for c in records.consents
        if c.legal_basis is LegalBasis.CONSENT and PROVIDER_RECIPIENT in c.recipients
    ]
    chosen = naming or list(records.consents)
    return chosen[0] if chosen else None


def _referral_facts(records: PersonRecords, referral: Referral, ctx: BuildContext) -> ReferralFacts:
    forms: list[tuple[FormSpec, Assessment]] = []
    for kind in REFERRAL_FORMS:
        form = records.latest_form(kind)
        if form is not None:
            forms.append((ctx.forms.get(form.form_id, form.form_version), form))
    appointment = next(
        (
            a
            for a in _appointments(records)
            if isinstance(a, Appointment) and a.starts_at == referral.appointment_at
        ),
        None,
    )
    return referral_facts(
        records.person,
        referral,
        _provider_consent(records),
        forms,
        worker_contact(ctx.worker_name, ctx.site),
        appointment=appointment_facts(appointment, ASK_FOR) if appointment else None,
        on=ctx.options.printed_at.date(),
    )


def _referral_letter(records: PersonRecords, source: RecordBase, ctx: BuildContext) -> BuiltDocument:
    assert isinstance(source, Referral)
    return build_referral_letter(_referral_facts(records, source, ctx), ctx.site, ctx.options)


def _referral_copy(records: PersonRecords, source: RecordBase, ctx: BuildContext) -> BuiltDocument:
    assert isinstance(source, Referral)
    return build_referral_person_copy(_referral_facts(records, source, ctx), ctx.site, ctx.options)


def _naloxone(records: PersonRecords, source: RecordBase, ctx: BuildContext) -> BuiltDocument:
    assert isinstance(source, NaloxoneSupply)
    return build_naloxone_checklist(
        naloxone_facts(source), subject_for(records.person), ctx.site, ctx.options
    )


def _provider(records: PersonRecords, ctx: BuildContext) -> ProviderFacts | None:
    """The provider the person was referred to, else the one serving their local authority."""
    day = ctx.options.printed_at.date()
    if records.referrals:
        return provider_facts(records.referrals[0].provider_code, day)
    if records.person.local_authority:
        return provider_for_authority(records.person.local_authority, day)
    return None


def _provider_card(records: PersonRecords, source: RecordBase, ctx: BuildContext) -> BuiltDocument:
    provider = _provider(records, ctx)
    if provider is None:
        raise InvalidInput("record a referral or the person's local authority to print a provider card")
    return build_provider_card(provider, subject_for(records.person), ctx.site, ctx.options)


def _advice(records: PersonRecords, source: RecordBase, ctx: BuildContext) -> BuiltDocument:
    return build_harm_reduction_advice(subject_for(records.person), ctx.site, ctx.options)


def _supplied_this_time(records: PersonRecords) -> NaloxoneSupply | None:
    """The kit supplied in the latest detention (or, with no episode recorded, the newest kit)."""
    if not records.supplies:
        return None
    newest = records.supplies[0]
    if not records.episodes:
        return newest
    episode = records.episodes[0]
    if newest.episode_id == episode.id or newest.supplied_on >= episode.arrived_at.date():
        return newest
    return None


def _release_pack(records: PersonRecords, source: RecordBase, ctx: BuildContext) -> BuiltDocument:
    """Appointment letter, provider card, advice, the Naloxone checklist if a kit went into property
    this time, and the site's leaflets; the pack puts them in order."""
    subject = subject_for(records.person)
    parts: list[BuiltDocument] = []
    if isinstance(source, Appointment):
        parts.append(_appointment_letter(records, source, ctx))
    if _provider(records, ctx) is not None:
        parts.append(_provider_card(records, source, ctx))
    parts.append(_advice(records, source, ctx))
    supply = _supplied_this_time(records)
    if supply is not None:
        parts.append(_naloxone(records, supply, ctx))
    parts.extend(build_site_leaflets(subject, ctx.site, ctx.options))
    return build_release_pack(parts, subject=subject, site=ctx.site, options=ctx.options)


RECIPES: dict[DocumentKind, Recipe] = {
    r.kind: r
    for r in (
        Recipe(DocumentKind.APPOINTMENT_LETTER, "a booked appointment", _appointments, _appointment_letter),
        Recipe(
            DocumentKind.REFERRAL_PROVIDER, "a referral", _referrals, _referral_letter, LegalBasis.CONSENT
        ),
        Recipe(DocumentKind.REFERRAL_PERSON, "a referral", _referrals, _referral_copy),
        Recipe(DocumentKind.NALOXONE_CHECKLIST, "a Naloxone supply", _supplies, _naloxone),
        Recipe(DocumentKind.PROVIDER_CONTACT_CARD, "a person", _the_person, _provider_card),
        Recipe(DocumentKind.HARM_REDUCTION_ADVICE, "a person", _the_person, _advice),
        Recipe(DocumentKind.RELEASE_PACK, "a person", _pack_sources, _release_pack),
        Recipe(
            DocumentKind.POLICE_NOTIFICATION,
            "a required assessment",
            _completed_forms(*_REQUIRED),
            _statutory(statutory.build_police_notification),
            LegalBasis.STATUTORY,
        ),
        Recipe(
            DocumentKind.RA2_APPOINTMENT_CHANGE,
            "a required assessment",
            _completed_forms(*_REQUIRED),
            _statutory(statutory.build_ra2_notice),
        ),
        Recipe(
            DocumentKind.RA3_ATTENDANCE,
            "a required assessment",
            _completed_forms(*_REQUIRED),
            _statutory(statutory.build_ra3_attendance),
            LegalBasis.STATUTORY,
        ),
        Recipe(
            DocumentKind.RA4_FOLLOW_UP_REQUIRED,
            "a required initial assessment",
            _completed_forms(AssessmentKind.REQUIRED_INITIAL),
            _statutory(statutory.build_ra4_notice),
        ),
        Recipe(
            DocumentKind.RA5_FOLLOW_UP_NOT_REQUIRED,
            "a required initial assessment",
            _completed_forms(AssessmentKind.REQUIRED_INITIAL),
            _statutory(statutory.build_ra5_notice),
        ),
        Recipe(
            DocumentKind.MARAC_REFERRAL,
            "a vulnerability screen",
            _completed_forms(AssessmentKind.VULNERABILITY),
            _marac,
            LegalBasis.MARAC,
        ),
        Recipe(
            DocumentKind.SAFEGUARDING_SUMMARY,
            "a vulnerability screen",
            _completed_forms(AssessmentKind.VULNERABILITY),
            _safeguarding,
            LegalBasis.SAFEGUARDING,
        ),
    )
}


def recipe_for(kind: DocumentKind) -> Recipe:
    """The recipe of a kind, or a clear refusal for a kind that is not made from a person's records."""
    try:
        return RECIPES[kind]
    except KeyError:
        raise InvalidInput(f"CARS cannot yet make a {kind.value.replace('_', ' ')} from a record") from None
