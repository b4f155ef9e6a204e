"""``mgir trial run|power`` and ``mgir population sample|describe`` as people use them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from mgir.cli import app
from tests.conftest import EXAMPLES

runner = CliRunner()
T2D = EXAMPLES / "trials" / "t2d_solati2014.toml"
PREDIABETES = EXAMPLES / "trials" / "prediabetes_mg_citrate_2016.toml"
SMALL = ["--subjects-per-arm", "200", "--replicates", "50"]


def test_trial_run_json_is_the_result_document():
    jsonschema = pytest.importorskip("jsonschema")
    from mgir.trials import schemas

    result = runner.invoke(app, ["trial", "run", str(T2D), "--json", *SMALL])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)  # nothing but the document on stdout
    jsonschema.validate(document, schemas()["trial-result"])
    assert document["name"].startswith("Solati 2014")
    assert document["provenance"]["seed"] == 2014
    assert document["provenance"]["virtual_subjects_per_arm"] == 200
    assert {c["endpoint"] for c in document["contrasts"]} == {
        "fasting_glucose",
        "fasting_insulin",
        "homa_ir",
        "hba1c",
        "serum_magnesium",
    }


def test_trial_run_table_output_file_and_report(tmp_path):
    out, page = tmp_path / "result.json", tmp_path / "trial.html"
    result = runner.invoke(
        app, ["trial", "run", str(PREDIABETES), "-o", str(out), "--report", str(page), *SMALL]
    )
    assert result.exit_code == 0, result.output
    assert "arm minus reference" in result.output
    assert "magnesium citrate −" in result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["arms"]["magnesium citrate"]["n"] == 19
    html = page.read_text(encoding="utf-8")
    assert html.count("<svg") == 3  # baseline, distributions, contrasts
    for contrast in document["contrasts"]:
        assert contrast["endpoint"] in html
    assert "<link" not in html and "src=" not in html  # self-contained: nothing is fetched


def test_trial_power_curve_and_target(tmp_path):
    figure = tmp_path / "power.svg"
    result = runner.invoke(
        app,
        [
            "trial", "power", str(PREDIABETES), "--endpoint", "serum_magnesium",
            "--n", "20,80", "--json", "--figure", str(figure), *SMALL,
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    points = json.loads(result.stdout)
    assert [p["n_total"] for p in points] == [20, 80]
    assert points[0]["power"] <= points[1]["power"]
    assert figure.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    result = runner.invoke(
        app,
        [
            "trial", "power", str(PREDIABETES), "--endpoint", "serum_magnesium",
            "--target-power", "0.8", *SMALL,
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "smallest total n" in result.output


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        (["trial", "power", str(PREDIABETES), "--endpoint", "serum_magnesium"], "--target-power"),
        (["trial", "power", str(PREDIABETES), "--endpoint", "quicki", "--n", "40"], "--endpoint"),
        (["trial", "power", str(PREDIABETES), "--endpoint", "hba1c", "--n", "4O"], "--n"),
        (["trial", "run", str(PREDIABETES), "--backend", "dask"], "--scheduler"),
        (["trial", "run", str(PREDIABETES), "--backend", "spark"], "--backend"),
        (["trial", "run", "missing.toml"], "SPEC"),
        (
            ["population", "sample", "--condition", "diabetes", "--n", "5", "-o", "x.csv"],
            "--condition",
        ),
        (["population", "sample", "--condition", "t2d", "--n", "5", "-o", "x.xlsx"], "-o"),
    ],
)
def test_bad_input_names_the_option(arguments, field):
    result = runner.invoke(app, arguments)
    assert result.exit_code == 2, result.output
    assert f"error: {field}" in result.stderr


def test_population_sample_parquet_and_csv(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "pop.parquet"
    result = runner.invoke(
        app, ["population", "sample", "--condition", "prediabetes", "--n", "500", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    assert table.num_rows == 500
    assert {"age_years", "fasting_glucose_mmol_per_l", "serum_mg_mmol_per_l"} <= set(
        table.column_names
    )
    meta = json.loads(table.schema.metadata[b"mgir.population"])
    assert meta["condition"] == "prediabetes"
    glucose = table.column("fasting_glucose_mmol_per_l").to_pylist()
    assert max(glucose) < 7.0
    csv_out = tmp_path / "pop.csv"
    result = runner.invoke(
        app, ["population", "sample", "--condition", "pcos", "--n", "50", "-o", str(csv_out)]
    )
    assert result.exit_code == 0, result.output
    lines = csv_out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 51
    assert all(",female," in line for line in lines[1:])


def test_population_describe_lists_every_condition():
    result = runner.invoke(app, ["population", "describe"])
    assert result.exit_code == 0, result.output
    for condition in ("healthy", "t2d", "pcos", "metabolic_syndrome"):
        assert condition in result.output
    result = runner.invoke(app, ["population", "describe", "--condition", "t2d", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["t2d"]["pool_adults"] > 500


def test_a_reader_that_goes_away_is_not_an_internal_error():
    import subprocess
    import sys
    from pathlib import Path

    mgir = Path(sys.executable).parent / "mgir"
    process = subprocess.Popen(
        [str(mgir), "sources", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None
    process.stdout.read(10)  # like `| head -c 10`; the 79 kB document outgrows the 64 kB pipe
    process.stdout.close()
    _, error = process.communicate(timeout=60)
    assert b"internal error" not in error
    assert b"Traceback" not in error
