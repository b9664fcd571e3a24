"""Facts for the MARAC referral and the safeguarding referral summary, read from the vulnerability screen.

Each value holds only what its legal basis allows (DOMAIN.md 7.3, minimum necessary):

* `MaracFacts` (MARAC basis): the victim's identity and safe contact, the DASH count, every
  question answered yes, the MARAC criteria met, and the children at home. Nothing about mental
  health, substance use or drug tests is read.
* `SafeguardingFacts` (safeguarding basis): the concerns for one audience (children's or adults'
  services), the children at home, any immediate risk and what has been done. The DASH answers
  and score stay with MARAC; health answers are never read.

Sharing either needs a recorded basis: the person's consent to share risk information with social
care, or a non-consent record (MARAC or safeguarding) with a justification and an approver.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from cars_desktop.documents.statutory_answers import Answers
from cars_desktop.domain.errors import InvalidInput
from cars_desktop.forms.catalogue import shipped_catalogue
from cars_desktop.forms.scoring import dash
from cars_desktop.resources import reference_list
from cars_protocol.records import (
    Action,
    ActionStatus,
    ActionType,
    Assessment,
    AssessmentKind,
    Consent,
    LegalBasis,
    Person,
)

_VULNERABILITY = "vulnerability screen"
_DASH_FIELDS = tuple(f"dash_{n}" for n in range(1, 25))


@dataclass(frozen=True, slots=True)
class SharingBasis:
    """Why this may be shared: the person's consent, or a recorded non-consent basis."""

    basis: LegalBasis
    consented: bool
    justification: str | None
    approver: str | None
    decided_on: date


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the referral is about and where they live (the recipient must be able to find them)."""

    person_id: uuid.UUID
    family_name: str
    given_names: str
    date_of_birth: date
    address: str | None
    postcode: str | None
    no_fixed_abode: bool
    local_authority: str | None
    local_authority_code: str | None

    @property
    def display_name(self) -> str:
        """The name as printed: given names then family name."""
        return f"{self.given_names} {self.family_name}"


@dataclass(frozen=True, slots=True)
class ChildrenAtHome:
    """Children and pregnancy from the lifestyle assessment; None fields were not asked."""

    under_18: int | None
    live_with: str | None
    parental_responsibility: bool | None
    known_to_social_care: bool | None
    pregnant: bool | None


@dataclass(frozen=True, slots=True)
class DashItem:
    """One DASH question answered yes, with its wording from the form."""

    number: int
    question: str


@dataclass(frozen=True, slots=True)
class MaracFacts:
    """What a MARAC referral carries, and nothing more."""

    form_id: uuid.UUID
    site_code: str
    identity: Identity
    role: str
    safe_contact: str | None
    yes_count: int
    questions: int
    high_risk_at: int
    not_known_count: int
    not_asked_count: int
    yes_items: tuple[DashItem, ...]
    criteria: tuple[str, ...]
    judgement_reason: str | None
    incidents_12_months: int | None
    repeat: bool
    children: ChildrenAtHome | None
    basis: SharingBasis
    referrer: str
    screened_on: date


class Audience(StrEnum):
    """Which local authority service a safeguarding summary goes to."""

    CHILDREN = "children"
    ADULTS = "adults"


class ConcernCode(StrEnum):
    """A safeguarding concern; its wording is in the summary template."""

    CHILD_AT_RISK = "child_at_risk"
    CHILD_PROTECTION_PLAN = "child_protection_plan"
    CHILD_LEFT_WITHOUT_CARE = "child_left_without_care"
    DOMESTIC_ABUSE = "domestic_abuse"
    EXPLOITATION = "exploitation"
    SEX_WORK_COERCION = "sex_work_coercion"
    CARE_AND_SUPPORT_NEEDS = "care_and_support_needs"


@dataclass(frozen=True, slots=True)
class Concern:
    """One concern and, where the worker recorded it, the detail in their words or as labels."""

    code: ConcernCode
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class SafeguardingFacts:
    """What a safeguarding referral summary carries for one audience."""

    form_id: uuid.UUID
    site_code: str
    audience: Audience
    identity: Identity
    concerns: tuple[Concern, ...]
    immediate_risk: tuple[ConcernCode, ...]
    immediate_risk_note: str | None
    children: ChildrenAtHome | None
    communication: tuple[str, ...]
    actions_taken: tuple[str, ...]
    basis: SharingBasis
    referrer: str
    screened_on: date


def _label(list_name: str, code: str, on: date) -> str:
    for item in reference_list(list_name).items_on(on):
        if item.code == code:
            return item.name
    return code.replace("_", " ")


def _identity(person: Person, on: date) -> Identity:
    la = person.local_authority
    return Identity(
        person_id=person.id,
        family_name=person.family_name,
        given_names=person.given_names,
        date_of_birth=person.date_of_birth,
        address=None if person.no_fixed_abode else person.address,
        postcode=None if person.no_fixed_abode else person.postcode,
        no_fixed_abode=person.no_fixed_abode,
        local_authority=_label("local_authorities", la, on) if la else None,
        local_authority_code=la,
    )


def _screen(person: Person, form: Assessment) -> tuple[Answers, date]:
    if form.kind is not AssessmentKind.VULNERABILITY:
        raise InvalidInput("MARAC and safeguarding referrals are made from the vulnerability screen")
    if form.person_id != person.id:
        raise InvalidInput("the vulnerability screen belongs to a different person")
    return Answers(_VULNERABILITY, form.answers), (form.completed_at or form.updated_at).date()


def children_at_home(lifestyle: Assessment | None) -> ChildrenAtHome | None:
    """The children section of a lifestyle assessment, or None without one."""
    if lifestyle is None or lifestyle.kind is not AssessmentKind.LIFESTYLE:
        return None
    a = Answers("lifestyle assessment", lifestyle.answers)
    live_with = {"all": "All of them", "some": "Some of them", "none": "None of them"}
    return ChildrenAtHome(
        under_18=a.integer("children_under_18"),
        live_with=live_with.get(a.text("children_live_with") or ""),
        parental_responsibility=a.yes_no("parental_responsibility"),
        known_to_social_care=a.yes_no("children_social_care"),
        pregnant=a.yes_no("pregnant"),
    )


def sharing_basis(
    consents: Iterable[Consent], basis: LegalBasis, on: date, recipient: str = "social_care"
) -> SharingBasis:
    """The recorded basis for a share on `on`: a non-consent record for `basis`, else consent.

    Consent counts only if it is live, not withdrawn by `on`, names `recipient` and covers risk
    information. Neither recorded is an error telling the worker what to record.
    """
    live = [
        c
        for c in consents
        if c.is_live and c.given_on <= on and (c.withdrawn_on is None or c.withdrawn_on > on)
    ]
    for c in sorted(live, key=lambda c: c.given_on, reverse=True):
        if c.legal_basis is basis:
            return SharingBasis(basis, False, c.justification, c.approver, c.given_on)
    for c in sorted(live, key=lambda c: c.given_on, reverse=True):
        if c.legal_basis is LegalBasis.CONSENT and recipient in c.recipients and "risk" in c.data_categories:
            return SharingBasis(LegalBasis.CONSENT, True, None, None, c.given_on)
    raise InvalidInput(
        f"no basis is recorded for this {basis.value} share: record the person's consent to share risk "
        f"information with social care, or a consent form with the legal basis '{basis.value}', "
        "a justification and an approver"
    )


def _dash_items(form: Assessment, answers: Answers) -> tuple[DashItem, ...]:
    spec = shipped_catalogue().get(form.form_id, form.form_version)
    items: list[DashItem] = []
    for number, field_id in enumerate(_DASH_FIELDS, start=1):
        if answers.text(field_id) == "yes":
            label = spec.field(field_id).label
            prefix = f"{number}. "
            items.append(DashItem(number, label[len(prefix) :] if label.startswith(prefix) else label))
    return tuple(items)


def marac_facts(
    person: Person,
    vulnerability: Assessment,
    *,
    lifestyle: Assessment | None = None,
    consents: Sequence[Consent] = (),
    referrer: str | None = None,
    shared_on: date | None = None,
) -> MaracFacts:
    """Read a MARAC referral from a vulnerability screen with the DASH checklist completed.

    Refuses when the checklist was not completed (the person is not a victim, or it was not safe
    to talk) or when no MARAC criterion is met. The basis for sharing must be in force on
    `shared_on` (default today): it is often recorded after the screen, and may be withdrawn.
    """
    a, on = _screen(person, vulnerability)
    role = a.text("da_role")
    if not (a.yes("da_disclosed") and role in ("victim", "both") and a.yes("safe_to_talk")):
        raise InvalidInput(
            "the DASH checklist was not completed on this vulnerability screen "
            "(it is asked of victims when it is safe to talk), so there is no MARAC referral to make"
        )
    raw = [a.text(f) for f in _DASH_FIELDS]
    if any(r is None for r in raw):
        raise InvalidInput("the DASH checklist is not finished: answer every question before referring")
    result = dash(
        [str(r) for r in raw],
        professional_judgement=a.yes("professional_judgement"),
        judgement_reason=a.text("judgement_reason"),
        incidents_last_12_months=a.integer("dash_incidents_12m"),
        repeat_within_12_months_of_last_referral=a.yes("repeat_marac"),
        on=on,
    )
    if not result.marac_referral_required:
        raise InvalidInput(
            f"no MARAC criterion is met (DASH {result.yes_count} yes, high risk is {result.high_risk_at}); "
            "record professional judgement on the vulnerability screen if you are concerned"
        )
    return MaracFacts(
        form_id=vulnerability.id,
        site_code=vulnerability.site_code,
        identity=_identity(person, on),
        role={"victim": "Victim", "both": "Victim (also named as using abuse)"}[role],
        safe_contact=a.text("safe_contact"),
        yes_count=result.yes_count,
        questions=len(result.answers),
        high_risk_at=result.high_risk_at,
        not_known_count=result.not_known_count,
        not_asked_count=result.not_asked_count,
        yes_items=_dash_items(vulnerability, a),
        criteria=tuple(c.label for c in result.criteria_met),
        judgement_reason=result.judgement_reason,
        incidents_12_months=result.incidents_last_12_months,
        repeat=result.repeat_within_12_months_of_last_referral,
        children=children_at_home(lifestyle),
        basis=sharing_basis(consents, LegalBasis.MARAC, shared_on or date.today()),
        referrer=referrer or vulnerability.author,
        screened_on=on,
    )


def _concerns(a: Answers, audience: Audience, on: date) -> list[Concern]:
    found: list[Concern] = []
    role = a.text("da_role") if a.yes("da_disclosed") else None
    if audience is Audience.CHILDREN:
        if a.yes("children_at_risk"):
            found.append(Concern(ConcernCode.CHILD_AT_RISK, a.text("children_at_risk_details")))
            if a.yes("child_protection_plan"):
                found.append(Concern(ConcernCode.CHILD_PROTECTION_PLAN))
        if a.yes("children_unattended"):
            found.append(Concern(ConcernCode.CHILD_LEFT_WITHOUT_CARE))
    else:
        if a.yes("exploitation_concern"):
            kinds = [_label("exploitation_types", c, on) for c in a.codes("exploitation_types")]
            signs = [_label("exploitation_indicators", c, on) for c in a.codes("exploitation_indicators")]
            detail = "; ".join(p for p in (", ".join(kinds), ", ".join(signs)) if p)
            found.append(Concern(ConcernCode.EXPLOITATION, detail or None))
        if a.yes("sex_work_coercion"):
            found.append(Concern(ConcernCode.SEX_WORK_COERCION))
        if a.yes("learning_disability"):
            found.append(Concern(ConcernCode.CARE_AND_SUPPORT_NEEDS))
    if found and role is not None:
        roles = {"victim": "victim", "both": "victim and using abuse", "perpetrator": "using abuse"}
        found.append(Concern(ConcernCode.DOMESTIC_ABUSE, roles.get(role, "role unclear")))
    return found


_ACTION_NAMES = {
    ActionType.SAFEGUARDING: "Safeguarding referral",
    ActionType.MARAC: "MARAC referral",
    ActionType.NRM: "National Referral Mechanism referral through a first responder",
}
_ACTION_STATES = {
    ActionStatus.OPEN: "to do",
    ActionStatus.IN_PROGRESS: "in progress",
    ActionStatus.DONE: "done",
    ActionStatus.CANCELLED: "cancelled",
}
#: Which actions each audience hears about: the exploitation route is the adult's own business.
_AUDIENCE_ACTIONS = {
    Audience.CHILDREN: (ActionType.SAFEGUARDING, ActionType.MARAC),
    Audience.ADULTS: (ActionType.SAFEGUARDING, ActionType.MARAC, ActionType.NRM),
}


def _exploitation_steps(a: Answers) -> list[str]:
    told = a.text("first_responder_told")
    if not (a.yes("exploitation_concern") and told):
        return []
    steps: list[str] = []
    names = {"police": "the police", "local_authority": "the local authority"}
    if told in names:
        steps.append(f"Exploitation concern passed to {names[told]} as first responder")
    elif told == "other":
        steps.append("Exploitation concern passed to another first responder")
    nrm = a.yes_no("nrm_consent")
    if nrm is not None:
        steps.append(
            "Agrees to a National Referral Mechanism referral"
            if nrm
            else "Does not agree to a National Referral Mechanism referral (Duty to Notify applies)"
        )
    return steps


def _actions_taken(a: Answers, actions: Iterable[Action], audience: Audience) -> tuple[str, ...]:
    """What has been done, as far as this audience needs to know (never an action's notes)."""
    done: list[str] = []
    if audience is Audience.CHILDREN and a.yes("children_unattended"):
        done.append("Custody officer told that a child was left without care because of the arrest")
    if audience is Audience.ADULTS:
        done += _exploitation_steps(a)
    for action in actions:
        if action.is_live and action.action_type in _AUDIENCE_ACTIONS[audience]:
            done.append(f"{_ACTION_NAMES[action.action_type]}: {_ACTION_STATES[action.status]}")
    return tuple(dict.fromkeys(done))


def _communication(a: Answers) -> tuple[str, ...]:
    needs = {
        "interpreter": "Needs an interpreter",
        "easy_read": "Needs easy-read information",
        "hearing": "Needs hearing support",
        "sight": "Needs sight support",
        "other": "Other communication needs",
    }
    found = [needs[c] for c in a.codes("communication_needs") if c in needs]
    if a.yes("reading_writing_difficulty"):
        found.insert(0, "Finds reading or writing difficult: read letters to them")
    return tuple(found)


def safeguarding_facts(
    person: Person,
    vulnerability: Assessment,
    audience: Audience,
    *,
    lifestyle: Assessment | None = None,
    actions: Sequence[Action] = (),
    consents: Sequence[Consent] = (),
    immediate_risk_note: str | None = None,
    referrer: str | None = None,
    shared_on: date | None = None,
) -> SafeguardingFacts:
    """Read a safeguarding referral summary for children's or adults' services.

    Refuses when the screen records no concern for that audience. `actions` are the person's
    actions (only safeguarding, MARAC and NRM ones are listed, by type and status, never their
    notes); `immediate_risk_note` is the worker's own words on risk now, if any. The basis for
    sharing must be in force on `shared_on` (default today).
    """
    a, on = _screen(person, vulnerability)
    concerns = _concerns(a, audience, on)
    if not concerns:
        service = "children's" if audience is Audience.CHILDREN else "adults'"
        raise InvalidInput(f"the vulnerability screen records no concern for {service} services")
    immediate = tuple(c.code for c in concerns if c.code in (ConcernCode.CHILD_LEFT_WITHOUT_CARE,))
    note = (immediate_risk_note or "").strip() or None
    return SafeguardingFacts(
        form_id=vulnerability.id,
        site_code=vulnerability.site_code,
        audience=audience,
        identity=_identity(person, on),
        concerns=tuple(concerns),
        immediate_risk=immediate,
        immediate_risk_note=note,
        children=children_at_home(lifestyle),
        communication=_communication(a),
        actions_taken=_actions_taken(a, actions, audience),
        basis=sharing_basis(consents, LegalBasis.SAFEGUARDING, shared_on or date.today()),
        referrer=referrer or vulnerability.author,
        screened_on=on,
    )
