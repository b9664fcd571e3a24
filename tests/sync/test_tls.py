"""HTTPS between workstation and server: the client verifies the server against its CA file.

The server is the real `cars-server serve --tls-cert --tls-key` process; certificates are made for
the test by a throwaway CA. The same settings file path (`CARS_SERVER_CA_FILE`) also pins a
self-signed server certificate when an organisation has no CA.
"""

from __future__ import annotations

import datetime as dt
import io
import ipaddress
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cars_desktop.cli import main
from cars_desktop.sync.errors import InsecureServer
from cars_server.admin.enrolment_codes import issue_code
from cars_server.clock import utc_now
from cars_server.storage.engine import build_engine
from tests.conftest import CHEAP_KDF_ENV
from tests.server.helpers import ACTOR, PASSWORDS, SITE, WORKER, server_settings
from tests.server.server_process import ServerProcess, TlsFiles, served

LOOPBACK = ipaddress.ip_address("127.0.0.1")


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    path.chmod(0o600)


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    signer: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    else:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(LOOPBACK)]), critical=False
        )
    return builder.sign(signer, hashes.SHA256())


def make_ca_signed(folder: Path) -> TlsFiles:
    """A CA and a server certificate for 127.0.0.1 signed by it."""
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_cert = _certificate("CARS test CA", ca_key, _name("CARS test CA"), ca_key, ca=True)
    server_cert = _certificate("127.0.0.1", server_key, ca_cert.subject, ca_key, ca=False)
    files = TlsFiles(cert=folder / "server.pem", key=folder / "server.key", ca=folder / "ca.pem")
    files.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    _write_key(server_key, files.key)
    return files


def make_self_signed(folder: Path) -> TlsFiles:
    """A self-signed server certificate; the client pins it by using it as its CA file."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(_name("127.0.0.1"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(LOOPBACK)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    files = TlsFiles(cert=folder / "pinned.pem", key=folder / "pinned.key", ca=folder / "pinned.pem")
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(key, files.key)
    return files


@pytest.fixture(autouse=True)
def _environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CHEAP_KDF_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.delenv("CARS_SERVER_URL", raising=False)
    monkeypatch.delenv("CARS_SERVER_CA_FILE", raising=False)


def _run(monkeypatch: pytest.MonkeyPatch, stdin: str, *args: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(args))


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[ServerProcess]:
    settings, _pem = server_settings(tmp_path / "server")
    with served(settings, tmp_path / "server.log", tls=make_ca_signed(tmp_path)) as server:
        yield server


def _code(server: ServerProcess) -> str:
    """A one-time code from the server's own database, as `cars-server admin enrolment-code` makes it."""
    engine = build_engine(server.env["CARS_SERVER_DATABASE_URL"])
    try:
        return issue_code(engine, SITE, 24, ACTOR, utc_now())
    finally:
        engine.dispose()


def _enrol_and_sync(monkeypatch: pytest.MonkeyPatch, server: ServerProcess, folder: Path) -> int:
    code = _code(server)
    status = _run(
        monkeypatch, f"{code}\n", "--data-dir", str(folder), "enrol", "--server", server.url, "--code-stdin"
    )
    if status != 0:
        return status
    return _run(
        monkeypatch,
        f"{PASSWORDS[WORKER]}\n",
        "--data-dir",
        str(folder),
        "sync",
        "--user",
        WORKER,
        "--password-stdin",
    )


def test_enrol_and_sync_over_https_verified_against_the_ca(
    https_server: ServerProcess,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert https_server.tls is not None
    monkeypatch.setenv("CARS_SERVER_CA_FILE", str(https_server.tls.ca))
    status = _enrol_and_sync(monkeypatch, https_server, tmp_path / "ws")
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "Pulled" in captured.out


def test_a_server_the_ca_does_not_vouch_for_is_refused_with_a_clear_line(
    https_server: ServerProcess,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "stranger").mkdir()
    stranger = make_ca_signed(tmp_path / "stranger")
    monkeypatch.setenv("CARS_SERVER_CA_FILE", str(stranger.ca))
    status = _enrol_and_sync(monkeypatch, https_server, tmp_path / "ws")
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err
    assert status == InsecureServer.exit_code, lines[0]
    assert "did not present a trusted certificate" in lines[0]
    assert not (tmp_path / "ws" / "vault.json").exists()  # nothing half-made on a refused enrolment


def test_a_pinned_self_signed_certificate_is_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tls = make_self_signed(tmp_path)
    settings, _pem = server_settings(tmp_path / "server")
    with served(settings, tmp_path / "server.log", tls=tls) as server:
        monkeypatch.setenv("CARS_SERVER_CA_FILE", str(tls.ca))
        status = _enrol_and_sync(monkeypatch, server, tmp_path / "ws")
    assert status == 0, capsys.readouterr().err
