"""`cars-server report kpi` over a server database filled by real pushes over HTTP.

The output is checked against the shared KPI code run on the very records that were pushed (the
server must add nothing and lose nothing on the way), and the command's own duties are checked:
suppression on by default, one s.62 entry with parameters only, files never overwritten, and
one-line errors.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cars_desktop.reports.commissioner import build_commissioner_report, commissioner_csvs
from cars_desktop.reports.compute import GroupBy, compute_kpis
from cars_desktop.reports.export import to_csv, to_json
from cars_desktop.reports.periods import PeriodKind, periods_between
from cars_protocol.records import (
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    Person,
    RecordBase,
    Referral,
    ReferralOutcome,
    Tombstone,
)
from cars_server.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, main
from cars_server.reports.records import iter_records
from cars_server.storage.engine import build_engine
from cars_server.storage.tables import ServerAuditRow
from tests.server.helpers import (
    COURT_WORKER,
    OTHER_SITE,
    SITE,
    WORKER,
    RunningServer,
    api_headers,
    enrol,
    push_body,
    sign_in,
)

FIRST, LAST = date(2026, 1, 1), date(2026, 6, 30)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 15, tzinfo=UTC)


@dataclass(frozen=True)
class Pushed:
    """What the test pushed, site by site, and the server's database URL."""

    records: list[RecordBase]
    db: str


def _casework(site: str, author: str, days: Sequence[date], family: str) -> list[RecordBase]:
    """A person per day, each with a completed lifestyle assessment and a referral into treatment."""
    made: list[RecordBase] = []
    for n, day in enumerate(days):
        when = _at(day)
        someone = Person(
            site_code=site,
            author=author,
            created_at=when,
            updated_at=when,
            family_name=f"{family}{n}",
            given_names="Orla",
            date_of_birth=date(1988, 2, 3),
            local_authority="SANDWELL" if n % 2 else "WALSALL",
        )
        done = Assessment(
            site_code=site,
            author=author,
            created_at=when,
            updated_at=when,
            person_id=someone.id,
            kind=AssessmentKind.LIFESTYLE,
            form_id="lifestyle",
            form_version=1,
            answers={"audit_c": 6, "consent_to_share": True},
            status=AssessmentStatus.COMPLETED,
            completed_at=when,
        )
        referral = Referral(
            site_code=site,
            author=author,
            created_at=when,
            updated_at=when,
            person_id=someone.id,
            assessment_id=done.id,
            provider_code="CHANGE-GROW-LIVE",
            local_authority=someone.local_authority or "SANDWELL",
            outcome=ReferralOutcome.ENTERED_TREATMENT if n % 3 == 0 else ReferralOutcome.PENDING,
            entered_treatment_on=day if n % 3 == 0 else None,
        )
        made.extend([someone, done, referral])
    return made


def _station(server: RunningServer, site: str, user: str) -> dict[str, str]:
    """Enrol a workstation at `site`, sign `user` in, and return the headers its pushes carry."""
    station = enrol(server, server.enrolment_code(site))
    return api_headers(station, sign_in(server, station, user))


