"""`cars-desktop report kpi` end to end: a real store holding the casebook, a real process."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

from tests.cli.test_cli import cli, one_error_line
from tests.conftest import CUSTODY, CUSTODY_PASSWORD, WORKER, WORKER_PASSWORD, Workstation
from tests.reports.test_service import save_casebook


def test_report_kpi_csv_json_and_file(workstation: Workstation, tmp_path: Path) -> None:
    session = workstation.unlock()
    try:
        save_casebook(session)
    finally:
        session.lock()
    base = [
        "report",
        "kpi",
        "--user",
        WORKER,
        "--password-stdin",
        "--from",
        "2026-03-01",
        "--to",
        "2026-04-30",
    ]
    made = cli(*base, "--by", "site", stdin=f"{WORKER_PASSWORD}\n", data_dir=workstation.data_dir)
    assert made.returncode == 0, made.stderr
    rows = list(csv.DictReader(io.StringIO(made.stdout)))
    oldbury_april = [
        r
        for r in rows
        if r["kpi_id"] == "referrals_into_treatment"
        and r["group"] == "OLDBURY"
        and r["period"] == "April 2026"
    ]
    assert [r["value"] for r in oldbury_april] == ["2"]
    # Counted by default in two processes (a month each); one pass gives the same table.
    one_pass = cli(
        *base, "--by", "site", "--workers", "1", stdin=f"{WORKER_PASSWORD}\n", data_dir=workstation.data_dir
    )
    assert (one_pass.returncode, one_pass.stdout) == (0, made.stdout), one_pass.stderr
    too_many = cli(*base, "--workers", "9", stdin=f"{WORKER_PASSWORD}\n", data_dir=workstation.data_dir)
    assert "must be from 1 to 8" in one_error_line(too_many)

    out = tmp_path / "kpis.json"
    made = cli(
        *base, "--period", "quarter", "--format", "json", "--suppress-below", "5", "--out", str(out),
        stdin=f"{WORKER_PASSWORD}\n", data_dir=workstation.data_dir,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    assert [p["label"] for p in document["periods"]] == [
        "1 March 2026 to 31 March 2026",
        "1 April 2026 to 30 April 2026",
    ]
    referrals = [r["value"] for r in document["rows"] if r["kpi_id"] == "referrals_into_treatment"]
    assert referrals == ["<5", "<5"]  # 2 and 4, suppressed for readers outside the service

    again = cli(*base, "--out", str(out), stdin=f"{WORKER_PASSWORD}\n", data_dir=workstation.data_dir)
    assert "already exists" in one_error_line(again)
    refused = cli(
        "report", "kpi", "--user", CUSTODY, "--password-stdin", "--from", "2026-03-01", "--to", "2026-03-31",
        stdin=f"{CUSTODY_PASSWORD}\n", data_dir=workstation.data_dir,
    )  # fmt: skip
    assert "KPI" in one_error_line(refused)
    bad = cli(*base[:-1], "2026-13-01", stdin=f"{WORKER_PASSWORD}\n", data_dir=workstation.data_dir)
    assert "not a date" in one_error_line(bad)


def test_report_kpi_pdf_and_tables(workstation: Workstation, tmp_path: Path) -> None:
    session = workstation.unlock()
    try:
        save_casebook(session)
    finally:
        session.lock()
    base = [
        "report",
        "kpi",
        "--user",
        WORKER,
        "--password-stdin",
        "--from",
        "2026-04-01",
        "--to",
        "2026-04-30",
    ]

    def run(*more: str) -> subprocess.CompletedProcess[str]:
        return cli(*base, *more, stdin=f"{WORKER_PASSWORD}\n", data_dir=workstation.data_dir)

    pdf, tables = tmp_path / "april.pdf", tmp_path / "tables"
    made = run("--format", "pdf", "--out", str(pdf), "--tables-dir", str(tables))
    assert made.returncode == 0, made.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "April 2026" in text and "shown as “<5”" in text  # suppressed by default: it leaves the service
    assert sorted(p.name for p in tables.iterdir()) == [
        "crime_definitions.csv", "definitions.csv", "funnel.csv", "kpis.csv", "monthly_trend.csv",
        "offences_by_audit_band.csv", "offences_by_main_substance.csv", "rearrest.csv",
    ]  # fmt: skip
    kpis = {r["kpi_id"]: r for r in csv.DictReader(io.StringIO((tables / "kpis.csv").read_text("utf-8")))}
    assert kpis["referrals_into_treatment"]["value"] == "<5"

    inside = tmp_path / "inside"
    made = run("--tables-dir", str(inside), "--no-suppress", "--site", "OLDBURY")
    assert made.returncode == 0, made.stderr
    kpis = {r["kpi_id"]: r for r in csv.DictReader(io.StringIO((inside / "kpis.csv").read_text("utf-8")))}
    assert kpis["referrals_into_treatment"]["value"] == "2"  # R1 and R5 at Oldbury

    assert "already exists" in one_error_line(run("--format", "pdf", "--out", str(pdf)))
    assert "not empty" in one_error_line(run("--tables-dir", str(tables)))
    assert "needs --out" in one_error_line(run("--format", "pdf"))
    assert "--by does not apply" in one_error_line(
        run("--format", "pdf", "--out", str(tmp_path / "b.pdf"), "--by", "site")
    )
    assert "alone or with --format pdf" in one_error_line(
        run("--format", "json", "--tables-dir", str(tmp_path / "t"))
    )
    assert "not allowed with" in one_error_line(run("--no-suppress", "--suppress-below", "5"))
    assert not (tmp_path / "b.pdf").exists() and not (tmp_path / "t").exists()
