"""Render every page of the program from invented demo data to docs/screenshots/, at 1366x768, offscreen.

Run from the repository root:

    PYTHONPATH=. .venv/bin/python scripts/screenshots.py            # every registered page
    PYTHONPATH=. .venv/bin/python scripts/screenshots.py today      # only these page ids

It seeds (once a day, cached under bench/.cache like the UI benchmark) a workstation with 800
invented people over the last 30 days, so Today has today's arrivals, and works on a throwaway copy.
Each page in `cars_desktop.ui.pages.registry` is shown inside the real main window, signed in as a
user whose roles allow it (the worker-supervisor, else the administrator, else the custody user),
after its background loads have finished, and written as `docs/screenshots/<page_id>.png`. The
unlock window (`unlock.png`) and a required assessment in the generic form widget
(`form_required_initial.png`) come too. 1366x768 is the smallest screen on the custody PCs. The
people, ids and answers are invented by `cars_desktop.services.seed`; nothing real can appear.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QApplication, QWidget

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.ui_seed import (  # noqa: E402 - after the path is set
    BENCH_ADMIN,
    BENCH_CUSTODY,
    BENCH_PASSWORD,
    BENCH_USER,
    SeededStore,
    seeded_store,
    working_copy,
)
from cars_desktop.domain.access import allows  # noqa: E402
from cars_desktop.services.forms import start_form  # noqa: E402
from cars_desktop.services.workstation import WorkstationSession, unlock  # noqa: E402
from cars_desktop.ui.context import AppContext  # noqa: E402
from cars_desktop.ui.main_window import MainWindow  # noqa: E402
from cars_desktop.ui.pages import registry  # noqa: E402
from cars_desktop.ui.pages.page_spec import PageContext, PageSpec  # noqa: E402
from cars_desktop.ui.task_runner import TaskRunner  # noqa: E402
from cars_desktop.ui.unlock_window import UnlockWindow  # noqa: E402
from cars_desktop.ui.widgets.form_widget import FormWidget  # noqa: E402

OUT = REPO / "docs" / "screenshots"
SIZE = (1366, 768)
DEMO_PEOPLE = 800
DEMO_DAYS = 30
USERS = (BENCH_USER, BENCH_ADMIN, BENCH_CUSTODY)  # who is tried for each page, in this order


def settle(app: QApplication, runner: TaskRunner, timeout_s: float = 30.0) -> None:
    """Let background loads finish and their results reach the widgets, then paint."""
    deadline = time.perf_counter() + timeout_s
    quiet = 0
    while quiet < 5 and time.perf_counter() < deadline:
        app.processEvents()
        runner.wait_for_done(100)
        quiet = quiet + 1 if not runner.busy else 0
        time.sleep(0.01)
    app.processEvents()


def grab(app: QApplication, runner: TaskRunner, widget: QWidget, name: str) -> Path:
    """Show the widget at 1366x768, let it settle and write its image."""
    widget.resize(*SIZE)
    widget.show()
    settle(app, runner)
    path = OUT / name
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(path.relative_to(REPO))
    return path


@contextmanager
def signed_in(store: SeededStore, username: str) -> Iterator[WorkstationSession]:
    session = unlock(store.settings, store.data_dir, username, BENCH_PASSWORD)
    try:
        yield session
    finally:
        if not session.locked:
            session.lock("screenshots")


class QuietNavigator:
    """For pages built outside the main window: navigation requests are only printed."""

    def show_page(self, page_id: str) -> None:
        print(f"  (asked for page {page_id})")

    def open_person(self, person_id: uuid.UUID) -> None:
        print("  (asked to open a person)")

    def open_form(self, person_id: uuid.UUID, form_id: str, record_id: Any = None, **kw: Any) -> None:
        print(f"  (asked to open form {form_id})")

    def preview_document(
        self, person_id: uuid.UUID, kind: str, source_id: Any = None, variant: Any = None
    ) -> None:
        print(f"  (asked for a {kind} preview)")

    def notify(self, message: str) -> None:
        print(f"  (notice: {message})")


def prepare_reports(app: QApplication, runner: TaskRunner, page: QWidget) -> None:
    """The demo's last four weeks by week, with a KPI chosen so its trend is drawn."""
    from cars_desktop.reports.periods import PeriodKind
    from cars_desktop.ui.pages.reports_page import ReportsPage

    assert isinstance(page, ReportsPage)
    today = date.today()
    start = today - timedelta(days=today.weekday() + 21)  # the Monday three weeks before this one
    page.date_from.setDate(QDate(start.year, start.month, start.day))
    page.date_to.setDate(QDate(today.year, today.month, today.day))
    page.choose_breakdown(PeriodKind.WEEK)
    page.run_report()
    settle(app, runner)
    for row in range(page.table.proxy.rowCount()):
        if page.table.proxy.index(row, 0).data() == "Referrals into treatment":
            page.table.selectRow(row)
            page.table.setFocus()
            break


