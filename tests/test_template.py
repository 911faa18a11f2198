"""The wide XLSX template: layout, Excel-proofing, and the round trip to `progress`."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from data_access import db
from data_access.intake.template import write_template
from data_access.targets import load_plan
from tests.cli_util import run_cli as cli
from tests.conftest import REPO
from tests.intake_util import sample_values

PLAN = load_plan(REPO / "targets.yaml")


def son_dong_communes() -> list[tuple[str, str]]:
    with (REPO / "sample_data" / "org_units.csv").open(encoding="utf-8") as fh:
        return sorted((r["code"], r["full_name"]) for r in csv.DictReader(fh) if r["parent_code"] == "220")





def test_template_layout(shared_seeded_url):
    content, name = write_template(db.get_engine(shared_seeded_url), PLAN, 2025, "H1")
    assert name == "mau_bao_cao_220_H1_2025.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb.worksheets[0]
    used = PLAN.used_data_elements()
    # Row 2: the ids, in plan order, after the code and name columns; hidden.
    assert [c.value for c in ws[2]] == ["commune_code", "commune_name", *used]
    assert ws.row_dimensions[2].hidden
    # Row 1: the Vietnamese names people read.
    headers = [c.value for c in ws[1]]
    assert headers[:2] == ["Mã xã", "Tên xã, thị trấn"]
    for de, head in zip(used, headers[2:], strict=True):
        assert head.startswith(PLAN.data_elements[de].name.vi)
    # One row per commune, codes as text with their leading zero.
    communes = son_dong_communes()
    rows = [(ws.cell(row=r, column=1).value, ws.cell(row=r, column=2).value) for r in range(3, ws.max_row + 1)]
    assert rows == communes
    assert all(ws.cell(row=r, column=1).number_format == "@" for r in range(3, ws.max_row + 1))
    assert all(isinstance(code, str) and code.startswith("0") for code, _ in rows)
    # Every figure cell is empty: not reported.
    assert all(
        ws.cell(row=r, column=c).value is None for r in range(3, ws.max_row + 1) for c in range(3, ws.max_column + 1)
    )
    assert ws.freeze_panes == "C3"
    assert ws.column_dimensions["B"].width >= 20
    # A data validation on every figure column: whole ≥ 0, or 0..1 for yes/no.
    rules = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            rules[rng.min_col] = dv
    for col, de in enumerate(used, start=3):
        dv = rules[col]
        assert dv.type == "whole"
        if PLAN.data_elements[de].type == "yes_no":
            assert (dv.operator, dv.formula1, dv.formula2) == ("between", "0", "1")
        else:
            assert (dv.operator, dv.formula1) == ("greaterThanOrEqual", "0")
        # The hint on the cell is in Vietnamese and names the figure, not its id.
        assert dv.promptTitle == "Cách ghi số liệu"
        assert dv.prompt.startswith(PLAN.data_elements[de].name.vi) and de not in dv.prompt
    # Year and period on the information sheet, with the instructions in Vietnamese.
    info = wb.worksheets[1]
    facts = {r[2]: r[1] for r in info.iter_rows(values_only=True) if r[2]}
    assert facts["year"] == 2025 and facts["period"] == "H1" and facts["area_code"] == "220"
    text = " ".join(str(v) for r in info.iter_rows(values_only=True) for v in r if v)
    assert "không phải bằng 0" in text
    assert "6 THÁNG ĐẦU NĂM 2025" in text


def test_template_command_line(shared_seeded_url, tmp_path):
    out = tmp_path / "sub" / "mau.xlsx"
    result = cli("template", "--year", "2024", "--period", "FY", "--out", str(out), db_url=shared_seeded_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert out.exists() and "mau.xlsx" in result.stdout
    wb = openpyxl.load_workbook(out)
    facts = {r[2]: r[1] for r in wb.worksheets[1].iter_rows(values_only=True) if r[2]}
    assert (facts["year"], facts["period"]) == (2024, "FY")
    other = cli(
        "template", "--year", "2024", "--period", "FY", "--out", str(out), "--area", "187", db_url=shared_seeded_url
    )
    assert other.returncode == 0, other.stderr
    wb = openpyxl.load_workbook(out)
    assert wb.worksheets[0].max_row - 2 == 20  # Chi Lăng has 20 communes


def test_an_empty_template_imports_nothing_and_says_why(shared_seeded_url, tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(write_template(db.get_engine(shared_seeded_url), PLAN, 2025, "H1")[0])
    result = cli("import", str(path), "--dry-run", db_url=shared_seeded_url)
    assert result.returncode == 1
    assert "không có số liệu nào" in result.stdout


@pytest.mark.slow
def test_round_trip_template_filled_imported_then_progress(seeded_url, tmp_path):
    """An Lạc (07645) never sent H1 2025; fill its row with its FY 2025 figures."""
    sample = sample_values()
    tpl = tmp_path / "mau.xlsx"
    assert cli("template", "--year", "2025", "--period", "H1", "--out", str(tpl), db_url=seeded_url).returncode == 0
    wb = openpyxl.load_workbook(tpl)
    ws = wb.worksheets[0]
    ids = [c.value for c in ws[2]]
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(row=r, column=1).value == "07645")
    filled = {}
    for col, de in enumerate(ids, start=1):
        if col > 2 and ("07645", 2025, "FY", de) in sample:
            # FY figures satisfy every check, and H1 = FY keeps every flow's FY ≥ H1.
            filled[de] = sample[("07645", 2025, "FY", de)]
            ws.cell(row=row, column=col, value=int(filled[de]))
    filled_path = tmp_path / "an_lac_h1_2025.xlsx"
    wb.save(filled_path)

    before = {r["indicator_id"]: r for r in progress_rows(seeded_url, "07645")}
    assert all(r["value"] == "" for r in before.values())  # nothing reported yet
    result = cli("import", str(filled_path), "--by", "Cán bộ xã An Lạc", db_url=seeded_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(filled)} thay đổi ({len(filled)} mới" in result.stdout

    after = {r["indicator_id"]: r for r in progress_rows(seeded_url, "07645")}
    for ind in PLAN.indicators:
        if not ind.applies_to_communes:
            continue
        num = filled.get(ind.numerator)
        den = 1.0 if ind.denominator == "communes" else filled.get(ind.denominator) if ind.denominator else None
        if ind.unit == "count":
            expected = num
        elif num is None or not den:
            continue
        else:
            expected = num / den * ind.scale
        if ind.requires_zero and any(filled.get(z, 1) != 0 for z in ind.requires_zero):
            expected = 0.0
        got = after[ind.id]["value"]
        assert got != "", ind.id
        assert float(got) == pytest.approx(expected, abs=1e-3), ind.id
    district = [r for r in progress_rows(seeded_url) if r["area_level"] == "district"]
    assert {r["communes_reported"] for r in district if r["indicator_id"] == "special_children_rate"} == {"17"}


def progress_rows(url: str, area_code: str | None = None) -> list[dict[str, str]]:
    result = cli("progress", "--year", "2025", "--period", "H1", "--format", "csv", db_url=url)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    return [r for r in rows if area_code is None or r["area_code"] == area_code]
