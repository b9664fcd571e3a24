"""Server settings: defaults that follow the data folder, and no password in a repr."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from cars_server.config import (
    DEFAULT_HOST,
    SQLITE_FILE_NAME,
    ServerSettings,
    check_listen_address,
    is_loopback,
)
from cars_server.errors import ConfigurationError
from cars_server.versions import is_at_least


def test_default_database_is_sqlite_in_data_dir(tmp_path: Path) -> None:
    settings = ServerSettings(data_dir=tmp_path)

    assert settings.database_url == f"sqlite:///{(tmp_path / SQLITE_FILE_NAME).as_posix()}"
    assert settings.host == DEFAULT_HOST


def test_environment_overrides_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARS_SERVER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CARS_SERVER_PORT", "9443")

    settings = ServerSettings()

    assert settings.data_dir == tmp_path.resolve()
    assert settings.port == 9443
    assert settings.database_url.endswith(f"/{SQLITE_FILE_NAME}")


def test_repr_hides_database_url(tmp_path: Path) -> None:
    settings = ServerSettings(data_dir=tmp_path, database_url="postgresql+psycopg://cars:s3cret@db/cars")

    assert "s3cret" not in repr(settings)
    assert "s3cret" not in str(settings)


@pytest.mark.parametrize(
    ("version", "minimum", "expected"),
    [
        ("0.1.0", "0.1.0", True),
        ("0.1", "0.1.0", True),
        ("0.10.0", "0.9.9", True),
        ("1.0.0+local.3", "1.0.0", True),
        ("0.0.9", "0.1.0", False),
        ("1.2", "1.2.1", False),
        ("one", "0.1.0", None),
        ("", "0.1.0", None),
        ("1..2", "0.1.0", None),
    ],
)
def test_versions_compare_as_dotted_numbers(version: str, minimum: str, expected: bool | None) -> None:
    assert is_at_least(version, minimum) is expected


def test_malformed_minimum_version_and_recovery_key_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="minimum_client_version"):
        ServerSettings(data_dir=tmp_path, minimum_client_version="latest")
    with pytest.raises(ValidationError, match="recovery_public_key"):
        ServerSettings(data_dir=tmp_path, recovery_public_key="not base64!")
    with pytest.raises(ValidationError, match="recovery_public_key"):
        ServerSettings(data_dir=tmp_path, recovery_public_key="AAAA")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("::1", True), ("localhost", True), ("0.0.0.0", False), ("10.1.2.3", False)],  # noqa: S104
)
def test_plain_http_only_on_loopback(tmp_path: Path, host: str, loopback: bool) -> None:
    settings = ServerSettings(data_dir=tmp_path, host=host)

    assert is_loopback(host) is loopback
    if loopback:
        check_listen_address(settings)
    else:
        with pytest.raises(ConfigurationError, match="not a loopback address"):
            check_listen_address(settings)


def test_tls_files_must_exist_and_come_in_pairs(tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("x")
    with pytest.raises(ValidationError, match="together"):
        ServerSettings(data_dir=tmp_path, tls_cert=cert)
    with pytest.raises(ConfigurationError, match="TLS file not found"):
        check_listen_address(
            ServerSettings(data_dir=tmp_path, host="0.0.0.0", tls_cert=cert, tls_key=tmp_path / "key.pem")  # noqa: S104
        )
