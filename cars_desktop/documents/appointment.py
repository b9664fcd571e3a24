"""The appointment letter: when, where, how to get there, what to bring, who to ask for.

A required assessment carries the statutory warning (Drugs Act 2005: not attending, or not staying
for the whole assessment, is an offence) in a framed box, worded calmly; a voluntary appointment
says it is the person's choice and carries no warning at all.
"""

from __future__ import annotations

from html import unescape

from reportlab.platypus import Flowable

from cars_desktop.documents.blocks import bullets, esc, facts_table, notice, paragraphs
from cars_desktop.documents.facts import AppointmentFacts
from cars_desktop.documents.layout import UK, render, uk_date
from cars_desktop.documents.letterhead import Letterhead
from cars_desktop.documents.model import BuiltDocument, DocumentKind, PrintOptions, Subject
from cars_desktop.documents.styles import Styles
from cars_desktop.documents.templates import FilledTemplate, load_template


def appointment_when(facts: AppointmentFacts) -> str:
    """The day and time as people say it: Tuesday 10 March 2026 at 10:30 (UK time)."""
    local = facts.starts_at.astimezone(UK)
    return f"{local:%A} {uk_date(local.date())} at {local:%H:%M}"


def appointment_body(facts: AppointmentFacts, wording: FilledTemplate, styles: Styles) -> list[Flowable]:
    """The when/where table and the right notice; shared with the person's referral copy."""
    rows = [
        (wording.one("label_when"), appointment_when(facts)),
        (wording.one("label_where"), f"{facts.place.site_name}, {facts.place.address_line}"),
        (wording.one("label_directions"), facts.place.directions),
        (wording.one("label_ask_for"), facts.ask_for),
    ]
    return [facts_table(_plain(rows), styles)]


def _plain(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """facts_table escapes: labels from a template are already escaped, so undo that once."""
    return [(unescape(label), value) for label, value in rows]


def appointment_wording(facts: AppointmentFacts, subject: Subject) -> FilledTemplate:
    """The appointment template filled for these facts (its labels are reused by the referral)."""
    return load_template("appointment").fill(
        {
            "name": subject.display_name,
            "when": appointment_when(facts),
            "place": facts.place.site_name,
            "address": facts.place.address_line,
            "directions": facts.place.directions,
            "ask_for": facts.ask_for,
            "service_phone": facts.place.phone,
            "hours": facts.place.hours,
        }
    )


def build_appointment_letter(
    facts: AppointmentFacts, subject: Subject, site: Letterhead, options: PrintOptions
) -> BuiltDocument:
    """The letter the person takes away; `site` is the issuing site's letterhead."""
    wording = appointment_wording(facts, subject)

    def flowables(styles: Styles) -> list[Flowable]:
        body: list[Flowable] = paragraphs([wording.one("greeting"), wording.one("intro")], styles)
        body += appointment_body(facts, wording, styles)
        body += paragraphs([f"<b>{wording.one('label_bring')}</b>"], styles)
        body += bullets([esc(item) for item in facts.bring], styles)
        if facts.required:
            body.append(notice(wording.lines("required"), styles, wording.one("required_heading")))
        else:
            body += paragraphs(wording.lines("voluntary"), styles)
        body += paragraphs([wording.one("phone_line"), wording.one("closing")], styles)
        return body

    return render(
        DocumentKind.APPOINTMENT_LETTER, wording.title, subject, site, flowables, options, "the person"
    )
