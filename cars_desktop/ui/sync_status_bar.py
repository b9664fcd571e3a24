"""The sync part of the main window's status bar: connection, pending changes, last sync, conflicts.

It only draws a `SyncSnapshot` (from `SyncController.sig_state`); `describe` turns a snapshot into
words without Qt, so the wording is tested on its own. Everything shown is counts, times and the
server's own one-line messages: never a record or a person. Times are shown in UK local time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleEvent, QAction
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from cars_desktop import __version__
from cars_desktop.ui.sync_controller import SyncMode, SyncSnapshot
from cars_desktop.ui.widgets.typed_dates import uk_zone
from cars_protocol.records import utc_now

PROBLEM_MODES = frozenset({SyncMode.OFFLINE, SyncMode.FAILED, SyncMode.HELD})
PROBLEM_STYLE = "color: #a4000f; font-weight: bold;"


@dataclass(frozen=True)
class SyncTexts:
    """The words of the status bar for one snapshot."""

    state: str
    pending: str
    last_sync: str
    conflicts: str
    detail: str  # the full message, for the tooltip and screen readers
    problem: bool  # draw the state as a warning (the words say it too)
    counts_shown: bool  # a standalone workstation has nothing to count


def age_text(seconds: float) -> str:
    """A waiting time as people say it: "under 1 min", "12 min", "2 h 5 min", "3 days"."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return "under 1 min"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days = hours // 24
    return f"{days} day" + ("" if days == 1 else "s")


def retry_text(seconds: float) -> str:
    """When the next try is: "retrying now", "retrying in 12 s", "retrying in 4 min"."""
    if seconds < 1:
        return "retrying now"
    if seconds < 120:
        return f"retrying in {math.ceil(seconds)} s"
    return f"retrying in {math.ceil(seconds / 60)} min"


def time_text(at: datetime, now: datetime, zone: tzinfo) -> str:
    """A past moment in UK local time: "14:32" today, else "24/03/2025 14:32"."""
    local = at.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return local.strftime("%H:%M")
    return local.strftime("%d/%m/%Y %H:%M")


def _state_text(snapshot: SyncSnapshot) -> str:
    mode = snapshot.mode
    retry = retry_text(snapshot.retry_in_s or 0.0)
    return {
        SyncMode.STANDALONE: "Standalone, not syncing",
        SyncMode.DISABLED: "Enrolled, but sync is switched off in this program",
        SyncMode.WAITING: "Connecting…",
        SyncMode.SYNCING: "Syncing…",
        SyncMode.ONLINE: "Online",
        SyncMode.OFFLINE: f"Offline, {retry}",
        SyncMode.FAILED: f"Sync failed, {retry}",
        SyncMode.HELD: f"Sync stopped: {snapshot.message or ''}".strip(),
        SyncMode.STOPPED: "Sync stopped: workstation locked",
    }[mode]


AUDIT_ALERT_LABEL = "Audit log alert"
AUDIT_ALERT_ADVICE = "tell your supervisor and do not reinstall or copy this workstation's data"


