"""`cars-desktop report kpi` end to end: a real store holding the casebook, a real process."""

from __future__ import annotations

import csv
import io
import json
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