def _push(server: RunningServer, headers: dict[str, str], body: dict[str, Any]) -> None:
    response = httpx.post(f"{server.base_url}/v1/push", json=body, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    assert all(r["status"] == "applied" for r in response.json()["receipts"]), response.text


@pytest.fixture
def pushed(live_server: RunningServer) -> Pushed:
    custody_days = [date(2026, 1, d) for d in (5, 6, 7, 8, 9, 12, 13)] + [date(2026, 3, 31), date(2026, 4, 1)]
    custody = _casework(SITE, WORKER, custody_days, "Tamsett")
    deleted = custody[1]
    assert isinstance(deleted, Assessment)
    gone = deleted.model_copy(
        update={
            "revision": 2,
            "updated_at": _at(date(2026, 2, 1)),
            "tombstone": Tombstone(at=_at(date(2026, 2, 1)), by=WORKER, reason="entered twice"),
        }
    )
    court = _casework(OTHER_SITE, COURT_WORKER, [date(2026, 1, 20), date(2026, 2, 3)], "Wendover")
    custody_headers = _station(live_server, SITE, WORKER)
    first = push_body(*custody)
    _push(live_server, custody_headers, first)
    deletion = push_body(gone)
    deletion["changes"][0]["base_revision"] = 1
    deletion["changes"][0]["base_change_id"] = next(
        c["change_id"] for c in first["changes"] if c["record_id"] == str(deleted.id)
    )
    _push(live_server, custody_headers, deletion)
    _push(live_server, _station(live_server, OTHER_SITE, COURT_WORKER), push_body(*court))
    records = [r for r in custody if r.id != deleted.id] + [gone, *court]
    return Pushed(records, live_server.settings.database_url)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> bool:
    return err.startswith("cars-server: error: ") and err.count("\n") == 1 and "Traceback" not in err


def kpi_args(db: str, *extra: str) -> list[str]:
    return ["report", "kpi", "--from", FIRST.isoformat(), "--to", LAST.isoformat(), "--db", db, *extra]


def report_entries(db: str) -> list[dict[str, object]]:
    engine = build_engine(db)
    try:
        with Session(engine) as session:
            rows = session.scalars(select(ServerAuditRow).where(ServerAuditRow.operation == "report")).all()
            return [json.loads(row.detail) | {"actor": row.actor} for row in rows]
    finally:
        engine.dispose()


def test_the_server_reads_back_exactly_the_records_pushed(pushed: Pushed, live_server: RunningServer) -> None:
    read = {r.id: r for r in iter_records(live_server.engine, batch=4)}

    assert read == {r.id: r for r in pushed.records}
    assert any(not r.is_live for r in read.values())


def test_csv_by_site_is_the_shared_kpi_code_on_the_pushed_records_with_small_counts_suppressed(
    pushed: Pushed, capsys: pytest.CaptureFixture[str]
) -> None:
    periods = periods_between(FIRST, LAST, PeriodKind.QUARTER)
    table = compute_kpis(pushed.records, periods, group_by=GroupBy.SITE)

    code, out, err = run(kpi_args(pushed.db, "--period", "quarter", "--by", "site"), capsys)

    assert (code, err) == (EXIT_OK, "")
    assert out == to_csv(table, suppress_below=5)
    assert out != to_csv(table), "the court's two people should have been suppressed"
    assert "Tamsett" not in out and "Wendover" not in out


def test_json_without_suppression_and_the_s62_entry(
    pushed: Pushed, capsys: pytest.CaptureFixture[str]
) -> None:
    periods = periods_between(FIRST, LAST, PeriodKind.MONTH)
    table = compute_kpis(pushed.records, periods, group_by=GroupBy.LOCAL_AUTHORITY)

    code, out, _ = run(kpi_args(pushed.db, "--by", "la", "--format", "json", "--no-suppress"), capsys)

    assert code == EXIT_OK
    assert out == to_json(table) + "\n"
    json.loads(out)
    [entry] = report_entries(pushed.db)
    assert entry == {
        "actor": entry["actor"],
        "report": "kpi",
        "from": "2026-01-01",
        "to": "2026-06-30",
        "period": "month",
        "by": "la",
        "format": "json",
        "suppress_below": None,
        "to_file": False,
        "tables": False,
    }
    assert str(entry["actor"]).startswith("cli:")


def test_out_file_is_written_once_and_never_overwritten(
    pushed: Pushed, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "kpi-2026.csv"
    periods = periods_between(FIRST, LAST, PeriodKind.FINANCIAL_YEAR)
    expected = to_csv(compute_kpis(pushed.records, periods), suppress_below=3)

    code, out, _ = run(
        kpi_args(pushed.db, "--period", "financial_year", "--suppress-below", "3", "--out", str(out_file)),
        capsys,
    )
    assert code == EXIT_OK and "s.62" in out
    assert out_file.read_text(encoding="utf-8") == expected

    again = run(kpi_args(pushed.db, "--out", str(out_file)), capsys)
    assert again[0] == EXIT_FAILURE and one_error_line(again[2]) and "already exists" in again[2]
    assert out_file.read_text(encoding="utf-8") == expected
    assert [e["to_file"] for e in report_entries(pushed.db)] == [True]


@pytest.mark.parametrize(
    ("extra", "code", "words"),
    [
        (["--from", "2026-13-01"], EXIT_USAGE, "not a date"),
        (["--to", "yesterday"], EXIT_USAGE, "not a date"),
        (["--from", "2026-07-01"], EXIT_FAILURE, "is after --to"),
        (["--period", "fortnight"], EXIT_USAGE, "--period"),
        (["--by", "worker"], EXIT_USAGE, "--by"),
        (["--format", "docx"], EXIT_USAGE, "--format"),
        (["--format", "pdf"], EXIT_FAILURE, "needs --out"),
        (["--format", "pdf", "--out", "x.pdf", "--by", "site"], EXIT_FAILURE, "--by does not apply"),
        (["--format", "json", "--tables-dir", "t"], EXIT_FAILURE, "alone or with --format pdf"),
        (["--suppress-below", "0"], EXIT_USAGE, "must be 1 or more"),
        (["--workers", "0"], EXIT_USAGE, "must be from 1 to 8"),
        (["--workers", "all"], EXIT_USAGE, "not a whole number"),
        (["--suppress-below", "4", "--no-suppress"], EXIT_USAGE, "not allowed with"),
    ],
)
def test_bad_requests_are_one_line_and_write_nothing(
    pushed: Pushed, capsys: pytest.CaptureFixture[str], extra: list[str], code: int, words: str
) -> None:
    result = run(kpi_args(pushed.db, *extra), capsys)

    assert result[0] == code and result[1] == ""
    assert one_error_line(result[2]) and words in result[2], result[2]
    assert report_entries(pushed.db) == []


def test_the_commissioners_pdf_and_tables(
    pushed: Pushed, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """January against December: the PDF and CSVs hold the shared code's figures, suppressed."""
    pdf, tables = tmp_path / "january.pdf", tmp_path / "tables"
    january = ["report", "kpi", "--from", "2026-01-01", "--to", "2026-01-31", "--db", pushed.db]
    report = build_commissioner_report(pushed.records, date(2026, 1, 1), date(2026, 1, 31))

    code, out, err = run(
        [*january, "--format", "pdf", "--out", str(pdf), "--tables-dir", str(tables)], capsys
    )

    assert (code, err) == (EXIT_OK, "") and "s.62" in out
    assert {p.name: p.read_text(encoding="utf-8") for p in tables.iterdir()} == commissioner_csvs(report)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    rows = [line.split() for line in text.stdout.splitlines() if line.strip().startswith("Referrals into")]
    # Seven custody referrals and one at court in January (all shown: 8 >= 5); none in December.
    assert ["Referrals", "into", "treatment", "8", "0", "+8"] in rows
    assert "Tamsett" not in text.stdout and "Wendover" not in text.stdout
    [entry] = report_entries(pushed.db)
    assert (entry["report"], entry["format"], entry["to_file"], entry["tables"]) == (
        "commissioner",
        "pdf",
        True,
        True,
    )

    again = run([*january, "--tables-dir", str(tables)], capsys)
    assert again[0] == EXIT_FAILURE and one_error_line(again[2]) and "not empty" in again[2]
    assert len(report_entries(pushed.db)) == 1


def test_an_unmigrated_database_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{(tmp_path / 'empty.db').as_posix()}"

    code, _, err = run(kpi_args(db), capsys)

    assert code == 3 and one_error_line(err) and "cars-server migrate" in err


def test_no_report_command_given_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["report"], capsys)

    assert code == EXIT_USAGE and one_error_line(err)
