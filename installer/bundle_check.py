"""Checks and measurements of a built one-folder bundle: what is in it, and that it starts.

Used by installer/build.py after PyInstaller has run, and on its own (`--check-only`) by CI. The
content checks look at the files on disk and at the module archive inside the executable, so they
see exactly what a workstation would get.
"""

from __future__ import annotations

import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bundle_contents import (
    EXCLUDED_PACKAGES,
    FORBIDDEN_LIBRARY_MARKERS,
    FORBIDDEN_PATH_PARTS,
    QT_MODULES,
    UNUSED_QT_MODULES,
)

SMOKE_MARKER = "cars-desktop: unlock window shown"  # printed by installer/hooks/rthook_smoke.py
START_TIMEOUT_S = 180.0  # a loaded CI machine; the figure printed is what counts, not this limit
REPO = Path(__file__).resolve().parent.parent
MIGRATIONS = Path("cars_desktop", "storage", "migrations")


class BundleProblem(Exception):
    """The bundle is not fit to ship; the message says what is wrong."""


def executable(bundle: Path) -> Path:
    """The program inside the one-folder bundle."""
    return bundle / ("cars-desktop.exe" if sys.platform == "win32" else "cars-desktop")


def _files(bundle: Path) -> Iterator[Path]:
    """Regular files only: PyInstaller links some libraries by symlink, which take no space."""
    return (p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())


@dataclass(frozen=True)
class Size:
    megabytes: float
    files: int


def measure_size(bundle: Path) -> Size:
    """Total size of the folder's files (MB, 10^6 bytes; symlinks not counted) and their number."""
    sizes = [p.stat().st_size for p in _files(bundle)]
    return Size(sum(sizes) / 1e6, len(sizes))


def bundled_modules(bundle: Path) -> list[str]:
    """Names of the Python modules in the executable's module archive (PYZ)."""
    from PyInstaller.archive.readers import CArchiveReader  # type: ignore[import-untyped]  # build tool

    archive = CArchiveReader(str(executable(bundle)))
    return sorted(archive.open_embedded_archive("PYZ.pyz").toc)


def content_problems(bundle: Path) -> list[str]:
    """Everything wrong with the bundle's contents; empty when it is fit to ship."""
    problems: list[str] = []
    if not executable(bundle).is_file():
        return [f"the executable {executable(bundle).name} is missing from {bundle}"]
    internal = bundle / "_internal"
    for path in _files(bundle):
        relative = path.relative_to(bundle)
        if any(part in FORBIDDEN_PATH_PARTS for part in relative.parts):
            problems.append(f"test, bench, server or cache file in the bundle: {relative}")
        if any(marker in path.name for marker in FORBIDDEN_LIBRARY_MARKERS):
            problems.append(f"library of an unused Qt module in the bundle: {relative}")
    modules = bundled_modules(bundle)
    unused_qt = {f"PySide6.{name}" for name in UNUSED_QT_MODULES}
    for name in modules:
        if name.split(".")[0] in EXCLUDED_PACKAGES or name in unused_qt:
            problems.append(f"excluded module in the bundle: {name}")
    for needed in ("cars_desktop.cli", "cars_desktop.app", "cars_desktop.ui.main_window", "sqlcipher3"):
        if needed not in modules:
            problems.append(f"module missing from the bundle: {needed}")
    for qt_module in QT_MODULES:  # extension modules: files beside the archive, not in it
        if not list((internal / "PySide6").glob(f"{qt_module}.*")):
            problems.append(f"the Qt module PySide6.{qt_module} is missing")
    if not list((internal / "sqlcipher3").glob("_sqlite3*")):
        problems.append("the SQLCipher extension (sqlcipher3/_sqlite3) is missing")
    shipped = sorted(p.name for p in (REPO / MIGRATIONS / "versions").glob("*.py"))
    bundled = sorted(p.name for p in (internal / MIGRATIONS / "versions").glob("*.py"))
    if shipped != bundled:
        problems.append(f"migrations differ from the source: bundled {bundled}, source {shipped}")
    for name in ("env.py", "script.py.mako"):
        if not (internal / MIGRATIONS / name).is_file():
            problems.append(f"the migrations' {name} is missing")
    for folder in ("forms", "letters", "help", "fonts", "reference"):
        if not any((internal / "resources" / folder).glob("*")):
            problems.append(f"resources/{folder} is missing or empty")
    return problems


