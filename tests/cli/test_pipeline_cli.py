"""The wired application: plan, foods and report commands through mgir.cli.app."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from mgir.cli import app
from tests.conftest import EXAMPLES, example_files

runner = CliRunner()


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.stem)
def test_every_example_person_gets_a_plan(path):
    result = runner.invoke(app, ["plan", str(path), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)["plan"]
    for key in ("supplement", "blocks", "cautions", "diet", "monitoring", "references"):
        assert key in doc
    supplement = doc["supplement"]
    if supplement is not None:
        assert supplement["elemental_mg_per_day"] <= 350
        assert len(supplement["schedule"]) == supplement["doses_per_day"]


def test_ckd_example_is_blocked_through_the_app():
    doc = json.loads(
        runner.invoke(app, ["plan", str(EXAMPLES / "ckd_stage4.toml"), "--json"]).stdout
    )["plan"]
    assert doc["supplement"] is None
    assert "renal_contraindication" in [b["code"] for b in doc["blocks"]]


def test_assess_uses_the_food_diary():
    doc = json.loads(
        runner.invoke(
            app, ["assess", str(EXAMPLES / "pcos_insulin_resistance.toml"), "--json"]
        ).stdout
    )["assessment"]
    intake = doc["intake"]["mean_mg_per_day"]
    assert intake is not None
    # Bananas 118 g x 27/100 + whole milk 244 g x 10/100 + whole-wheat bread 32 g x 75/100 (SR28).
    assert intake == pytest.approx(118 * 0.27 + 244 * 0.10 + 32 * 0.75, rel=1e-6)
    # 0.78 mmol/L is the grey zone; intake below the EAR 255 mg/day resolves it as deficient.
    assert doc["magnesium"]["status"] == "deficient"


def test_report_command_writes_assessment_and_plan(tmp_path):
    out = tmp_path / "r.html"
    result = runner.invoke(
        app, ["report", str(EXAMPLES / "t2d_low_magnesium.toml"), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "Magnesium status" in html and '<section id="plan"' in html
    assert "trimagnesium dicitrate" in html


def test_foods_search_through_the_app():
    result = runner.invoke(app, ["foods", "search", "almnds", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["ndb_id"] == "12061"


def test_report_takes_the_plan_options_and_records_the_override(tmp_path):
    out = tmp_path / "r.html"
    args = [
        "report",
        str(EXAMPLES / "t2d_low_magnesium.toml"),
        "-o",
        str(out),
        "--draws",
        "5",
        "--elemental-mg",
        "400",
        "--override-ul",
        "refractory hypomagnesaemia on a PPI",
        "--override-by",
        "Dr R. Reporter",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "<b>trimagnesium dicitrate (anhydrous)</b>: 400 mg elemental" in html
    assert "Dr R. Reporter" in html and "refractory hypomagnesaemia on a PPI" in html
    refused = runner.invoke(
        app,
        [
            "report",
            str(EXAMPLES / "t2d_low_magnesium.toml"),
            "-o",
            str(out),
            "--elemental-mg",
            "400",
        ],
    )
    assert refused.exit_code == 2 and "350 mg/day" in refused.stderr


def test_report_to_an_unwritable_path_is_exit_2(tmp_path):
    out = tmp_path / "no" / "such" / "dir" / "r.html"
    result = runner.invoke(app, ["report", str(EXAMPLES / "healthy_adult.toml"), "-o", str(out)])
    assert result.exit_code == 2
    assert "writable file path" in result.stderr


def test_two_columns_for_one_lab_are_an_error_not_a_silent_pick(tmp_path):
    # Before: a second serum-Mg column replaced the first and the row read "adequate".
    src = tmp_path / "in.csv"
    src.write_text(
        "id,age_years,sex,serum_magnesium_mmol_l,serum_magnesium_mg_dl\n1,40,male,0.6,2.2\n"
    )
    result = runner.invoke(app, ["assess", "--csv", str(src)])
    assert result.exit_code == 2
    assert "one column for serum_magnesium" in result.stderr
    src.write_text(
        "id,age_years,sex,serum_magnesium_mmol_l,serum_magnesium_mmol_l\n1,40,male,0.6,0.9\n"
    )
    repeated = runner.invoke(app, ["assess", "--csv", str(src)])
    assert repeated.exit_code == 2 and "each column once" in repeated.stderr
