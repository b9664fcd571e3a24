"""The bundle's contents rules and the build's lock check and archive, without building a bundle.

The real build runs in CI's bundle step (installer/ci-bundle-check.sh); these keep ./run-tests fast.
"""

from __future__ import annotations

import tarfile
from importlib import metadata
from pathlib import Path

import pytest
from bundle_contents import EXCLUDED_MODULES, QT_MODULES, UNUSED_QT_MODULES, keep_in_bundle

from tests.installer.loader import build


@pytest.mark.parametrize(
    ("destination", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/plugins/platforms/qwindows.dll", True),
        ("PySide6/Qt/plugins/printsupport/libcupsprintersupport.so", True),
        ("PySide6/plugins/styles/qmodernwindowsstyle.dll", True),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", False),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", False),
        ("PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/tls/libqopensslbackend.so", False),
        ("PySide6/Qt/lib/libQt6Quick.so.6", False),
        ("PySide6/Qt6Qml.dll", False),
        ("PySide6/Qt/translations/qtbase_de.qm", False),
        ("PySide6/Qt/lib/libQt6PrintSupport.so.6", True),
        ("PySide6/Qt/lib/libQt6Pdf.so.6", True),
        ("PySide6\\Qt6Charts.dll", True),
        ("sqlcipher3/_sqlite3.cpython-311-x86_64-linux-gnu.so", True),
        ("resources/forms/referral/v1.json", True),
    ],
)
def test_keep_in_bundle(destination: str, kept: bool) -> None:
    assert keep_in_bundle(destination) is kept


def test_used_and_unused_qt_modules_do_not_overlap() -> None:
    assert not set(QT_MODULES) & set(UNUSED_QT_MODULES)
    assert "cars_server" in EXCLUDED_MODULES and "pytest" in EXCLUDED_MODULES
    assert "PySide6.QtWebEngineCore" in EXCLUDED_MODULES


def test_lock_check_names_a_version_that_differs_from_its_pin(tmp_path: Path) -> None:
    constraints = tmp_path / "constraints.txt"
    installed = metadata.version("pydantic")
    constraints.write_text(f"pydantic==0.0.1\nplatformdirs=={metadata.version('platformdirs')}\n")
    problems = build.lock_mismatches(constraints)
    assert f"pydantic {installed} is installed but constraints.txt pins 0.0.1" in problems
    assert "pyinstaller is not pinned in constraints.txt" in problems
    assert not any("platformdirs" in problem for problem in problems)


def test_the_lock_file_pins_pyinstaller() -> None:
    text = (build.REPO / "constraints.txt").read_text(encoding="utf-8")
    assert any(build.PIN.match(line) and line.startswith("pyinstaller==") for line in text.splitlines())


def _bundle(root: Path) -> Path:
    bundle = root / "cars-desktop"
    (bundle / "_internal" / "resources").mkdir(parents=True)
    (bundle / "cars-desktop").write_bytes(b"\x7fELF")
    (bundle / "_internal" / "resources" / "sites.json").write_text('{"list": "sites"}')
    return bundle


def test_archive_is_the_same_bytes_for_the_same_files(tmp_path: Path) -> None:
    first, second = _bundle(tmp_path / "a"), _bundle(tmp_path / "b")
    (second / "cars-desktop").touch()  # a later modification time must not change the archive
    epoch = 1_700_000_000
    build.write_archive(first, tmp_path / "a.tar.gz", epoch)
    build.write_archive(second, tmp_path / "b.tar.gz", epoch)
    assert (tmp_path / "a.tar.gz").read_bytes() == (tmp_path / "b.tar.gz").read_bytes()
    with tarfile.open(tmp_path / "a.tar.gz") as tar:
        names = tar.getnames()
        assert names[0] == "cars-desktop"
        assert "cars-desktop/_internal/resources/sites.json" in names
        assert {member.mtime for member in tar.getmembers()} <= {epoch}


def test_archive_name_is_the_agreed_one() -> None:
    assert build.archive_name("0.1.0").startswith("cars-desktop-0.1.0-linux-")
    assert build.archive_name("0.1.0").endswith(".tar.gz")


def test_the_smoke_hook_prints_the_line_the_check_waits_for() -> None:
    from bundle_check import SMOKE_MARKER

    hook = (build.REPO / "installer" / "hooks" / "rthook_smoke.py").read_text(encoding="utf-8")
    assert f'SMOKE_MARKER = "{SMOKE_MARKER}"' in hook
    assert 'os.environ.get("CARS_BUNDLE_SMOKE") == "unlock-window"' in hook
