"""SQLCipher engines, built only once a key is in hand.

The raw 256-bit key is the first statement on every connection (no per-open key derivation: the
vault already did the slow part), followed by a read that fails fast on a wrong key.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import QueuePool

from cars_desktop.domain.errors import StoreError

KEY_BYTES = 32
# Both engines get the same page cache (SQLCipher's default), so benchmarks compare like with like.
TUNING_PRAGMAS = (
    "journal_mode = WAL",
    "synchronous = FULL",
    "temp_store = MEMORY",
    "foreign_keys = ON",
    "cache_size = -8000",
)


def key_pragma(key: bytes) -> str:
    """The PRAGMA that hands SQLCipher a raw key (x'..' form skips its own PBKDF2)."""
    if len(key) != KEY_BYTES:
        raise ValueError("store keys are 256-bit")
    return f"PRAGMA key = \"x'{key.hex()}'\""


def connect_raw(path: Path, key: bytes, *, tuned: bool = True) -> Any:
    """One keyed DB-API connection, checked and tuned, or a StoreError a worker can act on."""
    conn = sqlcipher3.connect(str(path), check_same_thread=False, timeout=30, isolation_level=None)
    try:
        # A wrong key is reported to the user as one line; SQLCipher's own stderr log is noise.
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(key_pragma(key))
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if tuned:
            for pragma in TUNING_PRAGMAS:
                conn.execute(f"PRAGMA {pragma}")
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        raise StoreError(
            "the workstation store could not be opened with this key (wrong key, or the file is damaged)"
        ) from exc
    conn.isolation_level = ""
    return conn


def build_engine(path: Path, key: bytes) -> Engine:
    """An engine whose every pooled connection is keyed before SQLAlchemy sees it."""
    creator: Callable[[], Any] = lambda: connect_raw(path, key)  # noqa: E731
    return create_engine(
        "sqlite+pysqlite://",
        module=sqlcipher3.dbapi2,
        creator=creator,
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=4,
        hide_parameters=True,  # SQL errors must never carry record contents into a log
    )


def build_plain_engine(path: Path) -> Engine:
    """Plain SQLite with the same tuning: only for benchmarks measuring encryption's cost."""
    import sqlite3

    def creator() -> Any:
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        for pragma in TUNING_PRAGMAS:
            conn.execute(f"PRAGMA {pragma}")
        return conn

    return create_engine("sqlite+pysqlite://", creator=creator, poolclass=QueuePool, hide_parameters=True)
