"""The person page's two lists, declared as columns: the timeline (newest first) and the episodes.

Both are `ColumnTableModel`s over the service's frozen DTOs (`services/person_record.py`); the
timeline's "When" sorts by the moment itself, not its text. Times are shown in UK local time.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from cars_desktop.services.person_record import (
    ENTRY_KIND_LABELS,
    EpisodeSummary,
    TimelineEntry,
    reference_name,
    words,
)
from cars_desktop.ui.table_model import Column, ColumnTableModel
from cars_desktop.ui.widgets.typed_dates import uk_datetime

TIMELINE_COLUMNS: tuple[Column[TimelineEntry], ...] = (
    Column("When", lambda e: uk_datetime(e.at), sort_key=lambda e: e.at),
    Column("Type", lambda e: ENTRY_KIND_LABELS[e.kind]),
    Column("What", lambda e: e.title, tooltip=lambda e: f"{e.title}. {e.detail}" if e.detail else e.title),
    Column("Status", lambda e: e.status),
    Column("By", lambda e: e.author),
    Column("Details", lambda e: e.detail.splitlines()[-1] if e.detail else ""),
)

EPISODE_COLUMNS: tuple[Column[EpisodeSummary], ...] = (
    Column("Arrived", lambda e: uk_datetime(e.arrived_at), sort_key=lambda e: e.arrived_at),
    Column("Custody record", lambda e: e.custody_record_number),
    Column("Block", lambda e: reference_name("sites", e.site_code)),
    Column(
        "Released",
        lambda e: (
            (uk_datetime(e.released_at) if e.released_at else "Still in custody")
            + (f" ({words(e.release_type).lower()})" if e.release_type else "")
        ),
        sort_key=lambda e: e.released_at,
    ),
    Column(
        "Offences",
        lambda e: "; ".join(e.offences) + (" (trigger offence)" if e.trigger_offence else ""),
    ),
)


class TimelineModel(ColumnTableModel[TimelineEntry]):
    """Every form, action, referral, supply, appointment and document printed, newest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(TIMELINE_COLUMNS, parent)


class EpisodesModel(ColumnTableModel[EpisodeSummary]):
    """The person's detentions, latest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(EPISODE_COLUMNS, parent)
