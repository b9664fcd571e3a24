"""Typed records derived from completed forms (a Naloxone supply, a referral, a booking, ...).

The form record is the source of truth and keeps the amendment history; the typed record is what
documents, KPIs and sync partners read. Its id is derived from the form's id, so completing and
later amending a form updates one typed record rather than creating another.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from cars_desktop.services.workstation import WorkstationSession
from cars_protocol.records import (
    Assessment,
    NaloxoneProduct,
    NaloxoneSupply,
    RecordBase,
    Tombstone,
    utc_now,
)

Projection = Callable[[Assessment], RecordBase | None]
_NAMESPACE = uuid.UUID("5b0b8f7e-6c1d-4d53-9e55-0c4a6f1b2d11")


def derived_id(form_record_id: uuid.UUID, record_type: str) -> uuid.UUID:
    """The same id every time for the typed record a given form produces."""
    return uuid.uuid5(_NAMESPACE, f"{form_record_id}/{record_type}")


def _base(form: Assessment, record_type: str) -> dict[str, Any]:
    return {
        "id": derived_id(form.id, record_type),
        "site_code": form.site_code,
        "author": form.author,
        "created_at": form.completed_at or form.updated_at,
        "updated_at": form.completed_at or form.updated_at,
    }


def _yes(answers: dict[str, Any], key: str) -> bool:
    return answers.get(key) == "yes"


def naloxone_supply(form: Assessment) -> RecordBase | None:
    """A supply only when a kit was actually handed over with consent."""
    a: dict[str, Any] = dict(form.answers)  # validated against the form spec on completion
    if not (_yes(a, "naloxone_offered") and _yes(a, "consent_to_supply")):
        return None
    reason = str(a["reason"])
    return NaloxoneSupply(
        **_base(form, NaloxoneSupply.record_type),
        person_id=form.person_id,
        episode_id=form.episode_id,
        product=NaloxoneProduct(a["product"]),
        batch_number=str(a["batch_number"]),
        supplied_on=date.fromisoformat(a["supplied_on"]),
        expiry_date=date.fromisoformat(a["expiry_date"]),
        quantity=int(a["quantity"]),
        reason="first_supply" if reason == "first_supply" else "replacement",
        replacement_reason=None if reason == "first_supply" else reason,
        training_topics=list(a.get("training_topics") or []),
        consent_given=True,
        leaflet_given=_yes(a, "leaflet_given"),
        handed_to_property=_yes(a, "handed_to_property"),
        returned_on_release=_yes(a, "returned_on_release"),
    )


PROJECTIONS: dict[str, list[tuple[str, Projection]]] = {
    "harm_reduction": [(NaloxoneSupply.record_type, naloxone_supply)],
}


def project(session: WorkstationSession, form: Assessment, by: str) -> list[RecordBase]:
    """The typed records this form produces now: new ones, next revisions, or tombstones.

    An amendment that takes a finding back (say, consent to the supply was in fact refused)
    tombstones the record it had produced instead of leaving it standing.
    """
    out: list[RecordBase] = []
    with session.unit_of_work() as uow:
        for record_type, projection in PROJECTIONS.get(form.form_id, []):
            stored = uow.records.get(derived_id(form.id, record_type))
            derived = projection(form)
            if derived is None:
                if stored is not None and stored.is_live:
                    reason = "the form it came from was amended and no longer records it"
                    out.append(
                        stored.model_copy(update={"tombstone": Tombstone(at=utc_now(), by=by, reason=reason)})
                    )
                continue
            if stored is not None:
                derived = derived.model_copy(
                    update={"revision": stored.revision, "created_at": stored.created_at}
                )
            out.append(derived)
    return out
