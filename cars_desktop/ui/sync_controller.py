"""Background sync in the window: after each save, on a timer, on demand, never blocking the GUI.

The Qt side of `services.sync.sync_now`. The cycle itself, the backoff schedule and the error tree
are Qt-free (`sync/`, `services/sync.py`); this class only decides *when* to run a cycle and turns
its outcome into a `SyncSnapshot` for the status bar:

* A save broadcast on the change bus starts a short debounce; when it runs out a cycle starts, so
  a burst of saves (a form's autosave) costs one cycle, not one each. While the server is
  unreachable saves do not hurry the retries: the backoff governs.
* A tick timer starts a cycle whenever the `Backoff` says one is due: every `sync_interval_s`
  after a good cycle, after an exponentially growing, jittered delay after a failed one.
* "Sync now" forgets the failures and starts a cycle at once.
* Only one task at a time: a cycle, or the small status query after a save. A save during a cycle
  asks for another cycle after it, so nothing saved waits a whole interval.
* Cycles run on the task runner (a pool thread); the callbacks come back to the GUI thread.
* DEVICE_REVOKED: the service has destroyed the key slots and locked the store; `sig_revoked`
  asks the window to go to the unlock screen with `REVOKED_MESSAGE`.
* CLIENT_TOO_OLD: the server's message is kept in the context's `SyncHold`, shown, and no further
  cycle is tried until the program is restarted (a new session in the same run stays held).
* `stop()` (lock, sign-out) stops both timers and ignores a result still on its way; the HTTP
  client is closed once no task is using it.

Results are broadcast on the change bus, so pages showing records refresh after a pull.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import httpx
from PySide6.QtCore import QObject, QTimer, Signal

from cars_desktop.domain.changes import Changes
from cars_desktop.domain.errors import CarsError
from cars_desktop.services.sync import sync_now, workstation_sync_status
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.sync.backoff import Backoff
from cars_desktop.sync.cycle import SyncReport, SyncStatus
from cars_desktop.sync.errors import ClientTooOld, DeviceRevoked, ServerUnreachable
from cars_desktop.ui.change_bus import ChangeBus
from cars_desktop.ui.message_label import as_sentence
from cars_desktop.ui.sync_defaults import (  # re-exported: defined apart so ui.context stays light
    DEBOUNCE_MS as DEBOUNCE_MS,
)
from cars_desktop.ui.sync_defaults import TICK_MS as TICK_MS
from cars_desktop.ui.sync_defaults import HttpFactory as HttpFactory
from cars_desktop.ui.sync_defaults import SyncHold as SyncHold
from cars_desktop.ui.task_runner import BaseTaskRunner, log_unexpected
from cars_protocol.records import RECORD_TYPES

log = logging.getLogger(__name__)

REVOKED_MESSAGE = (
    "This workstation has been withdrawn from the service by the central server. Its keys here have "
    "been destroyed, so it can no longer be unlocked. Contact your CARS administrator."
)
UNEXPECTED_SYNC_MESSAGE = "Sync failed unexpectedly; the details are in the program's log."


def is_enrolled(session: WorkstationSession) -> bool:
    """Whether this workstation is enrolled with a central server (a standalone one never syncs)."""
    return session.vault.enrolment_info() is not None


class SyncMode(Enum):
    """What the status bar says about the connection."""

    STANDALONE = "standalone"  # not enrolled: nothing to sync with
    DISABLED = "disabled"  # enrolled, but this program was started without a server connection
    WAITING = "waiting"  # enrolled, no cycle has finished yet
    SYNCING = "syncing"  # a cycle is running
    ONLINE = "online"  # the last cycle succeeded
    OFFLINE = "offline"  # the last cycle could not reach the server; retrying
    FAILED = "failed"  # the server refused, or something else went wrong; retrying
    HELD = "held"  # the server needs a newer program: stopped until restart
    STOPPED = "stopped"  # the session was locked or revoked


@dataclass(frozen=True)
class SyncSnapshot:
    """Everything the status bar shows, free of personal data: a mode, counts and times."""

    mode: SyncMode
    status: SyncStatus | None = None
    retry_in_s: float | None = None
    message: str | None = None  # the last failure's message (or the hold's), for people


@dataclass(frozen=True)
class CycleOutcome:
    """What one background cycle did: its report or its error, and the status afterwards."""

    report: SyncReport | None
    error: CarsError | None
    status: SyncStatus | None


def _status_or_none(session: WorkstationSession) -> SyncStatus | None:
    try:
        return workstation_sync_status(session)
    except CarsError:  # locked meanwhile (revocation locks the store)
        return None


def run_background_cycle(session: WorkstationSession, http: httpx.Client) -> CycleOutcome:
    """One sync cycle as the signed-in user, then the status; expected failures are returned, not raised.

    Runs in a worker thread. Unexpected exceptions (bugs) propagate to the runner's error callback.
    """
    try:
        report = sync_now(session, http)
    except CarsError as exc:
        return CycleOutcome(None, exc, _status_or_none(session))
    return CycleOutcome(report, None, workstation_sync_status(session))


def pulled_changes(report: SyncReport) -> Changes:
    """What a cycle changed for the pages: any record type, if anything was pulled or conflicted.

    The report carries counts only (never ids), so every page that shows records refreshes.
    """
    if report.pulled or report.conflicts or report.merged:
        return Changes(record_types=frozenset(RECORD_TYPES), users=report.pulled > 0)
    return Changes()


@dataclass
class _Task:
    kind: str  # "cycle" or "status"
    stale: bool = False  # stop() was called while it ran: drop its result


@dataclass
class _Schedule:
    kick: bool = False  # run a cycle at the next tick, whatever the backoff says
    cycles: int = 0  # cycles started in this session (for tests and the log)


class SyncController(QObject):
    """Runs background sync cycles for one unlocked session and reports a `SyncSnapshot`."""

    sig_state = Signal(object)
    """The status bar should show this `SyncSnapshot` (emitted on every change and every tick)."""
    sig_synced = Signal(object)
    """A cycle finished well (its `SyncReport`)."""
    sig_revoked = Signal(str)
    """The server withdrew this workstation; its keys are gone and the store is locked (message)."""

    def __init__(
        self,
        session: WorkstationSession,
        runner: BaseTaskRunner,
        bus: ChangeBus,
        http_factory: HttpFactory,
        hold: SyncHold,
        *,
        clock: Callable[[], float],
        interval_s: float,
        debounce_ms: int = DEBOUNCE_MS,
        tick_ms: int = TICK_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._runner = runner
        self._bus = bus
        self._http_factory = http_factory
        self._http: httpx.Client | None = None
        self.hold = hold
        self.backoff = Backoff(interval_s=interval_s, clock=clock)
        self._task: _Task | None = None
        self._schedule = _Schedule()
        self._stopped = True
        self._broadcasting = False
        held = SyncSnapshot(SyncMode.HELD, message=hold.message)
        self.snapshot = held if hold.message else SyncSnapshot(SyncMode.WAITING)

        self.tick_timer = QTimer(self)
        self.tick_timer.setObjectName("sync_tick")
        self.tick_timer.setInterval(tick_ms)
        self.tick_timer.timeout.connect(self._tick)
        self.debounce_timer = QTimer(self)
        self.debounce_timer.setObjectName("sync_debounce")
        self.debounce_timer.setSingleShot(True)
        self.debounce_timer.setInterval(debounce_ms)
        self.debounce_timer.timeout.connect(self._after_save)
        bus.sig_changed.connect(self._on_changed)

    # -- life cycle -------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether a cycle is in flight."""
        return self._task is not None and self._task.kind == "cycle"

    @property
    def cycles_started(self) -> int:
        """How many cycles this controller has started."""
        return self._schedule.cycles

    def start(self) -> None:
        """Begin ticking; the first tick runs a cycle (unless held), so a fresh session syncs at once."""
        if not self._stopped:
            return
        self._stopped = False
        if not self.hold.message:
            self.tick_timer.start()
        self._emit()
        self._refresh_status()

    def stop(self) -> None:
        """Stop the timers and drop any result still on its way; safe to call twice."""
        self.tick_timer.stop()
        self.debounce_timer.stop()
        if self._stopped:
            return
        self._stopped = True
        if self._task is not None:
            self._task.stale = True  # its callback closes the HTTP client when the work is done
        else:
            self._close_http()
        self._set(SyncSnapshot(SyncMode.STOPPED, self.snapshot.status))

    def sync_now(self) -> None:
        """On demand: forget past failures and run a cycle now (or straight after the running one)."""
        if self._stopped:
            return
        if self.hold.message:
            self._set(SyncSnapshot(SyncMode.HELD, self.snapshot.status, message=self.hold.message))
            return
        self.backoff.failures = 0
        if self._task is not None:
            self._schedule.kick = True  # straight after the running task, whatever its outcome
            return
        self._start_cycle()

    # -- triggers ---------------------------------------------------------------------------------

    def _on_changed(self, changes: Changes) -> None:
        if self._stopped or self._broadcasting:
            return  # our own broadcast of pulled records is not a save
        if self._task is None:
            self._refresh_status()
        self.debounce_timer.start()  # (re)start: a burst of saves makes one cycle

    def _after_save(self) -> None:
        if self._stopped or self.hold.message or self.backoff.failures:
            return  # offline: the backoff decides when to try again
        if self._task is not None:
            self._schedule.kick = True  # straight after the running task
        else:
            self._start_cycle()

    def _tick(self) -> None:
        if self._stopped:
            return
        if self._task is None and (self._schedule.kick or self.backoff.due()):
            self._start_cycle()
        elif self.snapshot.mode in (SyncMode.OFFLINE, SyncMode.FAILED):
            self._set(
                SyncSnapshot(
                    self.snapshot.mode,
                    self.snapshot.status,
                    retry_in_s=self.backoff.remaining(),
                    message=self.snapshot.message,
                )
            )
        else:
            self._emit()  # the age of the oldest unsent change grows

    # -- tasks ------------------------------------------------------------------------------------

    def _refresh_status(self) -> None:
        """Read pending count and times off the GUI thread (after a save, or at start)."""
        if self._stopped or self._task is not None:
            return
        task = _Task("status")
        self._task = task
        session = self._session

        def done(status: SyncStatus) -> None:
            self._finish(task)
            if not task.stale:
                self._set(
                    SyncSnapshot(
                        self.snapshot.mode, status, self.snapshot.retry_in_s, message=self.snapshot.message
                    )
                )

        def failed(exc: BaseException) -> None:
            self._finish(task)
            if not isinstance(exc, CarsError):
                log_unexpected("reading the sync status", exc)

        self._runner.run(lambda: workstation_sync_status(session), done, failed)

    def _start_cycle(self) -> None:
        if self._stopped or self._task is not None or self.hold.message:
            return
        self._schedule.kick = False
        self._schedule.cycles += 1
        if self._http is None:
            try:
                self._http = self._http_factory()
            except CarsError as exc:  # the CA file named in the settings cannot be read
                self._failed_cycle(CycleOutcome(None, exc, self.snapshot.status))
                return
        http, session = self._http, self._session
        task = _Task("cycle")
        self._task = task
        self._set(SyncSnapshot(SyncMode.SYNCING, self.snapshot.status))

        def done(outcome: CycleOutcome) -> None:
            self._finish(task)
            if task.stale:
                return
            if outcome.error is None and outcome.report is not None:
                self._good_cycle(outcome.report, outcome.status)
            else:
                self._failed_cycle(outcome)

        def failed(exc: BaseException) -> None:
            self._finish(task)
            log_unexpected("background sync", exc)
            if not task.stale:
                error = CarsError(UNEXPECTED_SYNC_MESSAGE)
                self._failed_cycle(CycleOutcome(None, error, self.snapshot.status))

        self._runner.run(lambda: run_background_cycle(session, http), done, failed)

    def _finish(self, task: _Task) -> None:
        if self._task is task:
            self._task = None
        if task.stale:
            self._close_http()

    # -- outcomes ---------------------------------------------------------------------------------

    def _good_cycle(self, report: SyncReport, status: SyncStatus | None) -> None:
        self.backoff.succeeded()
        log.info(
            "background sync: %d sent, %d pulled, %d conflicts", report.sent, report.pulled, report.conflicts
        )
        self._set(SyncSnapshot(SyncMode.ONLINE, status or self.snapshot.status))
        self.sig_synced.emit(report)
        changes = pulled_changes(report)
        self._broadcasting = True
        try:
            self._bus.broadcast(changes)
        finally:
            self._broadcasting = False

    def _failed_cycle(self, outcome: CycleOutcome) -> None:
        error = outcome.error
        status = outcome.status or self.snapshot.status
        if isinstance(error, DeviceRevoked):
            log.warning("background sync: the central server says this workstation is revoked")
            self.stop()
            self.sig_revoked.emit(REVOKED_MESSAGE)
            return
        message = as_sentence(error.message) if error is not None else UNEXPECTED_SYNC_MESSAGE
        if isinstance(error, ClientTooOld):
            log.warning("background sync stopped until restart: the server needs a newer client")
            self.hold.message = message
            self.tick_timer.stop()
            self.debounce_timer.stop()
            self._set(SyncSnapshot(SyncMode.HELD, status, message=message))
            return
        delay = self.backoff.failed()
        mode = SyncMode.OFFLINE if isinstance(error, ServerUnreachable) else SyncMode.FAILED
        log.info("background sync failed (%s); next try in %.0f s", type(error).__name__, delay)
        self._set(SyncSnapshot(mode, status, retry_in_s=delay, message=message))

    def _set(self, snapshot: SyncSnapshot) -> None:
        self.snapshot = snapshot
        self._emit()

    def _emit(self) -> None:
        self.sig_state.emit(self.snapshot)

    def _close_http(self) -> None:
        http, self._http = self._http, None
        if http is not None:
            http.close()
