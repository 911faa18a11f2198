"""`python -m data_access` as an administrator uses it, on both databases."""

from __future__ import annotations

import csv
import io

import pytest

from tests.cli_util import run_cli as cli
from tests.conftest import REPO

FIVE_MISTAKES = REPO / "tests" / "fixtures" / "targets_five_mistakes.yaml"


def test_validate_targets_accepts_the_sample_plan(shared_seeded_url):
    result = cli("validate-targets", db_url=shared_seeded_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "hợp lệ" in result.stdout


def test_validate_targets_lists_all_five_mistakes_with_lines(shared_seeded_url):
    result = cli("validate-targets", str(FIVE_MISTAKES), db_url=shared_seeded_url)
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("  - ")]
    assert len(errors) == 5, result.stdout
    # every message names its line, and the lines are where the mistakes are
    assert all("Dòng " in e for e in errors)
    lines = sorted(int(e.split("Dòng ")[1].split(":")[0]) for e in errors)
    assert len(set(lines)) == 5
    text = FIVE_MISTAKES.read_text(encoding="utf-8").splitlines()
    assert all(1 <= n <= len(text) for n in lines)


def test_validate_targets_in_english(shared_seeded_url):
    result = cli("--lang", "en", "validate-targets", str(FIVE_MISTAKES), db_url=shared_seeded_url)
    assert result.returncode == 1
    assert "Line " in result.stdout


def _progress_csv(db_url: str, *extra: str) -> list[dict[str, str]]:
    result = cli("progress", "--year", "2024", "--format", "csv", *extra, db_url=db_url)
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_progress_csv_covers_the_district_and_every_commune(shared_seeded_url):
    from data_access.targets import load_plan

    plan = load_plan(REPO / "targets.yaml")
    rows = _progress_csv(shared_seeded_url)
    columns = {"area_code", "area_name", "area_level", "indicator_id", "period", "year", "value", "target", "status"}
    assert columns <= set(rows[0])
    for ind in plan.indicators:
        mine = [r for r in rows if r["indicator_id"] == ind.id]
        assert [r["area_level"] for r in mine].count("district") == 1
        assert len([r for r in mine if r["area_level"] == "commune"]) == 17
    assert {r["status"] for r in rows} <= {"met", "at_risk", "not_met", "no_data", "no_target", "not_applicable"}
    assert {r["period"] for r in rows} == {"FY"} and {r["year"] for r in rows} == {"2024"}


def test_progress_csv_child_friendly_rate_is_recognised_and_eligible_over_all(shared_seeded_url):
    """Computed here from the sample file, not from the code under test."""
    from data_access.targets import load_plan

    plan = load_plan(REPO / "targets.yaml")
    cfc = next(i for i in plan.indicators if i.numerator == "cfc_recognised" and i.denominator == "communes")
    sample: dict[str, dict[str, float]] = {}
    with (REPO / "sample_data" / "data_values.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if (
                r["year"] == "2024"
                and r["period"] == "FY"
                and r["commune_code"].startswith("07")
                and r["commune_code"] <= "07700"
            ):
                sample.setdefault(r["commune_code"], {})[r["data_element"]] = float(r["value"])
    rows = _progress_csv(shared_seeded_url)
    communes = {r["area_code"] for r in rows if r["area_level"] == "commune"}
    good = sum(
        1
        for code in communes
        if sample[code].get("cfc_recognised") == 1 and all(sample[code].get(de) == 0 for de in cfc.requires_zero)
    )
    district = next(r for r in rows if r["indicator_id"] == cfc.id and r["area_level"] == "district")
    assert float(district["value"]) == pytest.approx(good / len(communes) * 100, abs=1e-3)


def test_progress_is_identical_on_sqlite_and_postgresql(_shared_copies):
    outputs = {}
    for backend, url in _shared_copies.items():
        result = cli("progress", "--year", "2024", "--format", "csv", db_url=url)
        assert result.returncode == 0, result.stderr
        outputs[backend] = result.stdout
    assert outputs["sqlite"] == outputs["postgresql"]
    assert outputs["sqlite"].count("\n") > 17 * 18


def test_progress_for_another_districts_plan_without_code_change(shared_seeded_url):
    plan = REPO / "sample_data" / "plans" / "chi_lang_2025.yaml"
    result = cli("progress", "--year", "2025", "--targets", str(plan), "--format", "csv", db_url=shared_seeded_url)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["area_name"] for r in rows if r["area_level"] == "district"} == {"Chi Lăng"}
    assert len({r["area_code"] for r in rows if r["area_level"] == "commune"}) == 20


def test_progress_when_the_plan_area_is_one_commune(shared_seeded_url):
    plan = REPO / "sample_data" / "plans" / "thang_2024.yaml"
    rows = list(
        csv.DictReader(
            io.StringIO(
                cli(
                    "progress", "--year", "2024", "--targets", str(plan), "--format", "csv", db_url=shared_seeded_url
                ).stdout
            )
        )
    )
    assert rows and {r["area_level"] for r in rows} == {"commune"}
    assert len(rows) == len({r["indicator_id"] for r in rows})


def test_unreachable_database_is_one_plain_line():
    result = cli("progress", "--year", "2024", db_url="postgresql://u:topsecret@127.0.0.1:1/x")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "topsecret" not in result.stderr + result.stdout
    assert "Không kết nối được" in result.stderr


def test_seed_and_init_are_safe_to_repeat(empty_url):
    assert cli("init-db", db_url=empty_url).returncode == 0
    assert cli("init-db", db_url=empty_url).returncode == 0
    first = cli("seed", db_url=empty_url)
    second = cli("seed", db_url=empty_url)
    assert first.returncode == 0 and second.returncode == 0
    assert "thêm 0 số liệu" in second.stdout


def test_progress_zero_denominator_is_not_applicable_not_no_data(shared_seeded_url):
    """A commune that reported 0 abuse cases has nothing to measure for "cases with a
    support plan": `not_applicable` in the CSV, "Không phát sinh" in the table; a
    commune that did not report stays `no_data`."""
    rows = [r for r in _progress_csv(shared_seeded_url) if r["indicator_id"] == "abuse_plan_rate"]
    zero = [r for r in rows if r["area_level"] == "commune" and r["denominator"] == "0"]
    assert zero, "the sample has communes with no abuse case in 2024"
    assert {r["status"] for r in zero} == {"not_applicable"}
    assert all(r["value"] == "" and r["communes_reported"] == "1" for r in zero)
    unreported = [r for r in rows if r["area_level"] == "commune" and r["communes_reported"] == "0"]
    assert all(r["status"] == "no_data" for r in unreported)
    table = cli("progress", "--year", "2024", db_url=shared_seeded_url)
    assert table.returncode == 0, table.stderr
    section = table.stdout.split("[abuse_plan_rate]")[1].split("\n\n")[0]
    assert section.count("Không phát sinh") == len(zero)
