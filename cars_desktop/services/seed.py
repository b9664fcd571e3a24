"""Realistic synthetic casework for demos, tests and benchmarks (invented people only).

Proportions follow DOMAIN.md: about a quarter of people engaged are assessed, about 63% of
assessments are statutory (required), about 40% of assessments lead to a referral, and opioid
users are offered Naloxone. Everything goes through `save_records`, the same path the UI uses, in
batches so that 100,000 people take minutes. The same seed and end date give the same people,
ids and answers.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from cars_desktop.domain.errors import InvalidInput
from cars_desktop.resources import reference_list
from cars_desktop.services.records import save_records
from cars_desktop.services.workstation import WorkstationSession
from cars_protocol.records import (
    Action,
    ActionType,
    Appointment,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    CustodyEpisode,
    DrugResult,
    DrugTest,
    NaloxoneProduct,
    NaloxoneSupply,
    Person,
    RecordBase,
    Referral,
    ReferralOutcome,
    ReleaseType,
    Role,
    Sex,
)

GIVEN_FEMALE = (
    "Amelia Ava Chloe Demi Ellie Freya Grace Hollie Isla Jade Kayleigh Leah Megan Niamh Olivia "
    "Paige Rosie Shannon Tegan Zara"
).split()
GIVEN_MALE = (
    "Aaron Bradley Callum Dean Ethan Frankie Gavin Harvey Isaac Jordan Kieran Liam Mason Nathan "
    "Owen Reece Shane Tyler Wayne Zack"
).split()
FAMILY = (
    "Abbott Ashdown Barlow Birtwhistle Cartwright Chadwick Dunmore Ellery Fairweather Fenwick "
    "Garside Hartigan Holloway Illingworth Jephcott Kershaw Lamplugh Marchbank Nettleship "
    "Oakden Pemberton Quarmby Rushworth Scattergood Thistlethwaite Underhill Vickerstaff "
    "Wainwright Yardley Zouch"
).split()
PNC_LETTERS = "ABCDEFGHJKLMNPRTUVWXYZ"
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
OFFENCES = {
    "theft_shop": "Theft from a shop",
    "burglary": "Burglary (dwelling)",
    "robbery": "Robbery",
    "possession_class_a": "Possession of a Class A drug",
    "begging": "Begging",
    "assault": "Common assault",
    "criminal_damage": "Criminal damage",
}
TRIGGER = {"theft_shop", "burglary", "robbery", "possession_class_a", "begging"}
NOT_CONVERTED = ["did_not_attend", "declined", "moved_area", "in_custody", "no_contact"]


@dataclass(frozen=True)
class SeedReport:
    """What was made, by record type."""

    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class CaseworkGenerator:
    """Makes one person's history; deterministic given the random generator's state."""

    def __init__(self, rng: random.Random, site: str, author: str, end: date, days: int) -> None:
        self.rng = rng
        self.site = site
        self.author = author
        self.end = end
        self.days = days
        self.las = [
            i.code for i in reference_list("local_authorities").current(end) if i.code != "OUT-OF-AREA"
        ]
        self.providers = {
            la: i.code
            for i in reference_list("providers").current(end)
            for la in i.extra("local_authorities") or []
        }
        self.sites = [i.code for i in reference_list("sites").current(end)]

    def _id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _when(self) -> datetime:
        day = self.end - timedelta(days=self.rng.randrange(max(self.days, 1)))
        moment = time(self.rng.randrange(7, 22), self.rng.randrange(60))
        return datetime.combine(day, moment, tzinfo=UTC)

    def _base(self, at: datetime) -> dict[str, object]:
        site = self.site if self.rng.random() < 0.8 else self.rng.choice(self.sites)
        return {
            "id": self._id(),
            "created_at": at,
            "updated_at": at,
            "site_code": site,
            "author": self.author,
        }

    def _postcode(self) -> str:
        inward = "".join(self.rng.choice(POSTCODE_LETTERS) for _ in range(2))
        return f"B{self.rng.randrange(1, 99)} {self.rng.randrange(1, 9)}{inward}"

    def person(self) -> list[RecordBase]:
        rng = self.rng
        female = rng.random() < 0.2
        given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
        dob = date(rng.randrange(1960, 2006), rng.randrange(1, 13), rng.randrange(1, 29))
        la = rng.choice(self.las)
        first_seen = self._when()
        person = Person(
            **self._base(first_seen),
            family_name=rng.choice(FAMILY),
            given_names=given,
            date_of_birth=dob,
            sex=Sex.FEMALE if female else Sex.MALE,
            local_authority=la,
            no_fixed_abode=la == "NFA",
            pnc_id=f"{rng.randrange(70, 100):02d}/{rng.randrange(10**6):06d}{rng.choice(PNC_LETTERS)}",
            postcode=None if la == "NFA" else self._postcode(),
        )
        records: list[RecordBase] = [person]
        for _ in range(1 if rng.random() < 0.7 else rng.randrange(2, 4)):
            records.extend(self.episode(person))
        return records

    def episode(self, person: Person) -> list[RecordBase]:
        rng = self.rng
        arrived = self._when()
        offence = rng.choice(list(OFFENCES))
        released = arrived + timedelta(hours=rng.randrange(3, 30))
        episode = CustodyEpisode(
            **self._base(arrived),
            person_id=person.id,
            custody_record_number=f"{rng.randrange(10, 99)}-{rng.randrange(10**7):07d}",
            arrived_at=arrived,
            offences=[OFFENCES[offence]],
            trigger_offence=offence in TRIGGER,
            inspector_authorised=offence not in TRIGGER and rng.random() < 0.1,
            released_at=released,
            release_type=rng.choice(list(ReleaseType)),
        )
        out: list[RecordBase] = [episode]
        positive = False
        opiates = False
        if episode.trigger_offence or episode.inspector_authorised:
            opiates = rng.random() < 0.35
            cocaine = rng.random() < 0.45
            test = DrugTest(
                **self._base(arrived + timedelta(hours=1)),
                person_id=person.id,
                episode_id=episode.id,
                sample_taken_at=arrived + timedelta(hours=1),
                results={
                    "opiates": DrugResult.POSITIVE if opiates else DrugResult.NEGATIVE,
                    "cocaine": DrugResult.POSITIVE if cocaine else DrugResult.NEGATIVE,
                },
                disputed=rng.random() < 0.02,
            )
            positive = test.any_positive
            out.append(test)
        assessed_at = arrived + timedelta(hours=2)
        kind: AssessmentKind | None = None
        if positive and rng.random() < 0.6:
            kind = AssessmentKind.REQUIRED_INITIAL
        elif rng.random() < 0.12:
            kind = AssessmentKind.LIFESTYLE
        if kind is None:
            if rng.random() < 0.03:
                out.append(self.out_of_hours_booking(person, released))
            return out
        out.extend(self.assessment_and_follow_ons(person, episode, kind, assessed_at, opiates))
        return out

    def assessment_and_follow_ons(
        self, person: Person, episode: CustodyEpisode, kind: AssessmentKind, at: datetime, opiates: bool
    ) -> list[RecordBase]:
        rng = self.rng
        completed = rng.random() < 0.9
        assessment = Assessment(
            **self._base(at),
            person_id=person.id,
            episode_id=episode.id,
            kind=kind,
            form_id=kind.value,
            form_version=1,
            answers={
                "main_substance": "heroin"
                if opiates
                else rng.choice(["crack_cocaine", "alcohol", "cannabis", "cocaine"]),
                "injecting": "current" if opiates and rng.random() < 0.3 else "never",
                "consent_to_share": rng.random() < 0.85,
            },
            status=AssessmentStatus.COMPLETED if completed else AssessmentStatus.DRAFT,
            completed_at=at + timedelta(minutes=40) if completed else None,
        )
        out: list[RecordBase] = [assessment]
        if completed and rng.random() < 0.15:
            out.append(
                Action(
                    **self._base(at),
                    person_id=person.id,
                    source_record_id=assessment.id,
                    action_type=rng.choice(
                        [ActionType.SAFEGUARDING, ActionType.CUSTODY_OFFICER_ALERT, ActionType.MARAC]
                    ),
                    owner=self.author,
                )
            )
        if completed and rng.random() < 0.4 and person.local_authority in self.providers:
            out.append(self.referral(person, assessment, at))
        if opiates and rng.random() < 0.5:
            supplied = at.date()
            out.append(
                NaloxoneSupply(
                    **self._base(at),
                    person_id=person.id,
                    episode_id=episode.id,
                    product=rng.choice(list(NaloxoneProduct)),
                    batch_number=f"NX{rng.randrange(10**6):06d}",
                    supplied_on=supplied,
                    expiry_date=supplied + timedelta(days=rng.randrange(200, 900)),
                    training_topics=["recognising_overdose", "recovery_position", "calling_999"],
                    consent_given=True,
                    leaflet_given=True,
                    handed_to_property=True,
                    returned_on_release=rng.random() < 0.95,
                )
            )
        return out

    def referral(self, person: Person, assessment: Assessment, at: datetime) -> Referral:
        rng = self.rng
        la = person.local_authority or "BIRMINGHAM"
        roll = rng.random()
        outcome = ReferralOutcome.PENDING
        extra: dict[str, object] = {}
        if roll < 0.45:
            outcome = ReferralOutcome.ENTERED_TREATMENT
            extra["entered_treatment_on"] = (at + timedelta(days=rng.randrange(0, 21))).date()
        elif roll < 0.8:
            outcome = ReferralOutcome.NOT_CONVERTED
            extra["not_converted_reason"] = rng.choice(NOT_CONVERTED)
        return Referral(
            **self._base(at),
            person_id=person.id,
            assessment_id=assessment.id,
            provider_code=self.providers[la],
            local_authority=la,
            appointment_at=at + timedelta(days=rng.randrange(1, 8)),
            consent_scope=["treatment_provider"],
            outcome=outcome,
            **extra,
        )

    def out_of_hours_booking(self, person: Person, released: datetime) -> Appointment:
        return Appointment(
            **self._base(released),
            person_id=person.id,
            starts_at=released + timedelta(days=1),
            location_site_code=self.site,
            reason="voluntary",
            booked_by=self.author,
            booked_by_role=Role.WORKER,
            out_of_hours=True,
        )


def seed(
    session: WorkstationSession,
    people: int,
    days: int = 30,
    random_seed: int = 1,
    end: date | None = None,
    batch_people: int = 200,
    progress: Callable[[int, int], None] | None = None,
) -> SeedReport:
    """Make `people` invented people with their custody histories, `batch_people` per transaction."""
    if people < 0 or days < 1:
        raise InvalidInput("--people must be 0 or more and --days 1 or more")
    generator = CaseworkGenerator(
        random.Random(random_seed), session.site_code, session.user.username, end or date.today(), days
    )
    counts: dict[str, int] = {}
    done = 0
    while done < people:
        batch: list[RecordBase] = []
        for _ in range(min(batch_people, people - done)):
            batch.extend(generator.person())
        save_records(session, batch)
        for record in batch:
            counts[record.record_type] = counts.get(record.record_type, 0) + 1
        done += min(batch_people, people - done)
        if progress:
            progress(done, people)
    return SeedReport(counts)
