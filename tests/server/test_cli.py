"""`cars-server` command line: version, and one-line errors instead of tracebacks."""

import pytest

from cars_protocol import PROTOCOL_VERSION
from cars_server.cli import main


def test_version_prints_program_and_protocol(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0

    out, err = capsys.readouterr()
    assert out.startswith("cars-server ")
    assert out.rstrip().endswith(f"(protocol {PROTOCOL_VERSION})")
    assert out.count("\n") == 1
    assert err == ""


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["serve", "--port", "not-a-number"], id="port-not-a-number"),
        pytest.param(["serve", "--port", "70000"], id="port-out-of-range"),
        pytest.param(["serve", "--database-url", "sqlite://"], id="no-url-on-command-line"),
        pytest.param(["frobnicate"], id="unknown-command"),
        pytest.param([], id="no-command"),
    ],
)
def test_bad_arguments_give_one_line_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("cars-server: error: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("database_url", "expected"),
    [
        pytest.param("postgresql://cars:s3cret@db:notaport/cars", "not a valid", id="malformed"),
        pytest.param("mysql://cars:s3cret@db/cars", "Unsupported database", id="unsupported"),
    ],
)
def test_bad_database_url_fails_without_echoing_it(
    database_url: str,
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CARS_SERVER_DATABASE_URL", database_url)

    assert main(["serve"]) == 1

    err = capsys.readouterr().err
    assert err.startswith("cars-server: error: ")
    assert expected in err
    assert err.count("\n") == 1
    assert "s3cret" not in err


def test_invalid_environment_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CARS_SERVER_PORT", "eighty")

    assert main(["serve"]) == 2

    err = capsys.readouterr().err
    assert err.startswith("cars-server: error: invalid setting CARS_SERVER_PORT")
    assert err.count("\n") == 1
