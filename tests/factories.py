"""Invented records for tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from cars_protocol.records import Assessment, AssessmentKind, CustodyEpisode, Person

SITE = "OLDBURY"


def person(author: str = "sam.worker", family_name: str = "Quillfeather", **extra: object) -> Person:
    fields: dict[str, object] = {
        "site_code": SITE,
        "author": author,
        "family_name": family_name,
        "given_names": "Marnie",
        "date_of_birth": date(1990, 4, 17),
        "local_authority": "SANDWELL",
        "pnc_id": "91/123456Q",
    }
    fields.update(extra)
    return Person(**fields)  # type: ignore[arg-type]


def episode(person_id: object, author: str = "sam.worker") -> CustodyEpisode:
    return CustodyEpisode(
        site_code=SITE,
        author=author,
        person_id=person_id,  # type: ignore[arg-type]
        custody_record_number="20-0012345",
        arrived_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        offences=["Theft from a shop"],
        trigger_offence=True,
    )


def assessment(person_id: object, author: str = "sam.worker", note: str = "Zephyrine-marker") -> Assessment:
    return Assessment(
        site_code=SITE,
        author=author,
        person_id=person_id,  # type: ignore[arg-type]
        kind=AssessmentKind.LIFESTYLE,
        form_id="lifestyle",
        form_version=1,
        answers={"notes": note, "audit_c": 6},
    )
