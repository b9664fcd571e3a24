"""Encrypted copies of a store made with `sqlcipher_export`, never by copying a live file.

A copy made this way is a consistent snapshot even while the program writes, carries no WAL,
and is encrypted under its own key from its first page.
"""

from __future__ import annotations

from pathlib import Path

from cars_desktop.storage.engine import connect_raw, key_pragma


def export_copy(source: Path, source_key: bytes, destination: Path, destination_key: bytes) -> None:
    """Write `source` (under its key) to a new file `destination` under another key."""
    if destination.exists():
        raise FileExistsError(destination)
    conn = connect_raw(source, source_key, tuned=False)
    try:
        conn.isolation_level = None
        attach_key = key_pragma(destination_key).removeprefix("PRAGMA key = ")
        conn.execute(f"ATTACH DATABASE ? AS export_target KEY {attach_key}", (str(destination),))
        conn.execute("SELECT sqlcipher_export('export_target')")
        conn.execute("DETACH DATABASE export_target")
    finally:
        conn.close()
