"""Realistic, randomised answers to every CARS form, for invented people (demos, tests, benchmarks).

Each generator takes a `random.Random`, what is known about the person (`Profile`) and the occasion
(`Occasion`: when, where, and the earlier form it follows) and returns answers the form accepts on
completion, plus when the form would be completed. Skip-logic branches are taken in proportions an
arrest referral service would see, so the demo store exercises every branch:

* lifestyle: AUDIT-C of 5 or more (so the full AUDIT is asked) in about a third of people; about a
  quarter of opiate users inject now; overdose history far more often for opiate users;
* required assessment: about 85% attend and stay, 10% fail to attend and 5% fail to remain (each
  failure makes the police-notification action); a follow-up required for about half of those
  found dependent or with a propensity;
* vulnerability: current self-harm thoughts ~6%, domestic abuse disclosed ~12% (Dash high risk in
  about a fifth of those asked), children at risk ~6%, current sex work ~4%, exploitation ~6%;
* harm reduction: opiate users are offered Naloxone, most accept;
* referral outcome: the split between entering treatment and not converting is set by the seeder.

Dates respect `Occasion.end` wherever the form refuses future dates; a form whose completion would
fall after `end` is kept as a draft by the seeder. Nothing here touches the store.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any, TypeVar

from cars_desktop.resources import reference_list

T = TypeVar("T")

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
STAFF = (
    "Dana Whitfield",
    "Marcus Okonedo",
    "Priya Lakhani",
    "Gemma Towle",
    "Ravi Sandhu",
    "Claire Ambridge",
    "Tom Heskey",
    "Nadia Farouk",
)
OFFICERS = ("Okafor", "Hollis", "Brennan", "Adeyemi", "Whitlock", "Sangha", "Morrow", "Pryce")
PNC_LETTERS = "ABCDEFGHJKLMNPRTUVWXYZ"
LANGUAGES = ("Polish", "Romanian", "Punjabi", "Urdu", "Kurdish Sorani", "Tigrinya", "Arabic")

# (description, trigger offence code or None)
OFFENCES: tuple[tuple[str, str | None], ...] = (
    ("Theft from a shop", "TA1968-S1"),
    ("Theft from a shop (meat and razor blades)", "TA1968-S1"),
    ("Theft of a pedal cycle", "TA1968-S1"),
    ("Burglary (dwelling)", "TA1968-S9"),
    ("Burglary (non-dwelling)", "TA1968-S9"),
    ("Robbery", "TA1968-S8"),
    ("Taking a vehicle without consent", "TA1968-S12"),
    ("Handling stolen goods", "TA1968-S22"),
    ("Going equipped for theft", "TA1968-S25"),
    ("Possession of heroin", "MDA1971-S5-2"),
    ("Possession of crack cocaine", "MDA1971-S5-2"),
    ("Possession with intent to supply crack cocaine", "MDA1971-S5-3"),
    ("Fraud by false representation", "FA2006-S1"),
    ("Begging", "VA1824-S3"),
)
NON_TRIGGER_OFFENCES = (
    "Common assault",
    "Criminal damage",
    "Breach of a criminal behaviour order",
    "Failing to surrender to bail",
    "Public order offence (s.4A)",
    "Assault occasioning actual bodily harm",
    "Drink driving",
    "Possession of cannabis",
)
OPIOIDS = frozenset({"heroin", "methadone_illicit", "buprenorphine_illicit", "other_opioids"})
COCAINE = frozenset({"crack_cocaine", "cocaine_powder"})
SDS_DRUG = {
    "heroin": "heroin",
    "methadone_illicit": "heroin",
    "buprenorphine_illicit": "heroin",
    "other_opioids": "heroin",
    "crack_cocaine": "cocaine",
    "cocaine_powder": "cocaine",
    "amphetamine": "amphetamine",
    "methamphetamine": "amphetamine",
    "cannabis": "cannabis",
    "benzodiazepines": "benzodiazepines",
}
AMOUNTS = {
    "heroin": ("£10 a day", "£20 to £30 a day", "half a gram a day", "£40 a day"),
    "crack_cocaine": ("2 or 3 rocks", "£40 a day", "£100 at weekends"),
    "cocaine_powder": ("a gram at weekends", "2 grams a week"),
    "alcohol": ("4 cans of 5% lager", "3 litres of cider", "a bottle of vodka", "6 pints"),
    "cannabis": ("£10 a day", "an eighth a week", "3 joints a day"),
    "benzodiazepines": ("10 street Valium a day", "a strip a day"),
}


def pick(rng: random.Random, weighted: Sequence[tuple[T, float]]) -> T:
    """One option, chosen with the given weights (kept as data beside each use, so rates read)."""
    total = sum(w for _, w in weighted)
    roll = rng.random() * total
    for option, weight in weighted:
        roll -= weight
        if roll < 0:
            return option
    return weighted[-1][0]


def chance(rng: random.Random, p: float) -> bool:
    return rng.random() < p


def yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def iso(moment: datetime) -> str:
    """A stored date-time: UTC, to the minute, with its zone (the forms refuse naive times)."""
    return moment.astimezone(UTC).replace(second=0, microsecond=0).isoformat()


def end_of(day: date) -> datetime:
    """The last moment of a day, UTC: nothing seeded is dated after the seed's end day."""
    return datetime.combine(day, time(23, 59), tzinfo=UTC)


def at_hour(day: date, rng: random.Random, first: int = 9, last: int = 16) -> datetime:
    """A time in office hours on a day, on a quarter hour (how appointments are booked)."""
    return datetime.combine(day, time(rng.randrange(first, last), rng.choice((0, 15, 30, 45))), tzinfo=UTC)


@cache
def codes(list_name: str, on: date) -> tuple[str, ...]:
    """The codes of a reference list in effect on a day (cached: seeding asks thousands of times)."""
    return tuple(i.code for i in reference_list(list_name).current(on))


@cache
def sites(kind: str, on: date) -> tuple[str, ...]:
    return tuple(i.code for i in reference_list("sites").current(on) if i.extra("kind") == kind)


@cache
def site_names(on: date) -> dict[str, str]:
    return {i.code: i.name for i in reference_list("sites").current(on)}


@cache
def site_authority(on: date) -> dict[str, str]:
    return {i.code: str(i.extra("local_authority")) for i in reference_list("sites").current(on)}


@cache
def providers(on: date) -> dict[str, tuple[str, str, str]]:
    """Local authority -> (provider code, provider name, referral route) in effect on a day."""
    out: dict[str, tuple[str, str, str]] = {}
    for item in reference_list("providers").current(on):
        for la in item.extra("local_authorities") or []:
            out[la] = (item.code, item.name, str(item.extra("referral_route") or "secure_email"))
    return out


def treatment_authority(local_authority: str, site: str, on: date) -> str:
    """Where a person is referred: their home authority if it has a provider, else the site's."""
    table = providers(on)
    if local_authority in table:
        return local_authority
    fallback = site_authority(on).get(site, "BIRMINGHAM")
    return fallback if fallback in table else next(iter(sorted(table)))


@dataclass(frozen=True)
class Substance:
    """One problem substance as the lifestyle form records it."""

    code: str
    route: str
    frequency: str
    amount: str | None
    age_first_used: int | None
    other: str | None = None


@dataclass(frozen=True)
class Profile:
    """An invented person, stable across their forms so that answers agree with each other."""

    given_names: str
    family_name: str
    date_of_birth: date
    female: bool
    local_authority: str
    pnc_id: str | None
    phone: str | None
    substances: tuple[Substance, ...]
    injecting: str
    heavy_drinker: bool
    children: int
    language: str | None

    @property
    def opiates(self) -> bool:
        return any(s.code in OPIOIDS for s in self.substances)

    @property
    def cocaine(self) -> bool:
        return any(s.code in COCAINE for s in self.substances)

    @property
    def name(self) -> str:
        return f"{self.given_names} {self.family_name}"

    def age_on(self, day: date) -> int:
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def _substance(rng: random.Random, code: str, age: int, main: bool, injecting: bool) -> Substance:
    route = {
        "heroin": "injected" if injecting and main else "smoked",
        "crack_cocaine": "smoked",
        "cocaine_powder": "sniffed",
        "alcohol": "oral",
        "cannabis": "smoked",
        "ketamine": "sniffed",
        "nps": "smoked",
        "methamphetamine": "smoked",
        "amphetamine": pick(rng, [("sniffed", 0.6), ("oral", 0.4)]),
    }.get(code, "oral")
    frequency = pick(
        rng,
        [("daily", 0.8), ("4_6_days_week", 0.15), ("2_3_days_week", 0.05)]
        if code in OPIOIDS and main
        else [
            ("daily", 0.4),
            ("4_6_days_week", 0.2),
            ("2_3_days_week", 0.25),
            ("once_week_or_less", 0.12),
            ("not_last_28_days", 0.03),
        ],
    )
    amounts = AMOUNTS.get(code)
    first = rng.randrange(12, max(13, min(age, 40) + 1)) if chance(rng, 0.85) else None
    return Substance(
        code=code,
        route=route,
        frequency=frequency,
        amount=rng.choice(amounts) if amounts and chance(rng, 0.8) else None,
        age_first_used=first,
        other=rng.choice(("Nitrous oxide", "Spice (synthetic cannabinoid)")) if code == "other" else None,
    )


