"""The vocabulary of printed documents: what kind, for whom, printed when, and what came out.

These types are shared by every document builder, the release pack, the services that audit a
print and the print preview, so they carry no reportlab and no storage.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID

if TYPE_CHECKING:
    from reportlab.platypus import Flowable

    from cars_desktop.documents.styles import Styles


class DocumentKind(StrEnum):
    """Every document CARS prints; the value is what the audit log records."""

    REFERRAL_PROVIDER = "referral_provider"
    REFERRAL_PERSON = "referral_person"
    APPOINTMENT_LETTER = "appointment_letter"
    PROVIDER_CONTACT_CARD = "provider_contact_card"
    HARM_REDUCTION_ADVICE = "harm_reduction_advice"
    NALOXONE_CHECKLIST = "naloxone_checklist"
    POLICE_NOTIFICATION = "police_notification"
    RA2_APPOINTMENT_CHANGE = "ra2_appointment_change"
    RA3_ATTENDANCE = "ra3_attendance"
    RA4_FOLLOW_UP_REQUIRED = "ra4_follow_up_required"
    RA5_FOLLOW_UP_NOT_REQUIRED = "ra5_follow_up_not_required"
    MARAC_REFERRAL = "marac_referral"
    SAFEGUARDING_SUMMARY = "safeguarding_summary"
    RELEASE_PACK = "release_pack"
    SITE_LEAFLET = "site_leaflet"


@dataclass(frozen=True)
class PrintOptions:
    """How one print is made: when, in large print or not, and whether it is a reprint.

    `printed_at` must be time-zone aware; it is shown in UK local time. `copy_of` is the time the
    document was first printed: a reprint is marked "COPY" with that date on every page.
    """

    printed_at: datetime
    large_print: bool = False
    copy_of: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("printed_at", "copy_of"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"PrintOptions.{name} must include a time zone")


@dataclass(frozen=True)
class Subject:
    """The person a document is about, as printed on every page of it.

    `reference` is a short code that links the paper back to the record without revealing
    anything else (see `reference_for`).
    """

    person_id: UUID
    display_name: str
    date_of_birth: date
    reference: str


FlowablesFactory = Callable[["Styles"], "list[Flowable]"]


@dataclass(frozen=True)
class DocumentPart:
    """The recipe of one document: enough to lay it out again inside a release pack.

    Kept on `BuiltDocument` so a pack can be built in one pass, with page numbers and identity
    lines that run across the whole pack rather than restarting in each part.
    """

    kind: DocumentKind
    title: str
    flowables: FlowablesFactory


@dataclass(frozen=True)
class BuiltDocument:
    """A finished PDF, made in memory, with what the audit log needs to record a disclosure."""

    kind: DocumentKind
    title: str
    recipient: str
    pdf: bytes
    page_count: int
    sha256: str
    subject: Subject | None = field(default=None, compare=False)
    parts: tuple[DocumentPart, ...] = field(default=(), repr=False, compare=False)
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


def reference_for(record_id: UUID) -> str:
    """A short code for the paper, made from a record id, e.g. `CARS-7KQ2-M9XA`.

    It is a hash of the id, so it links back to the record (the program can search for it) but
    says nothing about the person; Crockford base32 avoids letters read as digits.
    """
    digest = hashlib.sha256(b"cars-document-reference:" + record_id.bytes).digest()
    code = base64.b32encode(digest[:5]).decode("ascii")
    code = code.translate(str.maketrans("ILOU", "1100"))  # no I/L/O/U on paper
    return f"CARS-{code[:4]}-{code[4:8]}"


def pdf_sha256(pdf: bytes) -> str:
    """The hash the audit log records for a printed or saved PDF."""
    return hashlib.sha256(pdf).hexdigest()
