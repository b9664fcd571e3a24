"""Reference data in use and site settings, as the administrator's page reads them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from cars_desktop.domain.errors import InvalidInput, NotPermitted
from cars_desktop.resources import shipped_reference_list
from cars_desktop.services.reference_view import (
    list_label,
    reference_items,
    reference_lists,
    site_settings,
)
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.reference_repository import ReferenceRepository, StoredReference
from tests.conftest import ADMIN, ADMIN_PASSWORD, SITE, Workstation

TODAY = date(2026, 3, 1)


@pytest.fixture
def admin(workstation: Workstation) -> Iterator[WorkstationSession]:
    unlocked = workstation.unlock(ADMIN, ADMIN_PASSWORD)
    yield unlocked
    unlocked.lock()


def _receive(session: WorkstationSession, kind: str, version: int, starts: date, codes: list[str]) -> None:
    items = [
        {"code": c, "name": f"Item {c}", "effective_from": "2020-01-01", "phone": "0121 496 0999"}
        for c in codes
    ]
    body = json.dumps({"list": kind, "version": version, "items": items})
    with session.unit_of_work() as uow:
        ReferenceRepository(uow.session).add(
            StoredReference(kind, version, starts, version, body), datetime(2026, 1, 1, tzinfo=UTC)
        )
        uow.commit()


def test_shipped_lists_are_listed_with_their_counts(admin: WorkstationSession) -> None:
    lists = {s.name: s for s in reference_lists(admin, TODAY)}
    assert "scoring" not in lists  # not a reference list
    sites = lists["sites"]
    shipped = shipped_reference_list("sites")
    assert (sites.source, sites.version, sites.effective_from) == ("shipped", shipped.version, None)
    assert sites.items_total == len(shipped.items) and sites.label == "Sites"
    assert sites.source_label == "Shipped with the program"
    labels = [s.label for s in lists.values()]
    assert labels == sorted(labels)


def test_a_received_version_is_in_effect_from_its_date_and_a_later_one_waits(
    admin: WorkstationSession,
) -> None:
    _receive(admin, "providers", 3, date(2026, 2, 1), ["A", "B"])
    _receive(admin, "providers", 4, date(2026, 4, 1), ["A", "B", "C"])
    providers = next(s for s in reference_lists(admin, TODAY) if s.name == "providers")
    assert (providers.source, providers.version, providers.effective_from) == (
        "received",
        3,
        date(2026, 2, 1),
    )
    assert providers.items_total == 2 and providers.items_in_effect == 2
    assert (providers.waiting_versions, providers.next_effective_from) == (1, date(2026, 4, 1))
    items = reference_items(admin, "providers", TODAY)
    assert [i.code for i in items] == ["A", "B"] and items[0].details == "phone: 0121 496 0999"
    later = reference_items(admin, "providers", date(2026, 5, 1))
    assert [i.code for i in later] == ["A", "B", "C"]
    # before the first received version starts, the shipped list is in use
    early = next(s for s in reference_lists(admin, date(2026, 1, 1)) if s.name == "providers")
    assert early.source == "shipped" and early.waiting_versions == 2


def test_items_of_a_shipped_list_and_unknown_list(admin: WorkstationSession) -> None:
    items = reference_items(admin, "sites", TODAY)
    assert any(i.code == SITE for i in items)
    with pytest.raises(InvalidInput, match="no reference list"):
        reference_items(admin, "no_such_list", TODAY)
    assert list_label("naloxone_products") == "Naloxone products"


def test_site_settings_show_the_letterhead(admin: WorkstationSession) -> None:
    settings = site_settings(admin, TODAY)
    assert settings.site_code == SITE and settings.workstation_id
    assert settings.letterhead is not None and settings.problem == ""
    assert settings.letterhead.phone and settings.letterhead.address


def test_only_administrators(session: WorkstationSession) -> None:
    with pytest.raises(NotPermitted):
        reference_lists(session, TODAY)
    with pytest.raises(NotPermitted):
        site_settings(session, TODAY)