def invent_profile(
    rng: random.Random,
    end: date,
    *,
    given_names: str | None = None,
    family_name: str | None = None,
    date_of_birth: date | None = None,
    female: bool | None = None,
    local_authority: str | None = None,
    pnc_id: str | None = None,
) -> Profile:
    """A person with a plausible drug and alcohol history; named facts already known are kept.

    Rough mix of the people a custody-based service engages: opiate users (often with crack)
    30%, crack or cocaine 20%, alcohol 15%, cannabis 12%, other drugs 5%, no problem use 18%.
    """
    is_female = chance(rng, 0.2) if female is None else female
    years = rng.randrange(15, 18) if chance(rng, 0.02) else rng.randrange(19, 62)  # a few under 18s
    dob = date_of_birth or date(end.year - years, rng.randrange(1, 13), rng.randrange(1, 29))
    la = local_authority or rng.choice([c for c in codes("local_authorities", end) if c != "OUT-OF-AREA"])
    age = max(15, end.year - dob.year)
    kind = pick(
        rng,
        [
            ("opiates", 0.30),
            ("cocaine", 0.20),
            ("alcohol", 0.15),
            ("cannabis", 0.12),
            ("other", 0.05),
            ("", 0.18),
        ],
    )
    if kind == "opiates":
        injecting = pick(
            rng,
            [
                ("currently_injecting", 0.25),
                ("previously_injected", 0.22),
                ("never_injected", 0.5),
                ("declined", 0.03),
            ],
        )
    else:
        injecting = pick(
            rng,
            [
                ("currently_injecting", 0.02),
                ("previously_injected", 0.05),
                ("never_injected", 0.9),
                ("declined", 0.03),
            ],
        )
    now_injecting = injecting == "currently_injecting"
    wanted: list[str] = []
    if kind == "opiates":
        wanted = ["heroin"]
        wanted += ["crack_cocaine"] if chance(rng, 0.65) else []
        wanted += (
            [pick(rng, [("alcohol", 0.4), ("benzodiazepines", 0.3), ("pregabalin_gabapentin", 0.3)])]
            if (chance(rng, 0.35))
            else []
        )
    elif kind == "cocaine":
        wanted = [pick(rng, [("crack_cocaine", 0.6), ("cocaine_powder", 0.4)])]
        wanted += [pick(rng, [("alcohol", 0.6), ("cannabis", 0.4)])] if chance(rng, 0.5) else []
    elif kind == "alcohol":
        wanted = ["alcohol"] + (
            [pick(rng, [("cocaine_powder", 0.6), ("cannabis", 0.4)])] if chance(rng, 0.3) else []
        )
    elif kind == "cannabis":
        wanted = (
            ["cannabis"] + (["alcohol"] if chance(rng, 0.2) else []) + (["other"] if chance(rng, 0.1) else [])
        )
    elif kind == "other":
        wanted = [
            pick(
                rng,
                [
                    ("benzodiazepines", 0.25),
                    ("amphetamine", 0.15),
                    ("pregabalin_gabapentin", 0.2),
                    ("ketamine", 0.1),
                    ("nps", 0.1),
                    ("methamphetamine", 0.05),
                    ("other", 0.15),
                ],
            )
        ]
    substances = tuple(_substance(rng, c, age, i == 0, now_injecting) for i, c in enumerate(wanted[:3]))
    heavy = chance(rng, 0.85 if kind == "alcohol" else 0.27 if kind else 0.2)
    if pnc_id is None and chance(rng, 0.9):
        pnc_id = f"{rng.randrange(70, 100):02d}/{rng.randrange(10**6):06d}{rng.choice(PNC_LETTERS)}"
    return Profile(
        given_names=given_names or rng.choice(GIVEN_FEMALE if is_female else GIVEN_MALE),
        family_name=family_name or rng.choice(FAMILY),
        date_of_birth=dob,
        female=is_female,
        local_authority=la,
        pnc_id=pnc_id,
        phone=f"07700 9{rng.randrange(10**5):05d}" if chance(rng, 0.6) else None,
        substances=substances,
        injecting=injecting,
        heavy_drinker=heavy,
        children=pick(rng, [(0, 0.55), (1, 0.2), (2, 0.15), (3, 0.07), (4, 0.03)]),
        language=rng.choice(LANGUAGES) if chance(rng, 0.04) else None,
    )


@dataclass(frozen=True)
class Occasion:
    """When and where a form is filled in, and what it follows.

    `at` is when the worker starts the form; `end` is the last day anything may be dated (forms
    refuse future dates). `earlier` holds the answers of the form this one follows (the initial
    required assessment for a follow-up, the referral for its outcome, the lifestyle assessment a
    court assessment carries answers over from).
    """

    at: datetime
    end: date
    site: str
    worker: str = STAFF[0]
    approver: str = "t.bramall"
    positive_for: tuple[str, ...] = ()
    disputed: bool = False
    custody_record_number: str = ""
    earlier: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Generated:
    """Answers as the worker would enter them, and when the form is completed.

    `completed_at` may fall after the occasion's end (an appointment not yet kept): the seeder then
    keeps the form as a draft.
    """

    answers: dict[str, Any]
    completed_at: datetime


Generator = Callable[[random.Random, Profile, Occasion], Generated]


def _past_day(rng: random.Random, before: date, most_days: int) -> date:
    """A day strictly before `before`, at most `most_days` earlier (dates the forms refuse in the future)."""
    return before - timedelta(days=rng.randrange(1, max(2, most_days)))


def _officer(rng: random.Random, rank: str = "PC") -> str:
    return f"{rank} {rng.randrange(1000, 9999)} {rng.choice(OFFICERS)}"


def custody_record_number(rng: random.Random, on: date) -> str:
    """As printed on the custody record: force area, serial, year (for example 20/118734/26)."""
    return f"20/{rng.randrange(100000, 999999)}/{on.year % 100:02d}"


# -- custody arrival and Drug Testing on Arrest -------------------------------------------------


