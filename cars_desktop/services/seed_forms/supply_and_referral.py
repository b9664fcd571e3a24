"""Answer generators for harm reduction, referral and outcome, out-of-hours booking, consent and closure."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from cars_desktop.services.seed_forms.common import (
    FAMILY,
    GIVEN_FEMALE,
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
    sites,
    treatment_authority,
    yes_no,
)

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
