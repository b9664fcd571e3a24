"""Finding a person however their name was typed, and warning of likely duplicates before creating one.

A custody worker types what they hear: "Jon Smyth", "smith john", "O'Neil". The search reads only
the small search keys of the people whose names start with the same letters (or who were born on
the date given), ranks them by spelling distance and a rough sound-alike key, and loads the bodies of
the best few. A PNC id or a custody record number finds people exactly. Every search is logged as a
consultation with how many people it returned (never what was typed).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from cars_desktop.domain.access import Permission, require
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.changes import Changes
from cars_desktop.domain.errors import InvalidInput
from cars_desktop.domain.names import normalise_name
from cars_desktop.services.records import save_record
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.lookup_repository import LookupRepository, PersonKey
from cars_desktop.storage.unit_of_work import UnitOfWork
from cars_protocol.records import Person, Sex

MAX_RESULTS = 50
NAME_THRESHOLD = 0.72  # below this a name is too different to show
RESULT_IDS_LOGGED = 50

# Letters a name often starts with when misheard: Cathy/Kathy, Philips/Filips, Jeff/Geoff.
_SOUND_ALIKE_INITIALS = {"c": "kq", "k": "cq", "q": "ck", "f": "p", "p": "f", "j": "g", "g": "j", "y": "i"}


@dataclass(frozen=True)
class PersonQuery:
    """What the worker typed; any part may be empty."""

    name: str = ""
    date_of_birth: date | None = None
    pnc_id: str = ""
    custody_record_number: str = ""

    @property
    def is_empty(self) -> bool:
        return not (
            self.name.strip()
            or self.date_of_birth
            or self.pnc_id.strip()
            or self.custody_record_number.strip()
        )


@dataclass(frozen=True)
class PersonMatch:
    """One person found, how well they match (higher is better) and why, in plain words."""

    person: Person
    score: float
    why: str
    custody_record_number: str | None = None


# -- ranking (pure) --------------------------------------------------------------------------------


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, with adjacent transpositions counted as one edit (Damerau)."""
    if a == b:
        return 0
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


_PHONETIC_RULES: tuple[tuple[str, str], ...] = (
    (r"ph", "f"),
    (r"ck", "k"),
    (r"gh", ""),
    (r"kn", "n"),
    (r"wr", "r"),
    (r"mac", "mc"),
    (r"c(?=[eiy])", "s"),
    (r"[cq]", "k"),
    (r"x", "ks"),
    (r"z", "s"),
    (r"dg", "j"),
    (r"(?<=.)[aeiouyhw]", ""),  # vowels and soft letters after the first carry little
    (r"(.)\1+", r"\1"),  # doubled letters sound single
)


@lru_cache(maxsize=65_536)
def sound_key(name: str) -> str:
    """A rough sound-alike key of a normalised name (Smith/Smyth, Philips/Fillips, Catherine/Kathryn)."""
    key = name
    for pattern, replacement in _PHONETIC_RULES:
        key = re.sub(pattern, replacement, key)
    return key.replace("c", "k")


@lru_cache(maxsize=262_144)
def name_similarity(typed: str, stored: str) -> float:
    """0 to 1: how alike a typed normalised name is to a stored one; a typed start of a name counts."""
    if not typed or not stored:
        return 0.0
    if typed == stored:
        return 1.0
    best = 1.0 - edit_distance(typed, stored) / max(len(typed), len(stored))
    if len(typed) >= 3 and stored.startswith(typed):
        best = max(best, 0.85 + 0.1 * len(typed) / len(stored))  # "Jon" for "Jonathan"
    typed_sound, stored_sound = sound_key(typed), sound_key(stored)
    if typed_sound == stored_sound:
        best = max(best, 0.9)
    elif len(typed) >= 3 and len(typed_sound) >= 2 and stored_sound.startswith(typed_sound):
        best = max(best, 0.8)  # "John" for "Jonathan", "Kath" for "Catherine"
    return best


