"""Tampering with the audit log is detected and the first bad entry is named."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cars_desktop.domain.audit_chain import CHAINED_FIELDS, entry_digest
from cars_desktop.domain.errors import IntegrityFailure
from cars_desktop.services.audit_check import verify_audit_log
from cars_desktop.services.records import save_record
from cars_desktop.storage.engine import connect_raw
from cars_desktop.storage.layout import StoreLayout
from tests import factories
from tests.conftest import Workstation


def _tamper(workstation: Workstation, change: Callable[[Any], None]) -> None:
    """Make some entries, then change the log through a raw keyed connection, as an insider could."""
    session = workstation.unlock()
    for _ in range(5):
        save_record(session, factories.person())
    key = session.data_key()
    session.lock()
    conn = connect_raw(StoreLayout(workstation.data_dir).database, key)
    conn.isolation_level = None
    conn.execute("BEGIN")
    change(conn)
    conn.execute("COMMIT")
    conn.close()


def _verify(workstation: Workstation) -> str:
    session = workstation.unlock()
    try:
        with pytest.raises(IntegrityFailure) as caught:
            verify_audit_log(session)
        return caught.value.message
    finally:
        session.lock()


def _recompute_chain_from(conn: Any, start: int) -> None:
    """What an attacker with the key but not the device key would do: fix every SHA-256 link."""
    fields = list(CHAINED_FIELDS)
    rows = conn.execute(
        f"SELECT {', '.join(fields)} FROM audit_log WHERE seq >= ? ORDER BY seq", (start,)
    ).fetchall()
    prev = conn.execute("SELECT entry_hash FROM audit_log WHERE seq = ?", (start - 1,)).fetchone()[0]
    for row in rows:
        entry = dict(zip(fields, row, strict=True))
        entry["prev_hash"] = prev
        digest = entry_digest(entry)  # the attacker knows the algorithm; only the signing key is secret
        conn.execute(
            "UPDATE audit_log SET prev_hash = ?, entry_hash = ? WHERE seq = ?", (prev, digest, entry["seq"])
        )
        prev = digest
    conn.execute("UPDATE audit_head SET entry_hash = ?", (prev,))


def test_intact_log_verifies(workstation: Workstation) -> None:
    session = workstation.unlock()
    for _ in range(3):
        save_record(session, factories.person())
    assert verify_audit_log(session) > 3
    session.lock()


def test_edited_entry_is_named(workstation: Workstation) -> None:
    _tamper(workstation, lambda c: c.execute("UPDATE audit_log SET username = 'someone.else' WHERE seq = 6"))
    assert "entry 6" in _verify(workstation)
    assert "altered" in _verify(workstation)


def test_edit_with_recomputed_sha_chain_is_caught_by_the_signature(workstation: Workstation) -> None:
    def change(conn: Any) -> None:
        conn.execute("UPDATE audit_log SET operation = 'consultation' WHERE seq = 7")
        _recompute_chain_from(conn, 7)

    message = _verify_after(workstation, change)
    assert "entry 7" in message
    assert "signature" in message


def _verify_after(workstation: Workstation, change: Callable[[Any], None]) -> str:
    _tamper(workstation, change)
    return _verify(workstation)


def test_deleted_entry_is_named(workstation: Workstation) -> None:
    message = _verify_after(workstation, lambda c: c.execute("DELETE FROM audit_log WHERE seq = 5"))
    assert "entry 5" in message
    assert "missing" in message


def test_reordered_entries_are_detected(workstation: Workstation) -> None:
    def change(conn: Any) -> None:
        conn.execute("UPDATE audit_log SET seq = -1 WHERE seq = 4")
        conn.execute("UPDATE audit_log SET seq = 4 WHERE seq = 5")
        conn.execute("UPDATE audit_log SET seq = 5 WHERE seq = -1")

    assert "entry 4" in _verify_after(workstation, change)


def test_truncation_is_detected(workstation: Workstation) -> None:
    kept: list[int] = []

    def change(conn: Any) -> None:
        top = conn.execute("SELECT max(seq) FROM audit_log").fetchone()[0]
        conn.execute("DELETE FROM audit_log WHERE seq > ?", (top - 3,))
        kept.append(top - 3)

    message = _verify_after(workstation, change)
    assert f"entry {kept[0] + 1}" in message
    assert "missing" in message


def test_truncation_with_a_forged_head_is_detected(workstation: Workstation) -> None:
    def change(conn: Any) -> None:
        top = conn.execute("SELECT max(seq) FROM audit_log").fetchone()[0]
        conn.execute("DELETE FROM audit_log WHERE seq > ?", (top - 3,))
        last = conn.execute("SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        conn.execute("UPDATE audit_head SET seq = ?, entry_hash = ?", last)

    assert "head" in _verify_after(workstation, change)