def custody_arrival(rng: random.Random, person: Profile, occasion: Occasion) -> Generated:
    """Arrest, offences and the drug test; positive results follow the person's drug use.

    About 75% of arrests are for a trigger offence; a sample is taken from about 90% of those who
    can be tested (a few refuse, a few are not tested). An opiate or cocaine user tests positive
    for that drug about 85% of the time; about 5% of positives are disputed.
    """
    at, end = occasion.at, occasion.end
    youth = person.age_on(at.date()) < 18
    triggered = chance(rng, 0.75)
    offences: list[dict[str, Any]] = []
    trigger = False
    for position in range(pick(rng, [(1, 0.65), (2, 0.25), (3, 0.1)])):
        if triggered and (position == 0 or chance(rng, 0.3)):
            description, code = rng.choice(OFFENCES)
            entry: dict[str, Any] = {"offence": description, "trigger_offence_code": code}
            if code is not None and code.startswith("MDA1971"):
                class_a = chance(rng, 0.92)
                entry["specified_class_a"] = yes_no(class_a)
                trigger = trigger or class_a
            else:
                trigger = True
        else:
            entry = {"offence": rng.choice(NON_TRIGGER_OFFENCES)}
        offences.append(entry)
    a: dict[str, Any] = {
        "custody_record_number": occasion.custody_record_number or custody_record_number(rng, at.date()),
        "custody_suite": occasion.site,
        "arrived_at": iso(at),
        "age_group": "youth" if youth else "adult",
        "offences": offences,
        "trigger_offence": yes_no(trigger),
        "tested_on": "charge" if youth or chance(rng, 0.08) else "arrest",
        "warning_given": yes_no(chance(rng, 0.97)),
    }
    if person.pnc_id and chance(rng, 0.9):
        a["pnc_id"] = person.pnc_id
    if chance(rng, 0.7):
        a["arresting_officer"] = _officer(rng)
    sample_at = at + timedelta(minutes=rng.randrange(30, 150))
    testable = trigger
    if not trigger:
        authorised = chance(rng, 0.12)
        a["inspector_authorised"] = yes_no(authorised)
        if authorised:
            testable = True
            a["authorising_officer"] = _officer(rng, "Insp")
            a["authorising_rank"] = pick(rng, [("inspector", 0.85), ("chief_inspector", 0.15)])
            a["authorisation_grounds"] = rng.choice(
                (
                    "Reasonable grounds to suspect Class A misuse caused or contributed to the offence.",
                    "Found in possession of foil and a crack pipe; offence appears drug-related.",
                )
            )
            a["authorised_at"] = iso(at + timedelta(minutes=rng.randrange(10, 29)))
    if youth:
        present = chance(rng, 0.85)
        a["appropriate_adult_present"] = yes_no(present)
        if present:
            a["appropriate_adult_name"] = f"{rng.choice(GIVEN_FEMALE + GIVEN_MALE)} {person.family_name}"
            a["appropriate_adult_role"] = pick(
                rng, [("parent_guardian", 0.6), ("social_worker", 0.2), ("volunteer", 0.2)]
            )
        testable = testable and present
    if not testable:
        a["sample_outcome"] = "not_taken"
        a["not_taken_reason"] = (
            "No appropriate adult available"
            if youth
            else "Not a trigger offence and no inspector's authorisation"
        )
    else:
        a["sample_outcome"] = pick(rng, [("taken", 0.9), ("refused", 0.05), ("not_taken", 0.05)])
        if a["sample_outcome"] == "refused":
            a["refusal_details"] = (
                "Refused the swab after the warning was given; told the refusal is an offence."
            )
        elif a["sample_outcome"] == "not_taken":
            a["not_taken_reason"] = rng.choice(
                ("Taken to hospital before the test", "Too intoxicated to give a sample")
            )
    if a["sample_outcome"] == "taken":
        a["sample_type"] = pick(rng, [("oral_fluid", 0.95), ("urine", 0.05)])
        a["sample_taken_at"] = iso(sample_at)
        results = []
        for drug in codes("drug_test_panel", end):
            uses = person.opiates if drug == "opiates" else person.cocaine if drug == "cocaine" else False
            positive = chance(rng, 0.85) if uses else chance(rng, 0.03)
            entry = {"drug": drug, "result": "positive" if positive else "negative"}
            if positive:
                disputed = chance(rng, 0.05)
                entry["disputed"] = yes_no(disputed)
                sent = sample_at.date() + timedelta(days=rng.randrange(0, 2))
                if disputed and sent <= end:
                    entry["sent_for_confirmation_on"] = sent.isoformat()
                    back = sent + timedelta(days=rng.randrange(3, 10))
                    if back <= end and chance(rng, 0.8):
                        entry["confirmatory_result"] = pick(
                            rng, [("confirmed_positive", 0.8), ("not_confirmed", 0.15), ("no_result", 0.05)]
                        )
                        entry["confirmatory_received_on"] = back.isoformat()
                elif disputed:
                    entry["disputed"] = "no"
            results.append(entry)
        a["results"] = results
    if chance(rng, 0.2):
        a["notes"] = rng.choice(
            (
                "Agreed to see the CARS worker before release.",
                "Says the result is from prescribed medication.",
                "Asked for help with housing as well.",
            )
        )
    return Generated(a, sample_at + timedelta(minutes=rng.randrange(10, 40)))


def _ra_attendance(
    rng: random.Random, appointment: datetime, occasion: Occasion, p_attend: float, p_remain: float
) -> tuple[dict[str, Any], datetime, bool]:
    """Attendance and, when the person failed to attend or remain, the police notification."""
    a: dict[str, Any] = {"assessor": occasion.worker}
    attended = chance(rng, p_attend)
    remained = attended and chance(rng, p_remain)
    a["attended"] = yes_no(attended)
    moment = appointment
    if attended:
        arrived = appointment + timedelta(minutes=rng.randrange(-15, 20))
        a["arrived_at"] = iso(arrived)
        a["remained"] = yes_no(remained)
        moment = arrived
        if not remained:
            left = arrived + timedelta(minutes=rng.randrange(5, 40))
            a["left_at"] = iso(left)
            moment = left
    if not remained:
        if chance(rng, 0.6):
            a["reason_given"] = rng.choice(
                (
                    "Phoned later to say they overslept.",
                    "Said they had a hospital appointment.",
                    "No reason given.",
                    "Walked out saying they did not need help.",
                )
            )
        notified = moment + timedelta(minutes=rng.randrange(15, 50))
        if chance(rng, 0.95):
            a["police_notified_at"] = iso(notified)
            a["police_officer_notified"] = _officer(rng, "PS")
            a["notification_method"] = pick(rng, [("phone", 0.6), ("email", 0.35), ("in_person", 0.05)])
        if chance(rng, 0.7):
            a["evidential_statement"] = yes_no(chance(rng, 0.6))
        return a, notified + timedelta(minutes=10), False
    return a, moment + timedelta(minutes=rng.randrange(50, 90)), True


def _variation(
    rng: random.Random, issued_after: datetime, appointment: datetime, place: str
) -> dict[str, Any]:
    issued = issued_after + (appointment - issued_after) * rng.uniform(0.2, 0.8)
    return {
        "ra2_issued_at": iso(issued),
        "ra2_issued_by": f"{rng.choice(STAFF)} (CARS)",
        "ra2_appointment_at": iso(appointment + timedelta(days=rng.randrange(1, 3))),
        "ra2_place": place,
        "ra2_reason": rng.choice(("Hospital appointment clashed", "Court date on the same day", "Childcare")),
    }


def required_initial(rng: random.Random, person: Profile, occasion: Occasion) -> Generated:
    """The Drugs Act 2005 initial assessment: RA1, attendance and, if they stayed, the findings.

    About 90% attend and about 94% of those stay (85% attend and stay overall). Dependency or
    propensity is found in about 80% of those assessed; a follow-up is required for about half of
    them (RA4), otherwise the RA5 notice is given.
    """
    ra1 = occasion.at
    place = f"CARS office, {site_names(occasion.end).get(occasion.site, occasion.site)}"
    wait = rng.randrange(7, 10) if occasion.disputed else rng.randrange(1, 5)
    appointment = at_hour(ra1.date() + timedelta(days=wait), rng)
    a: dict[str, Any] = {
        "ra1_issued_at": iso(ra1),
        "imposing_officer": _officer(rng, "PS"),
        "dtoa_positive_for": list(occasion.positive_for) or ["opiates"],
        "test_disputed": yes_no(occasion.disputed),
        "appointment_at": iso(appointment),
        "appointment_place": place,
        "warning_given": "yes",
        "follow_up_explained": yes_no(chance(rng, 0.97)),
    }
    if occasion.disputed and ra1.date() <= occasion.end:
        a["confirmation_sent_on"] = ra1.date().isoformat()
    final = appointment
    if chance(rng, 0.08):
        variation = _variation(rng, ra1, appointment, place)
        a["ra2_variations"] = [variation]
        final = datetime.fromisoformat(variation["ra2_appointment_at"])
    attendance, done, stayed = _ra_attendance(rng, final, occasion, 0.9, 0.945)
    a.update(attendance)
    if stayed:
        arrived = datetime.fromisoformat(a["arrived_at"])
        finding = pick(rng, [("dependent", 0.55), ("propensity", 0.25), ("neither", 0.2)])
        a["dependency_finding"] = finding
        main = person.substances[0].code.replace("_", " ") if person.substances else "drugs"
        a["dependency_evidence"] = (
            f"Uses {main} most days; withdrawal symptoms when stopping."
            if finding == "dependent"
            else f"Occasional {main} use linked to the offence."
            if finding == "propensity"
            else "Positive test explained by one-off use; no pattern of misuse found."
        )
        decision = "not_required"
        if finding != "neither":
            benefit = chance(rng, 0.88)
            a["benefit_from_help"] = yes_no(benefit)
            if benefit:
                advice = chance(rng, 0.9)
                a["advice_given"] = yes_no(advice)
                if advice and chance(rng, 0.7):
                    a["advice_details"] = "Explained the local treatment service and same-week prescribing."
            decision = "required" if chance(rng, 0.5) else "not_required"
        a["follow_up_decision"] = decision
        if decision == "required":
            a["ra4_appointment_at"] = iso(at_hour(arrived.date() + timedelta(days=rng.randrange(7, 22)), rng))
            a["ra4_place"] = place
            a["ra4_warning_given"] = "yes"
            a["ra4_notice_given"] = "yes"
        else:
            a["ra5_given_at"] = iso(done - timedelta(minutes=5))
            a["ra5_reason"] = (
                "No dependency or propensity found."
                if finding == "neither"
                else "Already engaged with treatment."
            )
    if chance(rng, 0.3):
        a["notes"] = rng.choice(
            ("Phone number confirmed.", "Keen to start treatment.", "Needs an interpreter next time.")
        )
    return Generated(a, done)


