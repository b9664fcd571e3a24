"""Previewing, printing and saving documents: access checks, the audit log and the print history.

* `preview_document` gathers the person's records in one unit of work, builds the PDF in memory
  and logs ONE consultation (document kind, person, source record).
* `record_print` and `record_save` each log ONE disclosure: document kind, SHA-256 of exactly the
  PDF bytes handed over, the recipient, and the printer or "file"; and they add a print-history
  row, so the next print of the same document is built with `PrintOptions(copy_of=<first date>)`
  and says "COPY" with that date on every page. If a document previewed as an original has been
  printed since (the second print from one preview), it is rebuilt as a copy before it is logged,
  and the copy is what the caller must hand over: the functions return the document to send.
* Nothing is written to disk except the file the user chose in `record_save`.

Custody staff may print and save only the appointment letter for an appointment they booked
(`domain.access.may_print`); the check runs again at print time on the records as they are then.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cars_desktop.documents.letterhead import load_letterhead
from cars_desktop.documents.model import BuiltDocument, DocumentKind, PrintOptions, pdf_sha256
from cars_desktop.domain.access import APPOINTMENT_LETTER, Permission, allows, may_print
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.errors import InvalidInput, NotPermitted
from cars_desktop.forms.catalogue import FormCatalogue, parse_spec, shipped_catalogue
from cars_desktop.services.document_facts import PersonRecords, gather_person_records
from cars_desktop.services.document_recipes import BuildContext, Recipe, recipe_for
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.print_history_repository import DocumentPrint, PrintHistoryRepository
from cars_desktop.storage.unit_of_work import UnitOfWork
from cars_protocol.records import RecordBase, utc_now

FILE_DESTINATION = "file"


@dataclass(frozen=True)
class PreparedDocument:
    """A built document and what it was made from, so a print can be checked, logged and dated."""

    document: BuiltDocument
    person_id: uuid.UUID
    source_id: uuid.UUID
    source_type: str
    variant: str | None
    large_print: bool
    printed_at: datetime
    copy_of: datetime | None

    @property
    def kind(self) -> DocumentKind:
        return self.document.kind

    @property
    def history_kind(self) -> str:
        """The kind as the print history keys it: one key per version (children's or adults' summary)."""
        return _history_kind(self.kind, self.variant)

    @property
    def title(self) -> str:
        return self.document.title

    @property
    def recipient(self) -> str:
        return self.document.recipient

    @property
    def pdf(self) -> bytes:
        return self.document.pdf

    @property
    def page_count(self) -> int:
        return self.document.page_count

    @property
    def sha256(self) -> str:
        """The hash of the PDF bytes themselves (computed again, never taken on trust)."""
        return pdf_sha256(self.document.pdf)


def _history_kind(kind: DocumentKind, variant: str | None) -> str:
    return f"{kind.value}:{variant}" if variant else kind.value


def _refuse(kind: DocumentKind) -> NotPermitted:
    return NotPermitted(f"your role does not allow you to print the {kind.value.replace('_', ' ')}")


def _build(
    session: WorkstationSession,
    forms: FormCatalogue,
    records: PersonRecords,
    recipe: Recipe,
    source: RecordBase,
    variant: str | None,
    large_print: bool,
    copy_of: datetime | None,
) -> PreparedDocument:
    now = utc_now()
    options = PrintOptions(printed_at=now, large_print=large_print, copy_of=copy_of)
    site = load_letterhead(session.site_code, now.date())
    context = BuildContext(site, options, session.user.display_name, forms, variant)
    built = recipe.build(records, source, context)
    return PreparedDocument(
        built, records.person.id, source.id, source.record_type, variant, large_print, now, copy_of
    )


def _catalogue(uow: UnitOfWork) -> FormCatalogue:
    """Shipped forms and those held in the store, read in this unit of work (a referral quotes answers)."""
    held = [
        parse_spec(body, f"store:{form_id}/v{version}") for form_id, version, body in uow.form_specs.all()
    ]
    return shipped_catalogue().with_extra(held)


def _check_kind(session: WorkstationSession, kind: DocumentKind) -> None:
    """Refuse at once a kind the role can never print, before anything is read."""
    if not (
        allows(session.actor, Permission.PRINT_DOCUMENTS)
        or (allows(session.actor, Permission.PRINT_OWN_APPOINTMENT_LETTERS) and kind == APPOINTMENT_LETTER)
    ):
        raise _refuse(kind)


def _checked_source(
    session: WorkstationSession, records: PersonRecords, recipe: Recipe, source_id: uuid.UUID | None
) -> RecordBase:
    source = recipe.source(records, source_id)
    if not may_print(session.actor, recipe.kind, source):
        raise _refuse(recipe.kind)
    return source


def preview_document(
    session: WorkstationSession,
    person_id: uuid.UUID,
    kind: DocumentKind,
    *,
    source_id: uuid.UUID | None = None,
    variant: str | None = None,
    large_print: bool = False,
) -> PreparedDocument:
    """Build a document about a person in memory for the preview; logged as one consultation.

    `source_id` names the record to make it from (an appointment, a form); by default the newest
    that fits. `variant` picks a version where a kind has several (a safeguarding summary's
    audience: "children" or "adults"). A document already printed is built as a copy of its first
    print.
    """
    _check_kind(session, kind)
    recipe = recipe_for(kind)
    with session.unit_of_work() as uow:
        records = gather_person_records(uow, session.actor, person_id)
        source = _checked_source(session, records, recipe, source_id)
        history = PrintHistoryRepository(uow.session)
        first = history.first_printed(str(person_id), _history_kind(kind, variant), str(source.id))
        prepared = _build(session, _catalogue(uow), records, recipe, source, variant, large_print, first)
        uow.audit(
            AuditEvent(
                AuditOperation.CONSULTATION,
                "person",
                str(person_id),
                details={
                    "document": kind.value,
                    "source_type": source.record_type,
                    "source_id": str(source.id),
                    "preview": True,
                    **({"variant": variant} if variant else {}),
                    **({"copy_of": first.isoformat()} if first else {}),
                },
            )
        )
        uow.commit()
    return prepared


def _disclose(
    session: WorkstationSession,
    uow: UnitOfWork,
    document: PreparedDocument,
    recipient: str | None,
    destination: str,
    extra: dict[str, object],
) -> PreparedDocument:
    """Check, rebuild as a copy if printed since, then log one disclosure and one history row."""
    _check_kind(session, document.kind)
    recipe = recipe_for(document.kind)
    records = gather_person_records(uow, session.actor, document.person_id)
    source = _checked_source(session, records, recipe, document.source_id)
    history = PrintHistoryRepository(uow.session)
    first = history.first_printed(str(document.person_id), document.history_kind, str(source.id))
    if first is not None and document.copy_of is None:
        document = _build(
            session, _catalogue(uow), records, recipe, source, document.variant, document.large_print, first
        )
    to = recipient or document.recipient
    now = utc_now()
    digest = document.sha256
    history.add(
        DocumentPrint(
            person_id=str(document.person_id),
            kind=document.history_kind,
            source_id=str(source.id),
            recipient=to,
            destination=destination,
            sha256=digest,
            pages=document.page_count,
            copy_of=document.copy_of,
            printed_at=now,
            printed_by=session.user.username,
        )
    )
    uow.audit(
        AuditEvent(
            AuditOperation.DISCLOSURE,
            "person",
            str(document.person_id),
            recipient=to,
            legal_basis=recipe.legal_basis.value if recipe.legal_basis else None,
            details={
                "document": document.kind.value,
                "sha256": digest,
                "destination": destination,
                "pages": document.page_count,
                "source_id": str(source.id),
                **({"variant": document.variant} if document.variant else {}),
                **({"copy_of": document.copy_of.isoformat()} if document.copy_of else {}),
                **extra,
            },
        ),
        at=now,
    )
    return document


def record_print(
    session: WorkstationSession, document: PreparedDocument, recipient: str | None, printer_name: str
) -> PreparedDocument:
    """Log a print to `printer_name` as one disclosure; return the document to send to it.

    Call before sending any page, and send exactly the returned document's bytes: it is the one
    whose hash was logged (a copy, if this document had been printed since it was previewed).
    `recipient` defaults to the document's own (the person, a named provider, the police).
    """
    if not printer_name.strip():
        raise InvalidInput("choose a printer")
    with session.unit_of_work() as uow:
        sent = _disclose(session, uow, document, recipient, printer_name.strip(), {"printer": printer_name})
        uow.commit()
    return sent


def _write_private(path: Path, data: bytes) -> None:
    """Write the file the user chose, readable by its owner only, flushed to the disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def record_save(
    session: WorkstationSession, document: PreparedDocument, recipient: str | None, path: Path
) -> PreparedDocument:
    """Write the PDF to the file the user chose and log it as one disclosure to "file".

    The file is the only thing written; if logging fails it is removed, so no unlogged copy stays.
    Returns the document written (a copy, if it had been printed since it was previewed).
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise InvalidInput(f"the folder {path.parent} does not exist")
    if path.is_dir():
        raise InvalidInput(f"{path} is a folder; give a file name")
    with session.unit_of_work() as uow:
        written = _disclose(session, uow, document, recipient, FILE_DESTINATION, {"file": path.name})
        _write_private(path, written.pdf)
        try:
            uow.commit()
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    return written


def print_history(session: WorkstationSession, person_id: uuid.UUID) -> list[DocumentPrint]:
    """Every print and save of documents about a person (for the person's page), oldest first."""
    with session.unit_of_work() as uow:
        gather_person_records(uow, session.actor, person_id)  # the same need-to-know as the person
        return PrintHistoryRepository(uow.session).for_person(str(person_id))
