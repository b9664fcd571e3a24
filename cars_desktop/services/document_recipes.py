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
from cars_desktop.documents.letterhead import Letterhead
from cars_desktop.documents.model import BuiltDocument, DocumentKind, PrintOptions
from cars_desktop.documents.safeguarding_facts import Audience, marac_facts, safeguarding_facts
from cars_desktop.documents.statutory_facts import required_assessment_facts
from cars_desktop.domain.errors import InvalidInput
from cars_desktop.services.document_facts import PersonRecords
from cars_protocol.records import Assessment, AssessmentKind, LegalBasis, RecordBase

StatutoryBuilder = Callable[..., BuiltDocument]


@dataclass(frozen=True)
class BuildContext:
    """What every builder needs beside the records: the letterhead, the print options, who prints."""

    site: Letterhead
    options: PrintOptions
    worker_name: str
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


RECIPES: dict[DocumentKind, Recipe] = {
    r.kind: r
    for r in (
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
