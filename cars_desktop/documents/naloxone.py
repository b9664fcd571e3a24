"""The Naloxone release checklist: the kit, the training covered, the key actions, the hand-over.

The five key actions are printed large (twice the body size) in a framed box, so they can be read
in a hurry; each training topic has a tick box that is crossed when covered, and says so in words.
"""

from __future__ import annotations

from reportlab.platypus import Flowable, KeepTogether

from cars_desktop.documents.blocks import facts_table, heading, notice, paragraphs, signature_lines, tick_list
from cars_desktop.documents.facts import NaloxoneFacts
from cars_desktop.documents.layout import render, uk_date
from cars_desktop.documents.letterhead import Letterhead
from cars_desktop.documents.model import BuiltDocument, DocumentKind, PrintOptions, Subject
from cars_desktop.documents.styles import Styles
from cars_desktop.documents.templates import FilledTemplate, load_template


def _actions(wording: FilledTemplate, styles: Styles) -> Flowable:
    """The key actions in large print, framed, kept on one page."""
    return KeepTogether(
        [notice(wording.lines("actions"), styles, wording.one("heading_actions"), large=True)]
    )


def build_naloxone_checklist(
    facts: NaloxoneFacts, subject: Subject, site: Letterhead, options: PrintOptions
) -> BuiltDocument:
    """The checklist signed by worker and person when a kit is supplied and put in property."""
    wording = load_template("naloxone_checklist").fill({"service_phone": site.phone})
    yes, no = wording.plain("yes"), wording.plain("no")
    supply = [
        (wording.plain("label_product"), facts.product),
        (wording.plain("label_batch"), facts.batch_number),
        (wording.plain("label_expiry"), uk_date(facts.expiry_date)),
        (wording.plain("label_quantity"), str(facts.quantity)),
        (wording.plain("label_supplied"), uk_date(facts.supplied_on)),
        (wording.plain("label_reason"), facts.reason),
    ]
    handover = [
        (wording.plain("label_to_property"), yes if facts.handed_to_property else no),
        (wording.plain("label_returned"), yes if facts.returned_on_release else no),
    ]
    signers = ["signature_worker", "signature_person"]
    if facts.handed_to_property:
        signers.append("signature_custody")

    def flowables(styles: Styles) -> list[Flowable]:
        body = paragraphs([wording.one("intro")], styles)
        body += [heading(wording.plain("heading_supply"), styles), facts_table(supply, styles, 0.35)]
        body.append(_actions(wording, styles))
        body += [heading(wording.plain("heading_training"), styles), tick_list(facts.topics, styles)]
        body += [heading(wording.plain("heading_handover"), styles), facts_table(handover, styles, 0.5)]
        body.append(heading(wording.plain("heading_signatures"), styles))
        body.append(signature_lines([wording.plain(key) for key in signers], styles))
        return [*body, *paragraphs([wording.one("help")], styles)]

    return render(
        DocumentKind.NALOXONE_CHECKLIST, wording.title, subject, site, flowables, options, "the person"
    )
