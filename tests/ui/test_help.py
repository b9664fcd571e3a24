"""F1 help: topics from resources/help, the general fallback, and the help in a form window."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from cars_desktop.ui.help_dialog import (
    GENERAL_TOPIC,
    HelpDialog,
    has_topic,
    help_folder,
    open_help,
    resolve_topic,
    topic_title,
)
from cars_desktop.ui.pages.registry import all_pages


def test_topics_resolve_and_unknown_or_odd_names_fall_back_to_general() -> None:
    assert has_topic("general") and has_topic("forms") and has_topic("settings")
    assert resolve_topic("no_such_topic") == GENERAL_TOPIC
    assert resolve_topic("../general") == GENERAL_TOPIC
    assert resolve_topic(None) == GENERAL_TOPIC


def test_every_help_file_has_a_title() -> None:
    for path in help_folder().glob("*.md"):
        assert topic_title(path.read_text(encoding="utf-8")) != "Help", path.name


def test_registered_pages_name_topics_that_exist_or_none() -> None:
    """A page's help topic without a file would silently show the general help: catch it here."""
    missing = [p.page_id for p in all_pages() if p.help_topic and not has_topic(p.help_topic)]
    assert missing == [], f"help topics without a file in resources/help: {missing}"


def test_the_dialog_shows_the_topic_read_only(qtbot: QtBot) -> None:
    dialog = open_help("settings", None)
    qtbot.addWidget(dialog)
    assert isinstance(dialog, HelpDialog)
    assert dialog.windowTitle() == "Help — Settings"
    assert "High contrast" in dialog.plain_text()
    assert dialog.text.isReadOnly()
    assert dialog.isVisible()
    dialog.close()
    assert not any(isinstance(w, HelpDialog) and w.isVisible() for w in QApplication.topLevelWidgets())