def required_follow_up(rng: random.Random, person: Profile, occasion: Occasion) -> Generated:
    """The follow-up the initial assessment required, at the RA4 time and place it set."""
    earlier = occasion.earlier
    appointment = datetime.fromisoformat(
        earlier.get("ra4_appointment_at") or iso(at_hour(occasion.at.date(), rng))
    )
    place = str(
        earlier.get("ra4_place")
        or f"CARS office, {site_names(occasion.end).get(occasion.site, occasion.site)}"
    )
    a: dict[str, Any] = {"ra4_appointment_at": iso(appointment), "ra4_place": place}
    final = appointment
    if chance(rng, 0.05):
        issued_from = appointment - timedelta(days=3)
        variation = _variation(rng, issued_from, appointment, place)
        a["ra2_variations"] = [variation]
        final = datetime.fromisoformat(variation["ra2_appointment_at"])
    attendance, done, stayed = _ra_attendance(rng, final, occasion, 0.88, 0.95)
    a.update(attendance)
    if stayed:
        plan = chance(rng, 0.85)
        a["care_plan_created"] = yes_no(plan)
        if plan:
            a["care_plan_goals"] = rng.choice(
                (
                    "Start a prescribing assessment, register with a GP, weekly contact until then.",
                    "Cut down crack use, attend the recovery group, sort out housing benefit.",
                )
            )
        else:
            a["no_care_plan_reason"] = "Declined a care plan; already has a keyworker."
        referred = chance(rng, 0.6)
        a["referrals_made"] = yes_no(referred)
        if referred:
            la = treatment_authority(person.local_authority, occasion.site, occasion.end)
            entries: list[dict[str, Any]] = [
                {
                    "service_kind": "drug_alcohol_treatment",
                    "provider_code": providers(occasion.end)[la][0],
                    "referred_on": done.date().isoformat(),
                }
            ]
            if chance(rng, 0.3):
                entries.append(
                    {
                        "service_kind": "gp",
                        "service_name": "Lion Farm Health Centre",
                        "referred_on": done.date().isoformat(),
                    }
                )
            a["referrals"] = entries
        a["requirement_ends"] = yes_no(chance(rng, 0.9))
    if chance(rng, 0.2):
        a["notes"] = "Next contact booked; police told of attendance."
    return Generated(a, done)


# -- lifestyle ------------------------------------------------------------------------------------


def _audit_c(rng: random.Random, heavy: bool) -> tuple[int, int, int]:
    """AUDIT items 1-3: 5 or more for a heavy drinker, under 5 otherwise."""
    while True:
        if heavy:
            items = (
                pick(rng, [(2, 0.15), (3, 0.35), (4, 0.5)]),
                pick(rng, [(1, 0.3), (2, 0.3), (3, 0.2), (4, 0.2)]),
                pick(rng, [(1, 0.3), (2, 0.3), (3, 0.25), (4, 0.15)]),
            )
            if sum(items) >= 5:
                return items
        else:
            first = pick(rng, [(0, 0.3), (1, 0.3), (2, 0.3), (3, 0.1)])
            items = (
                (first, 0, 0)
                if first == 0
                else (first, pick(rng, [(0, 0.6), (1, 0.3), (2, 0.1)]), pick(rng, [(0, 0.7), (1, 0.3)]))
            )
            if sum(items) < 5:
                return items


def alcohol_answers(rng: random.Random, person: Profile, full_days: bool = True) -> dict[str, Any]:
    """AUDIT-C, and the full AUDIT when it is 5 or more (the form's skip logic)."""
    first, second, third = _audit_c(rng, person.heavy_drinker)
    a: dict[str, Any] = {"audit_1": first, "audit_2": second, "audit_3": third}
    if full_days and first > 0 and chance(rng, 0.8):
        low, high = {1: (0, 1), 2: (2, 4), 3: (8, 13), 4: (16, 28)}[first]
        a["drinking_days_28"] = rng.randint(low, high)
    if first + second + third >= 5:
        weights = [(0, 0.35), (1, 0.25), (2, 0.2), (3, 0.12), (4, 0.08)]
        for item in range(4, 9):
            a[f"audit_{item}"] = pick(rng, weights)
        for item in (9, 10):
            a[f"audit_{item}"] = pick(rng, [(0, 0.6), (2, 0.2), (4, 0.2)])
    return a


def substance_answers(rng: random.Random, person: Profile) -> dict[str, Any]:
    """The substances repeat group and the SDS for the main drug (only with problem use)."""
    if not person.substances:
        return {"problem_use": "no"}
    entries = []
    for s in person.substances:
        entry: dict[str, Any] = {"substance": s.code, "route": s.route, "frequency": s.frequency}
        if s.other:
            entry["substance_other"] = s.other
        if s.amount:
            entry["amount"] = s.amount
        if s.age_first_used is not None:
            entry["age_first_used"] = s.age_first_used
        entries.append(entry)
    main = person.substances[0]
    daily = main.frequency == "daily"
    weights = (
        [(0, 0.1), (1, 0.25), (2, 0.35), (3, 0.3)] if daily else [(0, 0.4), (1, 0.35), (2, 0.2), (3, 0.05)]
    )
    a: dict[str, Any] = {
        "problem_use": "yes",
        "substances": entries,
        "sds_drug": SDS_DRUG.get(main.code, "other"),
    }
    for item in range(1, 6):
        a[f"sds_{item}"] = pick(rng, weights)
    return a


