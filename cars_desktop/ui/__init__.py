"""All Qt lives here: the task runner, ops, windows and widgets.

Nothing outside `cars_desktop.ui` and `cars_desktop.app` imports PySide6, and nothing imports `ui`.
"""