def prepare_person(app: QApplication, runner: TaskRunner, page: QWidget) -> None:
    """The invented person with the most history, their timeline's newest entry chosen."""
    from cars_desktop.ui.pages.person_page import PersonPage

    assert isinstance(page, PersonPage)
    person_id = busiest_person(page._context.session)  # a script may reach in
    page.show_person(person_id)
    settle(app, runner)
    page.timeline.selectRow(0)
    page.timeline.setFocus()


PREPARE: dict[str, Callable[[QApplication, TaskRunner, QWidget], None]] = {
    "reports": prepare_reports,
    "person": prepare_person,
}
"""Pages that show something only after a choice: what to choose before the picture is taken."""


def show_in_window(window: MainWindow, page: PageSpec) -> bool:
    """Switch the real main window to a page, whichever way the shell offers it."""
    for name in ("show_page", "open_page", "switch_to"):
        method: Callable[[str], Any] | None = getattr(window, name, None)
        if callable(method):
            method(page.page_id)
            return True
    return False


def render_pages(app: QApplication, store: SeededStore, wanted: set[str]) -> list[str]:
    """Each registered page (or those wanted) shown as the first user allowed to see it."""
    runner = TaskRunner()
    context = AppContext(store.settings, store.data_dir, runner)
    missing = []
    pages = [p for p in registry.all_pages() if not wanted or p.page_id in wanted]
    for username in USERS:
        if not pages:
            break
        with signed_in(store, username) as session:
            mine = [p for p in pages if p.permission is None or allows(session.actor, p.permission)]
            pages = [p for p in pages if p not in mine]
            if not mine:
                continue
            window = MainWindow(context, session)
            try:
                for page in mine:
                    if show_in_window(window, page):
                        prepare = PREPARE.get(page.page_id)
                        if prepare is not None:
                            settle(app, runner)
                            prepare(app, runner, window.page_widgets[page.page_id])
                        grab(app, runner, window, f"{page.page_id}.png")
                    else:  # a shell without page switching yet: the page alone, as its tests build it
                        bus = window.change_bus
                        widget = page.build(PageContext(context, session, bus, QuietNavigator()))
                        widget.setWindowTitle(f"CARS Desktop — {page.title}")
                        grab(app, runner, widget, f"{page.page_id}.png")
                        widget.close()
                        widget.deleteLater()
            finally:
                runner.wait_for_done()
                window.close()
                window.deleteLater()
                app.processEvents()
    missing += [p.page_id for p in pages]
    runner.shutdown()
    return missing


def render_unlock(app: QApplication, store: SeededStore) -> None:
    runner = TaskRunner()
    window = UnlockWindow(AppContext(store.settings, store.data_dir, runner))
    window.username.setText(BENCH_USER)
    grab(app, runner, window, "unlock.png")
    window.close()
    runner.shutdown()


def render_form(app: QApplication, store: SeededStore) -> None:
    """A required initial assessment begun for a person in today's data, in the form widget."""
    runner = TaskRunner()
    context = AppContext(store.settings, store.data_dir, runner)
    with signed_in(store, BENCH_USER) as session:
        person_id, episode_id = newest_episode(session)
        form = start_form(session, "required_initial", person_id, episode_id)
        widget = FormWidget(context, session, form)
        widget.setWindowTitle("CARS Desktop — required assessment")
        grab(app, runner, widget, "form_required_initial.png")
        runner.wait_for_done()
        widget.close()
        widget.deleteLater()
        app.processEvents()
    runner.shutdown()


def newest_episode(session: WorkstationSession) -> tuple[uuid.UUID, uuid.UUID]:
    """The latest invented custody episode and its person (read straight from the store: a script)."""
    with session.store.read_session() as db:
        row = db.connection().exec_driver_sql(
            "SELECT person_id, id FROM records WHERE record_type = 'custody_episode'"
            " ORDER BY created_at DESC LIMIT 1"
        )
        person_id, episode_id = row.one()
        return uuid.UUID(str(person_id)), uuid.UUID(str(episode_id))


def busiest_person(session: WorkstationSession) -> uuid.UUID:
    """The invented person with the most records: a timeline worth a picture."""
    with session.store.read_session() as db:
        row = db.connection().exec_driver_sql(
            "SELECT person_id FROM records WHERE person_id IS NOT NULL AND live = 1"
            " GROUP BY person_id ORDER BY count(*) DESC, person_id LIMIT 1"
        )
        return uuid.UUID(str(row.scalar_one()))


def main(argv: list[str]) -> int:
    wanted = set(argv)
    app = QApplication(sys.argv[:1])
    OUT.mkdir(parents=True, exist_ok=True)
    seeded = seeded_store(people=DEMO_PEOPLE, days=DEMO_DAYS, cheap_kdf=True)
    with tempfile.TemporaryDirectory(prefix="cars-shots-") as scratch:
        store = working_copy(seeded, Path(scratch) / "workstation")
        if not wanted:
            render_unlock(app, store)
            render_form(app, store)
        missing = render_pages(app, store, wanted)
    if missing:
        print(f"no user here may open: {', '.join(missing)}", file=sys.stderr)
    if not registry.PAGE_MODULES:
        print("no pages are registered yet: only the unlock window and the form were drawn", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
