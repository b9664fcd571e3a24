"""Rules for writing reports to files, shared by `cars-desktop report` and `cars-server report`.

A report may leave the service, so a file is never overwritten (it may be a return already sent)
and a folder of tables must be new or empty. Both commands check the same things and say them in
the same words; each turns a problem into its own kind of one-line error.
"""

from __future__ import annotations

import os
from pathlib import Path


class ReportFileError(Exception):
    """A report file or folder that cannot be used; the message names it and says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def already_exists(path: Path) -> str:
    return f"{path} already exists; choose a new file name so nothing is overwritten"


def commissioner_option_problem(
    format_: str | None, out: Path | None, period: str | None, by: str | None
) -> str | None:
    """Why the options cannot make the commissioner's report (PDF and/or tables), or None."""
    if format_ in ("csv", "json"):
        return "--tables-dir writes the commissioner's report: use it alone or with --format pdf"
    if format_ == "pdf" and out is None:
        return "--format pdf needs --out FILE (a PDF is not written to the terminal)"
    for option, given in (("--period", period), ("--by", by)):
        if given is not None:
            return f"{option} does not apply to the commissioner's report (it covers --from to --to)"
    return None


def tables_folder_problem(folder: Path) -> str | None:
    """Why `folder` cannot take the report's tables (a file, or not empty), or None."""
    if not os.path.lexists(folder):
        return None
    if not folder.is_dir():
        return f"{folder} is a file; --tables-dir needs a new or empty folder"
    if any(folder.iterdir()):
        return f"{folder} is not empty; choose a new or empty folder so nothing is overwritten"
    return None


def make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportFileError(f"cannot make the folder {folder}: {exc.strerror}") from None


def write_new_file(path: Path, data: bytes) -> None:
    """Create `path` (readable by its owner only) with `data`, synced to disk; never replaces a file."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ReportFileError(already_exists(path)) from None
    except OSError as exc:
        raise ReportFileError(f"cannot create {path}: {exc.strerror}") from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise ReportFileError(f"cannot write {path}: {exc.strerror}") from None
