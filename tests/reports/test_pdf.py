"""The commissioner's PDF: every KPI's name and value in it (read back with pdftotext), small numbers
never in it when suppressed, pages that render to a picture (pdftoppm), and the service around it."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PIL import Image
from reportlab.platypus import Paragraph
from sqlalchemy import select

from cars_desktop.documents.fonts import register_fonts
from cars_desktop.domain.errors import NotPermitted
from cars_desktop.reports.commissioner import (
    FUNNEL,
    CommissionerReport,
    build_commissioner_report,
    comparison_lines,
)
from cars_desktop.reports.kpis import KPI_BY_ID
from cars_desktop.reports.pdf import render_commissioner_pdf, report_styles
from cars_desktop.services.reports import commissioner_pdf
from cars_desktop.services.workstation import WorkstationSession
from cars_desktop.storage.tables import AuditRow
from tests.conftest import CUSTODY, CUSTODY_PASSWORD, Workstation
from tests.reports.casebook import RECORDS
from tests.reports.test_commissioner import APRIL, _busy_april, _shown
from tests.reports.test_kpis import EXPECTED
from tests.reports.test_service import save_casebook

GENERATED = datetime(2026, 5, 6, 8, 5, tzinfo=UTC)  # 09:05 BST


def render(report: CommissionerReport, **more: object) -> bytes:
    return render_commissioner_pdf(
        report, title="Test report", generated_at=GENERATED, fonts=register_fonts(), **more
    )  # type: ignore[arg-type]


def layout_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def rows_starting(text: str, label: str) -> list[tuple[str, str]]:
    """(the figures on the line, the line after) for every line that starts with `label`."""
    lines = text.splitlines()
    found = []
    for n, line in enumerate(lines):
        if line.strip().startswith(label):
            rest = line.strip()[len(label) :]
            found.append((rest, lines[n + 1] if n + 1 < len(lines) else ""))
    return found


def has_figure(row: str, figure: str) -> bool:
    return re.search(rf"(^|\s){re.escape(figure)}(\s|$)", row) is not None


def test_every_kpi_name_and_value_is_in_the_pdf(tmp_path: Path) -> None:
    report = build_commissioner_report(RECORDS, *APRIL, suppress_below=None)
    text = layout_text(render(report), tmp_path)
    flat = " ".join(text.split())
    assert "Page 1 of " in text and "6 May 2026 at 09:05 (UK time)" in flat
    assert "Small numbers are not suppressed in this copy" in flat
    assert "so there is no trend to draw" in flat  # April alone: one point per line is no trend
    for line in comparison_lines(report):
        label = line.label if line.category is None else f"· {line.label}"
        rows = rows_starting(text, label[:38])
        assert rows, f"{line.label} is not in the KPI table"
        figures, below = rows[0]
        now, before = line.text("current"), line.text("previous")
        if line.category is None and line.kpi.kpi_id in EXPECTED:
            in_march, in_april = EXPECTED[line.kpi.kpi_id]  # worked out by hand, not by the code
            assert (now, before) == (_shown(in_april, line.kpi.kind), _shown(in_march, line.kpi.kind))
        assert has_figure(figures, now) and has_figure(figures, before), (line.label, figures)
        if line.basis("current"):
            assert line.basis("current") in below, (line.label, below)
    for kpi in report.current.kpis:
        assert kpi.name in flat  # the appendix names and defines every KPI
        assert " ".join(kpi.definition.split()[:8]) in flat
    for stage, _kpi, _part in FUNNEL:
        assert rows_starting(text, stage)
    funnel_rows = [f.split()[:2] for f, _below in rows_starting(text, "Referrals into treatment")]
    assert ["4", "133.3%"] in funnel_rows  # the funnel table: 4 referrals, 133.3% of 3 assessed


def test_small_numbers_never_reach_the_pdf(tmp_path: Path) -> None:
    report = build_commissioner_report(_busy_april(), *APRIL)  # suppress under 5 by default
    text = layout_text(render(report), tmp_path)
    assert 'Counts from 1 to 4 are shown as "<5"' in " ".join(
        text.replace("“", '"').replace("”", '"').split()
    )
    small = re.compile(r"^[1-4]$")
    checked = 0
    labels = [line.label for line in comparison_lines(report)] + [stage for stage, _k, _p in FUNNEL]
    for label in labels:
        for figures, below in rows_starting(text, label[:38]):
            tokens = figures.split() + below.split()
            assert not [t for t in tokens if small.match(t)], (label, figures, below)
            checked += 1
    assert checked >= len(labels)
    referrals = rows_starting(text, "Referrals into treatment")[0][0].split()
    assert referrals[:2] == ["11", "<5"]
    assert KPI_BY_ID["statutory_share"].name in text and "suppressed" in text


def test_pages_render_to_pictures_that_are_not_blank(tmp_path: Path) -> None:
    pdf = render(build_commissioner_report(RECORDS, date(2026, 3, 1), date(2026, 4, 30), suppress_below=None))
    (tmp_path / "report.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(tmp_path / "report.pdf"), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 4  # table, funnel, trends, definitions
    for page in pages:
        with Image.open(page) as image:
            grey = image.convert("L")
            darkest, lightest = grey.getextrema()
            dark = sum(grey.histogram()[:128])
        assert darkest < 64 and lightest == 255, page.name
        assert dark > 0.005 * grey.width * grey.height, page.name


def test_an_empty_period_and_extra_sections(tmp_path: Path) -> None:
    report = build_commissioner_report([], date(2030, 1, 1), date(2030, 3, 31))
    styles = report_styles(register_fonts())
    extra = [Paragraph("Crime and re-arrest", styles.heading), Paragraph("Re-arrest table here", styles.body)]
    text = " ".join(layout_text(render(report, extra_sections=extra), tmp_path).split())
    assert "Nothing to draw: no figures, or all of them suppressed" in text
    assert text.index("Monthly trends") < text.index("Crime and re-arrest") < text.index("Appendix")
    assert "Q4 2029/30 (1 January 2030 to 31 March 2030)" in text
    assert "Q3 2029/30" in text


def test_the_service_makes_the_pdf_for_supervisors_and_logs_it(
    session: WorkstationSession, workstation: Workstation, tmp_path: Path
) -> None:
    save_casebook(session)
    pdf = commissioner_pdf(session, *APRIL, sites=frozenset({"OLDBURY"}), suppress_below=None)
    assert pdf.startswith(b"%PDF")
    text = " ".join(layout_text(pdf, tmp_path).split())
    assert "OLDBURY" in text
    with session.unit_of_work() as uow:
        query = select(AuditRow.details, AuditRow.record_id).where(AuditRow.operation == "consultation")
        entries = [(json.loads(d or "{}"), r) for d, r in uow.session.execute(query)]
    logged = [(d, r) for d, r in entries if d.get("report") == "commissioner"]
    assert logged == [
        (
            {"report": "commissioner", "from": "2026-04-01", "to": "2026-04-30", "sites": ["OLDBURY"],
             "suppress_below": None},
            None,
        )
    ]  # fmt: skip
    custody = workstation.unlock(CUSTODY, CUSTODY_PASSWORD)
    try:
        with pytest.raises(NotPermitted):
            commissioner_pdf(custody, *APRIL)
    finally:
        custody.lock()