def lifestyle(rng: random.Random, person: Profile, occasion: Occasion) -> Generated:
    """The voluntary lifestyle assessment offered on a cell sweep (or at court)."""
    at, end = occasion.at, occasion.end
    today = at.date()
    court = occasion.site in sites("court", end)
    a: dict[str, Any] = {
        "assessment_type": "court" if court else pick(rng, [("voluntary_custody", 0.93), ("required", 0.07)]),
        "referral_source": "court"
        if court
        else pick(
            rng,
            [("arrest_referral", 0.75), ("self", 0.1), ("police_other", 0.08), ("liaison_diversion", 0.07)],
        ),
    }
    if person.language:
        a["interpreter_used"] = "yes"
        a["interpreter_language"] = person.language
    elif chance(rng, 0.7):
        a["interpreter_used"] = "no"
    a.update(substance_answers(rng, person))
    a["injecting_status"] = person.injecting
    if person.injecting == "currently_injecting":
        a["shared_needles"] = yes_no(chance(rng, 0.2))
        a["shared_paraphernalia"] = yes_no(chance(rng, 0.35))
        if chance(rng, 0.8):
            a["uses_needle_exchange"] = yes_no(chance(rng, 0.6))
        for week in range(1, 5):
            a[f"injecting_week_{week}"] = pick(rng, [(7, 0.5), (6, 0.15), (5, 0.1), (3, 0.15), (1, 0.1)])
    elif person.injecting == "previously_injected" and chance(rng, 0.7):
        a["last_injected"] = _past_day(rng, today, 2500).isoformat()
    overdosed = chance(rng, 0.35 if person.opiates else 0.06)
    a["overdose_ever"] = yes_no(overdosed)
    if overdosed:
        if chance(rng, 0.8):
            a["overdose_count"] = pick(rng, [(1, 0.5), (2, 0.25), (3, 0.15), (5, 0.1)])
        a["overdose_last"] = _past_day(rng, today, 1500).isoformat()
        if chance(rng, 0.5):
            a["overdose_details"] = "Heroin with pregabalin; friend called 999, given Naloxone by paramedics."
    a.update(alcohol_answers(rng, person))
    treated = chance(rng, 0.6 if person.opiates else 0.2)
    a["treatment_ever"] = yes_no(treated)
    if treated and chance(rng, 0.85):
        first_year = max(1970, person.date_of_birth.year + 16)
        a["treatment_history"] = [
            {
                "treatment_type": pick(
                    rng,
                    [
                        ("prescribing", 0.5),
                        ("psychosocial", 0.25),
                        ("community_detox", 0.1),
                        ("prison_treatment", 0.15),
                    ],
                ),
                "treatment_where": rng.choice(
                    ("Change Grow Live Birmingham", "HMP Birmingham", "Cranstoun Sandwell")
                ),
                "treatment_year": rng.randint(min(first_year, today.year), today.year),
                "treatment_outcome": pick(
                    rng, [("left_early", 0.45), ("completed", 0.3), ("transferred", 0.1), ("not_known", 0.15)]
                ),
            }
            for _ in range(pick(rng, [(1, 0.7), (2, 0.3)]))
        ]
    in_treatment = chance(rng, 0.25 if person.opiates else 0.05)
    a["in_treatment_now"] = yes_no(in_treatment)
    la = treatment_authority(person.local_authority, occasion.site, end)
    if in_treatment:
        a["current_provider"] = providers(end)[la][0]
        if chance(rng, 0.6):
            a["current_keyworker"] = rng.choice(STAFF)
    prescribed = in_treatment and person.opiates and chance(rng, 0.8)
    a["prescribed_now"] = yes_no(prescribed)
    if prescribed:
        medication = pick(
            rng, [("methadone", 0.65), ("buprenorphine", 0.25), ("buprenorphine_long_acting", 0.1)]
        )
        a["prescribed_medication"] = medication
        if chance(rng, 0.8):
            a["prescribed_dose"] = "60 ml daily, supervised" if medication == "methadone" else "16 mg daily"
        if chance(rng, 0.5):
            a["prescriber"] = "Dr Anand, community drug team"
        if chance(rng, 0.7):
            a["last_dose_at"] = iso(at - timedelta(hours=rng.randrange(3, 30)))
    gp = chance(rng, 0.8)
    a["gp_registered"] = yes_no(gp)
    if gp and chance(rng, 0.6):
        a["gp_practice"] = rng.choice(
            ("Lion Farm Health Centre", "Summerfield GP Surgery", "Walsall Manor Practice")
        )
    if chance(rng, 0.3):
        a["physical_health"] = rng.choice(
            ("Chest infection last month.", "Old abscess scar on left arm.", "Asthma.")
        )
    injector = person.injecting in ("currently_injecting", "previously_injected")
    a["hep_b_vaccination"] = pick(
        rng,
        [
            ("completed", 0.2),
            ("in_progress", 0.1),
            ("not_vaccinated", 0.3),
            ("declined", 0.05),
            ("not_known", 0.35),
        ],
    )
    a["hep_c_test"] = pick(
        rng,
        [("tested_negative", 0.45), ("tested_positive", 0.15), ("never_tested", 0.25), ("not_known", 0.15)]
        if injector
        else [("tested_negative", 0.15), ("never_tested", 0.6), ("not_known", 0.25)],
    )
    if a["hep_c_test"] in ("tested_negative", "tested_positive", "awaiting_result") and chance(rng, 0.7):
        a["hep_c_tested_on"] = _past_day(rng, today, 1200).isoformat()
    a["hiv_test"] = pick(rng, [("tested_negative", 0.3), ("never_tested", 0.5), ("not_known", 0.2)])
    offered = chance(rng, 0.8 if injector else 0.3)
    a["bbv_test_offered"] = yes_no(offered)
    if offered:
        a["bbv_test_accepted"] = yes_no(chance(rng, 0.6))
    if person.local_authority == "NFA":
        a["accommodation"] = pick(
            rng, [("rough_sleeping", 0.4), ("sofa_surfing", 0.35), ("hostel_temporary", 0.25)]
        )
    else:
        a["accommodation"] = pick(
            rng,
            [
                ("rented_tenancy", 0.4),
                ("with_family_friends", 0.2),
                ("owner_occupier", 0.05),
                ("supported_housing", 0.1),
                ("hostel_temporary", 0.1),
                ("sofa_surfing", 0.1),
                ("approved_premises", 0.05),
            ],
        )
    a["eviction_risk"] = yes_no(chance(rng, 0.12))
    a["local_authority"] = person.local_authority
    a["employment"] = pick(
        rng,
        [
            ("unemployed_seeking", 0.4),
            ("long_term_sick", 0.2),
            ("employed_full_time", 0.12),
            ("employed_part_time", 0.08),
            ("self_employed", 0.05),
            ("carer_homemaker", 0.05),
            ("other", 0.1),
        ],
    )
    a["children_under_18"] = person.children
    if person.children:
        a["children_live_with"] = pick(rng, [("all", 0.3), ("some", 0.15), ("none", 0.55)])
        a["parental_responsibility"] = yes_no(chance(rng, 0.75))
        a["children_unattended"] = yes_no(chance(rng, 0.03))
        if chance(rng, 0.8):
            a["children_social_care"] = yes_no(chance(rng, 0.2))
    if person.female and chance(rng, 0.9):
        a["pregnant"] = yes_no(chance(rng, 0.04))
    a["cares_for_adult"] = yes_no(chance(rng, 0.05))
    consented = chance(rng, 0.85)
    a["consent_to_share"] = yes_no(consented)
    if consented:
        recipients = ["treatment_provider"] + [r for r in ("gp", "ndtms", "probation") if chance(rng, 0.4)]
        a["consent_recipients"] = recipients
        a["consent_signature"] = {"name": person.name, "signed_at": iso(at + timedelta(minutes=30))}
    steps = [
        s
        for s, p in (
            ("referral", 0.45),
            ("harm_reduction", 0.3),
            ("vulnerability_screen", 0.25),
            ("alcohol_advice", 0.2),
        )
        if chance(rng, p)
    ]
    if steps or chance(rng, 0.5):
        a["next_steps"] = steps or ["none"]
    if chance(rng, 0.3):
        a["worker_notes"] = rng.choice(
            ("Wants a prescribing assessment.", "Prefers text messages.", "Staying with a friend.")
        )
    return Generated(a, at + timedelta(minutes=rng.randrange(35, 75)))


# -- vulnerability ------------------------------------------------------------------------------


def vulnerability(rng: random.Random, person: Profile, occasion: Occasion) -> Generated:
    """The vulnerability screen; every positive finding makes an action through the form's rules.

    Current self-harm thoughts ~6%, self-harm history ~25%, a mental health diagnosis ~35%,
    learning disability ~4%, domestic abuse disclosed ~12% (Dash asked of victims safe to talk,
    14 or more yes in about a fifth), children at risk ~6%, current sex work ~4% (more for women),
    exploitation concerns ~6%.
    """
    at = occasion.at
    a: dict[str, Any] = {}
    if chance(rng, 0.6):
        a["feeling_today"] = rng.choice(
            ("Low and tired.", "Anxious about losing the flat.", "Says they are fine.")
        )
    thoughts = chance(rng, 0.06)
    a["current_self_harm_thoughts"] = yes_no(thoughts)
    if thoughts:
        a["current_self_harm_plans"] = yes_no(chance(rng, 0.3))
        a["current_risk_details"] = (
            "Says they have thought about ending it since the arrest; no plan described."
        )
        if chance(rng, 0.9):
            a["custody_officer_told_at"] = iso(at + timedelta(minutes=10))
    history = chance(rng, 0.25)
    a["self_harm_history"] = yes_no(history)
    if history:
        a["self_harm_history_details"] = "Overdosed on paracetamol two years ago; seen at the local hospital."
    diagnosis = chance(rng, 0.35)
    a["mh_diagnosis"] = yes_no(diagnosis)
    if diagnosis and chance(rng, 0.8):
        a["mh_diagnosis_details"] = rng.choice(
            ("Depression and anxiety", "PTSD", "Bipolar disorder", "Psychosis")
        )
    if chance(rng, 0.6):
        services = [
            s
            for s, p in (("gp", 0.4), ("cpn", 0.1), ("crisis_team", 0.05), ("psychiatrist", 0.05))
            if chance(rng, p)
        ]
        a["mh_services"] = services or ["none"]
    if chance(rng, 0.7):
        a["mha_detained_ever"] = yes_no(chance(rng, 0.05))
    medicated = chance(rng, 0.3)
    a["medication_prescribed"] = yes_no(medicated)
    if medicated:
        a["medication_missed"] = yes_no(chance(rng, 0.25))
    a["withdrawal_risk"] = yes_no(chance(rng, 0.4 if person.opiates else 0.08))
    a["refer_liaison_diversion"] = yes_no(chance(rng, 0.15))
    disability = chance(rng, 0.04)
    a["learning_disability"] = yes_no(disability)
    if disability and chance(rng, 0.7):
        a["learning_disability_details"] = "Attended a special school; needs things explained simply."
    a["reading_writing_difficulty"] = yes_no(chance(rng, 0.2))
    if chance(rng, 0.4):
        a["communication_needs"] = (["interpreter"] if person.language else []) + (
            ["easy_read"] if disability else []
        )
    disclosed = chance(rng, 0.12 if not person.female else 0.3)
    a["da_disclosed"] = yes_no(disclosed)
    if disclosed:
        role = pick(rng, [("victim", 0.55), ("perpetrator", 0.2), ("both", 0.1), ("unclear", 0.15)])
        a["da_role"] = role
        if role in ("victim", "both"):
            safe = chance(rng, 0.8)
            a["safe_to_talk"] = yes_no(safe)
            if chance(rng, 0.5):
                a["safe_contact"] = "Text own mobile after 6 pm; do not leave messages."
            if not safe:
                a["not_safe_plan"] = (
                    "Partner nearby; gave the helpline number discreetly and will call back tomorrow."
                )
            else:
                high = chance(rng, 0.2)
                p_yes = 0.75 if high else 0.25
                while True:
                    items = [
                        pick(rng, [("yes", p_yes), ("no", 0.85 - p_yes + 0.1), ("not_known", 0.05)])
                        for _ in range(24)
                    ]
                    if (items.count("yes") >= 14) == high:
                        break
                for number, answer in enumerate(items, start=1):
                    a[f"dash_{number}"] = answer
                a["dash_incidents_12m"] = pick(rng, [(0, 0.25), (1, 0.3), (2, 0.2), (3, 0.15), (5, 0.1)])
                judgement = chance(rng, 0.1)
                a["professional_judgement"] = yes_no(judgement)
                if judgement:
                    a["judgement_reason"] = (
                        "Recent strangulation and threats to kill, though few boxes ticked."
                    )
                a["repeat_marac"] = yes_no(chance(rng, 0.08))
        else:
            a["da_notes"] = "Disclosed pushing their partner during arguments; police aware."
    at_risk = chance(rng, 0.06 if person.children else 0.01)
    a["children_at_risk"] = yes_no(at_risk)
    if at_risk:
        a["children_at_risk_details"] = "Children live at an address where drugs are used and supplied."
        if chance(rng, 0.7):
            a["child_protection_plan"] = yes_no(chance(rng, 0.4))
    a["children_unattended"] = yes_no(bool(person.children) and chance(rng, 0.03))
    sex_work = pick(
        rng,
        [("current", 0.15), ("past", 0.12), ("no", 0.68), ("declined", 0.05)]
        if person.female
        else [("current", 0.01), ("past", 0.02), ("no", 0.94), ("declined", 0.03)],
    )
    a["sex_work"] = sex_work
    if sex_work == "current" and chance(rng, 0.8):
        a["sex_work_setting"] = [pick(rng, [("on_street", 0.6), ("off_street", 0.25), ("online", 0.15)])]
    if sex_work in ("current", "past"):
        a["sex_work_coercion"] = yes_no(chance(rng, 0.2))
        if chance(rng, 0.7):
            a["sexual_health_testing"] = yes_no(chance(rng, 0.5))
    if sex_work == "current" and chance(rng, 0.7):
        a["condoms_supplied"] = yes_no(chance(rng, 0.8))
    exploited = chance(rng, 0.06)
    a["exploitation_concern"] = yes_no(exploited)
    if exploited:
        a["exploitation_types"] = [
            pick(rng, [("criminal", 0.5), ("cuckooing", 0.3), ("labour", 0.1), ("sexual", 0.1)])
        ]
        if chance(rng, 0.7):
            a["exploitation_indicators"] = rng.sample(list(codes("exploitation_indicators", occasion.end)), 2)
        a["nrm_consent"] = yes_no(chance(rng, 0.4))
        a["first_responder_told"] = pick(rng, [("police", 0.6), ("local_authority", 0.2), ("not_yet", 0.2)])
    if chance(rng, 0.8):
        a["crisis_numbers_given"] = yes_no(chance(rng, 0.7))
    if chance(rng, 0.2):
        a["notes"] = "Custody nurse aware; agreed to see the Liaison and Diversion team."
    return Generated(a, at + timedelta(minutes=rng.randrange(20, 45)))


