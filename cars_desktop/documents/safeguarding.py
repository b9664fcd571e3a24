"""The MARAC referral and the safeguarding referral summary (DOMAIN.md 6.3, 6.4, 6.6, 7.3).

Each shares only what its legal basis allows, and the facts it is built from (see
`safeguarding_facts`) hold nothing more: the MARAC referral carries the DASH answers and risk; the
safeguarding summary carries the concerns for one audience but never the DASH answers or score.
The MARAC wording has an area part chosen by the person's local authority:
resources/letters/safeguarding/marac_<CODE>.toml, else marac_default.toml.
"""

from __future__ import annotations

from reportlab.platypus import Flowable, KeepTogether, Paragraph

from cars_desktop.documents.blocks import bullets, esc, facts_table, heading, paragraphs
from cars_desktop.documents.layout import render, uk_date
from cars_desktop.documents.letterhead import Letterhead
from cars_desktop.documents.model import BuiltDocument, DocumentKind, PrintOptions, Subject, reference_for
from cars_desktop.documents.safeguarding_facts import (
    Audience,
    ChildrenAtHome,
    Identity,
    MaracFacts,
    SafeguardingFacts,
    SharingBasis,
)
from cars_desktop.documents.statutory_blocks import Row, boxed, section
from cars_desktop.documents.styles import Styles
from cars_desktop.documents.templates import FilledTemplate, LetterTemplate, load_template
from cars_desktop.resources import resources_root


def marac_area_template(local_authority: str | None) -> LetterTemplate:
    """The area part of the MARAC wording for a local authority code, or the default one."""
    if local_authority:
        name = f"safeguarding/marac_{local_authority}"
        if resources_root().joinpath("letters", f"{name}.toml").is_file():
            return load_template(name)
    return load_template("safeguarding/marac_default")


def _subject(identity: Identity) -> Subject:
    """The page identity, with the same short reference as every other document about the person."""
    return Subject(
        identity.person_id, identity.display_name, identity.date_of_birth, reference_for(identity.person_id)
    )


def _answer(t: FilledTemplate, value: bool | None) -> str:
    return t.one("not_asked") if value is None else t.one("yes" if value else "no")


def _identity_rows(t: FilledTemplate, who: Identity) -> list[Row]:
    if who.no_fixed_abode:
        address = t.one("no_fixed_abode")
    else:
        address = ", ".join(p for p in (who.address, who.postcode) if p) or t.one("not_recorded")
    return [
        (t.one("label_name"), who.display_name),
        (t.one("label_dob"), uk_date(who.date_of_birth)),
        (t.one("label_address"), address),
        (t.one("label_area"), who.local_authority or t.one("not_recorded")),
    ]


def _children_rows(t: FilledTemplate, children: ChildrenAtHome) -> list[Row]:
    count = t.one("not_asked") if children.under_18 is None else str(children.under_18)
    rows = [(t.one("label_children"), count)]
    if children.under_18:
        rows += [
            (t.one("label_live_with"), children.live_with or t.one("not_asked")),
            (t.one("label_pr"), _answer(t, children.parental_responsibility)),
            (t.one("label_social_care"), _answer(t, children.known_to_social_care)),
        ]
    rows.append((t.one("label_pregnant"), _answer(t, children.pregnant)))
    return rows


def _children(t: FilledTemplate, children: ChildrenAtHome | None, styles: Styles) -> Flowable:
    if children is None:
        return KeepTogether(
            [heading(t.one("heading_children"), styles), *paragraphs([t.one("no_children_record")], styles)]
        )
    return section(t.one("heading_children"), _children_rows(t, children), styles)


def _basis(t: FilledTemplate, basis: SharingBasis, styles: Styles) -> list[Flowable]:
    if basis.consented:
        return paragraphs([t.one("basis_consent")], styles)
    rows = [
        (t.one("justification_label"), basis.justification or t.one("not_recorded")),
        (t.one("approver_label"), basis.approver or t.one("not_recorded")),
        (t.one("decided_label"), uk_date(basis.decided_on)),
    ]
    return [*paragraphs([t.one("basis_without_consent")], styles), facts_table(rows, styles)]


def _referrer_rows(t: FilledTemplate, referrer: str, site: Letterhead, screened: str) -> list[Row]:
    return [
        (t.one("label_referrer"), referrer),
        (t.one("label_service"), f"{site.service_name}, {site.site_name}"),
        (t.one("label_contact"), f"{site.phone}, {site.email}"),
        (t.one("label_screened"), screened),
    ]


