"""The list of page modules; each exposes `PAGE: PageSpec` (see `page_spec.py`).

Adding a page is one line here. The main window imports them in this order and shows those the
signed-in user's permissions allow.
"""

from __future__ import annotations

import importlib

from cars_desktop.domain.access import allows
from cars_desktop.domain.users import Actor
from cars_desktop.ui.pages.page_spec import PageSpec

PAGE_MODULES: tuple[str, ...] = (
    "cars_desktop.ui.pages.today_page",
    "cars_desktop.ui.pages.find_person_page",
    "cars_desktop.ui.pages.settings_page",
    "cars_desktop.ui.pages.person_page",
    "cars_desktop.ui.pages.release_page",
    "cars_desktop.ui.pages.actions_page",
    "cars_desktop.ui.pages.custody_booking_page",
    "cars_desktop.ui.pages.missed_appointments_page",
    "cars_desktop.ui.pages.day_review_page",
    "cars_desktop.ui.pages.conflicts_page",
    "cars_desktop.ui.pages.reports_page",
    "cars_desktop.ui.pages.users_admin_page",
    "cars_desktop.ui.pages.reference_page",
    "cars_desktop.ui.pages.audit_log_page",
)


def all_pages() -> list[PageSpec]:
    """Every page the program has, in display order."""
    pages = [importlib.import_module(name).PAGE for name in PAGE_MODULES]
    return sorted(pages, key=lambda page: (page.order, page.title))


def pages_for(actor: Actor) -> list[PageSpec]:
    """The pages `actor` may open."""
    return [page for page in all_pages() if page.permission is None or allows(actor, page.permission)]
