"""Shared pieces of the answer generators: names, helpers, reference data, the person, the occasion."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
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


def _officer(rng: random.Random, rank: str = "PC") -> str:
    return f"{rank} {rng.randrange(1000, 9999)} {rng.choice(OFFICERS)}"


def custody_record_number(rng: random.Random, on: date) -> str:
    """As printed on the custody record: force area, serial, year (for example 20/118734/26)."""
    return f"20/{rng.randrange(100000, 999999)}/{on.year % 100:02d}"
