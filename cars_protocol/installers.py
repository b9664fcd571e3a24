"""The names of the CARS Desktop installers, and the words that tell an operator which one to run.

One place for both, because three parties must agree on them: the installer build (which produces
the files), the server's version gate (which names the file an old workstation needs) and the
workstation (which shows that message as it came). A renamed installer then changes one line.
"""

from __future__ import annotations

#: Every `/v1` reply names the oldest CARS Desktop the server accepts, so a workstation (or an
#: operator with curl) can see an upgrade coming before the server starts refusing it.
HEADER_MINIMUM_CLIENT_VERSION = "X-Cars-Minimum-Client-Version"

#: Where IT publishes installers, when the server has not been told a more specific place.
DEFAULT_INSTALLER_SOURCE = "your IT service"


def windows_installer_name(version: str) -> str:
    """The Windows installer of `version` (Inno Setup, per-machine)."""
    return f"CARS-Desktop-Setup-{version}.exe"


def linux_bundle_name(version: str) -> str:
    """The Linux one-folder bundle of `version`, as a tarball."""
    return f"cars-desktop-{version}-linux-x86_64.tar.gz"


def client_too_old_message(client_version: str, minimum: str, source: str | None = None) -> str:
    """What an operator reads when the server refuses this program as too old.

    It names the exact files to run, says where they come from, and says that nothing is lost: the
    records and the unsent changes stay on the workstation until the newer program sends them.
    """
    where = (source or "").strip() or DEFAULT_INSTALLER_SOURCE
    return (
        f"This CARS Desktop ({client_version}) is too old for the server, which needs {minimum} or "
        f"later: run {windows_installer_name(minimum)} (Windows) or install "
        f"{linux_bundle_name(minimum)} (Linux) from {where}. "
        "Your data and unsent changes are kept."
    )
