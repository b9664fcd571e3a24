"""Server settings: defaults that follow the data folder, and no password in a repr."""

from pathlib import Path

import pytest

from cars_server.config import DEFAULT_HOST, SQLITE_FILE_NAME, ServerSettings


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