def describe(snapshot: SyncSnapshot, now: datetime, zone: tzinfo) -> SyncTexts:
    """The status bar's words for `snapshot` at `now` (UTC), times shown in `zone`."""
    status = snapshot.status
    counts_shown = snapshot.mode not in (SyncMode.STANDALONE, SyncMode.DISABLED)
    if status is None:
        pending = "Pending: …"
        last_sync = "Last sync: …"
        conflicts = "Conflicts: …"
    else:
        pending = f"Pending: {status.pending_count}"
        age = status.oldest_pending_age(now)
        if status.pending_count and age is not None:
            pending += f" (oldest {age_text(age.total_seconds())})"
        last = status.last_good_sync_at
        last_sync = "Last sync: " + (time_text(last, now, zone) if last is not None else "never")
        waiting = status.conflicted_records
        conflicts = f"Conflicts waiting: {waiting}" if waiting else "No conflicts"
    state = _state_text(snapshot)
    detail = state
    if snapshot.message and snapshot.mode in (SyncMode.OFFLINE, SyncMode.FAILED):
        detail = f"{state}. {snapshot.message}"
    if status is not None and status.server_minimum_version is not None:
        detail = f"{detail}. This is CARS Desktop {__version__}; the central server accepts " + (
            f"{status.server_minimum_version} or later"
        )
    alert = status.audit_alert if status is not None else None
    if alert:
        # A break in the signed audit log is a security event: it stays on screen, not only in a tooltip.
        state = f"{state} | {AUDIT_ALERT_LABEL}"
        found = f"The central server found a break in this workstation's audit log ({alert})"
        detail = f"{detail}. {found}; {AUDIT_ALERT_ADVICE}"
    return SyncTexts(
        state=state,
        pending=pending,
        last_sync=last_sync,
        conflicts=conflicts,
        detail=detail,
        problem=snapshot.mode in PROBLEM_MODES or bool(alert),
        counts_shown=counts_shown,
    )


def _separator() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.VLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


class SyncStatusBar(QWidget):
    """Connection state, pending count and age, last good sync, conflicts, and a Sync now button."""

    def __init__(
        self,
        sync_action: QAction,
        parent: QWidget | None = None,
        *,
        wall_clock: Callable[[], datetime] = utc_now,
        zone: tzinfo | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName("Sync status")
        self._wall_clock = wall_clock
        self._zone = zone or uk_zone()
        self._last_mode: SyncMode | None = None
        self.state = self._label("Connection")
        self.pending = self._label("Changes waiting to be sent")
        self.last_sync = self._label("Last good sync")
        self.conflicts = self._label("Conflicts waiting for a supervisor")
        self.sync_button = QToolButton()
        self.sync_button.setDefaultAction(sync_action)
        self.sync_button.setAccessibleName("Sync now")
        self.sync_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self._separators = [_separator() for _ in range(3)]

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.state, 1)
        for separator, label in zip(
            self._separators, (self.pending, self.last_sync, self.conflicts), strict=True
        ):
            row.addWidget(separator)
            row.addWidget(label)
        row.addWidget(self.sync_button)
        self.texts: SyncTexts | None = None

    @staticmethod
    def _label(accessible_name: str) -> QLabel:
        label = QLabel()
        label.setTextFormat(Qt.TextFormat.PlainText)  # server messages are text, never markup
        label.setAccessibleName(accessible_name)
        return label

    def show_snapshot(self, snapshot: SyncSnapshot) -> None:
        """Draw `snapshot`; a new problem is announced to screen readers."""
        texts = describe(snapshot, self._wall_clock(), self._zone)
        self.texts = texts
        self.state.setText(texts.state)
        self.state.setToolTip(texts.detail)
        self.state.setAccessibleDescription(texts.detail)
        self.state.setStyleSheet(PROBLEM_STYLE if texts.problem else "")
        for label, text in (
            (self.pending, texts.pending),
            (self.last_sync, texts.last_sync),
            (self.conflicts, texts.conflicts),
        ):
            label.setText(text)
            label.setAccessibleDescription(text)
            label.setVisible(texts.counts_shown)
        for separator in self._separators:
            separator.setVisible(texts.counts_shown)
        if texts.problem and snapshot.mode is not self._last_mode and QAccessible.isActive():
            QAccessible.updateAccessibility(QAccessibleEvent(self.state, QAccessible.Event.Alert))
        self._last_mode = snapshot.mode

    def text(self) -> str:
        """Everything the bar says, in one line (for tests and the log of a screenshot)."""
        if self.texts is None:
            return ""
        parts = [self.texts.state]
        if self.texts.counts_shown:
            parts += [self.texts.pending, self.texts.last_sync, self.texts.conflicts]
        return " | ".join(parts)
