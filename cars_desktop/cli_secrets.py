"""Reading passwords and recovery keys for the command line: never from arguments or the environment.

With `--password-stdin`, each secret the command needs is one line of standard input, in the order
the command's help gives; otherwise each is prompted for without echo.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TextIO

from cars_desktop.domain.errors import InvalidInput


class SecretReader:
    """Hands out the secrets a command needs, one line or prompt at a time."""

    def __init__(self, from_stdin: bool, stream: TextIO | None = None) -> None:
        self.from_stdin = from_stdin
        self.stream = stream or sys.stdin
        self._count = 0

    def read(self, prompt: str, confirm: bool = False) -> str:
        """The next secret; prompted ones can be asked twice to catch typing mistakes."""
        self._count += 1
        if self.from_stdin:
            line = self.stream.readline()
            if not line:
                raise InvalidInput(
                    f"expected line {self._count} of standard input ({prompt.rstrip(': ').lower()}) "
                    "but the input ended"
                )
            return line.rstrip("\r\n")
        secret = getpass.getpass(prompt)
        if confirm and getpass.getpass("Type it again: ") != secret:
            raise InvalidInput("the two entries did not match; nothing was changed")
        return secret


def add_user_auth(parser: argparse.ArgumentParser, required: bool = True) -> None:
    """`--user` and `--password-stdin`: who runs a command that unlocks, and where secrets come from."""
    parser.add_argument("--user", required=required, help="your user name at this workstation")
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read secrets from standard input, one per line, in the order this help gives",
    )