def name_tokens(text: str) -> list[str]:
    """Normalised words of what was typed ("Smith, John" gives ["smith", "john"])."""
    return [t for t in (normalise_name(w) for w in re.split(r"[\s,]+", text)) if t]


def name_score(tokens: list[str], family_key: str, given: list[str]) -> float:
    """How well typed words match a person's names, in either order; 0 when nothing typed."""
    if not tokens:
        return 0.0

    def given_score(token: str) -> float:
        return max(name_similarity(token, g) for g in given)

    if len(tokens) == 1:
        return max(name_similarity(tokens[0], family_key), 0.9 * given_score(tokens[0]))
    best = 0.0
    joined_family = {"".join(tokens[i:]) for i in range(len(tokens))}  # "O Neil", "Van Der Berg"
    for i, family_token in enumerate(tokens):
        rest = tokens[:i] + tokens[i + 1 :]
        family = max(
            name_similarity(family_token, family_key),
            *(name_similarity(j, family_key) for j in joined_family),
        )
        forename = given_score(rest[0]) if rest else 0.0
        best = max(best, 0.6 * family + 0.4 * forename)
    return best


def _dob_fits(typed: date, stored: date) -> tuple[float, str]:
    if typed == stored:
        return 0.3, "same date of birth"
    if typed.year == stored.year and typed.day == stored.month and typed.month == stored.day:
        return 0.1, "date of birth with day and month swapped"
    return -0.35, ""


def rank(query: PersonQuery, keys: list[PersonKey]) -> list[tuple[PersonKey, float, str]]:
    """Score candidate keys against a query, best first; people too unlike the query are left out."""
    tokens = name_tokens(query.name)
    pnc = query.pnc_id.strip().upper()
    ranked: list[tuple[PersonKey, float, str]] = []
    for key in keys:
        why: list[str] = []
        score = 0.0
        if pnc and key.pnc_id == pnc:
            score, why = 2.0, ["same PNC ID"]
        if tokens:
            names = name_score(tokens, key.family_name_key, [key.given_names_key])
            if names < NAME_THRESHOLD and score < 2.0:
                continue
            score += names
            why.append("same name" if names >= 0.99 else "similar name")
        if query.date_of_birth is not None:
            bonus, said = _dob_fits(query.date_of_birth, key.date_of_birth)
            if not tokens and bonus <= 0 and score < 2.0:
                continue
            score += bonus if tokens or score else 1.0 + bonus
            if said:
                why.append(said)
        if score <= 0:
            continue
        ranked.append((key, score, ", ".join(why)))
    ranked.sort(key=lambda item: (-item[1], item[0].family_name_key, item[0].given_names_key))
    return ranked


def _initials(tokens: list[str]) -> set[str]:
    letters = {t[0] for t in tokens}
    for letter in list(letters):
        letters.update(_SOUND_ALIKE_INITIALS.get(letter, ""))
    return letters


# -- use cases -------------------------------------------------------------------------------------


def log_search(uow: UnitOfWork, kind: str, found: list[PersonMatch]) -> None:
    """One consultation entry: the kind of search and the people returned (never what was typed)."""
    uow.audit(
        AuditEvent(
            AuditOperation.CONSULTATION,
            "person",
            details={
                "search": kind,
                "results": len(found),
                "ids": [str(m.person.id) for m in found[:RESULT_IDS_LOGGED]],
            },
        )
    )


