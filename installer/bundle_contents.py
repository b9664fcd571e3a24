"""What the one-folder bundle must hold and must not: shared by the PyInstaller spec and build.py.

One list, so that what the spec leaves out is exactly what build.py checks is absent.
"""

from __future__ import annotations

QT_MODULES: tuple[str, ...] = (
    "QtCore",
    "QtGui",
    "QtWidgets",
    "QtPrintSupport",  # printing letters and the release pack
    "QtPdf",  # the print preview renders the PDF it will print
    "QtPdfWidgets",
    "QtCharts",  # the reports page
    "QtSvg",  # icons
)
"""PySide6 modules the program uses; PyInstaller's Qt hooks bring their libraries and plugins
(QtGui brings the platform plugins: offscreen, xcb and wayland on Linux, windows on Windows)."""

UNUSED_QT_MODULES: tuple[str, ...] = (
    "Qt3DAnimation",
    "Qt3DCore",
    "Qt3DExtras",
    "Qt3DInput",
    "Qt3DLogic",
    "Qt3DRender",
    "QtBluetooth",
    "QtCanvasPainter",
    "QtDataVisualization",
    "QtDesigner",
    "QtGraphs",
    "QtGraphsWidgets",
    "QtHelp",
    "QtHttpServer",
    "QtLocation",
    "QtMultimedia",
    "QtMultimediaWidgets",
    "QtNetworkAuth",
    "QtNfc",
    "QtPositioning",
    "QtQml",
    "QtQuick",
    "QtQuick3D",
    "QtQuickControls2",
    "QtQuickTest",
    "QtQuickWidgets",
    "QtRemoteObjects",
    "QtScxml",
    "QtSensors",
    "QtSerialBus",
    "QtSerialPort",
    "QtSpatialAudio",
    "QtSql",
    "QtStateMachine",
    "QtTest",
    "QtTextToSpeech",
    "QtUiTools",
    "QtWebChannel",
    "QtWebEngineCore",
    "QtWebEngineQuick",
    "QtWebEngineWidgets",
    "QtWebSockets",
    "QtWebView",
    "QtXml",
)
"""PySide6 modules nothing in the program imports; excluded so their bindings and libraries stay out."""

EXCLUDED_PACKAGES: tuple[str, ...] = (
    # the central server and its stack: a workstation never runs it
    "cars_server",
    "fastapi",
    "starlette",
    "uvicorn",
    "psycopg",
    "psycopg_binary",
    # tests, benchmarks and the tools that run them
    "tests",
    "bench",
    "pytest",
    "_pytest",
    "pytestqt",
    "hypothesis",
    "pypdf",
    "mypy",
    "ruff",
    "importlinter",
    "grimp",
    # nothing here uses them; PyInstaller would follow optional imports into them
    "tkinter",
    "setuptools",  # PyInstaller's setuptools runtime hook would import it at every start
    "pkg_resources",
    "distutils",
    "_distutils_hack",
    "pip",
    "wheel",
    "IPython",
    "matplotlib",
    "numpy",
)
"""Top-level Python packages that must not be in the bundle."""

EXCLUDED_MODULES: tuple[str, ...] = EXCLUDED_PACKAGES + tuple(f"PySide6.{m}" for m in UNUSED_QT_MODULES)
"""Everything the spec hands PyInstaller as `excludes`."""

FORBIDDEN_LIBRARY_MARKERS: tuple[str, ...] = (
    "Qt6WebEngine",
    "Qt6Qml",
    "Qt6Quick",
    "Qt63D",
    "Qt6Multimedia",
    "Qt6Designer",
    "Qt6Location",
    "Qt6Bluetooth",
    "QtWebEngineProcess",
)
"""Parts of file names under the bundle that would mean an unused Qt module's libraries came in."""

FORBIDDEN_PATH_PARTS: tuple[str, ...] = ("tests", "bench", "conftest.py", "cars_server", "__pycache__")
"""Folder or file names that would mean test, benchmark or server files were copied in as data."""

KEPT_QT_PLUGINS: dict[str, tuple[str, ...]] = {
    # folder under Qt's plugins/: file-name stems kept there ("*" keeps the whole folder)
    "platforms": ("libqoffscreen", "libqminimal", "libqxcb", "qoffscreen", "qminimal", "qwindows"),
    "platformthemes": ("libqxdgdesktopportal",),
    "platforminputcontexts": ("libcomposeplatforminputcontextplugin", "libibusplatforminputcontextplugin"),
    "xcbglintegrations": ("*",),
    "imageformats": ("*",),
    "iconengines": ("*",),
    "printsupport": ("*",),
    "styles": ("*",),  # the Windows style
}
"""Qt plugins the bundle keeps: the platforms the brief names (offscreen, xcb, windows; minimal for
scripts), printing, images, icons and keyboard input. Everything else PyInstaller's Qt hooks
collect (Wayland, EGLFS, evdev, the virtual keyboard that drags in Qt Quick, TLS and network
information for QtNetwork, which the program does not use, the GTK theme whose GTK libraries a
workstation may lack) is dropped."""

DROPPED_QT_LIBRARY_MARKERS: tuple[str, ...] = (
    "Qt6Quick",
    "Qt6Qml",
    "Qt6VirtualKeyboard",
    "Qt6Wayland",
    "Qt6EglFs",
    "Qt6WlShell",
)
"""Qt libraries that came in only as dependencies of dropped plugins (see KEPT_QT_PLUGINS)."""


def _plugin_kept(folder: str, filename: str) -> bool:
    stems = KEPT_QT_PLUGINS.get(folder)
    if stems is None:
        return False
    return "*" in stems or filename.split(".")[0] in stems


def keep_in_bundle(destination: str) -> bool:
    """Whether a file PyInstaller collected at `destination` (a path inside the bundle) stays.

    Drops unneeded Qt plugins and their libraries, and Qt's own translations (the program is in
    UK English only).
    """
    parts = destination.replace("\\", "/").split("/")
    if parts[0] != "PySide6":
        return True
    if "translations" in parts:
        return False
    if "plugins" in parts:
        below = parts[parts.index("plugins") + 1 :]
        return len(below) == 2 and _plugin_kept(below[0], below[1])
    return not any(marker in parts[-1] for marker in DROPPED_QT_LIBRARY_MARKERS)
