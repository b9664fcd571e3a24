"""The vault at its real (strong) Argon2id cost, and its slot rules."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from cars_desktop.config import KdfCost
from cars_desktop.domain.errors import AuthenticationFailed, StoreError
from cars_desktop.storage.vault import Vault

CHEAP = KdfCost(memory_kib=1024, time_cost=1, parallelism=1)


def test_default_cost_is_rfc9106_second_recommendation_and_unwraps(tmp_path: Path) -> None:
    cost = KdfCost()
    assert (cost.memory_kib, cost.time_cost, cost.parallelism) == (65_536, 3, 4)
    key = secrets.token_bytes(32)
    vault = Vault.create(tmp_path / "vault.json", "OLDBURY", key)
    vault.set_password_slot("sam.worker", "a strong pass phrase", key, cost)
    vault.save()
    loaded = Vault.load(tmp_path / "vault.json")
    slot = loaded.content.slots[0]
    assert (slot.kdf.memory_kib, slot.kdf.time_cost, slot.kdf.parallelism) == (65_536, 3, 4)
    assert loaded.unwrap_with_password("sam.worker", "a strong pass phrase") == key
    with pytest.raises(AuthenticationFailed):
        loaded.unwrap_with_password("sam.worker", "a wrong pass phrase")


def test_vault_file_never_holds_the_key_or_password(tmp_path: Path) -> None:
    key = secrets.token_bytes(32)
    vault = Vault.create(tmp_path / "vault.json", "OLDBURY", key)
    vault.set_password_slot("sam.worker", "distinctive-password-xyz", key, CHEAP)
    vault.save()
    raw = (tmp_path / "vault.json").read_bytes()
    assert key not in raw
    assert key.hex().encode() not in raw
    assert b"distinctive-password-xyz" not in raw
    import base64

    assert base64.b64encode(key) not in raw


def test_a_slot_cannot_be_moved_to_another_user(tmp_path: Path) -> None:
    key = secrets.token_bytes(32)
    vault = Vault.create(tmp_path / "vault.json", "OLDBURY", key)
    vault.set_password_slot("alice.a", "alice pass phrase", key, CHEAP)
    stolen = vault.content.slots[0].model_copy(update={"username": "mallory.m"})
    vault.content = vault.content.model_copy(update={"slots": (*vault.content.slots, stolen)})
    with pytest.raises(AuthenticationFailed):
        vault.unwrap_with_password("mallory.m", "alice pass phrase")


def test_destroying_local_slots_leaves_nothing_that_unlocks(tmp_path: Path) -> None:
    key = secrets.token_bytes(32)
    vault = Vault.create(tmp_path / "vault.json", "OLDBURY", key)
    vault.set_password_slot("alice.a", "alice pass phrase", key, CHEAP)
    secret = secrets.token_bytes(20)
    vault.set_recovery_slot(secret, key)
    vault.destroy_local_slots()
    with pytest.raises(AuthenticationFailed):
        vault.unwrap_with_password("alice.a", "alice pass phrase")
    with pytest.raises(AuthenticationFailed):
        vault.unwrap_with_recovery(secret)


def test_damaged_vault_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "vault.json").write_text("{not json")
    with pytest.raises(StoreError, match="damaged"):
        Vault.load(tmp_path / "vault.json")