def build_marac_referral(facts: MaracFacts, site: Letterhead, options: PrintOptions) -> BuiltDocument:
    """The MARAC referral: identity and safe contact, DASH score and yes answers, criteria, children."""
    who = facts.identity
    area_name = who.local_authority or "the local"
    area = marac_area_template(who.local_authority_code).fill({"area": area_name})
    t = load_template("safeguarding/marac_referral").fill(
        {"name": who.display_name, "area": area_name, "service": site.service_name}
    )

    def body(styles: Styles) -> list[Flowable]:
        victim = [
            *_identity_rows(t, who),
            (t.one("label_safe_contact"), facts.safe_contact or t.one("no_safe_contact")),
            (t.one("label_role"), facts.role),
        ]
        risk: list[Row] = [
            (
                t.one("label_score"),
                f"{facts.yes_count} of {facts.questions} yes (high risk is {facts.high_risk_at} or more)",
            ),
            (t.one("label_unsure"), f"{facts.not_known_count} not known, {facts.not_asked_count} not asked"),
            (t.one("label_criteria"), "; ".join(facts.criteria)),
        ]
        if facts.judgement_reason:
            risk.append((t.one("label_judgement"), facts.judgement_reason))
        incidents = (
            t.one("not_recorded") if facts.incidents_12_months is None else str(facts.incidents_12_months)
        )
        risk += [(t.one("label_incidents"), incidents), (t.one("label_repeat"), _answer(t, facts.repeat))]
        yes_items = [f"{item.number}. {esc(item.question)}" for item in facts.yes_items]
        return [
            *boxed([area.one("send_to")], styles),
            *paragraphs([t.one("opening")], styles),
            *_basis(t, facts.basis, styles),
            section(t.one("heading_victim"), victim, styles),
            section(t.one("heading_risk"), risk, styles),
            heading(t.one("heading_yes"), styles),
            *[Paragraph(line, styles.body) for line in yes_items],
            _children(t, facts.children, styles),
            section(
                t.one("heading_referrer"),
                _referrer_rows(t, facts.referrer, site, uk_date(facts.screened_on)),
                styles,
            ),
            *bullets(area.lines("area_notes"), styles),
            *paragraphs([t.one("minimum")], styles),
        ]

    recipient = f"MARAC coordinator, {area_name}" if who.local_authority else "MARAC coordinator"
    subject = _subject(who)
    return render(DocumentKind.MARAC_REFERRAL, area.title, subject, site, body, options, recipient)


_SERVICES = {Audience.CHILDREN: "children's services", Audience.ADULTS: "adult social care"}


def build_safeguarding_summary(
    facts: SafeguardingFacts, site: Letterhead, options: PrintOptions
) -> BuiltDocument:
    """The safeguarding referral summary for children's services or adult social care."""
    who = facts.identity
    services = _SERVICES[facts.audience]
    t = load_template("safeguarding/safeguarding_summary").fill(
        {
            "name": who.display_name,
            "services": services,
            "area": who.local_authority or "the local authority",
            "service": site.service_name,
        }
    )

    def concern_line(code: str, detail: str | None) -> str:
        words = t.one(f"concern_{code}")
        return f"<b>{words}</b>: {esc(detail)}" if detail else f"<b>{words}</b>"

    def body(styles: Styles) -> list[Flowable]:
        immediate = [f"<b>{t.one(f'concern_{code.value}')}</b>" for code in facts.immediate_risk]
        if facts.immediate_risk_note:
            immediate.append(f"<b>{t.one('worker_note')}:</b> {esc(facts.immediate_risk_note)}")
        flow: list[Flowable] = [
            *paragraphs([t.one("opening")], styles),
            *_basis(t, facts.basis, styles),
            section(t.one("heading_person"), _identity_rows(t, who), styles),
            heading(t.one("heading_immediate"), styles),
            *boxed(immediate or [t.one("immediate_none")], styles),
            heading(t.one("heading_concerns"), styles),
            *bullets([concern_line(c.code.value, c.detail) for c in facts.concerns], styles),
        ]
        if facts.audience is Audience.CHILDREN or facts.children is not None:
            flow.append(_children(t, facts.children, styles))
        if facts.communication:
            flow += [
                heading(t.one("heading_communication"), styles),
                *bullets(map(esc, facts.communication), styles),
            ]
        flow += [
            heading(t.one("heading_actions"), styles),
            *bullets([esc(a) for a in facts.actions_taken] or [t.one("no_actions")], styles),
            section(
                t.one("heading_referrer"),
                _referrer_rows(t, facts.referrer, site, uk_date(facts.screened_on)),
                styles,
            ),
            *paragraphs([t.one("minimum")], styles),
        ]
        return flow

    area = who.local_authority
    recipient = {
        Audience.CHILDREN: "Children's services (MASH)",
        Audience.ADULTS: "Adult social care",
    }[facts.audience] + (f", {area}" if area else "")
    subject = _subject(who)
    return render(DocumentKind.SAFEGUARDING_SUMMARY, t.title, subject, site, body, options, recipient)


__all__ = ["build_marac_referral", "build_safeguarding_summary", "marac_area_template"]
