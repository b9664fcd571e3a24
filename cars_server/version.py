"""The installed version, read from package metadata so there is one source of truth."""

from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION_NAME = "cars-desktop"


def server_version() -> str:
    """Return the installed distribution's version, or "0+unknown" when run from a bare checkout."""
    try:
        return version(DISTRIBUTION_NAME)
    except PackageNotFoundError:
        return "0+unknown"