def match_people(uow: UnitOfWork, query: PersonQuery) -> list[PersonMatch]:
    """Ranked people for a query inside an open unit of work (no audit entry: the caller logs)."""
    lookups = LookupRepository(uow.session)
    crn_of: dict[uuid.UUID, str] = {}
    keys: list[PersonKey] = []
    if query.custody_record_number.strip():
        crn_of = dict(lookups.people_with_crn(query.custody_record_number))
    tokens = name_tokens(query.name)
    if tokens or query.date_of_birth is not None:
        keys = lookups.person_keys(_initials(tokens), query.date_of_birth)
    if query.pnc_id.strip():
        pnc_people = uow.records.find_people_by_pnc(query.pnc_id)
        known = {k.person_id for k in keys}
        keys += [
            PersonKey(
                p.id, normalise_name(p.family_name), normalise_name(p.given_names), p.date_of_birth, p.pnc_id
            )
            for p in pnc_people
            if p.id not in known
        ]
    if tokens or query.date_of_birth is not None or query.pnc_id.strip():
        ranked = rank(query, keys)[: MAX_RESULTS * 2]
    else:
        ranked = []
    scores = {key.person_id: (score, why) for key, score, why in ranked}
    if crn_of:
        if scores:  # the number narrows whatever else was typed
            scores = {
                pid: (s + 2.0, f"{w}, custody record number")
                for pid, (s, w) in scores.items()
                if pid in crn_of
            }
        else:
            scores = dict.fromkeys(crn_of, (2.0, "custody record number"))
    people = {p.id: p for p in lookups.people(scores) if p.is_live}
    found = [
        PersonMatch(people[pid], score, why, crn_of.get(pid))
        for pid, (score, why) in scores.items()
        if pid in people
    ]
    found.sort(key=lambda m: (-m.score, m.person.family_name.casefold(), m.person.given_names.casefold()))
    return found[:MAX_RESULTS]


def search_people(session: WorkstationSession, query: PersonQuery) -> list[PersonMatch]:
    """People matching any of name, date of birth, PNC ID and custody record number, best first."""
    require(session.actor, Permission.VIEW_PEOPLE, "search for people")
    if query.is_empty:
        return []
    with session.unit_of_work() as uow:
        found = match_people(uow, query)
        log_search(uow, "find_person", found)
        uow.commit()
    return found


@dataclass(frozen=True)
class NewPerson:
    """The details asked for before a person is created."""

    family_name: str
    given_names: str
    date_of_birth: date
    pnc_id: str = ""
    sex: Sex = Sex.NOT_STATED

    def query(self) -> PersonQuery:
        return PersonQuery(
            name=f"{self.given_names} {self.family_name}",
            date_of_birth=self.date_of_birth,
            pnc_id=self.pnc_id,
        )


DUPLICATE_THRESHOLD = 1.1  # a similar name and the same date of birth, or the same PNC ID


def likely_duplicates(session: WorkstationSession, details: NewPerson) -> list[PersonMatch]:
    """People who may already be this person: the same PNC ID, or a similar name and date of birth."""
    require(session.actor, Permission.VIEW_PEOPLE, "search for people")
    with session.unit_of_work() as uow:
        found = [m for m in match_people(uow, details.query()) if m.score >= DUPLICATE_THRESHOLD]
        log_search(uow, "duplicate_check", found)
        uow.commit()
    return found


@dataclass(frozen=True)
class CreatedPerson:
    """The person created and what changed, for the change bus."""

    person: Person
    changes: Changes


def validate_new_person(details: NewPerson, today: date | None = None) -> None:
    """Refuse details a person cannot have, with a message naming the field."""
    if not details.family_name.strip():
        raise InvalidInput("give the person's family name (surname)")
    if not details.given_names.strip():
        raise InvalidInput("give the person's given names (forenames)")
    if details.date_of_birth > (today or date.today()):
        raise InvalidInput("the date of birth is in the future")
    if len(details.pnc_id.strip()) > 20:
        raise InvalidInput("a PNC ID has at most 20 characters")


def create_person(session: WorkstationSession, details: NewPerson) -> CreatedPerson:
    """Create a person the worker has confirmed is new (after seeing `likely_duplicates`)."""
    require(session.actor, Permission.EDIT_PEOPLE, "add people")
    validate_new_person(details)
    person = Person(
        site_code=session.site_code,
        author=session.user.username,
        family_name=details.family_name.strip(),
        given_names=details.given_names.strip(),
        date_of_birth=details.date_of_birth,
        pnc_id=details.pnc_id.strip().upper() or None,
        sex=details.sex,
    )
    saved = save_record(session, person)
    stored = saved.records[0]
    assert isinstance(stored, Person)
    return CreatedPerson(stored, saved.changes)
