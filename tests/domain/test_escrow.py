"""Recovery-key escrow: sealed to the organisation's public key, opened only with its private half."""

import pytest

from cars_desktop.domain.errors import InvalidInput
from cars_desktop.domain.escrow import generate_key_pair, load_private_key, seal, unseal

WORKSTATION = "5c7f3c1e-0000-4000-8000-000000000001"


def test_sealed_secret_opens_with_the_private_key_only() -> None:
    pem, public = generate_key_pair()
    secret = bytes(range(20))
    sealed = seal(public, secret, WORKSTATION)
    assert secret.hex() not in sealed
    assert unseal(load_private_key(pem), sealed, WORKSTATION) == secret

    other_pem, _ = generate_key_pair()
    with pytest.raises(InvalidInput, match="does not open"):
        unseal(load_private_key(other_pem), sealed, WORKSTATION)


def test_sealed_secret_is_bound_to_its_workstation() -> None:
    pem, public = generate_key_pair()
    sealed = seal(public, b"x" * 20, WORKSTATION)
    with pytest.raises(InvalidInput, match="does not open"):
        unseal(load_private_key(pem), sealed, "another-workstation")


@pytest.mark.parametrize(
    ("public", "message"),
    [("not base64!", "not valid base64"), ("AAAA", "must be 32 bytes")],
)
def test_bad_public_key_is_named(public: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        seal(public, b"secret", WORKSTATION)


def test_damaged_seal_and_bad_key_file_are_clear_errors() -> None:
    pem, _ = generate_key_pair()
    with pytest.raises(InvalidInput, match="format"):
        unseal(load_private_key(pem), "garbage", WORKSTATION)
    with pytest.raises(InvalidInput, match="PEM"):
        load_private_key(b"not a key")
