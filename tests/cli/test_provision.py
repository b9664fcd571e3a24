"""`cars-desktop provision FILE` with bad files: one line naming the field, exit 2, nothing made.

Each bad file is checked before anything is created: the data folder stays absent and the file
(whose code may still be good) stays where it was. The code never appears in what is printed.
The good file end to end, against a real server, is in tests/sync/test_provision_server.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cars_desktop.cli import main
from cars_desktop.config import Settings
from cars_desktop.sync.errors import UNREACHABLE_EXIT
from tests.conftest import CHEAP_KDF_ENV, Workstation

CODE = "K7QX-PLUM-9RTW-VANE"  # an invented code: the tests check it is never printed
PIN = "ab" * 32


def _ca_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Invented Test CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


@pytest.fixture(autouse=True)
def _environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CHEAP_KDF_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOME", str(tmp_path))  # the log file goes under the test's folder
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.delenv("CARS_SERVER_URL", raising=False)
    monkeypatch.delenv("CARS_SERVER_CA_FILE", raising=False)


def _write(folder: Path, text: str, name: str = "provision.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def _good(**change: str | None) -> str:
    """A provisioning file with these fields changed (None leaves a field out)."""
    fields: dict[str, str | None] = {
        "server_url": '"https://cars.example.org"',
        "pinned_key_sha256": f'"{PIN}"',
        "enrolment_code": f'"{CODE}"',
        "workstation_name": '"Custody PC 3"',
    }
    fields.update(change)
    return "".join(f"{key} = {value}\n" for key, value in fields.items() if value is not None)


def _provision(folder: Path, file: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(["--data-dir", str(folder), "provision", str(file)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(_good(server_url=None), "the field “server_url” is missing", id="no-url"),
        pytest.param(_good(enrolment_code=None), "the field “enrolment_code” is missing", id="no-code"),
        pytest.param(
            _good(site_code='"OLDBURY"'), "“site_code” is not a provisioning field", id="unknown-field"
        ),
        pytest.param(
            _good(server_url='"http://cars.example.org"'),
            "the field “server_url”: the server address http://cars.example.org is not encrypted",
            id="plain-http-remote",
        ),
        pytest.param(
            _good(server_url='"cars.example.org"'),
            "the field “server_url”: 'cars.example.org' is not a server address",
            id="not-a-url",
        ),
        pytest.param(
            _good(server_url="42"), "the field “server_url”: Input should be a valid string", id="type"
        ),
        pytest.param(
            _good(pinned_key_sha256='"abc123"'),
            "the field “pinned_key_sha256”: it must be the 64 hexadecimal digits of a SHA-256",
            id="short-pin",
        ),
        pytest.param(
            _good(pinned_key_sha256=None),
            "give exactly one of ca_certificate, ca_certificate_file or pinned_key_sha256",
            id="no-trust",
        ),
        pytest.param(
            _good(ca_certificate_file='"ca.pem"'),
            "(the file gives ca_certificate_file, pinned_key_sha256)",
            id="two-trusts",
        ),
        pytest.param(
            _good(pinned_key_sha256=None, ca_certificate='"not a certificate"'),
            "the field “ca_certificate”: it must hold a PEM certificate",
            id="bad-pem-text",
        ),
        pytest.param(
            _good(
                pinned_key_sha256=None,
                ca_certificate='"""\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"""',
            ),
            "the field “ca_certificate”: it is not a readable PEM certificate",
            id="damaged-pem",
        ),
        pytest.param(
            _good(pinned_key_sha256=None, ca_certificate_file='"missing.pem"'),
            "missing.pem cannot be read",
            id="missing-ca-file",
        ),
        pytest.param(
            _good(pinned_key_sha256=None, ca_certificate_file='"notes.txt"'),
            "notes.txt must hold a PEM certificate",
            id="ca-file-not-pem",
        ),
        pytest.param(
            _good(enrolment_code='"   "'), "the field “enrolment_code”: it is empty", id="blank-code"
        ),
        pytest.param(
            _good(workstation_name='""'),
            "the field “workstation_name”: String should have at least 1",
            id="name",
        ),
        pytest.param(
            _good() + 'enrolment_code = "again"\n',
            "is not valid TOML: Cannot overwrite a value (at line 5, column",
            id="toml-duplicate-key",
        ),
        pytest.param(
            'server_url = "https://cars.example.org"\nenrolment_code = "K7QX\n',
            "is not valid TOML: Illegal character '\\n' (at line 2, column",
            id="toml-unterminated-string",
        ),
    ],
)
def test_a_bad_file_is_one_line_naming_the_field_and_nothing_is_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    (tmp_path / "notes.txt").write_text("call IT on extension 4411\n", encoding="utf-8")
    (tmp_path / "ca.pem").write_text(_ca_pem(), encoding="utf-8")
    file = _write(tmp_path, text)
    folder = tmp_path / "ws"

    status, out, err = _provision(folder, file, capsys)

    line = _one_line(err)
    assert status == 2, line
    assert expected in line
    assert line.startswith(f"cars-desktop: the provisioning file {file}")
    assert CODE not in out + err
    assert not folder.exists()  # nothing was created
    assert file.read_text(encoding="utf-8") == text  # and the file is kept as it was


def test_a_certificate_file_next_to_the_provisioning_file_is_found_by_its_relative_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A valid file reaches the server; here nobody listens, so enrolment fails and nothing is made."""
    (tmp_path / "ca.pem").write_text(_ca_pem(), encoding="utf-8")
    text = _good(server_url='"http://127.0.0.1:9"', pinned_key_sha256=None, ca_certificate_file='"ca.pem"')
    file = _write(tmp_path, text)
    folder = tmp_path / "ws"

    status, out, err = _provision(folder, file, capsys)

    line = _one_line(err)
    assert status == UNREACHABLE_EXIT, line
    assert "could not be reached" in line
    assert CODE not in out + err
    assert not (folder / "vault.json").exists() and not (folder / "cars.db").exists()
    assert file.read_text(encoding="utf-8") == text  # the code was not spent: the file stays


def test_a_file_others_can_read_is_warned_about_but_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = _write(tmp_path, _good(server_url='"http://127.0.0.1:9"'))
    file.chmod(0o644)

    status, _out, err = _provision(tmp_path / "ws", file, capsys)

    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 2, err
    assert "can be read by other users of this computer" in lines[0]
    assert status == UNREACHABLE_EXIT  # it went ahead and tried the server
    assert file.exists()


def test_an_existing_store_is_refused_and_left_alone(
    workstation: Workstation, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = workstation.data_dir
    before = {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}
    file = _write(folder.parent, _good(server_url='"http://127.0.0.1:9"'))

    status, out, err = _provision(folder, file, capsys)

    line = _one_line(err)
    assert status == 5, line
    assert f"a workstation store already exists in {folder}" in line
    assert "nothing was changed" in line
    assert {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()} == before
    assert file.exists() and CODE not in out + err
