"""The ``simulate`` and ``model`` commands (registered on a local Typer app)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from mgir.cli import _model, _simulate

PERSON = """
spec_version = 1
[person]
age_years = 52
sex = "male"
[[labs]]
name = "fasting_glucose"
value = 110
unit = "mg/dL"
[[labs]]
name = "fasting_insulin"
value = 16
unit = "uU/mL"
[[labs]]
name = "serum_magnesium"
value = 0.66
unit = "mmol/L"
"""


@pytest.fixture
def app() -> typer.Typer:
    application = typer.Typer()
    _simulate.register(application)
    _model.register(application)
    return application


@pytest.fixture
def person(tmp_path: Path) -> Path:
    path = tmp_path / "person.toml"
    path.write_text(PERSON, encoding="utf-8")
    return path


def test_simulate_json_summary_in_canonical_units(
    app: typer.Typer, person: Path, tmp_path: Path
) -> None:
    out = tmp_path / "traj.csv"
    res = CliRunner().invoke(
        app,
        [
            "simulate",
            str(person),
            "--weeks",
            "16",
            "--supplement",
            "magnesium citrate",
            "--elemental-mg",
            "300",
            "--json",
            "--draws",
            "20",
            "-o",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    summary = payload["summary"]
    assert summary["serum_magnesium"]["unit"] == "mmol/L"
    assert summary["fasting_glucose"]["unit"] == "mmol/L"
    assert summary["homa_ir"]["unit"] == "1"
    assert summary["serum_magnesium"]["start"] == pytest.approx(0.66, rel=1e-9)
    assert summary["fasting_glucose"]["start"] == pytest.approx(110 / 18.0156, rel=1e-6)
    assert summary["serum_magnesium"]["end"] > summary["serum_magnesium"]["start"]
    assert summary["homa_ir"]["end"] < summary["homa_ir"]["start"]
    assert payload["provenance"]["model_version"]
    assert out.exists()
    assert out.with_name("traj.csv.provenance.json").exists()


def test_simulate_table_and_plot(app: typer.Typer, person: Path, tmp_path: Path) -> None:
    png = tmp_path / "traj.png"
    res = CliRunner().invoke(
        app, ["simulate", str(person), "--weeks", "4", "--draws", "10", "--plot", str(png)]
    )
    assert res.exit_code == 0, res.output
    assert "HOMA-IR" in res.output
    assert png.stat().st_size > 1000


def test_simulate_with_plan(app: typer.Typer, person: Path, tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(
        json.dumps({"supplements": [{"salt": "magnesium glycinate", "elemental_mg_per_day": 200}]}),
        encoding="utf-8",
    )
    res = CliRunner().invoke(
        app,
        ["simulate", str(person), "--plan", str(plan), "--json", "--draws", "5", "--weeks", "2"],
    )
    assert res.exit_code == 0, res.output
    prov = json.loads(res.output)["provenance"]
    # the knowledge base resolves the alias to the bisglycinate the model knows
    assert prov["regimen"][0]["salt"] == "magnesium bisglycinate"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--weeks", "0"], "--weeks"),
        (["--supplement", "magnesium unobtainium", "--elemental-mg", "100"], "--supplement"),
        (["--supplement", "magnesium citrate", "--elemental-mg", "-5"], "--elemental-mg"),
    ],
)
def test_simulate_bad_input_names_the_field(
    app: typer.Typer, person: Path, args: list[str], field: str
) -> None:
    res = CliRunner().invoke(app, ["simulate", str(person), "--json", *args])
    assert res.exit_code == 2
    assert json.loads(res.output)["error"]["field"] == field


def test_export_sbml_command(app: typer.Typer, tmp_path: Path) -> None:
    pytest.importorskip("libsbml")
    target = tmp_path / "model.xml"
    res = CliRunner().invoke(app, ["model", "export-sbml", str(target)])
    assert res.exit_code == 0, res.output
    assert "<sbml" in target.read_text(encoding="utf-8")


@pytest.mark.slow
def test_model_calibrate_command_writes_a_calibration(app: typer.Typer, tmp_path: Path) -> None:
    import tomllib

    target = tmp_path / "calibrated.toml"
    res = CliRunner().invoke(app, ["model", "calibrate", "-o", str(target)])
    assert res.exit_code == 0, res.output
    record = tomllib.loads(target.read_text(encoding="utf-8"))
    from mgir.model import calibration_record

    shipped = calibration_record()
    for name, value in shipped["parameters"].items():
        assert record["parameters"][name] == pytest.approx(value, rel=1e-3)
