"""The release pack: everything a person leaves custody with, as one PDF in a sensible order.

Order: appointment letter, provider contact card, harm-reduction advice, the Naloxone checklist
(only when a kit was supplied, so only when it is among the parts), then the site's other leaflets
and anything else in the order given. The pack is laid out again in one pass from the parts'
recipes, so the identity line of every page names the part and counts pages across the pack.
"""

from __future__ import annotations

from collections.abc import Sequence

from cars_desktop.documents.layout import render_parts
from cars_desktop.documents.letterhead import Letterhead
from cars_desktop.documents.model import BuiltDocument, DocumentKind, DocumentPart, PrintOptions, Subject
from cars_desktop.domain.errors import InvalidInput

PACK_TITLE = "Release pack"

#: Where each kind goes in the pack; anything not listed follows, in the order given.
PACK_ORDER: tuple[DocumentKind, ...] = (
    DocumentKind.APPOINTMENT_LETTER,
    DocumentKind.PROVIDER_CONTACT_CARD,
    DocumentKind.HARM_REDUCTION_ADVICE,
    DocumentKind.NALOXONE_CHECKLIST,
    DocumentKind.SITE_LEAFLET,
)


class ReleasePackError(InvalidInput):
    """The parts cannot make one pack (no parts, another person's document, a pack in a pack)."""


def _rank(part: DocumentPart) -> int:
    return PACK_ORDER.index(part.kind) if part.kind in PACK_ORDER else len(PACK_ORDER)


def build_release_pack(
    parts: Sequence[BuiltDocument],
    *,
    subject: Subject,
    site: Letterhead,
    options: PrintOptions,
    recipient: str = "the person",
) -> BuiltDocument:
    """One PDF of the given documents in pack order, with page identity across the whole pack.

    Every part must be about `subject` and carry its recipe (documents made by `render` do).
    """
    if not parts:
        raise ReleasePackError("a release pack needs at least one document")
    recipes: list[DocumentPart] = []
    for built in parts:
        if built.kind is DocumentKind.RELEASE_PACK:
            raise ReleasePackError("a release pack cannot contain another release pack")
        if built.subject is not None and built.subject.person_id != subject.person_id:
            raise ReleasePackError(f"the {built.title.lower()} is about someone else")
        if not built.parts:
            raise ReleasePackError(f"the {built.title.lower()} was not made by the document builder")
        recipes.extend(built.parts)
    ordered = sorted(recipes, key=_rank)  # stable: equal ranks keep the order given
    return render_parts(
        DocumentKind.RELEASE_PACK,
        PACK_TITLE,
        subject,
        site,
        ordered,
        options,
        recipient,
        pack_title=PACK_TITLE,
    )
