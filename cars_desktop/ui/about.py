"""Help > About: which CARS Desktop this is and which versions the central server accepts.

IT staff are asked for these two facts before any upgrade ("which installer do I run?"), so they
are one menu away rather than only in a refusal message after the server has stopped accepting.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from cars_desktop import __version__
from cars_desktop.sync.cycle import SyncStatus
from cars_protocol import PROTOCOL_VERSION
from cars_protocol.installers import linux_bundle_name, windows_installer_name


def about_text(status: SyncStatus | None, workstation: str) -> str:
    """The About box's words: this version, the server's minimum when known, the installers' names."""
    lines = [f"CARS Desktop {__version__} (sync protocol {PROTOCOL_VERSION})", workstation]
    minimum = status.server_minimum_version if status is not None else None
    if minimum is None:
        lines.append("The central server's oldest accepted version is not known yet (no sync so far).")
    else:
        lines.append(f"The central server accepts CARS Desktop {minimum} or later.")
        lines.append(
            f"Its installers are {windows_installer_name(minimum)} (Windows) and "
            f"{linux_bundle_name(minimum)} (Linux)."
        )
    return "\n".join(lines)


def show_about(parent: QWidget, status: SyncStatus | None, workstation: str) -> QMessageBox:
    """A small window-modal box (plain text: nothing from the server is read as markup)."""
    box = QMessageBox(parent)
    box.setWindowTitle("About CARS Desktop")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(about_text(status, workstation))
    box.setAccessibleName("About CARS Desktop")
    box.open()
    return box
