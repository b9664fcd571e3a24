"""The sync status bar's words (Qt-free `describe`) and the widget that shows them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtGui import QAction
from pytestqt.qtbot import QtBot

from cars_desktop import __version__
from cars_desktop.sync.cycle import SyncStatus
from cars_desktop.ui.sync_controller import SyncMode, SyncSnapshot
from cars_desktop.ui.sync_status_bar import SyncStatusBar, age_text, describe, retry_text, time_text

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2025, 7, 14, 13, 30, tzinfo=UTC)  # 14:30 in British Summer Time


def _status(
    pending: int = 0,
    oldest_minutes: float | None = None,
    last_good: datetime | None = None,
    conflicts: int = 0,
) -> SyncStatus:
    oldest = NOW - timedelta(minutes=oldest_minutes) if oldest_minutes is not None else None
    return SyncStatus(pending, oldest, last_good, last_good, None, conflicts)


def test_ages_read_as_people_say_them() -> None:
    assert age_text(12) == "under 1 min"
    assert age_text(12 * 60 + 5) == "12 min"
    assert age_text(2 * 3600 + 5 * 60) == "2 h 5 min"
    assert age_text(3 * 3600) == "3 h"
    assert age_text(26 * 3600) == "1 day"
    assert age_text(3 * 86400) == "3 days"


def test_retry_times_round_up() -> None:
    assert retry_text(0.2) == "retrying now"
    assert retry_text(4.1) == "retrying in 5 s"
    assert retry_text(119) == "retrying in 119 s"
    assert retry_text(241) == "retrying in 5 min"


def test_times_are_uk_local_with_the_date_when_not_today() -> None:
    assert time_text(datetime(2025, 7, 14, 9, 5, tzinfo=UTC), NOW, LONDON) == "10:05"
    assert time_text(datetime(2025, 7, 12, 9, 5, tzinfo=UTC), NOW, LONDON) == "12/07/2025 10:05"
    winter = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
    assert time_text(winter, winter, LONDON) == "12:00"


def test_online_with_pending_changes_and_conflicts() -> None:
    status = _status(pending=3, oldest_minutes=7.5, last_good=NOW - timedelta(minutes=2), conflicts=2)
    texts = describe(SyncSnapshot(SyncMode.ONLINE, status), NOW, LONDON)
    assert texts.state == "Online"
    assert texts.pending == "Pending: 3 (oldest 7 min)"
    assert texts.last_sync == "Last sync: 14:28"
    assert texts.conflicts == "Conflicts waiting: 2"
    assert not texts.problem and texts.counts_shown


def test_nothing_pending_never_synced() -> None:
    texts = describe(SyncSnapshot(SyncMode.WAITING, _status()), NOW, LONDON)
    assert (texts.state, texts.pending, texts.last_sync, texts.conflicts) == (
        "Connecting…",
        "Pending: 0",
        "Last sync: never",
        "No conflicts",
    )


def test_offline_says_when_it_retries_and_why_in_the_detail() -> None:
    snapshot = SyncSnapshot(
        SyncMode.OFFLINE, _status(1, 0.5), retry_in_s=9.2, message="The central server could not be reached"
    )
    texts = describe(snapshot, NOW, LONDON)
    assert texts.state == "Offline, retrying in 10 s"
    assert texts.pending == "Pending: 1 (oldest under 1 min)"
    assert texts.problem
    assert texts.detail == "Offline, retrying in 10 s. The central server could not be reached"


def test_a_held_sync_shows_the_servers_message() -> None:
    message = "The central server refused: version 0.1.0 is too old; install the newer CARS Desktop"
    texts = describe(SyncSnapshot(SyncMode.HELD, message=message), NOW, LONDON)
    assert texts.state == f"Sync stopped: {message}"
    assert texts.problem


def test_standalone_shows_no_counts() -> None:
    texts = describe(SyncSnapshot(SyncMode.STANDALONE), NOW, LONDON)
    assert texts.state == "Standalone, not syncing"
    assert not texts.counts_shown and not texts.problem


def test_the_widget_shows_a_snapshot_and_offers_sync_now(qtbot: QtBot) -> None:
    action = QAction("S&ync now")
    pressed: list[bool] = []
    action.triggered.connect(lambda: pressed.append(True))
    bar = SyncStatusBar(action, wall_clock=lambda: NOW, zone=LONDON)
    qtbot.addWidget(bar)
    bar.show()
    bar.show_snapshot(SyncSnapshot(SyncMode.ONLINE, _status(last_good=NOW)))
    assert bar.text() == "Online | Pending: 0 | Last sync: 14:30 | No conflicts"
    assert bar.pending.isVisible() and bar.state.styleSheet() == ""
    bar.show_snapshot(SyncSnapshot(SyncMode.OFFLINE, _status(2, 90), retry_in_s=40, message="No answer"))
    assert bar.state.text() == "Offline, retrying in 40 s"
    assert bar.pending.text() == "Pending: 2 (oldest 1 h 30 min)"
    assert bar.state.toolTip().endswith("No answer")
    assert "bold" in bar.state.styleSheet()
    bar.show_snapshot(SyncSnapshot(SyncMode.STANDALONE))
    assert bar.text() == "Standalone, not syncing"
    assert not bar.pending.isVisible() and not bar.conflicts.isVisible()
    bar.sync_button.click()
    assert pressed == [True]


def test_an_audit_alert_from_the_server_stays_on_screen_as_a_problem() -> None:
    alert = "audit log broken at entry 12: its content has been altered"
    status = SyncStatus(0, None, NOW, NOW, None, 0, audit_alert=alert)
    texts = describe(SyncSnapshot(SyncMode.ONLINE, status), NOW, LONDON)
    assert texts.state == "Online | Audit log alert"
    assert alert in texts.detail and "tell your supervisor" in texts.detail
    assert texts.problem


def test_the_detail_names_this_version_and_the_oldest_the_server_accepts() -> None:
    status = SyncStatus(0, None, NOW, NOW, None, 0, server_minimum_version="0.1.0")
    texts = describe(SyncSnapshot(SyncMode.ONLINE, status), NOW, LONDON)
    assert f"This is CARS Desktop {__version__}; the central server accepts 0.1.0 or later" in texts.detail
