"""Reference data edited centrally reaches the workstation by sync and is used from its date.

A new provider list and a new form version are imported on a real server (the same functions
`cars-server admin reference import` runs), a workstation enrolled with it syncs over real HTTP
on loopback, and the list is then in use from its effective date and not before, across a lock and
an offline unlock; the form version joins the workstation's form catalogue.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from cars_desktop.config import Settings
from cars_desktop.domain.errors import InvalidInput
from cars_desktop.resources import reference_list, resource_path, shipped_reference_list
from cars_desktop.services.enrolment import enrol
from cars_desktop.services.form_catalogue import workstation_catalogue
from cars_desktop.services.sync import sync_now
from cars_desktop.services.workstation import WorkstationSession, unlock
from cars_desktop.sync.reference import FACT_REFERENCE_CURSOR, effective_reference
from cars_server.clock import utc_now
from cars_server.reference.importing import import_reference, read_reference_file
from tests.server.helpers import PASSWORDS, WORKER, RunningServer

NEW_PROVIDER = "HOLLYBUSH-SANDWELL"


def _import(server: RunningServer, tmp_path: Path, name: str, body: dict[str, object], starts: date) -> None:
    """Write a reference file and import it on the server, as an operator would."""
    path = tmp_path / name
    path.write_text(json.dumps(body, indent=2), encoding="utf-8")
    import_reference(server.engine, read_reference_file(path), starts, "ops.admin", utc_now())


def _providers_with_a_new_one() -> dict[str, object]:
    shipped = json.loads(resource_path("reference", "providers.json").read_text(encoding="utf-8"))
    shipped["version"] = shipped["version"] + 1
    shipped["items"].append(
        {
            "code": NEW_PROVIDER,
            "name": "Hollybush Recovery Sandwell",
            "local_authorities": ["SANDWELL"],
            "accepts": "both",
            "referral_route": "secure_email",
            "effective_from": "2020-01-01",
            "effective_to": None,
        }
    )
    return dict(shipped)


def _codes(on: date) -> set[str]:
    return {item.code for item in reference_list("providers").current(on)}


def _unlock(settings: Settings, folder: Path, http: httpx.Client | None) -> WorkstationSession:
    return unlock(settings, folder, WORKER, PASSWORDS[WORKER], http=http)


def test_a_provider_list_imported_centrally_is_used_from_its_effective_date(
    server: RunningServer, settings: Settings, http: httpx.Client, tmp_path: Path
) -> None:
    today = date.today()
    starts = today + timedelta(days=10)
    _import(server, tmp_path, "providers-v2.json", _providers_with_a_new_one(), starts)
    folder = tmp_path / "custody"
    enrol(settings, folder, server.base_url, server.enrolment_code(), "custody", http)
    session = _unlock(settings, folder, http)
    try:
        report = sync_now(session, http)
        assert report.reference_received == 1
        with session.unit_of_work() as uow:
            before = effective_reference(uow, "providers", today)
            after = effective_reference(uow, "providers", starts)
            assert int(uow.sync.fact(FACT_REFERENCE_CURSOR) or 0) >= 1
        assert before == shipped_reference_list("providers")  # the shipped list until then
        assert NEW_PROVIDER in {i.code for i in after.current(starts)}
        # What forms and pickers read follows the same dates.
        assert NEW_PROVIDER not in _codes(today) and NEW_PROVIDER in _codes(starts)
        assert reference_list("providers").get(NEW_PROVIDER, starts).name == "Hollybush Recovery Sandwell"
        with pytest.raises(InvalidInput, match="not a known providers code"):
            reference_list("providers").get(NEW_PROVIDER, today)
        assert sync_now(session, http).reference_received == 0  # nothing new, nothing again
    finally:
        session.lock()
    assert NEW_PROVIDER not in _codes(starts)  # locked: only the shipped lists remain
    offline = Settings(kdf=settings.kdf, server_url="http://127.0.0.1:9")
    again = unlock(offline, folder, WORKER, PASSWORDS[WORKER])  # kept in the store, used offline
    try:
        assert NEW_PROVIDER in _codes(starts) and NEW_PROVIDER not in _codes(today)
    finally:
        again.lock()


def test_a_later_version_replaces_an_earlier_one_from_its_own_date_and_forms_join_the_catalogue(
    server: RunningServer, settings: Settings, http: httpx.Client, tmp_path: Path
) -> None:
    today = date.today()
    folder = tmp_path / "court"
    enrol(settings, folder, server.base_url, server.enrolment_code(), "court", http)
    _import(server, tmp_path, "providers-v2.json", _providers_with_a_new_one(), today - timedelta(days=1))
    withdrawn = _providers_with_a_new_one()
    withdrawn["items"] = [i for i in withdrawn["items"] if i["code"] != NEW_PROVIDER]  # type: ignore[attr-defined]
    withdrawn["note"] = "Hollybush contract ended"
    withdrawn["version"] = 3
    _import(server, tmp_path, "providers-v3.json", withdrawn, today + timedelta(days=30))
    form = json.loads(resource_path("forms", "case_closure", "v1.json").read_text(encoding="utf-8"))
    form["version"] = 2
    form["title"] = "Case closure (2027)"
    _import(server, tmp_path, "case_closure-v2.json", form, today)
    session = _unlock(settings, folder, http)
    try:
        assert sync_now(session, http).reference_received == 3
        assert NEW_PROVIDER in _codes(today)  # version 2 is in effect now
        assert NEW_PROVIDER not in _codes(today + timedelta(days=30))  # version 3 from its date
        with session.unit_of_work() as uow:
            assert effective_reference(uow, "providers", today).version == 2
            assert effective_reference(uow, "providers", today + timedelta(days=31)).version == 3
        assert workstation_catalogue(session).get("case_closure", 2).title == "Case closure (2027)"
    finally:
        session.lock()
