"""Answer generators for custody arrival and the required initial and follow-up assessments."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from cars_desktop.services.seed_forms.common import (
    GIVEN_FEMALE,
    GIVEN_MALE,
    NON_TRIGGER_OFFENCES,
    OFFENCES,
    STAFF,
    Generated,
    Occasion,
    Profile,
    _officer,
    at_hour,
    chance,
    codes,
    custody_record_number,
    iso,
    pick,
    providers,
    site_names,
    treatment_authority,
    yes_no,
)

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
