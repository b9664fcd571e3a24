"""Recovery keys that survive being read aloud, and the password rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cars_desktop.domain import recovery_key
from cars_desktop.domain.errors import InvalidInput
from cars_desktop.domain.passwords import check_new_password


@given(st.binary(min_size=20, max_size=20))
def test_any_secret_round_trips_through_its_printed_form(secret: bytes) -> None:
    printed = recovery_key.format_key(secret)
    assert len(printed.split("-")) == 9
    assert all(len(g) == 4 for g in printed.split("-"))
    assert recovery_key.parse(printed) == secret
    assert recovery_key.parse(printed.lower().replace("-", " ")) == secret


def test_confusable_letters_are_forgiven() -> None:
    secret, printed = recovery_key.generate()
    assert recovery_key.parse(printed.replace("0", "O").replace("1", "I")) == secret


def test_a_typo_is_caught_by_the_checksum() -> None:
    _, printed = recovery_key.generate()
    first = printed[0]
    typo = ("1" if first != "1" else "2") + printed[1:]
    with pytest.raises(InvalidInput, match="typing mistake"):
        recovery_key.parse(typo)


def test_wrong_length_is_explained() -> None:
    with pytest.raises(InvalidInput, match="nine groups of four"):
        recovery_key.parse("ABCD-EFGH")


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "at least 10"),
        (" padded password ", "start or end with a space"),
        ("sam.worker-2026!", "user name"),
        ("aaaaaaaaaaaa", "variety"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        check_new_password(password, "sam.worker")


def test_a_reasonable_password_passes() -> None:
    check_new_password("kettle on the third floor", "sam.worker")