def _program_env(state_dir: Path) -> dict[str, str]:
    """Offscreen, a cheap key-derivation cost for the scratch store, logs in a scratch folder."""
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        XDG_STATE_HOME=str(state_dir),
        LOCALAPPDATA=str(state_dir),
        CARS_ARGON2_MEMORY_KIB="1024",
        CARS_ARGON2_TIME_COST="1",
        CARS_ARGON2_PARALLELISM="1",
    )
    return env


def _children_cpu_s() -> float:
    """CPU seconds used by finished child processes (0 where the platform cannot say)."""
    if sys.platform == "win32":
        return 0.0
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class Run:
    wall_s: float  # spawn to the marker line: what a user waits
    cpu_s: float  # CPU the whole run used: steadier than wall time on a shared, loaded machine


def _time_until(command: list[str], env: dict[str, str], marker: str) -> Run:
    """Time from just before spawning `command` to the first output line containing `marker`."""
    cpu_before = _children_cpu_s()
    started = time.perf_counter()
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        assert process.stdout is not None
        seen: list[str] = []
        for line in process.stdout:
            if marker in line:
                elapsed = time.perf_counter() - started
                process.wait(timeout=START_TIMEOUT_S)
                return Run(elapsed, _children_cpu_s() - cpu_before)
            seen.append(line.rstrip())
            if time.perf_counter() - started > START_TIMEOUT_S:
                break
        process.kill()
        process.wait()
    tail = "\n    ".join(seen[-15:]) or "(no output)"
    raise BundleProblem(f"{' '.join(command[1:])}: never printed {marker!r}; its output:\n    {tail}")


def _init_store(program: Path, data_dir: Path, env: dict[str, str]) -> None:
    """A scratch store made by the bundle itself (which exercises SQLCipher and the migrations)."""
    password = secrets.token_urlsafe(18)
    done = subprocess.run(
        [
            str(program),
            "--data-dir",
            str(data_dir),
            "init",
            "--site",
            "OLDBURY",
            "--admin",
            "smoke.admin",
            "--password-stdin",
        ],
        input=password + "\n",
        env=env,
        capture_output=True,  # the recovery key is printed once; it must not reach a CI log
        text=True,
        timeout=START_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise BundleProblem(f"the bundle could not create a store (exit {done.returncode}): {done.stderr}")


@dataclass(frozen=True)
class StartTimes:
    version: list[Run]  # spawn to the `--version` line
    unlock: list[Run]  # spawn to the unlock window's first paint, offscreen


def drop_file_cache() -> None:
    """Empty Linux's page cache (root only), so the next start reads every file from disk."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n", encoding="ascii")
    except OSError as exc:
        reason = f"cannot drop the file cache for a cold start ({exc.strerror}); run as root"
        raise BundleProblem(reason) from exc


def measure_start(bundle: Path, runs: int, cold: bool = False) -> StartTimes:
    """Start the bundle `runs` times to `--version` and `runs` times to the unlock window.

    The first of each is the coldest: with `cold`, the file cache is dropped just before it (a
    real cold start, as after a reboot); otherwise it is as cold as the machine's cache leaves it.
    The unlock runs' CPU includes the background warm-up that starts at the first paint.
    """
    program = executable(bundle)
    with tempfile.TemporaryDirectory(prefix="cars-bundle-smoke-") as scratch:
        env = _program_env(Path(scratch) / "state")
        data_dir = Path(scratch) / "data"
        _init_store(program, data_dir, env)
        version: list[Run] = []
        unlock: list[Run] = []
        unlock_env = dict(env, CARS_BUNDLE_SMOKE="unlock-window")
        for run in range(runs):
            if cold and run == 0:
                drop_file_cache()
            version.append(_time_until([str(program), "--version"], env, "cars-desktop "))
            if cold and run == 0:
                drop_file_cache()
            unlock.append(_time_until([str(program), "--data-dir", str(data_dir)], unlock_env, SMOKE_MARKER))
    return StartTimes(version, unlock)


def describe(runs: list[Run]) -> str:
    """First run, then the medians of all, in milliseconds (the first is the coldest)."""
    wall = statistics.median(r.wall_s for r in runs) * 1000
    cpu = statistics.median(r.cpu_s for r in runs) * 1000
    return (
        f"first {runs[0].wall_s * 1000:.0f} ms, median {wall:.0f} ms wall, {cpu:.0f} ms CPU (n={len(runs)})"
    )