# -- court suitability --------------------------------------------------------------------------

_REQUIREMENT_MADE = {"drr": "drr_made", "atr": "atr_made", "mhtr": "mhtr_made"}


def court_suitability(rng: random.Random, person: Profile, occasion: Occasion) -> Generated:
    """Suitability for a DRR, ATR or MHTR at a magistrates' court, with the outcome the tests lead to.

    Answers that a recent lifestyle assessment gave (in `occasion.earlier`) are carried over, as
    the form does for the court worker.
    """
    at, end = occasion.at, occasion.end
    hearing = at.date()
    earlier = occasion.earlier
    a: dict[str, Any] = {
        "court": occasion.site,
        "hearing_date": hearing.isoformat(),
        "case_number": f"20{rng.choice(('BH', 'CV', 'WV'))}{rng.randrange(10**6, 10**7)}{hearing:%y}",
        "offences": rng.choice(
            ("Theft from a shop x3", "Burglary (non-dwelling)", "Possession of crack cocaine; theft")
        ),
        "conviction_status": pick(rng, [("pleaded_guilty", 0.75), ("found_guilty", 0.1), ("not_yet", 0.15)]),
        "remand_status": pick(rng, [("bail", 0.7), ("custody", 0.2), ("summons", 0.1)]),
    }
    if chance(rng, 0.8):
        a["report_type"] = pick(rng, [("oral", 0.3), ("fast_delivery", 0.6), ("standard", 0.1)])
    if chance(rng, 0.6):
        a["probation_officer"] = rng.choice(STAFF)
    if occasion.positive_for:
        a["dtoa_positive_for"] = list(occasion.positive_for)
    carried = {k: v for k, v in earlier.items() if k in {"problem_use", "substances", "injecting_status"}}
    a.update(carried or {**substance_answers(rng, person), "injecting_status": person.injecting})
    if a["problem_use"] == "yes":
        sds = {k: v for k, v in earlier.items() if k.startswith("sds_") and k != "sds_score"}
        a.update(sds or {k: v for k, v in substance_answers(rng, person).items() if k.startswith("sds_")})
    else:
        a.pop("substances", None)
    a["in_treatment_now"] = earlier.get("in_treatment_now", "no")
    a["prescribed_now"] = earlier.get("prescribed_now", "no")
    if a["prescribed_now"] == "yes":
        a["prescribed_medication"] = earlier.get("prescribed_medication", "methadone")
    if chance(rng, 0.5):
        a["treatment_history_summary"] = "Short methadone script some years ago, stopped after moving house."
    audit = {k: v for k, v in earlier.items() if k.startswith("audit_") and not k.endswith("score")}
    audit.pop("audit_c_score", None)
    a.update(audit or alcohol_answers(rng, person, full_days=False))
    drugs = a["problem_use"] == "yes" and any(e["substance"] != "alcohol" for e in a.get("substances", []))
    drinking = person.heavy_drinker
    dependency = pick(rng, [("dependent", 0.75), ("propensity", 0.25)]) if drugs else "neither"
    a["drug_dependency"] = dependency
    a["alcohol_dependency"] = yes_no(drinking and chance(rng, 0.8))
    a["dependency_evidence"] = (
        "Daily use for years with withdrawal on stopping; scores on SDS and AUDIT agree."
    )
    link = pick(rng, [("direct", 0.6), ("contributory", 0.3), ("none", 0.1)])
    a["offending_link"] = link
    if link != "none":
        a["offending_link_details"] = (
            "Steals to fund use." if link == "direct" else "Offends when intoxicated."
        )
    if chance(rng, 0.8):
        a["motivation"] = rng.randint(1, 5)
    willing = chance(rng, 0.85)
    susceptible = chance(rng, 0.85)
    mental_health = chance(rng, 0.25)
    a["willing_to_comply"] = yes_no(willing)
    a["susceptible"] = yes_no(susceptible)
    a["susceptible_reasoning"] = "Engaged with prescribing before; wants support with drugs and drink."
    a["mental_health_concerns"] = yes_no(mental_health)
    if mental_health:
        a["mental_health_details"] = "Anxiety and low mood, treated by the GP."
    if chance(rng, 0.3):
        a["risk_notes"] = "No safeguarding concerns disclosed."
    la = person.local_authority if person.local_authority in providers(end) else None
    home = la or treatment_authority(person.local_authority, occasion.site, end)
    a["home_local_authority"] = person.local_authority
    available = chance(rng, 0.95 if la is not None else 0.5)
    a["treatment_available"] = yes_no(available)
    if available:
        a["provider_code"] = providers(end)[home][0]
        if chance(rng, 0.6):
            a["testing_arrangements"] = "Weekly oral fluid tests at the provider"
        if chance(rng, 0.6):
            a["earliest_start"] = (hearing + timedelta(days=rng.randrange(7, 21))).isoformat()
    dependent = dependency != "neither" or a["alcohol_dependency"] == "yes"
    if not dependent:
        outcome = "not_suitable_no_dependency"
    elif not willing:
        outcome = "suitable_no_consent"
    elif not susceptible:
        outcome = "not_suitable_not_susceptible"
    elif not available:
        outcome = "not_suitable_no_treatment"
    else:
        outcome = pick(
            rng, [("suitable_recommended", 0.8), ("further_assessment", 0.15), ("not_completed", 0.05)]
        )
    a["outcome"] = outcome
    if outcome.startswith("not_"):
        a["outcome_reasons"] = "See the tests above; discussed with the probation officer."
    requirement = ""
    if outcome == "suitable_recommended":
        parts = [
            p
            for p, wanted in (("drr", dependency != "neither"), ("atr", a["alcohol_dependency"] == "yes"))
            if wanted
        ]
        parts += ["mhtr"] if mental_health and chance(rng, 0.2) else []
        requirement = "_".join(parts)
        length = pick(rng, [(6, 0.4), (9, 0.2), (12, 0.3), (18, 0.1)])
        reviews = (length > 12 and requirement.startswith("drr")) or chance(rng, 0.75)
        a["requirement_type"] = requirement
        a["length_months"] = length
        a["residence"] = pick(rng, [("non_resident", 0.95), ("resident", 0.05)])
        a["reviews"] = yes_no(reviews)
        if reviews:
            a["review_interval_months"] = pick(rng, [(1, 0.5), (2, 0.3), (3, 0.2)])
    adjourned = outcome == "further_assessment" or chance(rng, 0.4)
    a["adjourned"] = yes_no(adjourned)
    sentence_day = hearing
    if adjourned:
        sentence_day = hearing + timedelta(days=rng.randrange(7, 22))
        a["return_date"] = sentence_day.isoformat()
    known = sentence_day <= end and outcome != "further_assessment" and chance(rng, 0.7)
    a["sentence_known"] = yes_no(known)
    completed = at + timedelta(minutes=rng.randrange(60, 180))
    if known:
        if requirement and chance(rng, 0.7):
            result = _REQUIREMENT_MADE.get(requirement, "combined_made")
        else:
            result = pick(
                rng,
                [
                    ("other_community_order", 0.4),
                    ("suspended_sentence", 0.3),
                    ("custody", 0.2),
                    ("other", 0.1),
                ],
            )
        a["sentence_result"] = result
        a["sentence_date"] = sentence_day.isoformat()
        if result.endswith("_made"):
            a["sentence_length_months"] = a.get("length_months", 6)
        completed = max(completed, datetime.combine(sentence_day, time(16, 30), tzinfo=UTC))
    return Generated(a, completed)


