"""Appointment slots over real HTTP: offline double bookings are all kept, and the slot is flagged.

Two workstations book the same slot while offline and push later; the server stores both
appointments and flags the slot for a supervisor, on SQLite and on a real PostgreSQL cluster.
Capacity comes from imported `appointment_slots` reference data (default 1 per slot).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from cars_protocol.records import Appointment, AppointmentStatus, Role
from cars_protocol.sync import Change
from cars_server.reference.importing import import_reference, parse_reference
from cars_server.storage.tables import RecordRow, SlotOverbookingRow
from cars_server.sync.slots import overbooked_slots
from tests.factories import person
from tests.server.helpers import (
    SITE,
    SUPERVISOR,
    WORKER,
    RunningServer,
    Station,
    api_headers,
    enrol,
    push_body,
    running_server,
    sign_in,
)

#: Tuesday 1 December 2026, 10:00 UK time (GMT in winter, so 10:00 UTC).
SLOT = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningServer]:
    url = None if request.param == "sqlite" else request.getfixturevalue("postgresql_db_url")
    with running_server(tmp_path, database_url=url) as running:
        yield running


class Pc:
    """An enrolled workstation with a signed-in worker."""

    def __init__(self, server: RunningServer, label: str, username: str = WORKER) -> None:
        self.server = server
        self.station: Station = enrol(server, server.enrolment_code(), label)
        self.token = sign_in(server, self.station, username)

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(
            f"{self.server.base_url}{path}",
            json=body,
            headers=api_headers(self.station, self.token),
            timeout=30,
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def get(self, path: str) -> httpx.Response:
        return httpx.get(
            f"{self.server.base_url}{path}", headers=api_headers(self.station, self.token), timeout=30
        )


def booking(person_id: uuid.UUID, starts_at: datetime = SLOT) -> Appointment:
    return Appointment(
        site_code=SITE,
        author=WORKER,
        person_id=person_id,
        starts_at=starts_at,
        location_site_code=SITE,
        booked_by=WORKER,
        booked_by_role=Role.WORKER,
        out_of_hours=True,
    )


def book_offline(pc: Pc) -> tuple[Appointment, str]:
    """A person and an appointment made offline at `pc`, then pushed; returns it and its change id."""
    someone = person()
    appointment = booking(someone.id)
    body = push_body(someone, appointment)
    pc.post("/v1/push", body)
    return appointment, body["changes"][1]["change_id"]


def test_two_offline_bookings_of_one_slot_are_both_kept_and_the_slot_is_flagged(
    server: RunningServer,
) -> None:
    custody = Pc(server, "Custody PC 1")
    other = Pc(server, "Custody PC 2")
    first, _ = book_offline(custody)
    second, _ = book_offline(other)

    with server.engine.connect() as connection:
        stored = connection.execute(
            select(func.count()).select_from(RecordRow).where(RecordRow.record_type == "appointment")
        ).scalar_one()
    assert stored == 2
    supervisor = Pc(server, "Office PC", SUPERVISOR)
    seen = supervisor.get("/v1/slots/overbooked")
    assert seen.status_code == 200, seen.text
    assert seen.json() == [
        {
            "site_code": SITE,
            "starts_at": "2026-12-01T10:00:00Z",
            "capacity": 1,
            "appointment_ids": [str(first.id), str(second.id)],
            "raised_at": seen.json()[0]["raised_at"],
        }
    ]
    assert custody.get("/v1/slots/overbooked").status_code == 403


def test_cancelling_one_booking_clears_the_flag_and_another_booking_raises_it_again(
    server: RunningServer,
) -> None:
    custody = Pc(server, "Custody PC 1")
    first, _ = book_offline(custody)
    second, second_change = book_offline(Pc(server, "Custody PC 2"))
    assert len(overbooked_slots(server.engine, frozenset({SITE}))) == 1

    cancelled = second.model_copy(update={"status": AppointmentStatus.CANCELLED, "revision": 2})
    change = Change(
        change_id=uuid.uuid4(),
        record_type="appointment",
        record_id=second.id,
        revision=2,
        base_revision=1,
        base_change_id=uuid.UUID(second_change),
        record=cancelled.model_dump(mode="json"),
    )
    custody.post("/v1/push", {"changes": [change.model_dump(mode="json")]})

    assert overbooked_slots(server.engine, frozenset({SITE})) == []
    with server.engine.connect() as connection:
        resolved = connection.scalars(select(SlotOverbookingRow.resolved_at)).one()
    assert resolved is not None

    third, _ = book_offline(custody)
    again = overbooked_slots(server.engine, None)
    assert [slot.appointment_ids for slot in again] == [[first.id, third.id]]


def test_capacity_comes_from_the_appointment_slots_in_effect(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        slots = {
            "list": "appointment_slots",
            "version": 1,
            "items": [
                {
                    "code": "OLDBURY-TUE-1000",
                    "name": "Tuesday morning clinic",
                    "site_code": SITE,
                    "start": "10:00",
                    "weekdays": ["tue"],
                    "capacity": 2,
                    "effective_from": "2026-01-01",
                }
            ],
        }
        parsed = parse_reference(json.dumps(slots))
        import_reference(server.engine, parsed, date(2026, 1, 1), "test-setup", NOW)
        pcs = [Pc(server, f"Custody PC {n}") for n in (1, 2, 3)]

        book_offline(pcs[0])
        book_offline(pcs[1])
        assert overbooked_slots(server.engine, None) == []
        book_offline(pcs[2])
        flagged = overbooked_slots(server.engine, None)
        assert [(slot.capacity, len(slot.appointment_ids)) for slot in flagged] == [(2, 3)]
