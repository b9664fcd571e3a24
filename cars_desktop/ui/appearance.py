"""Large print and high contrast: each user's own display preferences, applied to the whole program.

Applied when a user unlocks and put back to the standard look when the session ends, so the next
person at a shared PC sees what they chose, not what the last one did. High contrast is a palette
(black on white, dark blue highlight) plus a style sheet that draws a thick outline round whatever
has the keyboard focus, so the focus is visible on every widget without relying on colour alone.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from cars_desktop.services.local_settings import Preferences

LARGE_PRINT_SCALE = 1.25

HIGH_CONTRAST_STYLE = """
*:focus { outline: 3px solid #000000; border: 3px solid #0000c0; }
QPushButton, QToolButton { border: 2px solid #000000; padding: 4px 10px; background: #ffffff; }
QPushButton:focus, QToolButton:focus { background: #ffff00; border: 3px solid #000000; }
QLineEdit, QPlainTextEdit, QTextEdit, QComboBox, QSpinBox, QDoubleSpinBox, QDateEdit {
    border: 2px solid #000000; background: #ffffff; color: #000000;
}
QListView::item:selected, QTableView::item:selected, QTreeView::item:selected {
    background: #00005a; color: #ffffff;
}
"""

_DEFAULT_FONT = "cars_default_font"
_DEFAULT_PALETTE = "cars_default_palette"


def high_contrast_palette() -> QPalette:
    """Black text on white, a dark blue selection with white text, grey only for disabled text."""
    palette = QPalette()
    black, white, blue = QColor("#000000"), QColor("#ffffff"), QColor("#00005a")
    for role in (QPalette.ColorRole.Window, QPalette.ColorRole.Base, QPalette.ColorRole.Button):
        palette.setColor(role, white)
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#f0f0f0"))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.ToolTipText,
        QPalette.ColorRole.PlaceholderText,
    ):
        palette.setColor(role, black)
    palette.setColor(QPalette.ColorRole.ToolTipBase, QColor("#ffffe0"))
    palette.setColor(QPalette.ColorRole.Highlight, blue)
    palette.setColor(QPalette.ColorRole.HighlightedText, white)
    palette.setColor(QPalette.ColorRole.Link, blue)
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#595959"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor("#595959"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#595959"))
    return palette


def _remember_defaults(app: QApplication) -> tuple[QFont, QPalette]:
    """The look before any user's preference, kept on the application object (not a global)."""
    font, palette = app.property(_DEFAULT_FONT), app.property(_DEFAULT_PALETTE)
    if not isinstance(font, QFont) or not isinstance(palette, QPalette):
        font, palette = QFont(app.font()), QPalette(app.palette())
        app.setProperty(_DEFAULT_FONT, font)
        app.setProperty(_DEFAULT_PALETTE, palette)
    return font, palette


def apply_appearance(preferences: Preferences) -> None:
    """Apply one user's large print and high contrast choices to every window."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    font, palette = _remember_defaults(app)
    chosen = QFont(font)
    if preferences.large_print:
        chosen.setPointSizeF(font.pointSizeF() * LARGE_PRINT_SCALE)
    app.setFont(chosen)
    app.setPalette(high_contrast_palette() if preferences.high_contrast else palette)
    app.setStyleSheet(HIGH_CONTRAST_STYLE if preferences.high_contrast else "")


def reset_appearance() -> None:
    """Back to the standard look (a session ended; the next user may want another)."""
    apply_appearance(Preferences())