# -- harm reduction, referral, booking, consent, closure ------------------------------------------

_TOPICS_FULL = ("recognising_overdose", "call_999", "recovery_position", "giving_naloxone")


def harm_reduction(rng: random.Random, person: Profile, occasion: Occasion) -> Generated:
    """Harm-reduction advice and, for opioid users, a take-home Naloxone kit (most accept).

    Opioid users are offered Naloxone about 90% of the time and about 85% of those take a kit;
    others are offered one occasionally (a partner or friend uses).
    """
    at, end = occasion.at, occasion.end
    a: dict[str, Any] = {"opioid_use": yes_no(person.opiates)}
    if chance(rng, 0.8):
        advice = [
            c
            for c, p in (
                ("overdose_risk", 0.7),
                ("safer_injecting", 0.3),
                ("needle_exchange", 0.3),
                ("bbv_testing", 0.3),
                ("alcohol", 0.2),
            )
            if chance(rng, p)
        ]
        if advice:
            a["advice_given"] = advice
    offered = chance(rng, 0.9 if person.opiates else 0.1)
    a["naloxone_offered"] = yes_no(offered)
    if not offered:
        a["naloxone_declined_reason"] = rng.choice(
            ("Already has a kit in date", "Does not use opioids", "Left before it could be offered")
        )
        return Generated(a, at + timedelta(minutes=rng.randrange(10, 25)))
    consented = chance(rng, 0.85)
    a["consent_to_supply"] = yes_no(consented)
    if not consented:
        if chance(rng, 0.6):
            a["consent_declined_reason"] = "Does not want to carry a kit"
        return Generated(a, at + timedelta(minutes=rng.randrange(10, 25)))
    recipient = pick(rng, [("person_at_risk", 0.85), ("family_friend_carer", 0.1), ("hostel_staff", 0.05)])
    a["recipient_type"] = recipient
    if recipient != "person_at_risk":
        a["recipient_name"] = f"{rng.choice(GIVEN_FEMALE)} {rng.choice(FAMILY)}"
        if chance(rng, 0.5):
            a["recipient_dob"] = date(
                at.year - rng.randrange(25, 70), rng.randrange(1, 13), rng.randrange(1, 29)
            ).isoformat()
        if recipient == "hostel_staff":
            a["recipient_organisation"] = rng.choice(("St Anne's Hostel", "Salvation Army Lifehouse"))
    court = occasion.site in sites("court", end)
    a["supply_location"] = "court" if court else pick(rng, [("custody", 0.95), ("community", 0.05)])
    product = pick(rng, [("prenoxad", 0.55), ("nyxoid", 0.45)])
    supplied = at.date()
    a["product"] = product
    a["batch_number"] = (
        f"{'PX' if product == 'prenoxad' else 'NX'}{rng.randrange(10, 30)}-{rng.randrange(10**4):04d}"
    )
    a["supplied_on"] = supplied.isoformat()
    a["expiry_date"] = (supplied + timedelta(days=rng.randrange(200, 900))).isoformat()
    a["quantity"] = pick(rng, [(1, 0.9), (2, 0.1)])
    reason = pick(
        rng,
        [
            ("first_supply", 0.65),
            ("used_on_self", 0.08),
            ("used_on_other", 0.1),
            ("lost", 0.07),
            ("expired", 0.04),
            ("confiscated", 0.06),
        ],
    )
    a["reason"] = reason
    if reason in ("used_on_self", "used_on_other") and chance(rng, 0.7):
        a["previous_kit_outcome"] = (
            "Used on a friend in a hostel; he came round after two doses and went to hospital."
        )
    kind = pick(rng, [("full", 0.6), ("refresher", 0.4)])
    a["training_kind"] = kind
    topics = list(_TOPICS_FULL if kind == "full" else _TOPICS_FULL[:2])
    topics += [t for t in codes("naloxone_training_topics", end) if t not in topics and chance(rng, 0.3)]
    a["training_topics"] = topics
    if chance(rng, 0.95):
        a["leaflet_given"] = yes_no(chance(rng, 0.95))
    handed = a["supply_location"] == "custody" and chance(rng, 0.8)
    a["handed_to_property"] = yes_no(handed)
    if handed and chance(rng, 0.9):
        a["returned_on_release"] = yes_no(chance(rng, 0.95))
    return Generated(a, at + timedelta(minutes=rng.randrange(20, 40)))


def referral(rng: random.Random, person: Profile, occasion: Occasion) -> Generated:
    """A referral to the treatment provider for the person's local authority, with consent."""
    at, end = occasion.at, occasion.end
    la = treatment_authority(person.local_authority, occasion.site, end)
    provider, name, route = providers(end)[la]
    drink = any(s.code == "alcohol" for s in person.substances) or person.heavy_drinker
    drugs = any(s.code != "alcohol" for s in person.substances)
    a: dict[str, Any] = {
        "local_authority": la,
        "provider_code": provider,
        "referral_for": "both" if drink and drugs else "alcohol" if drink else "drugs",
        "referred_on": at.date().isoformat(),
        "sent_by": route if chance(rng, 0.85) else pick(rng, [("portal", 0.5), ("in_person", 0.5)]),
    }
    urgent = chance(rng, 0.15)
    a["urgent"] = yes_no(urgent)
    if urgent:
        a["urgent_reason"] = "Released today with low tolerance after time without heroin."
    booked = chance(rng, 0.75)
    a["appointment_booked"] = yes_no(booked)
    if booked:
        a["appointment_at"] = iso(at_hour(at.date() + timedelta(days=rng.randrange(1, 10)), rng))
        a["appointment_place"] = f"{name}, drop-in hub"
        if chance(rng, 0.5):
            a["appointment_with"] = "Duty keyworker"
        a["appointment_letter_given"] = yes_no(chance(rng, 0.9))
    else:
        a["not_booked_reason"] = rng.choice(
            ("Provider will phone to book", "No slots until the provider calls back")
        )
    a["consent_given"] = "yes"
    a["consent_scope"] = ["treatment_provider"] + [r for r in ("gp", "ndtms") if chance(rng, 0.4)]
    a["data_categories"] = ["contact_details", "assessment_summary"] + [
        c for c in ("substance_use", "health", "risk") if chance(rng, 0.5)
    ]
    a["how_given"] = pick(rng, [("signed", 0.6), ("verbal", 0.4)])
    if chance(rng, 0.2):
        a["notes"] = "Prefers morning appointments; no phone credit, use text."
    return Generated(a, at + timedelta(minutes=rng.randrange(10, 25)))


