"""The short documents of the release pack: provider contact card, harm-reduction advice, site leaflets."""

from __future__ import annotations

from reportlab.platypus import Flowable

from cars_desktop.documents.blocks import bullets, facts_table, notice, paragraphs
from cars_desktop.documents.facts import ProviderFacts
from cars_desktop.documents.layout import render
from cars_desktop.documents.letterhead import Letterhead
from cars_desktop.documents.model import BuiltDocument, DocumentKind, FlowablesFactory, PrintOptions, Subject
from cars_desktop.documents.styles import Styles
from cars_desktop.documents.templates import load_template


def build_provider_card(
    provider: ProviderFacts, subject: Subject, site: Letterhead, options: PrintOptions
) -> BuiltDocument:
    """The provider's name, address, phone, e-mail and hours, in large clear lines."""
    wording = load_template("provider_card").fill(
        {"provider_name": provider.name, "service_phone": site.phone}
    )
    rows = [
        ("label_name", provider.name),
        ("label_address", provider.address),
        ("label_phone", provider.phone),
        ("label_email", provider.email),
        ("label_hours", provider.hours),
    ]

    def flowables(styles: Styles) -> list[Flowable]:
        table = facts_table([(wording.plain(label), value) for label, value in rows], styles, 0.25)
        body = [*paragraphs([wording.one("intro")], styles), table]
        return [*body, *paragraphs([wording.one("cars"), wording.one("emergency")], styles)]

    return render(
        DocumentKind.PROVIDER_CONTACT_CARD, wording.title, subject, site, flowables, options, "the person"
    )


def build_harm_reduction_advice(subject: Subject, site: Letterhead, options: PrintOptions) -> BuiltDocument:
    """Short, plain advice on the risky days after release (wording in harm_reduction.toml)."""
    wording = load_template("harm_reduction").fill({"service_phone": site.phone})

    def flowables(styles: Styles) -> list[Flowable]:
        body = [*paragraphs([wording.one("intro")], styles), *bullets(wording.lines("advice"), styles)]
        body.append(notice([wording.one("overdose")], styles, wording.one("overdose_heading")))
        return [*body, *paragraphs([wording.one("help")], styles)]

    return render(
        DocumentKind.HARM_REDUCTION_ADVICE, wording.title, subject, site, flowables, options, "the person"
    )


def _leaflet_body(lines: list[str]) -> FlowablesFactory:
    """A leaflet's body: its wording as paragraphs (a factory per leaflet, so each keeps its own)."""

    def flowables(styles: Styles) -> list[Flowable]:
        return paragraphs(lines, styles)

    return flowables


def build_site_leaflets(subject: Subject, site: Letterhead, options: PrintOptions) -> list[BuiltDocument]:
    """The extra leaflets the site lists (letterheads.json `leaflets`), one document each."""
    built = []
    for code in site.leaflets:
        wording = load_template(f"leaflets/{code}").fill({"service_phone": site.phone})
        body = _leaflet_body(wording.lines("body"))
        built.append(
            render(DocumentKind.SITE_LEAFLET, wording.title, subject, site, body, options, "the person")
        )
    return built
