"""The main window of an unlocked session: the pages this user's roles allow, and the session's life.

On the left, a list of the pages from the registry (`pages.registry.pages_for`), in order, each also
on Ctrl+1..9 and in the Go menu; on the right, a stack where each page is built the first time it is
opened, with a `PageContext` (pages never reach for globals). A notification area above the page says
when a supervisor returned work to this user or conflicts are waiting; the sync status bar is always
visible at the bottom.

The window owns the idle lock for its session, the session's change bus, the `WindowNavigator` (the
forms and print previews pages open) and, on an enrolled workstation, the background sync. Whichever
way the session ends it emits one signal so the application can show the unlock window again
(`sig_locked`, `sig_switch_user`) or quit (`sig_signed_out`). Locking stops the sync first, lets the
open forms save their drafts (through `session.on_before_lock`), notes which drafts were open
(`resume_tickets`, ids only) and then closes every form, preview and page at once, before the unlock
window is shown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import partial

from PySide6.QtCore import Qt, QTimer, Signal, SignalInstance
from PySide6.QtGui import QAction, QCloseEvent, QFont, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QScrollArea,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from cars_desktop.domain.access import allows
from cars_desktop.domain.changes import Changes
from cars_desktop.domain.errors import InvalidInput
from cars_desktop.services.idle_lock import IdleLock
from cars_desktop.services.local_settings import Preferences, load_local_settings
from cars_desktop.services.notifications import ReturnedWork, returned_work
from cars_desktop.services.workstation import WorkstationSession, session_identity
from cars_desktop.ui.about import show_about
from cars_desktop.ui.change_bus import ChangeBus, concerns
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.form_window import FormTicket
from cars_desktop.ui.help_dialog import GENERAL_TOPIC, open_help
from cars_desktop.ui.idle_watcher import IdleWatcher
from cars_desktop.ui.navigation import NavigationList, PageListModel, page_shortcuts
from cars_desktop.ui.navigator import WindowNavigator
from cars_desktop.ui.notification_bar import NotificationArea
from cars_desktop.ui.ops import run_op
from cars_desktop.ui.pages.page_spec import PageContext, PageSpec
from cars_desktop.ui.pages.registry import pages_for
from cars_desktop.ui.sync_controller import SyncController, SyncMode, SyncSnapshot, is_enrolled
from cars_desktop.ui.sync_status_bar import SyncStatusBar
from cars_desktop.ui.task_runner import log_unexpected
from cars_desktop.ui.workstation_facts import roles_label

log = logging.getLogger(__name__)


def minutes_text(minutes: float) -> str:
    """A duration as words, singular when it should be: "1 minute", "2.5 minutes"."""
    return f"{minutes:g} minute" + ("" if minutes == 1 else "s")


def idle_message(minutes: float) -> str:
    """What the unlock window says after an idle lock."""
    return f"Locked after {minutes_text(minutes)} without use."


MANUAL_LOCK_MESSAGE = "Locked. Type your password to unlock."
SWITCH_USER_MESSAGE = "Locked for a change of user. The next person types their user name and password."
PAGE_FAILED_MESSAGE = (
    "This page could not be opened. Nothing has been lost. If it happens again, tell IT support the "
    "time it happened; the details are in the program's log."
)
TODAY_PAGE_ID = "today"
CONFLICTS_PAGE_ID = "conflicts"


def returned_text(count: int) -> str:
    """The notice for returned work: how many, never whose."""
    forms = "1 form" if count == 1 else f"{count} forms"
    verb = "was" if count == 1 else "were"
    return f"{forms} you completed {verb} returned by a supervisor with comments to act on."


def conflicts_text(count: int) -> str:
    """The notice for conflicts waiting."""
    records = "1 record has" if count == 1 else f"{count} records have"
    return f"{records} conflicting changes from two workstations, waiting for a supervisor to resolve."


def _scrollable(page: QWidget) -> QScrollArea:
    """Put a page in a scroll area, so it still works where it does not fit.

    At 150% scaling a 1366x768 screen is 910x512 logical pixels: a page's minimum size may then
    exceed the space left, and without scroll bars its lower half would be cut off.
    """
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes straight into the page
    area.setAccessibleName(page.accessibleName())
    area.setWidget(page)
    return area


class MainWindow(QMainWindow):
    """The signed-in user's window; it locks its session by hand, when idle, or when closed."""

    sig_locked = Signal(str)
    """The session was locked and the unlock window should return, showing this message."""
    sig_switch_user = Signal(str)
    """The session was locked so someone else can sign in: the unlock window returns, user field empty."""
    sig_signed_out = Signal()
    """The session was locked because the user signed out or closed the window; the program ends."""

    def __init__(
        self,
        context: AppContext,
        session: WorkstationSession,
        parent: QWidget | None = None,
        *,
        pages: Sequence[PageSpec] | None = None,
        resume: Sequence[FormTicket] = (),
        preferences: Preferences | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self.session = session
        self.preferences = preferences or Preferences()
        self.facts = session_identity(session)
        self.resume_tickets: list[FormTicket] = []
        """Drafts open at the last lock (ids only), for the application to reopen after unlock."""
        self.returned = ReturnedWork(frozenset())
        self.setWindowTitle(f"CARS Desktop — {self.facts.site_name}")
        self.setAccessibleName("CARS Desktop main window")

        self.change_bus = ChangeBus(self)
        self.navigator = WindowNavigator(self, context, session, self.change_bus)
        offered = pages_for(session.actor) if pages is None else pages
        self.page_specs = [p for p in offered if p.permission is None or allows(session.actor, p.permission)]
        self.page_widgets: dict[str, QWidget] = {}
        self.current_page_id: str | None = None
        self._page_areas: dict[str, QScrollArea] = {}

        self._build_actions()
        self._build_menus()
        self.setCentralWidget(self._build_body())
        self.sync_bar = SyncStatusBar(self.sync_now_action, self)
        self.statusBar().addPermanentWidget(self.sync_bar, 1)
        self.sync = self._build_sync()
        self.change_bus.sig_changed.connect(self._on_changed)

        self.idle_watcher = IdleWatcher(IdleLock(session, context.clock), context.idle_check_ms, parent=self)
        self.idle_watcher.sig_due.connect(self._lock_idle)
        self.idle_watcher.start()
        if self.sync is not None:
            self.sync.start()
        # The first page is built on a later turn of the event loop, once the caller has shown the
        # window: built here (130+ ms for Today) it would hold the frame, menus and status bar back,
        # and the GUI thread would be blocked for the whole window in one go. The window is the
        # timer's context, so a window closed first never builds it.
        QTimer.singleShot(0, self, self._show_first_page)
        self.check_returned_work()
        self.navigator.reopen(list(resume))

    # ----- building -----------------------------------------------------------------------------

    def _action(
        self, text: str, shortcut: str | QKeySequence, tip: str, slot: Callable[[], object]
    ) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _build_actions(self) -> None:
        self.lock_action = self._action("&Lock", "Ctrl+L", "Lock the workstation now (Ctrl+L)", self.lock_now)
        self.switch_user_action = self._action(
            "S&witch user",
            "Ctrl+Shift+L",
            "Lock and let someone else sign in (Ctrl+Shift+L)",
            self.switch_user,
        )
        self.sign_out_action = self._action(
            "&Sign out and quit",
            "Ctrl+Q",
            "Lock the workstation and close CARS Desktop (Ctrl+Q)",
            self.sign_out,
        )
        self.sync_now_action = QAction("S&ync now", self)
        self.sync_now_action.setShortcut(QKeySequence("F9"))
        self.sync_now_action.setToolTip("Send and fetch changes with the central server now (F9)")
        self.help_action = self._action(
            "&Help for this page",
            QKeySequence(QKeySequence.StandardKey.HelpContents),
            "Help for the page in front of you (F1)",
            self.show_help,
        )
        self.pages_focus_action = self._action(
            "Go to the page &list",
            "Ctrl+0",
            "Move the keyboard focus to the list of pages (Ctrl+0)",
            self._focus_nav,
        )
        self.page_actions: dict[str, QAction] = {}
        self.shortcuts = page_shortcuts(self.page_specs)
        for spec in self.page_specs:
            keys = self.shortcuts.get(spec.page_id, "")
            tip = f"Open {spec.title} ({keys})" if keys else f"Open {spec.title}"
            action = self._action(spec.title, keys, tip, partial(self.show_page, spec.page_id))
            self.page_actions[spec.page_id] = action
        # Locking must work from every window of the session (a form, a print preview), not only
        # when the main window is active: a worker called away mid-form presses Ctrl+L where they are.
        for action in (self.lock_action, self.switch_user_action, self.sign_out_action, self.sync_now_action):
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)

    def _build_menus(self) -> None:
        menu = self.menuBar().addMenu("&Workstation")
        menu.setAccessibleName("Workstation menu")
        menu.addAction(self.sync_now_action)
        menu.addAction(self.lock_action)
        menu.addAction(self.switch_user_action)
        menu.addSeparator()
        menu.addAction(self.sign_out_action)
        go = self.menuBar().addMenu("&Go")
        go.setAccessibleName("Go menu")
        go.addAction(self.pages_focus_action)
        go.addSeparator()
        for action in self.page_actions.values():
            go.addAction(action)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.setAccessibleName("Help menu")
        help_menu.addAction(self.help_action)
        help_menu.addAction("&About CARS Desktop", self.show_about)
        toolbar = QToolBar("Workstation")
        toolbar.setObjectName("workstation_toolbar")
        toolbar.setAccessibleName("Workstation toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (self.lock_action, self.sync_now_action, self.switch_user_action, self.help_action):
            toolbar.addAction(action)
        toolbar.addSeparator()
        toolbar.addAction(self.sign_out_action)
        self.addToolBar(toolbar)

    def _build_body(self) -> QWidget:
        user = self.session.user
        self.signed_in = QLabel(
            f"Signed in as {user.display_name} ({roles_label(user.roles)}) at {self.facts.site_label}"
        )
        font = QFont(self.signed_in.font())
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.signed_in.setFont(font)
        self.workstation = QLabel(f"Workstation: {self.facts.workstation_id}")
        self.idle_rule = QLabel(self._idle_rule_text())
        for label in (self.signed_in, self.workstation, self.idle_rule):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setAccessibleName(label.text())
        self.workstation.setStyleSheet("color: palette(placeholder-text);")
        self.idle_rule.setStyleSheet("color: palette(placeholder-text);")

        self.page_model = PageListModel(self.page_specs, self, self.shortcuts)
        self.nav = NavigationList(self.page_model)
        self.nav.sig_page_chosen.connect(self.show_page)
        # As wide as the longest title with its shortcut, so nothing is cut off at 1366x768.
        texts = [str(self.page_model.data(self.page_model.index(r, 0))) for r in range(len(self.page_specs))]
        metrics = self.nav.fontMetrics()
        widest = max((metrics.horizontalAdvance(text) for text in texts), default=0)
        self.nav.setMinimumWidth(widest + 4 * metrics.averageCharWidth())
        left = QVBoxLayout()
        pages_label = QLabel("&Pages")
        pages_label.setBuddy(self.nav)
        left.addWidget(pages_label)
        left.addWidget(self.nav, 1)
        left.addWidget(self.workstation)
        left.addWidget(self.idle_rule)
        left_panel = QWidget()
        left_panel.setLayout(left)
        left_panel.setMaximumWidth(
            max(self.nav.minimumWidth() + 24, self.fontMetrics().averageCharWidth() * 34)
        )

        self.stack = QStackedWidget()
        self.stack.setAccessibleName("Page")
        self.welcome = QLabel(
            "There are no pages for your role on this workstation yet. Ask your CARS administrator."
            if not self.page_specs
            else ""
        )
        self.welcome.setWordWrap(True)
        self.welcome.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.stack.addWidget(self.welcome)
        self.notifications = NotificationArea()

        right = QVBoxLayout()
        right.addWidget(self.signed_in)
        right.addWidget(self.notifications)
        right.addWidget(self.stack, 1)
        body = QWidget()
        row = QHBoxLayout(body)
        row.addWidget(left_panel)
        row.addLayout(right, 1)
        return body

    def _idle_rule_text(self) -> str:
        minutes = minutes_text(self.session.settings.idle_lock_minutes)
        return f"The workstation locks itself after {minutes} without use. Press Ctrl+L to lock it now."

    def _settings_saved(self, part: str) -> None:
        """Settings saved on the Settings page are in use at once: say so here too."""
        if part == "workstation":
            self.idle_rule.setText(self._idle_rule_text())
            self.idle_rule.setAccessibleName(self.idle_rule.text())
        elif part == "preferences":
            self.preferences = self._saved_preferences()

    def _saved_preferences(self) -> Preferences:
        try:
            local = load_local_settings(self._context.data_dir)
        except InvalidInput:
            return self.preferences  # the page has said what is wrong with the file
        return local.preferences_of(self.session.user.username)

    def show_about(self) -> None:
        """This version and the oldest one the central server accepts (from the last contact)."""
        status = self.sync.snapshot.status if self.sync is not None else None
        show_about(self, status, self.workstation.text())

    def _build_sync(self) -> SyncController | None:
        """Background sync for an enrolled workstation; a standalone one says it does not sync."""
        context = self._context
        enrolled = is_enrolled(self.session)
        if not enrolled or context.http_factory is None:
            mode = SyncMode.DISABLED if enrolled else SyncMode.STANDALONE
            self.sync_now_action.setEnabled(False)
            self.sync_bar.show_snapshot(SyncSnapshot(mode))
            return None
        sync = SyncController(
            self.session,
            context.runner,
            self.change_bus,
            context.http_factory,
            context.sync_hold,
            clock=context.clock,
            interval_s=context.settings.sync_interval_s,
            debounce_ms=context.sync_debounce_ms,
            tick_ms=context.sync_tick_ms,
            parent=self,
        )
        sync.sig_state.connect(self.sync_bar.show_snapshot)
        sync.sig_state.connect(self.show_sync_notices)
        sync.sig_revoked.connect(self._lock_revoked)
        self.sync_now_action.triggered.connect(sync.sync_now)
        return sync

    def _stop_sync(self) -> None:
        if self.sync is not None and isValid(self.sync):
            self.sync.stop()

    # ----- pages --------------------------------------------------------------------------------

    def _show_first_page(self) -> None:
        """Show the first page, unless a page is shown already or the session ended meanwhile."""
        if self.page_specs and self.current_page_id is None and not self.session.locked:
            self.show_page(self.page_specs[0].page_id)
            self._focus_page_if_in_front()

    def first_page_pending(self) -> bool:
        """True until the first page is on screen (it follows the window's show by an event-loop turn)."""
        return bool(self.page_specs) and self.current_page_id is None and not self.session.locked

    def _focus_page_if_in_front(self) -> None:
        """Give the page the keyboard focus only if the user is looking at this window.

        A page is built a moment after the window appears; meanwhile the worker may have opened a
        form, a print preview or a dialog (Add arrival). Focus moved then would land under their
        fingers in the wrong window, so it moves only when this window is the active one, no modal
        dialog is open and nothing in the window has the focus yet.
        """
        page = self.current_page()
        if page is None or not self.isActiveWindow():
            return
        if QApplication.activeModalWidget() is not None or QApplication.activePopupWidget() is not None:
            return
        if QApplication.focusWidget() in (None, self):
            page.setFocus(Qt.FocusReason.OtherFocusReason)

    def page_context(self) -> PageContext:
        """What every page of this window is given."""
        return PageContext(self._context, self.session, self.change_bus, self.navigator)

    def show_page(self, page_id: str) -> QWidget | None:
        """Show a page, building it on first use; None if this user may not open it."""
        spec = next((p for p in self.page_specs if p.page_id == page_id), None)
        if spec is None or self.session.locked:
            return None
        widget = self.page_widgets.get(page_id)
        if widget is None:
            widget = self._build_page(spec)
            self.page_widgets[page_id] = widget
            self._page_areas[page_id] = _scrollable(widget)
            self.stack.addWidget(self._page_areas[page_id])
        self.stack.setCurrentWidget(self._page_areas[page_id])
        self.current_page_id = page_id
        self.nav.select_page(page_id)
        self.setWindowTitle(f"CARS Desktop — {spec.title} — {self.facts.site_name}")
        return widget

    def _build_page(self, spec: PageSpec) -> QWidget:
        try:
            widget = spec.build(self.page_context())
        except Exception as exc:  # one broken page must not take the window with it
            log_unexpected(f"building the page {spec.page_id}", exc)
            widget = QLabel(PAGE_FAILED_MESSAGE)
            widget.setWordWrap(True)
            widget.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        if not widget.accessibleName():
            widget.setAccessibleName(spec.title)
        saved = getattr(widget, "sig_saved", None)  # the Settings page: its changes apply at once
        if isinstance(saved, SignalInstance):
            saved.connect(self._settings_saved)
        return widget

    def current_page(self) -> QWidget | None:
        """The page widget in front of the user (inside its scroll area), or None before any page."""
        return self.page_widgets.get(self.current_page_id) if self.current_page_id else None

    def current_spec(self) -> PageSpec | None:
        """The page in front of the user."""
        return next((p for p in self.page_specs if p.page_id == self.current_page_id), None)

    def _focus_nav(self) -> None:
        self.nav.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def show_help(self) -> None:
        """F1: help for the page in front of the user, or the general help."""
        spec = self.current_spec()
        open_help(spec.help_topic if spec and spec.help_topic else GENERAL_TOPIC, self)

    def large_print(self) -> bool:
        """Whether documents should be previewed in large print for this user."""
        return self.preferences.large_print

    # ----- notifications ------------------------------------------------------------------------

    def show_notice(self, message: str) -> None:
        """A page's short message (`Navigator.notify`)."""
        self.notifications.show_notice("notice", message)

    def _on_changed(self, changes: Changes) -> None:
        if concerns(changes, ("review_decision",), self.returned.assessment_ids):
            self.check_returned_work()

    def check_returned_work(self) -> None:
        """Ask (off the GUI thread) whether work was returned to this user, and say so."""
        if self.session.locked:
            return
        session = self.session
        run_op(
            self._context.runner, lambda: returned_work(session), self._show_returned, log.info, parent=self
        )

    def _show_returned(self, returned: ReturnedWork) -> None:
        self.returned = returned
        if not returned.count:
            self.notifications.clear_notice("returned")
            return
        has_today = any(p.page_id == TODAY_PAGE_ID for p in self.page_specs)
        self.notifications.show_notice(
            "returned",
            returned_text(returned.count),
            "Open &Today" if has_today else None,
            partial(self.show_page, TODAY_PAGE_ID) if has_today else None,
        )

    def show_sync_notices(self, snapshot: SyncSnapshot) -> None:
        """Conflicts waiting, from the sync state."""
        status = snapshot.status
        if status is None:
            return
        if not status.conflicted_records:
            self.notifications.clear_notice("conflicts")
            return
        has_page = any(p.page_id == CONFLICTS_PAGE_ID for p in self.page_specs)
        self.notifications.show_notice(
            "conflicts",
            conflicts_text(status.conflicted_records),
            "Open &Conflicts" if has_page else None,
            partial(self.show_page, CONFLICTS_PAGE_ID) if has_page else None,
        )

    # ----- locking ------------------------------------------------------------------------------

    def _lock(self, reason: str) -> bool:
        """Finish background work, then lock; False if the session was already locked."""
        self.idle_watcher.stop()
        self._stop_sync()
        if self.session.locked:
            return False
        # A task may still be using the store: let it finish and deliver before the store closes.
        self._context.runner.wait_for_done()
        try:
            self.session.lock(reason)  # open forms save their drafts first (on_before_lock)
        except Exception as exc:
            # Logged, not shown: the window still goes back to the unlock screen, and the key goes
            # with the session object, which nothing holds any longer.
            log_unexpected("locking the session", exc)
        self._hide_personal_data()
        return True

    def _hide_personal_data(self) -> None:
        """Note the open drafts, then close every form, preview, dialog and page at once."""
        self.resume_tickets = self.navigator.tickets()
        self.navigator.close_all()
        self.notifications.clear_all()
        self.stack.setCurrentWidget(self.welcome)
        for area in self._page_areas.values():
            self.stack.removeWidget(area)
            area.hide()
            area.deleteLater()  # takes its page with it
        self._page_areas.clear()
        self.page_widgets.clear()
        self.current_page_id = None

    def lock_now(self) -> None:
        """Lock by hand (Ctrl+L) and return to the unlock window."""
        if self._lock("manual"):
            self.sig_locked.emit(MANUAL_LOCK_MESSAGE)

    def switch_user(self) -> None:
        """Lock so someone else can sign in (the user name is not kept)."""
        if self._lock("switch_user"):
            self.sig_switch_user.emit(SWITCH_USER_MESSAGE)

    def _lock_revoked(self, message: str) -> None:
        """The central server withdrew this workstation: its keys are gone; lock now and say so."""
        self._lock("device_revoked")  # the service has locked the store already; this stops the rest
        self._hide_personal_data()
        self.sig_locked.emit(message)

    def _lock_idle(self) -> None:
        self._context.runner.wait_for_done()
        try:
            locked = self.idle_watcher.idle_lock.lock_if_due()
        except Exception as exc:
            log_unexpected("locking the idle session", exc)
            locked = True
        if locked:
            self._stop_sync()
            self._hide_personal_data()
            self.sig_locked.emit(idle_message(self.session.settings.idle_lock_minutes))
        else:  # input arrived while finishing work: keep going
            self.idle_watcher.start()

    def sign_out(self) -> None:
        """Lock and end the program (Ctrl+Q)."""
        self._lock("sign_out")
        self.sig_signed_out.emit()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        """Closing the window while signed in signs out; after a lock it just closes."""
        self.idle_watcher.stop()
        self._stop_sync()
        if not self.session.locked:
            self._lock("window_closed")
            self.sig_signed_out.emit()
        self.navigator.close_all()
        event.accept()