def referral_outcome(rng: random.Random, person: Profile, occasion: Occasion) -> Generated:
    """What became of a referral (from `occasion.earlier`): entered treatment in just over half.

    The seeder decides whether an outcome is known at all; this decides which, with the dates
    that follow the referral (treatment starts within days for most; outcomes confirmed within
    two weeks or so). Completion may fall after the occasion's end: the seeder then leaves the
    referral pending.
    """
    earlier = occasion.earlier
    referred = date.fromisoformat(str(earlier.get("referred_on") or occasion.at.date().isoformat()))
    provider = str(earlier.get("provider_code") or next(iter(providers(occasion.end).values()))[0])
    entered = chance(rng, 0.52)
    a: dict[str, Any] = {
        "provider_code": provider,
        "referred_on": referred.isoformat(),
        "outcome": "entered_treatment" if entered else "not_converted",
        "confirmed_by": rng.choice(("Keyworker (phone)", "Provider duty worker (email)", "NDTMS match")),
    }
    if entered:
        started = referred + timedelta(days=pick(rng, [(0, 0.3), (1, 0.2), (3, 0.2), (7, 0.2), (14, 0.1)]))
        a["entered_treatment_on"] = started.isoformat()
        confirmed = started + timedelta(days=rng.randrange(0, 7))
    else:
        reason = pick(
            rng,
            [
                ("did_not_attend", 0.45),
                ("declined", 0.15),
                ("no_contact", 0.15),
                ("custody", 0.1),
                ("moved_out_of_area", 0.05),
                ("already_in_treatment", 0.05),
                ("other", 0.05),
            ],
        )
        a["not_converted_reason"] = reason
        if reason == "other":
            a["not_converted_details"] = "Moved in with a relative outside the West Midlands."
        confirmed = referred + timedelta(days=rng.randrange(7, 28))
    a["confirmed_on"] = confirmed.isoformat()
    return Generated(a, at_hour(confirmed, rng))


def out_of_hours_booking(rng: random.Random, person: Profile, occasion: Occasion) -> Generated:
    """A booking by custody staff when no worker is on site: the next weekday slot at the block."""
    at = occasion.at
    a: dict[str, Any] = {
        "booking_officer": _officer(rng, "PS"),
        "custody_suite": occasion.site,
        "surname": person.family_name,
        "forenames": person.given_names,
        "date_of_birth": person.date_of_birth.isoformat(),
        "custody_record_number": occasion.custody_record_number or custody_record_number(rng, at.date()),
        "interpreter_needed": yes_no(person.language is not None),
    }
    if person.pnc_id:
        a["pnc_id"] = person.pnc_id
    if person.phone:
        a["phone"] = person.phone
    if person.language:
        a["language"] = person.language
    required = bool(occasion.positive_for) and chance(rng, 0.6)
    a["reason"] = "required_assessment" if required else "voluntary"
    if required:
        a["ra1_issued"] = "yes"
        a["ra1_issued_at"] = iso(at - timedelta(minutes=rng.randrange(5, 30)))
    day = at.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    a["starts_at"] = iso(at_hour(day, rng, 9, 12))
    a["location_site_code"] = occasion.site
    a["details_given"] = yes_no(chance(rng, 0.95))
    if chance(rng, 0.3):
        a["notes"] = "Released on bail; told to bring the notice."
    return Generated(a, at + timedelta(minutes=rng.randrange(3, 10)))


_NON_CONSENT_JUSTIFICATION = {
    "safeguarding": "Children live at the address with ongoing drug supply; children's services need to act.",
    "marac": "Dash high risk; the MARAC needs the assessment summary to plan the victim's safety.",
    "statutory": "Required assessment attendance is reported to the police under the Drugs Act 2005.",
    "vital_interests": "Serious risk of overdose on release; the ambulance service needs the details now.",
}


def consent(rng: random.Random, person: Profile, occasion: Occasion) -> Generated:
    """Consent to share (about 85%), or sharing on another legal basis approved by a supervisor.

    `occasion.earlier` may name the basis a finding calls for (``{"legal_basis": "safeguarding"}``).
    """
    at, end = occasion.at, occasion.end
    given = at.date()
    basis = str(
        occasion.earlier.get("legal_basis")
        or pick(
            rng,
            [
                ("consent", 0.85),
                ("safeguarding", 0.06),
                ("marac", 0.04),
                ("statutory", 0.03),
                ("vital_interests", 0.02),
            ],
        )
    )
    a: dict[str, Any] = {
        "legal_basis": basis,
        "data_categories": ["contact_details"]
        + [c for c in ("assessment_summary", "substance_use", "risk") if chance(rng, 0.5)],
        "given_on": given.isoformat(),
    }
    if basis == "consent":
        a["recipients"] = ["treatment_provider"] + [
            r for r in ("gp", "probation", "ndtms") if chance(rng, 0.35)
        ]
        how = pick(rng, [("signed", 0.55), ("verbal", 0.45)])
        a["how_given"] = how
        if how == "signed":
            a["signature"] = {"name": person.name, "signed_at": iso(at + timedelta(minutes=5))}
        a["review_on"] = (given + timedelta(days=rng.randrange(180, 366))).isoformat()
        withdrawn = chance(rng, 0.03)
        a["withdrawn"] = yes_no(withdrawn)
        if withdrawn:
            a["withdrawn_on"] = (
                given + timedelta(days=rng.randrange(0, max(1, (end - given).days + 1)))
            ).isoformat()
    else:
        a["recipients"] = {
            "safeguarding": ["social_care"],
            "marac": ["police_ra", "social_care"],
            "statutory": ["police_ra"],
        }.get(basis, ["liaison_diversion"])
        a["justification"] = _NON_CONSENT_JUSTIFICATION[basis]
        a["approver"] = occasion.approver
        a["approved_on"] = given.isoformat()
        told = chance(rng, 0.7)
        a["person_told"] = yes_no(told)
        if not told:
            a["not_told_reason"] = "Telling them would put the victim at greater risk."
    return Generated(a, at + timedelta(minutes=rng.randrange(5, 15)))


def case_closure(rng: random.Random, person: Profile, occasion: Occasion) -> Generated:
    """Closing the case, usually after entering treatment (`occasion.earlier` names the provider)."""
    provider = occasion.earlier.get("provider_code")
    reason = (
        "entered_treatment"
        if provider
        else pick(
            rng,
            [
                ("declined_support", 0.3),
                ("no_contact", 0.35),
                ("custody", 0.15),
                ("moved_out_of_area", 0.1),
                ("other", 0.1),
            ],
        )
    )
    a: dict[str, Any] = {
        "closed_on": occasion.at.date().isoformat(),
        "reason": reason,
        "open_actions_checked": "yes",
    }
    if reason == "entered_treatment":
        a["provider_code"] = provider
    if reason == "other":
        a["reason_details"] = "Asked for the case to be closed."
    if chance(rng, 0.4):
        a["notes"] = "Keyworker confirmed; nothing outstanding."
    return Generated(a, occasion.at + timedelta(minutes=10))


GENERATORS: dict[str, Generator] = {
    "custody_arrival": custody_arrival,
    "required_initial": required_initial,
    "required_follow_up": required_follow_up,
    "lifestyle": lifestyle,
    "vulnerability": vulnerability,
    "court_suitability": court_suitability,
    "harm_reduction": harm_reduction,
    "referral": referral,
    "referral_outcome": referral_outcome,
    "out_of_hours_booking": out_of_hours_booking,
    "consent": consent,
    "case_closure": case_closure,
}


def sample_answers(form_id: str, rng: random.Random, end: date) -> Generated:
    """One random answer set for a form, for an invented person on a recent day (used by tests).

    Forms that follow another (a follow-up, an outcome, a court assessment) first generate the
    form they follow, so their answers agree with it.
    """
    person = invent_profile(rng, end)
    day = end - timedelta(days=rng.randrange(30, 90))
    custody = rng.choice(sites("custody", end))
    court = rng.choice(sites("court", end))
    at = at_hour(day, rng, 0 if form_id in ("custody_arrival", "out_of_hours_booking") else 8, 20)
    positive = tuple(d for d in codes("drug_test_panel", end) if chance(rng, 0.6)) or ("opiates",)
    occasion = Occasion(at=at, end=end, site=custody, positive_for=positive, disputed=chance(rng, 0.05))
    if form_id == "required_follow_up":
        while True:
            first = required_initial(rng, person, occasion)
            if first.answers.get("follow_up_decision") == "required":
                break
        occasion = Occasion(at=first.completed_at, end=end, site=custody, earlier=first.answers)
    elif form_id == "referral_outcome":
        made = referral(rng, person, occasion)
        occasion = Occasion(at=made.completed_at, end=end, site=custody, earlier=made.answers)
    elif form_id == "court_suitability":
        earlier = lifestyle(rng, person, occasion).answers if chance(rng, 0.5) else {}
        occasion = Occasion(
            at=at + timedelta(days=2), end=end, site=court, positive_for=positive, earlier=earlier
        )
    elif form_id == "case_closure" and chance(rng, 0.6):
        occasion = Occasion(
            at=at, end=end, site=custody, earlier={"provider_code": providers(end)["BIRMINGHAM"][0]}
        )
    elif form_id in ("lifestyle", "harm_reduction", "referral") and chance(rng, 0.1):
        occasion = Occasion(at=at, end=end, site=court)
    return GENERATORS[form_id](rng, person, occasion)
