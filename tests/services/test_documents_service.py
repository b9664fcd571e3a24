"""Document services on a real store: one consultation per preview, one disclosure per print or save
with the hash of exactly the bytes handed over, reprints marked COPY, custody staff kept to their
own appointment letters, and nothing on disk but the file the user chose."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from cars_desktop.documents import core_specimen as core
from cars_desktop.documents import statutory_specimen as casework
from cars_desktop.documents.layout import uk_date
from cars_desktop.documents.model import DocumentKind
from cars_desktop.domain.errors import InvalidInput, NotPermitted
from cars_desktop.services.documents import (
    FILE_DESTINATION,
    preview_document,
    print_history,
    record_print,
    record_save,
)
from cars_desktop.services.records import save_records
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.tables import AuditRow
from cars_protocol.records import Appointment, LegalBasis, Person, Role
from tests.conftest import CUSTODY, CUSTODY_PASSWORD, Workstation

RA4 = DocumentKind.RA4_FOLLOW_UP_REQUIRED


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages).split())


def audit_rows(session: WorkstationSession) -> list[AuditRow]:
    with session.unit_of_work() as uow:
        rows = list(uow.session.scalars(select(AuditRow).order_by(AuditRow.seq)))
        uow.session.expunge_all()
    return rows


@pytest.fixture
def person(session: WorkstationSession) -> Person:
    """The invented person with an episode and a required initial assessment (follow-up required)."""
    someone = casework.specimen_person()
    save_records(
        session,
        [someone, casework.specimen_episode(someone), casework.initial_follow_up_required(someone)],
    )
    return someone


def test_preview_is_one_consultation_naming_the_document_and_person(
    session: WorkstationSession, person: Person
) -> None:
    before = len(audit_rows(session))
    prepared = preview_document(session, person.id, RA4)
    rows = audit_rows(session)
    assert len(rows) == before + 1
    entry = rows[-1]
    assert (entry.operation, entry.record_type, entry.record_id) == ("consultation", "person", str(person.id))
    details = json.loads(entry.details or "{}")
    assert details["document"] == "ra4_follow_up_required" and details["preview"] is True
    assert prepared.copy_of is None and "COPY" not in text_of(prepared.pdf)
    assert "Farrowdale" in text_of(prepared.pdf)


def test_print_and_save_each_log_one_disclosure_with_the_hash_of_the_bytes(
    session: WorkstationSession, person: Person, tmp_path: Path
) -> None:
    prepared = preview_document(session, person.id, RA4)
    before = len(audit_rows(session))
    sent = record_print(session, prepared, None, "Custody laser 2")
    rows = audit_rows(session)
    assert len(rows) == before + 1
    printed = rows[-1]
    details = json.loads(printed.details or "{}")
    assert printed.operation == "disclosure" and printed.record_id == str(person.id)
    assert printed.recipient == "The person"
    assert details["sha256"] == hashlib.sha256(sent.pdf).hexdigest()
    assert details["destination"] == "Custody laser 2" and details["document"] == "ra4_follow_up_required"

    target = tmp_path / "chosen" / "ra4.pdf"
    target.parent.mkdir()
    written = record_save(session, sent, "Tamsin Farrowdale", target)
    rows = audit_rows(session)
    assert len(rows) == before + 2
    saved = rows[-1]
    details = json.loads(saved.details or "{}")
    assert target.read_bytes() == written.pdf
    assert details["sha256"] == hashlib.sha256(target.read_bytes()).hexdigest()
    assert details["destination"] == FILE_DESTINATION and details["file"] == "ra4.pdf"
    assert saved.recipient == "Tamsin Farrowdale"
    assert [p.destination for p in print_history(session, person.id)] == ["Custody laser 2", "file"]


def test_a_reprint_is_marked_copy_with_the_date_of_the_first_print(
    session: WorkstationSession, person: Person
) -> None:
    first = record_print(session, preview_document(session, person.id, RA4), None, "Custody laser 2")
    assert first.copy_of is None and "COPY" not in text_of(first.pdf)
    first_print = print_history(session, person.id)[0].printed_at

    again = preview_document(session, person.id, RA4)
    assert again.copy_of == first_print
    text = text_of(again.pdf)
    assert "COPY" in text and uk_date(first_print.date()) in text

    # The same original printed twice from one preview: the second is rebuilt as a copy, and the
    # hash logged is the copy's.
    sent_twice = record_print(session, first, None, "Custody laser 2")
    assert sent_twice.copy_of == first_print and "COPY" in text_of(sent_twice.pdf)
    logged = json.loads(audit_rows(session)[-1].details or "{}")
    assert logged["sha256"] == hashlib.sha256(sent_twice.pdf).hexdigest()
    assert logged["copy_of"] == first_print.isoformat()


def test_custody_staff_are_refused_documents_they_may_not_print(
    workstation: Workstation, session: WorkstationSession, person: Person, tmp_path: Path
) -> None:
    prepared = preview_document(session, person.id, RA4)
    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    try:
        before = len(audit_rows(custody))
        with pytest.raises(NotPermitted, match="ra4 follow up required"):
            preview_document(custody, person.id, RA4)
        with pytest.raises(NotPermitted):
            record_print(custody, prepared, None, "Custody laser 2")
        with pytest.raises(NotPermitted):
            record_save(custody, prepared, None, tmp_path / "not-allowed.pdf")
        with pytest.raises(NotPermitted):
            preview_document(custody, person.id, DocumentKind.MARAC_REFERRAL)
        assert len(audit_rows(custody)) == before
        assert not (tmp_path / "not-allowed.pdf").exists()
    finally:
        custody.lock()


@pytest.fixture
def watched_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every temporary-file route at a folder of our own, to see whether anything lands there."""
    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def files_under(root: Path) -> set[Path]:
    return {Path(dirpath) / name for dirpath, _, names in os.walk(root) for name in names}


