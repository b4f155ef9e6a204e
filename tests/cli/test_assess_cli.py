"""The CLI as people use it: every example person, JSON keys, exit codes, the CSV path."""

from __future__ import annotations

import csv
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mgir.cli import app
from tests.conftest import EXAMPLES, SHARED, example_files

runner = CliRunner()


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.stem)
def test_every_example_person_assesses(path):
    result = runner.invoke(app, ["assess", str(path)])
    assert result.exit_code == 0, result.output
    assert "Magnesium status" in result.output
    result = runner.invoke(app, ["assess", str(path), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    a = doc["assessment"]
    for key in ("homa_ir", "homa_beta", "quicki"):
        entry = a["indices"][key]
        assert "value" in entry
        assert entry["value"] is not None or entry["reason"]
    assert "value" in a["kidney"]["egfr"]
    assert a["magnesium"]["status"] in ("deficient", "grey_zone", "adequate", "high", "unknown")
    assert a["requirements"]["rda_mg_per_day"] > 0
    assert "supplement_ul_mg_per_day" in a["requirements"]
    assert isinstance(a["notices"], list)
    assert a["person"]["insulin_pmol_per_uiu"] in (6.0, 6.945)
    assert doc["plan"] is None and doc["projection"] is None
    assert doc["provenance"]["schema_version"] == "mgir.evaluation/1"


def test_json_values_for_known_example():
    doc = json.loads(
        runner.invoke(app, ["assess", str(EXAMPLES / "ckd_stage4.toml"), "--json"]).stdout
    )["assessment"]
    assert doc["indices"]["homa_ir"]["value"] is None
    assert doc["indices"]["homa_ir"]["reason"] == "needs fasting_insulin"
    assert doc["kidney"]["egfr"]["value"] < 30
    assert doc["magnesium"]["status"] == "adequate"


def test_insulin_factor_option_changes_the_factor_reported():
    path = EXAMPLES / "pregnant.toml"
    a = json.loads(runner.invoke(app, ["assess", str(path), "--json"]).stdout)["assessment"]
    b = json.loads(
        runner.invoke(app, ["assess", str(path), "--json", "--insulin-factor", "6.945"]).stdout
    )["assessment"]
    assert b["person"]["insulin_pmol_per_uiu"] == 6.945
    ratio = a["indices"]["homa_ir"]["value"] / b["indices"]["homa_ir"]["value"]
    assert ratio == pytest.approx(6.945 / 6.0)
    bad = runner.invoke(app, ["assess", str(path), "--insulin-factor", "7"])
    assert bad.exit_code == 2


@pytest.mark.parametrize(
    ("content", "suffix", "fragment"),
    [
        ("spec_version = 1\n[person\nage_years = 4", ".toml", "valid TOML"),
        ('{"spec_version": 1, "person": ', ".json", "valid JSON"),
        (
            "spec_version = 1\n[person]\nage_years = 40\nsex = 'female'\n[[labs]]\n"
            "name = 'fasting_glucose'\nvalue = 5\nunit = 'mg'\n",
            ".toml",
            "labs[0] fasting_glucose.unit",
        ),
        (
            "spec_version = 1\n[person]\nage_years = 40\nsex = 'female'\n[[labs]]\n"
            "name = 'fasting_glucose'\nvalue = -5\nunit = 'mmol/L'\n",
            ".toml",
            "labs[0] fasting_glucose: got -5 mmol/L",
        ),
    ],
)
def test_bad_files_exit_2_with_a_message(tmp_path, content, suffix, fragment):
    path = tmp_path / f"p{suffix}"
    path.write_text(content)
    result = runner.invoke(app, ["assess", str(path)])
    assert result.exit_code == 2
    assert fragment in result.output


def test_missing_file_exits_2(tmp_path):
    result = runner.invoke(app, ["assess", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2 and "readable file" in result.output


def test_json_person_file_is_accepted(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(
        json.dumps(
            {
                "spec_version": 1,
                "person": {"age_years": 40, "sex": "male"},
                "labs": [{"name": "serum_magnesium", "value": 0.8, "unit": "mmol/L"}],
            }
        )
    )
    result = runner.invoke(app, ["assess", str(path), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["assessment"]["magnesium"]["status"] == "grey_zone"


def test_csv_mode_generic_columns(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(
        "id,age_years,sex,fasting_glucose_mg_dl,fasting_insulin_uiu_ml,"
        "serum_magnesium_mmol_l,creatinine_mg_dl\n"
        "a,45,female,104,14,0.74,0.8\n"
        "b,30,male,,,0.9,\n"
    )
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["assess", "--csv", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert float(rows[0]["homa_ir"]) == pytest.approx(14 * 104 / 18.0156 / 22.5)
    assert rows[0]["magnesium_status"] == "deficient"
    assert rows[1]["homa_ir"] == "" and "needs fasting_glucose" in rows[1]["not_computed"]
    assert rows[1]["magnesium_status"] == "adequate"


def test_csv_mode_rejects_unknown_columns_and_reports_impossible_values(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,age_years,sex,glucose\n1,40,male,5\n")
    result = runner.invoke(app, ["assess", "--csv", str(src)])
    assert result.exit_code == 2 and "glucose" in result.stderr
    assert "did you mean" in result.stderr
    src.write_text("id,age_years,sex,fasting_glucose_mmol_l\n1,40,male,500\n2,50,female,5\n")
    result = runner.invoke(app, ["assess", "--csv", str(src)])
    assert result.exit_code == 0
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert len(rows) == 2  # rows in = rows out
    assert "row 2 (id 1), column fasting_glucose_mmol_l" in rows[0]["errors"]
    assert rows[0]["homa_ir"] == "" and rows[1]["errors"] == ""
    strict = runner.invoke(app, ["assess", "--csv", str(src), "--strict"])
    assert strict.exit_code == 2 and "row 2 (id 1)" in strict.stderr


NHANES = SHARED / "data" / "nhanes_2015_2016_mg_glucose.csv"


@pytest.mark.skipif(not NHANES.exists(), reason="shared NHANES extract not present")
def test_nhanes_extract_is_assessed(tmp_path):
    out = tmp_path / "nhanes_out.csv"
    result = runner.invoke(
        app, ["assess", "--csv", str(NHANES), "--format", "nhanes", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert len(rows) == 9971
    with_homa = [r for r in rows if r["homa_ir"]]
    assert len(with_homa) >= 2900  # 2,921 have insulin; PROVENANCE.md
    # Independent check of one row from the raw numbers in the extract.
    raw = next(r for r in csv.DictReader(NHANES.read_text().splitlines()) if r["SEQN"] == "83733")
    mine = next(r for r in rows if r["id"] == "83733")
    expected = float(raw["LBXGLU"]) / 18.0156 * float(raw["LBXIN"]) / 22.5
    assert float(mine["homa_ir"]) == pytest.approx(expected)


def test_installed_entry_point_runs():
    exe = shutil.which("mgir") or str(Path(sys.executable).parent / "mgir")
    proc = subprocess.run(
        [exe, "assess", str(EXAMPLES / "healthy_adult.toml"), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["assessment"]["magnesium"]["status"] == "adequate"
    bad = subprocess.run(
        [exe, "assess", "/nonexistent.toml"], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2


def test_demo_writes_a_report(tmp_path):
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["demo", "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "<!DOCTYPE html>" in html and "Magnesium status" in html
    assert "http://" not in html.split("<body>")[0]  # self-contained head: no external assets


def test_cutoffs_and_sources_commands():
    result = runner.invoke(app, ["cutoffs", "--json"])
    assert result.exit_code == 0
    assert any(
        row["key"] == "guerrero_romero_3_0" and row["default"] for row in json.loads(result.output)
    )
    assert runner.invoke(app, ["sources", "inker2021"]).exit_code == 0
    assert runner.invoke(app, ["sources", "nope"]).exit_code == 2


def test_nhanes_real_variable_names_and_row_errors(tmp_path):
    src = tmp_path / "nhanes.csv"
    src.write_text(
        "SEQN,RIAGENDR,RIDAGEYR,RIDEXPRG,LBXGLU,LBXIN,LBXSCR,LBXTR,DR1TMAGN,DR2TMAGN,WTINT2YR\n"
        "1,2,30,3,95,10,0.8,120,250,310,1000\n"  # RIDEXPRG 3: cannot be ascertained
        "2,1,40,1,95,10,0.8,120,250,,1000\n"  # a man marked pregnant
        "3,2,35,2,105,15,0.7,100,200,300,1000\n"
        "4,2,35,,inf,15,0.7,100,200,300,1000\n"
    )
    result = runner.invoke(app, ["assess", "--csv", str(src), "--format", "nhanes"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    assert "column RIDEXPRG: got '3'" in rows[0]["errors"]
    assert "column RIDEXPRG: got '1'; allowed: pregnant only with sex = female" in rows[1]["errors"]
    assert "column LBXGLU: got 'inf'" in rows[3]["errors"]
    ok = rows[2]
    assert ok["errors"] == ""
    # HOMA-IR from LBXGLU (mg/dL) and LBXIN; eGFR CKD-EPI 2021 from LBXSCR; intake = mean of days.
    assert float(ok["homa_ir"]) == pytest.approx(105 / 18.0156 * 15 / 22.5)
    assert float(ok["egfr_ml_min_1_73m2"]) > 90
    assert float(ok["tyg"]) == pytest.approx(math.log(100 * 105 / 2))
    assert ok["intake_below_ear"] == "1.0"  # mean (200 + 300) / 2 = 250 < EAR 265 (women 31-50)


def test_duplicate_json_keys_are_an_error(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(
        '{"spec_version": 1, "person": {"age_years": 40, "sex": "male", "sex": "female"}}'
    )
    result = runner.invoke(app, ["assess", str(path)])
    assert result.exit_code == 2
    assert "each key once" in result.stderr


def test_version_and_markup_safe_output(tmp_path):
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0 and version.stdout.startswith("mgir ")
    # "[[ogtt]]" in a reason must reach the screen as written (it is not Rich markup).
    text = runner.invoke(app, ["assess", str(EXAMPLES / "healthy_adult.toml")])
    assert "([[ogtt]])" in text.stdout
