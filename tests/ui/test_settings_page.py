"""Settings: the file (validated, precedence over the environment), the page, and who may change what."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from cars_desktop.config import Settings
from cars_desktop.domain.errors import InvalidInput, NotPermitted
from cars_desktop.services.local_settings import (
    LocalSettings,
    WorkstationSettings,
    apply_local_settings,
    load_local_settings,
    save_workstation_settings,
    settings_path,
)
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.ui.appearance import LARGE_PRINT_SCALE, reset_appearance
from cars_desktop.ui.change_bus import ChangeBus
from cars_desktop.ui.context import AppContext
from cars_desktop.ui.pages.page_spec import PageContext
from cars_desktop.ui.pages.settings_page import PAGE, SettingsPage
from tests.conftest import ADMIN, ADMIN_PASSWORD, Workstation


class RecordingNavigator:
    """A navigator that only remembers what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, object]] = []

    def show_page(self, page_id: str) -> None:
        self.asked.append(("page", page_id))

    def open_person(self, person_id: object) -> None:
        self.asked.append(("person", person_id))

    def open_form(self, *args: object, **kwargs: object) -> None:
        self.asked.append(("form", args))

    def preview_document(self, *args: object, **kwargs: object) -> None:
        self.asked.append(("preview", args))

    def notify(self, message: str) -> None:
        self.asked.append(("notify", message))


def _page(qtbot: QtBot, context: AppContext, session: WorkstationSession) -> SettingsPage:
    page = PAGE.build(PageContext(context, session, ChangeBus(), RecordingNavigator()))
    assert isinstance(page, SettingsPage)
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.show()
    return page


@pytest.fixture(autouse=True)
def _standard_look() -> object:
    yield None
    reset_appearance()


def test_no_file_means_the_environment_settings(tmp_path: Path) -> None:
    settings = Settings(idle_lock_minutes=7)
    assert load_local_settings(tmp_path) == LocalSettings()
    assert apply_local_settings(settings, LocalSettings()) is settings


def test_the_file_wins_over_the_environment_and_fields_it_leaves_out_stay(tmp_path: Path) -> None:
    settings_path(tmp_path).write_text(
        json.dumps({"workstation": {"idle_lock_minutes": 3, "server_url": "https://cars.example.test/"}})
    )
    settings = apply_local_settings(
        Settings(idle_lock_minutes=7, sync_timeout_s=12), load_local_settings(tmp_path)
    )
    assert settings.idle_lock_minutes == 3
    assert settings.server_url == "https://cars.example.test"
    assert settings.sync_timeout_s == 12


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"workstation": {"idle_lock_minutes": 600}}, "workstation.idle_lock_minutes"),
        ({"workstation": {"server_url": "cars.example.test"}}, "workstation.server_url"),
        ({"workstation": {"colour": "red"}}, "workstation.colour"),
        ({"preferences": {"sam.worker": {"large_print": "very"}}}, "preferences.sam.worker.large_print"),
    ],
)
def test_a_bad_file_is_a_clear_error_naming_the_field(tmp_path: Path, body: object, named: str) -> None:
    settings_path(tmp_path).write_text(json.dumps(body))
    with pytest.raises(InvalidInput) as caught:
        load_local_settings(tmp_path)
    assert f"“{named}”" in caught.value.message


def test_a_file_that_is_not_json_is_a_clear_error(tmp_path: Path) -> None:
    settings_path(tmp_path).write_text("{not json")
    with pytest.raises(InvalidInput, match="could not be read"):
        load_local_settings(tmp_path)


def test_only_an_administrator_changes_the_workstation_settings(
    session: WorkstationSession, workstation: Workstation
) -> None:
    with pytest.raises(NotPermitted):
        save_workstation_settings(session, workstation.data_dir, {"idle_lock_minutes": 2})
    admin = workstation.unlock(ADMIN, ADMIN_PASSWORD)
    try:
        saved = save_workstation_settings(admin, workstation.data_dir, {"idle_lock_minutes": 2})
    finally:
        admin.lock()
    assert saved == WorkstationSettings(idle_lock_minutes=2)
    assert load_local_settings(workstation.data_dir).workstation.idle_lock_minutes == 2


def test_a_worker_saves_large_print_and_high_contrast_and_they_apply_at_once(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, workstation: Workstation
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.font().pointSizeF()
    page = _page(qtbot, context, session)
    assert not page.may_manage
    assert not page.save_workstation_button.isVisible()
    editor = page.workstation.editors["idle_lock_minutes"]
    assert editor.isReadOnly()  # type: ignore[union-attr]
    page.preferences.editors["large_print"].setChecked(True)  # type: ignore[union-attr]
    page.preferences.editors["high_contrast"].setChecked(True)  # type: ignore[union-attr]
    page.save_preferences_button.click()
    assert page.preferences_message.text() == "Your display settings are saved and in use."
    assert app.font().pointSizeF() == pytest.approx(before * LARGE_PRINT_SCALE)
    assert app.palette().color(QPalette.ColorRole.Window).name() == "#ffffff"
    assert ":focus" in app.styleSheet()
    prefs = load_local_settings(workstation.data_dir).preferences_of(session.user.username)
    assert prefs.large_print and prefs.high_contrast
    reset_appearance()
    assert app.font().pointSizeF() == pytest.approx(before)
    assert app.styleSheet() == ""


def test_an_administrator_sees_problems_beside_the_field_and_saves(
    qtbot: QtBot, context: AppContext, workstation: Workstation
) -> None:
    admin = workstation.unlock(ADMIN, ADMIN_PASSWORD)
    try:
        page = _page(qtbot, context, admin)
        assert page.may_manage and page.save_workstation_button.isVisible()
        minutes = page.workstation.editors["idle_lock_minutes"]
        minutes.setText("90")  # type: ignore[union-attr]
        page.save_workstation_button.click()
        problem = page.workstation.problems["idle_lock_minutes"]
        assert problem.isVisible() and "60" in problem.text()
        assert not settings_path(workstation.data_dir).exists()
        minutes.setText("4")  # type: ignore[union-attr]
        page.workstation.editors["server_url"].setText("https://cars.example.test")  # type: ignore[union-attr]
        page.save_workstation_button.click()
        assert not problem.isVisible()
        assert page.workstation_message.text() == "The workstation settings are saved and in use."
        chosen = load_local_settings(workstation.data_dir).workstation
        assert chosen.idle_lock_minutes == 4 and chosen.server_url == "https://cars.example.test"
    finally:
        admin.lock()


def test_a_bad_file_is_shown_on_the_page_and_saving_repairs_it(
    qtbot: QtBot, context: AppContext, session: WorkstationSession, workstation: Workstation
) -> None:
    settings_path(workstation.data_dir).write_text("{broken")
    page = _page(qtbot, context, session)
    assert page.file_problem.isVisible() and "could not be read" in page.file_problem.text()
    page.save_preferences_button.click()
    assert (
        load_local_settings(workstation.data_dir).preferences_of(session.user.username).large_print is False
    )
