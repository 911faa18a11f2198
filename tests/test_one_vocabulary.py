"""One vocabulary for amounts and targets: the indicator page, the report draft (.docx)
and the command line write the same target and the same value the same way, because
they all call `i18n.fmt_target` / `i18n.fmt_amount` (issue 11: "80 %" on the page and
"80%" in the export used to disagree)."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date

from docx import Document

from data_access import db
from data_access.exports import load_inputs, report_docx
from data_access.progress import compute_progress
from data_access.targets import load_plan
from i18n import fmt_number
from tests.apptest_util import all_text, run_app
from tests.conftest import REPO

PLAN = load_plan(REPO / "targets.yaml")
SYMBOL = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}  # the test's own table


def _expected_target(indicator_id: str, year: int) -> str:
    """The plan's target, written by the test itself: '>= 80' -> '≥ 80 %'."""
    target = PLAN.indicator(indicator_id).targets[year]
    return f"{SYMBOL[target.op]} {fmt_number(target.number, None, 'vi')} %"


def _docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for table in doc.tables for row in table.rows for c in row.cells]
    return "\n".join(parts)


def test_page_export_and_cli_write_the_target_and_the_value_alike(monkeypatch, shared_seeded_url):
    target = _expected_target("cfc_rate", 2024)
    # The district's value, as a number; each surface must spell it "x,y %".
    area = compute_progress(db.get_engine(shared_seeded_url), PLAN, 2024, "FY").row("cfc_rate")
    value = f"{fmt_number(area.value, 1, 'vi')} %"

    page = all_text(run_app(monkeypatch, shared_seeded_url, page="indicator", year="2024", period="FY", indicator="cfc_rate"))
    inputs = load_inputs(db.get_engine(shared_seeded_url), PLAN, 2024, "FY", None, "vi", date(2024, 12, 20))
    export = _docx_text(report_docx(inputs))
    cli = subprocess.run(
        [sys.executable, "-m", "data_access", "progress", "--year", "2024", "--period", "FY"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"DATABASE_URL": shared_seeded_url, "PATH": "/usr/bin:/bin", "APP_LANG": "vi"},
        timeout=300,
    )
    assert cli.returncode == 0, cli.stderr
    section = cli.stdout.split("[cfc_rate]")[1].split("\n\n")[0]

    for surface, text in (("page", page), ("export", export), ("cli", section)):
        assert target in text, (surface, target)
        assert value in text, (surface, value)
    # The spelling the old export used is gone from all three.
    squeezed = target.replace(" %", "%")
    assert not any(squeezed in text for text in (page, export, section))
