"""Signing off a day over a real store: a synced record, made once, audited; refused when it cannot be.

The travel between workstations is in tests/sync/test_day_sign_off_sync.py.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from cars_desktop.domain.errors import InvalidInput, NotPermitted
from cars_desktop.services.booking_slots import UK
from cars_desktop.services.day_review import day_assessments, sign_off_day, sign_off_id
from cars_desktop.services.workstation import WorkstationSession
from cars_protocol.records import DaySignOff, utc_now
from tests.conftest import CUSTODY, CUSTODY_PASSWORD, SITE, Workstation


def _outbox_types(session: WorkstationSession) -> list[str]:
    with session.unit_of_work() as uow:
        return [
            row[0]
            for row in uow.session.connection().exec_driver_sql(
                "SELECT r.record_type FROM outbox o JOIN records r ON r.id = o.record_id"
            )
        ]


def test_a_sign_off_is_a_record_queued_for_sync_made_once(session: WorkstationSession) -> None:
    today = utc_now().astimezone(UK).date()
    made, _walsall = sign_off_day(session, today, [SITE, "WALSALL"])
    assert made.by_name == "Sam Worker" and made.label.startswith("Signed off by Sam Worker at ")
    with session.unit_of_work() as uow:
        held = uow.records.get(sign_off_id(today, SITE, session.user.username, session.actor.workstation_id))
    assert isinstance(held, DaySignOff)
    assert (held.day, held.signed_off_site, held.site_code, held.author) == (today, SITE, SITE, "sam.worker")
    assert _outbox_types(session).count("day_sign_off") == 2
    again = sign_off_day(session, today, [SITE, "WALSALL"])
    assert len(again) == 2 and _outbox_types(session).count("day_sign_off") == 2  # nothing new
    review = day_assessments(session, today, [SITE])
    assert (
        review.signed_off and review.signed_off_by("sam.worker") and not review.signed_off_by("someone.else")
    )


def test_a_day_not_begun_cannot_be_signed_off(session: WorkstationSession) -> None:
    tomorrow = utc_now().astimezone(UK).date() + timedelta(days=1)
    with pytest.raises(InvalidInput, match="only once it has begun"):
        sign_off_day(session, tomorrow, [SITE])


def test_custody_staff_cannot_sign_off(workstation: Workstation) -> None:
    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    try:
        with pytest.raises(NotPermitted):
            sign_off_day(custody, utc_now().astimezone(UK).date(), [SITE])
    finally:
        custody.lock()


def test_a_sign_off_kept_by_an_earlier_build_is_still_shown(session: WorkstationSession) -> None:
    day = utc_now().astimezone(UK).date() - timedelta(days=3)
    with session.unit_of_work() as uow:
        fact = {"by": "old.supervisor", "at": (utc_now() - timedelta(days=2)).isoformat()}
        uow.meta.set(f"day_signed_off:{day.isoformat()}:{SITE}", json.dumps(fact))
        uow.commit()
    [shown] = day_assessments(session, day, [SITE]).sign_offs
    assert shown.by == "old.supervisor" and shown.label.startswith("Signed off by old.supervisor at ")
