"""What a page is, and what it is given: the contract between the main window and each page.

A page module exposes `PAGE: PageSpec`. The main window shows the pages the signed-in user's roles
allow (`permission`), in `order`, builds each one lazily with a `PageContext`, and offers its
`shortcut`. Pages never reach for globals: everything they use comes through the context, and they
move the user elsewhere only through the `Navigator` (open a person, a form, a print preview), so
each page can be tested alone with a navigator that records what was asked.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from PySide6.QtWidgets import QWidget

from cars_desktop.domain.access import Permission
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.change_bus import ChangeBus
from cars_desktop.ui.context import AppContext


class Navigator(Protocol):
    """How a page asks the main window to show something else."""

    def show_page(self, page_id: str) -> None:
        """Switch to another page by its id (ignored if the user may not see it)."""

    def open_person(self, person_id: uuid.UUID) -> None:
        """Show one person's record."""

    def open_form(
        self,
        person_id: uuid.UUID,
        form_id: str,
        record_id: uuid.UUID | None = None,
        *,
        read_only: bool = False,
        amend: bool = False,
    ) -> None:
        """Start a new form for a person, continue a draft, or open one read-only / as an amendment."""

    def book_appointment(self, person_id: uuid.UUID) -> None:
        """Show the booking page set to book an appointment for this person."""

    def preview_document(
        self,
        person_id: uuid.UUID,
        kind: str,
        source_id: uuid.UUID | None = None,
        variant: str | None = None,
    ) -> None:
        """Open the print preview of one document (a `DocumentKind` value) for a person."""

    def notify(self, message: str) -> None:
        """Show a short, non-blocking message (no personal data beyond what the page shows)."""


@dataclass(frozen=True)
class PageContext:
    """Everything a page may use: the application context, the session, the change bus, navigation."""

    app: AppContext
    session: WorkstationSession
    bus: ChangeBus
    navigator: Navigator


@dataclass(frozen=True)
class PageSpec:
    """One page of the main window."""

    page_id: str
    title: str
    build: Callable[[PageContext], QWidget]
    permission: Permission | None = None  # None: every signed-in user
    order: int = 100
    shortcut: str | None = None  # e.g. "Ctrl+1"
    help_topic: str | None = None  # a file name under resources/help/, without ".md"
    roles_note: str = field(default="", compare=False)  # who the page is for, for the operator guide
