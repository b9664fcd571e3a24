"""Specimen output: every document type filled from invented casework, for reviewing wording and layout.

`cars-desktop documents specimen --out DIR` calls `write_specimens`. The folder may exist, but no
file in it is ever replaced: if any specimen file is already there, nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cars_desktop.documents import statutory_specimen
from cars_desktop.documents.appointment import build_appointment_letter
from cars_desktop.documents.core_specimen import core_casework
from cars_desktop.documents.model import BuiltDocument, PrintOptions
from cars_desktop.documents.naloxone import build_naloxone_checklist
from cars_desktop.documents.pack_leaflets import (
    build_harm_reduction_advice,
    build_provider_card,
    build_site_leaflets,
)
from cars_desktop.documents.referral import build_referral_letter, build_referral_person_copy
from cars_desktop.documents.release_pack import build_release_pack
from cars_desktop.domain.errors import InvalidInput

Builder = Callable[[PrintOptions], BuiltDocument]


def core_specimens() -> list[tuple[str, Builder]]:
    """The core documents (and a reprint), by file stem, built from `core_specimen` casework."""
    case = core_casework()
    site, subject = case.site, case.referral.subject

    def appointment(o: PrintOptions) -> BuiltDocument:
        return build_appointment_letter(case.required_appointment, subject, site, o)

    def card(o: PrintOptions) -> BuiltDocument:
        return build_provider_card(case.referral.provider, subject, site, o)

    def advice(o: PrintOptions) -> BuiltDocument:
        return build_harm_reduction_advice(subject, site, o)

    def naloxone(o: PrintOptions) -> BuiltDocument:
        return build_naloxone_checklist(case.naloxone, subject, site, o)

    def pack(o: PrintOptions) -> BuiltDocument:
        parts = [naloxone(o), advice(o), card(o), appointment(o), *build_site_leaflets(subject, site, o)]
        return build_release_pack(parts, subject=subject, site=site, options=o)

    def reprint(o: PrintOptions) -> BuiltDocument:
        first = datetime(2026, 3, 4, 9, 15, tzinfo=UTC)
        return appointment(PrintOptions(o.printed_at, o.large_print, copy_of=first))

    return [
        ("referral_provider", lambda o: build_referral_letter(case.referral, site, o)),
        ("referral_person", lambda o: build_referral_person_copy(case.referral, site, o)),
        ("appointment_letter_required", appointment),
        (
            "appointment_letter_voluntary",
            lambda o: build_appointment_letter(case.voluntary_appointment, subject, site, o),
        ),
        ("appointment_letter_reprint", reprint),
        ("provider_contact_card", card),
        ("harm_reduction_advice", advice),
        ("naloxone_checklist", naloxone),
        ("site_leaflet", lambda o: build_site_leaflets(subject, site, o)[0]),
        ("release_pack", pack),
    ]


def all_specimens() -> list[tuple[str, Builder]]:
    """Every document type: the core ones and the statutory and safeguarding ones."""
    others = [(s.name, s.build) for s in statutory_specimen.specimens()]
    return core_specimens() + others


def write_specimens(
    out_dir: Path, large_print: bool = False, printed_at: datetime | None = None
) -> list[Path]:
    """Write one PDF per specimen into `out_dir` (created if missing); refuse to replace any file."""
    specimens = all_specimens()
    suffix = "-large" if large_print else ""
    paths = [out_dir / f"{name}{suffix}.pdf" for name, _ in specimens]
    if out_dir.exists() and not out_dir.is_dir():
        raise InvalidInput(f"{out_dir} is a file, not a folder")
    taken = [p.name for p in paths if p.exists()]
    if taken:
        raise InvalidInput(
            f"{out_dir} already holds {taken[0]}; choose an empty folder (nothing was written)"
        )
    options = PrintOptions(printed_at or datetime.now(UTC), large_print=large_print)
    built = [build(options) for _, build in specimens]  # all built before anything is written
    out_dir.mkdir(parents=True, exist_ok=True)
    for path, document in zip(paths, built, strict=True):
        with path.open("xb") as handle:  # "x": never replace a file that appeared meanwhile
            handle.write(document.pdf)
    return paths
