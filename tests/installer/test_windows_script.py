"""The Windows installer script agrees with the one-folder build it packages and with the program.

Inno Setup cannot run here, so the script is checked against a copy of the build output's layout
(the executables the PyInstaller spec makes, with `.exe`, and `_internal/`) and against the
program's own names: its version, its data folder and its `provision` command.
"""

from __future__ import annotations

import re
import shutil
import sys
import tomllib
from pathlib import Path, PureWindowsPath

import pytest
from bundle_check import executable

from cars_desktop import __version__
from cars_desktop.cli import build_parser
from cars_desktop.config import machine_data_dir
from tests.installer.iss import IssScript, read_iss
from tests.installer.loader import build

REPO = Path(__file__).resolve().parents[2]
ISS = REPO / "installer" / "windows" / "cars-desktop.iss"
SPEC = REPO / "installer" / "cars-desktop.spec"


def spec_executables() -> list[str]:
    """Names of the executables the PyInstaller spec builds (on Windows, all of them)."""
    return re.findall(r'_executable\("([\w-]+)"', SPEC.read_text(encoding="utf-8"))


def windows_build_layout(dist: Path) -> Path:
    """What installer/build.py leaves in dist/ on Windows: the bundle folder and the version include."""
    bundle: Path = dist / build.BUNDLE_NAME
    (bundle / "_internal" / "resources").mkdir(parents=True)
    (bundle / "_internal" / "resources" / "sites.json").write_text("{}", encoding="utf-8")
    for name in spec_executables():
        (bundle / f"{name}.exe").write_bytes(b"MZ")
    build.write_version_include(dist, build.program_version())
    return bundle


@pytest.fixture
def script(tmp_path: Path) -> IssScript:
    """The real script, read from a copy placed as in the repository, beside a Windows-like dist/."""
    copy = tmp_path / "installer" / "windows" / ISS.name
    copy.parent.mkdir(parents=True)
    shutil.copy(ISS, copy)
    windows_build_layout(tmp_path / "dist")
    return read_iss(copy)


def _on_disk(script: IssScript, windows_path: str) -> Path:
    return script.path.parent.joinpath(*PureWindowsPath(script.expand(windows_path)).parts)


def test_every_files_source_resolves_against_the_build_output(script: IssScript) -> None:
    sources = [entry["Source"] for entry in script.sections["Files"]]
    assert sources, "the script installs no files"
    for source in sources:
        path = _on_disk(script, source)
        matches = list(path.parent.glob(path.name)) if "*" in path.name else [path] * path.is_file()
        assert matches, f"[Files] Source {source} matches nothing in the build output"


def test_every_program_the_script_starts_is_installed(script: IssScript) -> None:
    files = [entry for entry in script.sections["Files"] if "*" not in entry["Source"]]
    installed = {
        PureWindowsPath(script.expand(e["DestDir"])) / PureWindowsPath(script.expand(e["Source"])).name
        for e in files
    }
    started = [entry["Filename"] for section in ("Icons", "Run") for entry in script.sections[section]]
    started += [script.setup["UninstallDisplayIcon"]]
    started += re.findall(r"ExpandConstant\('(\{app\}\\[\w.-]+\.exe)'\)", script.code)
    assert len(started) >= 4
    for program in started:
        assert PureWindowsPath(program) in installed, f"{program} is not installed by [Files]"


def test_the_console_program_has_the_agreed_name(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "cars-desktop" in spec_executables()
    assert "cars-desktop-gui" in spec_executables()  # the Start-menu entry's windowed program
    monkeypatch.setattr(sys, "platform", "win32")
    assert executable(Path("dist", "cars-desktop")).name == "cars-desktop.exe"


def test_app_version_is_the_package_version(script: IssScript) -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert script.defines["AppVersion"] == __version__ == pyproject["project"]["version"]
    assert script.includes == [(script.path.parent / "../../dist" / build.VERSION_INCLUDE).resolve()]
    assert script.setup["AppVersion"] == "{#AppVersion}"
    output = script.expand(script.setup["OutputBaseFilename"]) + ".exe"
    assert output == f"CARS-Desktop-Setup-{__version__}.exe"


def test_the_script_refuses_to_compile_without_the_version(tmp_path: Path) -> None:
    copy = tmp_path / "installer" / "windows" / ISS.name
    copy.parent.mkdir(parents=True)
    shutil.copy(ISS, copy)
    with pytest.raises(FileNotFoundError):  # no dist/cars-desktop-version.iss: build.py has not run
        read_iss(copy)
    assert "#error" in ISS.read_text(encoding="utf-8")


def test_data_folder_is_the_one_the_program_uses(script: IssScript, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("PROGRAMDATA", "/ProgramData")
    (folder,) = [entry["Name"] for entry in script.sections["Dirs"]]
    assert PureWindowsPath(folder).parent == PureWindowsPath("{commonappdata}")
    assert script.expand(PureWindowsPath(folder).name) == machine_data_dir().name
    assert "uninsneveruninstall" in script.sections["Dirs"][0]["Flags"]


def test_data_folder_permissions_name_users_and_never_everyone(script: IssScript) -> None:
    icacls = re.search(r"Params := (.*?);\n", script.code, re.DOTALL)
    assert icacls is not None and "/inheritance:r" in icacls.group(1)
    assert "*S-1-5-32-545:(OI)(CI)M" in icacls.group(1)  # the machine's Users: modify
    assert "S-1-1-0" not in script.code and "everyone" not in script.code.lower()  # Everyone


def test_provisioning_runs_a_command_the_program_has(script: IssScript) -> None:
    """The installer runs `cars-desktop.exe --data-dir DIR provision FILE`; the CLI must accept it."""
    assert "{param:PROVISION|}" in script.code
    assert "'\" --data-dir \"' + DataFolder" in script.code and "'\" provision \"' + FileName" in script.code
    args = build_parser().parse_args(["--data-dir", "D", "provision", "ws.toml"])
    assert args.command == "provision" and str(args.file) == "ws.toml"
    assert "GetCustomSetupExitCode" in script.code  # a failed provisioning fails the silent install
