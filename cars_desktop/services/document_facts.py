"""Gathering one person's records for a document, inside the caller's unit of work.

Documents are built from the records as they are now (current revisions, live ones only), and
only from records the signed-in user may see, so a document can never carry more than the
screen would show them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from cars_desktop.domain.access import may_view
from cars_desktop.domain.errors import RecordNotFound
from cars_desktop.domain.users import Actor
from cars_desktop.storage.unit_of_work import UnitOfWork
from cars_protocol.records import (
    Action,
    Appointment,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    Consent,
    CustodyEpisode,
    NaloxoneSupply,
    Person,
    RecordBase,
    Referral,
)

R = TypeVar("R", bound=RecordBase)


@dataclass(frozen=True)
class PersonRecords:
    """A person and their live records that the user may see, each list newest first."""

    person: Person
    appointments: tuple[Appointment, ...]
    referrals: tuple[Referral, ...]
    supplies: tuple[NaloxoneSupply, ...]
    consents: tuple[Consent, ...]
    assessments: tuple[Assessment, ...]
    actions: tuple[Action, ...]
    episodes: tuple[CustodyEpisode, ...]

    def by_id(self, record_id: uuid.UUID) -> RecordBase | None:
        """One of this person's records (or the person), by id."""
        if record_id == self.person.id:
            return self.person
        for group in self._groups():
            for record in group:
                if record.id == record_id:
                    return record
        return None

    def completed_forms(self, *kinds: AssessmentKind) -> tuple[Assessment, ...]:
        """Completed assessments of these kinds, newest first."""
        return tuple(
            a for a in self.assessments if a.kind in kinds and a.status is AssessmentStatus.COMPLETED
        )

    def latest_form(self, *kinds: AssessmentKind) -> Assessment | None:
        """The newest completed assessment of these kinds, if any."""
        forms = self.completed_forms(*kinds)
        return forms[0] if forms else None

    def episode_of(self, record: RecordBase) -> CustodyEpisode | None:
        """The custody episode a record belongs to, if it names one."""
        episode_id = getattr(record, "episode_id", None)
        return next((e for e in self.episodes if e.id == episode_id), None)

    def _groups(self) -> tuple[Sequence[RecordBase], ...]:
        return (
            self.appointments,
            self.referrals,
            self.supplies,
            self.consents,
            self.assessments,
            self.actions,
            self.episodes,
        )


def _newest_first(records: list[RecordBase], kind: type[R]) -> tuple[R, ...]:
    chosen = [r for r in records if isinstance(r, kind)]
    return tuple(sorted(chosen, key=lambda r: r.created_at, reverse=True))


def gather_person_records(uow: UnitOfWork, actor: Actor, person_id: uuid.UUID) -> PersonRecords:
    """The person and every live record about them that `actor` may see.

    Raises `RecordNotFound` when there is no such live person or the actor may not see them;
    custody staff, who may not open people, still get the appointments they booked (the
    appointment letter is the one document they print), with the person's identity for the page.
    """
    person = uow.records.get(person_id)
    if not isinstance(person, Person) or not person.is_live:
        raise RecordNotFound("no person with that reference is available to you")
    visible = [
        r for r in uow.records.for_person(person_id) if r.is_live and r.id != person.id and may_view(actor, r)
    ]
    if not may_view(actor, person) and not visible:
        raise RecordNotFound("no person with that reference is available to you")
    return PersonRecords(
        person=person,
        appointments=_newest_first(visible, Appointment),
        referrals=_newest_first(visible, Referral),
        supplies=_newest_first(visible, NaloxoneSupply),
        consents=_newest_first(visible, Consent),
        assessments=_newest_first(visible, Assessment),
        actions=_newest_first(visible, Action),
        episodes=_newest_first(visible, CustodyEpisode),
    )
