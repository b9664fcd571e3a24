"""`cars-desktop provision FILE`: the installer's one call that turns an install into a workstation.

Kept apart from `cli.py` so the command's wording and its file handling live next to each other;
`cli.py` only registers the parser and the handler. The work is `services.provisioning`.
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

from cars_desktop.config import Settings
from cars_desktop.domain.errors import StoreError


def add_provision_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `provision FILE`."""
    parser = commands.add_parser(
        "provision",
        help="enrol this new installation as a provisioning file from IT says, then delete the file",
        description="Apply a provisioning file (TOML: server_url; one of ca_certificate, "
        "ca_certificate_file or pinned_key_sha256; enrolment_code; optional workstation_name). "
        "The workstation is enrolled as 'enrol' does, its recovery key escrowed with the server; "
        "the file is then overwritten and deleted, because its code is spent.",
    )
    parser.add_argument("file", type=Path, help="the provisioning file IT staff prepared")


def run_provision(args: argparse.Namespace, settings: Settings, data_dir: Path) -> int:
    """Check the file, enrol, keep the server's trust, destroy the file; say what happened."""
    # Imported here: the program's start-up goes through this module and must not load httpx.
    from cars_desktop.services.provisioning import provision, read_provisioning_file, readable_by_others

    source: Path = args.file
    provisioning = read_provisioning_file(source)
    if readable_by_others(source):
        print(
            f"cars-desktop: warning: {source} can be read by other users of this computer, and it holds "
            "an enrolment code; keep provisioning files readable only by the account that installs",
            file=sys.stderr,
        )
    done = provision(settings, data_dir, provisioning, source, platform.node())
    result = done.enrolment
    print(
        f"Workstation {result.workstation_id} enrolled with {result.server_url} for site "
        f"{result.site_code}; its store is in {data_dir}"
    )
    if result.escrowed:
        print("The recovery key is escrowed with the central server (the organisation holds the key to it).")
    else:
        print("The recovery key could not be escrowed yet; it will be sent at the next sync.")
    if done.trust_file is not None:
        print(f"The server's certificate setting is kept in {done.trust_file}")
    if done.file_removed:
        print(f"The provisioning file {source} was spent and has been deleted.")
    else:
        print(
            f"cars-desktop: the provisioning file {source} could not be deleted: delete it now "
            "(its enrolment code is spent, but it should not be left behind)",
            file=sys.stderr,
        )
    if done.trust_file is None:
        print(
            f"cars-desktop: the workstation is enrolled, but the server's certificate setting could not "
            f"be saved in {data_dir}: an administrator sets it on the Settings page before the first sync",
            file=sys.stderr,
        )
        return StoreError.exit_code
    print("Users enrol themselves by unlocking here while the server can be reached.")
    return 0
