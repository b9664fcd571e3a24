"""Build the one-folder bundle of CARS Desktop, check it, archive it and say how big and fast it is.

    .venv/bin/python -m pip install -c constraints.txt -e ".[bundle]"   # once: PyInstaller, pinned
    .venv/bin/python installer/build.py                                # build, check, archive, measure
    .venv/bin/python installer/build.py --check-only --cold            # check dist/ as is; cold start (root)

Reproducible from the lock file: it refuses to build when an installed distribution differs from
its pin in constraints.txt, sets SOURCE_DATE_EPOCH (the last commit's time unless already set) and
PYTHONHASHSEED=0 for PyInstaller, and writes the archive with sorted entries, clamped times and no
owner names. Output, in dist/: the folder `cars-desktop/` (executable `cars-desktop`, or
`cars-desktop.exe` on Windows, for installer/windows/cars-desktop.iss) and, on Linux,
`cars-desktop-<version>-linux-x86_64.tar.gz`. Exit status 0 only if the bundle passed every check
and started to its unlock window.
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import re
import subprocess
import sys
import tarfile
import time
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bundle_check import (  # the installer folder is not a package: found by the path above
    BundleProblem,
    content_problems,
    describe,
    measure_size,
    measure_start,
)

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "installer" / "cars-desktop.spec"
BUNDLE_NAME = "cars-desktop"
VERSION_INCLUDE = "cars-desktop-version.iss"  # read by installer/windows/cars-desktop.iss
PIN = re.compile(r"^\s*([A-Za-z0-9._-]+)\s*==\s*([^\s;#]+)")


def program_version() -> str:
    """The version the program reports (`cars_desktop.__version__`), read without importing it."""
    text = (REPO / "cars_desktop" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if found is None:
        raise BundleProblem("cars_desktop/__init__.py has no __version__")
    return found.group(1)


def archive_name(version: str) -> str:
    """The Linux archive's file name, as agreed with the provisioning and version-gate work."""
    return f"{BUNDLE_NAME}-{version}-linux-{platform.machine()}.tar.gz"


def write_version_include(dist: Path, version: str) -> Path:
    """The Inno Setup include that gives the Windows installer the program's version."""
    dist.mkdir(parents=True, exist_ok=True)
    target = dist / VERSION_INCLUDE
    target.write_text(f'; written by installer/build.py\n#define AppVersion "{version}"\n', encoding="utf-8")
    return target


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_mismatches(constraints: Path) -> list[str]:
    """Installed distributions whose version differs from their pin; PyInstaller must be pinned."""
    pins: dict[str, str] = {}
    for line in constraints.read_text(encoding="utf-8").splitlines():
        pinned = PIN.match(line)
        if pinned:
            pins[_normalise(pinned.group(1))] = pinned.group(2)
    problems = [] if "pyinstaller" in pins else [f"pyinstaller is not pinned in {constraints.name}"]
    for dist in metadata.distributions():
        name = _normalise(dist.metadata["Name"] or "")
        if name in pins and dist.version != pins[name]:
            problems.append(f"{name} {dist.version} is installed but {constraints.name} pins {pins[name]}")
    try:
        metadata.version("pyinstaller")
    except metadata.PackageNotFoundError:
        problems.append("PyInstaller is not installed")
    return sorted(problems)


def source_date_epoch() -> str:
    """SOURCE_DATE_EPOCH as given, else the last commit's time, so two builds of one commit agree."""
    given = os.environ.get("SOURCE_DATE_EPOCH")
    if given:
        return given
    done = subprocess.run(
        ["git", "log", "-1", "--format=%ct"], cwd=REPO, capture_output=True, text=True, check=False
    )
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else "0"


def run_pyinstaller(dist: Path, work: Path, epoch: str) -> float:
    """Build dist/cars-desktop from the spec; returns the seconds it took."""
    env = dict(os.environ, SOURCE_DATE_EPOCH=epoch, PYTHONHASHSEED="0")
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN"]
    command += ["--distpath", str(dist), "--workpath", str(work), str(SPEC)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, check=False)
    if done.returncode != 0:
        raise BundleProblem(f"PyInstaller failed (exit {done.returncode}); its messages are above")
    return time.perf_counter() - started


def write_archive(bundle: Path, target: Path, epoch: int) -> None:
    """A tar.gz of the bundle folder that is the same bytes for the same files and epoch."""

    def normalise(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.mtime = min(int(info.mtime), epoch)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    paths = sorted(bundle.rglob("*"))
    with (
        target.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=epoch) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        tar.add(bundle, arcname=bundle.name, recursive=False, filter=normalise)
        for path in paths:
            arcname = str(Path(bundle.name) / path.relative_to(bundle))
            tar.add(path, arcname=arcname, recursive=False, filter=normalise)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=REPO / "dist", help="output folder (default dist/)")
    parser.add_argument(
        "--work", type=Path, default=REPO / "build" / "pyinstaller", help="PyInstaller's work folder"
    )
    parser.add_argument(
        "--check-only", action="store_true", help="check and measure the existing build (no archive)"
    )
    parser.add_argument("--runs", type=int, default=3, help="start-up runs of each kind (default 3)")
    parser.add_argument(
        "--cold", action="store_true", help="drop the file cache before the first runs (Linux, root)"
    )
    args = parser.parse_args(argv)
    bundle = args.dist / BUNDLE_NAME
    version = program_version()
    try:
        epoch = source_date_epoch()
        if not args.check_only:
            mismatches = lock_mismatches(REPO / "constraints.txt")
            if mismatches:
                fix = 'python -m pip install -c constraints.txt -e ".[bundle]"'
                listed = "\n  ".join(mismatches)
                raise BundleProblem(f"the environment differs from the lock file:\n  {listed}\n  run: {fix}")
            print(f"Building cars-desktop {version} (SOURCE_DATE_EPOCH={epoch})", flush=True)
            seconds = run_pyinstaller(args.dist, args.work, epoch)
            print(f"PyInstaller took {seconds:.0f} s", flush=True)
        problems = content_problems(bundle)
        if problems:
            raise BundleProblem("the bundle is not fit to ship:\n  " + "\n  ".join(problems))
        write_version_include(args.dist, version)
        print("Contents: no test, bench or server files; no excluded modules; resources and migrations in")
        if sys.platform.startswith("linux") and not args.check_only:
            target = args.dist / archive_name(version)
            write_archive(bundle, target, int(epoch))
            print(f"Archive: {target} ({target.stat().st_size / 1e6:.1f} MB)")
        size = measure_size(bundle)
        print(f"Bundle: {bundle} is {size.megabytes:.1f} MB in {size.files} files")
        times = measure_start(bundle, max(1, args.runs), cold=args.cold)
        kind = "cold (file cache dropped), then warm" if args.cold else "first, then warm"
        print(f"Start-up, {kind}:")
        print(f"Start to --version output: {describe(times.version)}")
        print(f"Start to the unlock window (offscreen): {describe(times.unlock)}")
    except BundleProblem as problem:
        print(f"build.py: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
