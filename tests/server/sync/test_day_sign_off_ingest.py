"""Day sign-offs at the server (SQLite and PostgreSQL): two supervisors' sign-offs of one day and
site are two records, both applied; a sign-off never merges; one for another workstation's site is
refused. Each supervisor's sign-off has its own id (see `services.day_review.sign_off_id`).
"""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import Engine, select

from cars_protocol.records import DaySignOff, Role
from cars_protocol.sync import ErrorCode, ReceiptStatus
from cars_server.storage.tables import RecordRow
from cars_server.sync.caller import Caller
from cars_server.sync.errors import ChangesRefused
from cars_server.sync.merge import three_way_merge
from tests.factories import SITE
from tests.server.sync.conftest import OTHER_SITE, add_workstation, change_of, edit
from tests.server.sync.test_ingest import push

DAY = date(2026, 11, 25)


def _sign_off(author: str, name: str, site: str = SITE, signed: str = SITE) -> DaySignOff:
    return DaySignOff(
        id=uuid.uuid5(uuid.NAMESPACE_URL, f"{DAY}:{signed}:{author}"),
        site_code=site,
        author=author,
        day=DAY,
        signed_off_site=signed,
        signed_off_by_name=name,
        assessments=4,
    )


def _supervisor(engine: Engine, username: str, site: str = SITE) -> Caller:
    roles = frozenset({Role.SUPERVISOR.value, Role.WORKER.value})
    return add_workstation(engine, site=site, label=f"PC of {username}", username=username, roles=roles)


def test_two_supervisors_sign_off_the_same_day_without_a_conflict(engine: Engine) -> None:
    ria, noor = _supervisor(engine, "ria.supervisor"), _supervisor(engine, "noor.supervisor")
    assert push(engine, ria, change_of(_sign_off("ria.supervisor", "Ria Supervisor"))) == [
        ReceiptStatus.APPLIED
    ]
    assert push(engine, noor, change_of(_sign_off("noor.supervisor", "Noor Supervisor"))) == [
        ReceiptStatus.APPLIED
    ]
    with engine.connect() as connection:
        bodies = connection.scalars(select(RecordRow.body).where(RecordRow.record_type == "day_sign_off"))
        held = sorted(DaySignOff.model_validate_json(b).author for b in bodies)
    assert held == ["noor.supervisor", "ria.supervisor"]


def test_a_sign_off_never_merges(engine: Engine) -> None:
    ria = _supervisor(engine, "ria.supervisor")
    original = _sign_off("ria.supervisor", "Ria Supervisor")
    created = change_of(original)
    push(engine, ria, created)
    push(engine, ria, change_of(edit(original, assessments=5), base_change_id=created.change_id))
    rival = change_of(edit(original, signed_off_by_name="R. Supervisor"), base_change_id=created.change_id)
    assert push(engine, ria, rival) == [ReceiptStatus.CONFLICT]
    base = original.model_dump(mode="json")
    ours, theirs = dict(base, assessments=5), dict(base, signed_off_by_name="R. Supervisor")
    assert three_way_merge("day_sign_off", base, ours, theirs) is None


def test_a_sign_off_belongs_to_the_workstation_site(engine: Engine) -> None:
    court = _supervisor(engine, "ria.supervisor", site=OTHER_SITE)
    # Signed at the court for the custody block: fine. Claiming to be the custody block's: refused.
    signed_at_court = _sign_off("ria.supervisor", "Ria Supervisor", site=OTHER_SITE, signed=SITE)
    assert push(engine, court, change_of(signed_at_court)) == [ReceiptStatus.APPLIED]
    with pytest.raises(ChangesRefused) as refused:
        push(engine, court, change_of(_sign_off("ria.supervisor", "Ria Supervisor", signed=OTHER_SITE)))
    assert refused.value.code is ErrorCode.WRONG_SITE