def test_nothing_is_written_but_the_chosen_file(
    workstation: Workstation,
    session: WorkstationSession,
    person: Person,
    tmp_path: Path,
    watched_temp: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    before = files_under(tmp_path)
    prepared = preview_document(session, person.id, RA4)
    sent = record_print(session, prepared, None, "Custody laser 2")
    chosen = tmp_path / "letter.pdf"
    record_save(session, sent, None, chosen)
    new = files_under(tmp_path) - before
    # The store's own files (the encrypted database and its write-ahead log) may appear; no PDF or
    # temporary file anywhere else.
    assert {p for p in new if workstation.data_dir not in p.parents} == {chosen}
    assert not any(p.read_bytes().startswith(b"%PDF") for p in new if p != chosen)
    assert files_under(watched_temp) == set() and files_under(work) == set()
    assert chosen.stat().st_mode & 0o077 == 0  # readable by its owner only


def test_a_marac_referral_is_logged_under_its_legal_basis(
    session: WorkstationSession, person: Person
) -> None:
    save_records(
        session,
        [
            casework.vulnerability_screen(person),
            casework.lifestyle_children(person),
            casework.non_consent_basis(person, LegalBasis.MARAC),
            casework.non_consent_basis(person, LegalBasis.SAFEGUARDING),
        ],
    )
    prepared = preview_document(session, person.id, DocumentKind.MARAC_REFERRAL)
    assert "DASH" in text_of(prepared.pdf)
    record_print(session, prepared, "Sandwell MARAC coordinator", "Custody laser 2")
    entry = audit_rows(session)[-1]
    assert (entry.operation, entry.legal_basis, entry.recipient) == (
        "disclosure",
        "marac",
        "Sandwell MARAC coordinator",
    )
    children = preview_document(session, person.id, DocumentKind.SAFEGUARDING_SUMMARY, variant="children")
    assert children.copy_of is None and children.variant == "children"


def test_custody_staff_print_the_appointment_letter_for_their_own_booking_only(
    workstation: Workstation, session: WorkstationSession, person: Person
) -> None:
    others = core.specimen_appointment(person, required=True)  # booked by a worker
    save_records(session, [others])
    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    try:
        own = Appointment(
            site_code="OLDBURY",
            author=CUSTODY,
            person_id=person.id,
            starts_at=datetime(2026, 12, 1, 10, 30, tzinfo=UTC),
            location_site_code="OLDBURY",
            booked_by=CUSTODY,
            booked_by_role=Role.CUSTODY_STAFF,
            out_of_hours=True,
        )
        save_records(custody, [own])
        letter = preview_document(custody, person.id, DocumentKind.APPOINTMENT_LETTER)
        assert letter.source_id == own.id and "Farrowdale" in text_of(letter.pdf)
        record_print(custody, letter, None, "Custody laser 1")
        with pytest.raises(InvalidInput):
            preview_document(custody, person.id, DocumentKind.APPOINTMENT_LETTER, source_id=others.id)
        with pytest.raises(NotPermitted):
            preview_document(custody, person.id, DocumentKind.RELEASE_PACK)
    finally:
        custody.lock()


def test_a_release_pack_from_the_records(session: WorkstationSession, person: Person) -> None:
    save_records(
        session,
        [
            core.specimen_appointment(person, required=True),
            core.specimen_referral(person),
            core.specimen_supply(person),
        ],
    )
    pack = preview_document(session, person.id, DocumentKind.RELEASE_PACK)
    text = text_of(pack.pdf)
    assert pack.source_type == "appointment"
    assert "SPEC-2026-0042" in text  # the Naloxone checklist: a kit went into property
    assert "Farrowdale" in text
    sent = record_print(session, pack, None, "Custody laser 2")
    logged = json.loads(audit_rows(session)[-1].details or "{}")
    assert logged["document"] == "release_pack" and logged["pages"] == sent.page_count
