"""PyInstaller runtime hook: with CARS_BUNDLE_SMOKE=unlock-window, quit once the unlock window is shown.

CI and installer/build.py start the built program in offscreen mode and need it to end by itself
once the unlock window has painted, printing one line that says so (the bench's probe does the same
from outside, which a frozen program does not allow). Without the variable this does nothing and
imports nothing. It is a test hook only: it can end the program, never change what it does.
"""

import os

SMOKE_MARKER = "cars-desktop: unlock window shown"

if os.environ.get("CARS_BUNDLE_SMOKE") == "unlock-window":
    from PySide6.QtCore import QCoreApplication, QTimer

    import cars_desktop.app as _app

    _original_start = _app.GuiController.start

    def _start_then_quit(self: _app.GuiController) -> None:
        def shown() -> None:
            print(SMOKE_MARKER, flush=True)
            QTimer.singleShot(0, QCoreApplication.quit)

        self.unlock_window.sig_first_paint.connect(shown)
        _original_start(self)

    _app.GuiController.start = _start_then_quit  # type: ignore[method-assign]
