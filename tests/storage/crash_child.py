"""Child process for the crash test: saves records forever, printing each id once committed.

Usage: python -m tests.storage.crash_child DATA_DIR USERNAME  (password on standard input)
"""

from __future__ import annotations

import sys
from pathlib import Path

from cars_desktop.config import Settings
from cars_desktop.services.records import save_records
from cars_desktop.services.workstation import unlock
from tests import factories


def main() -> None:
    data_dir, username = Path(sys.argv[1]), sys.argv[2]
    session = unlock(Settings(), data_dir, username, sys.stdin.readline().rstrip("\n"))
    n = 0
    while True:
        n += 1
        person = factories.person(author=username, family_name=f"Crashworth{n}")
        batch = [person] if n % 3 else [person, factories.assessment(person.id, author=username)]
        save_records(session, batch)
        print(person.id, flush=True)


if __name__ == "__main__":
    main()
