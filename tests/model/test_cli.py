"""The ``simulate`` and ``model`` commands (registered on a local Typer app)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
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
    payload = json.loads(res.stdout)
    baseline, treated = payload["projection"]["arms"]
    assert baseline["label"] == "no change"
    assert treated["elemental_mg_per_day"] == 300
    outputs = treated["outputs"]
    assert outputs["serum_magnesium"]["unit"] == "mmol/L"
    assert outputs["fasting_glucose"]["unit"] == "mmol/L"
    assert outputs["homa_ir"]["unit"] == "1"
    assert outputs["serum_magnesium"]["central"][0] == pytest.approx(0.66, rel=1e-9)
    assert outputs["fasting_glucose"]["central"][0] == pytest.approx(110 / 18.0156, rel=1e-6)
    assert outputs["serum_magnesium"]["central"][-1] > outputs["serum_magnesium"]["central"][0]
    assert outputs["homa_ir"]["central"][-1] < outputs["homa_ir"]["central"][0]
    assert payload["provenance"]["model_version"]
    assert payload["plan"]["supplement"]["elemental_mg_per_day"] == 300
    assert out.exists()
    rows = out.read_text().splitlines()
    assert rows[0] == "arm,output,unit,anchored,day,central,low,median,high"
    assert len(rows) == 1 + 2 * 5 * (16 * 7 + 1)  # 2 arms x 5 outputs x 113 days
    assert out.with_name("traj.csv.provenance.json").exists()


def test_simulate_table_and_plot(app: typer.Typer, person: Path, tmp_path: Path) -> None:
    png = tmp_path / "traj.png"
    res = CliRunner().invoke(
        app, ["simulate", str(person), "--weeks", "4", "--draws", "10", "--plot", str(png)]
    )
    assert res.exit_code == 0, res.output
    assert "HOMA-IR" in res.stdout
    assert png.stat().st_size > 1000


def _plan_document(person: Path, **options: object) -> dict:
    from datetime import date

    from mgir.assessment import parse_person
    from mgir.care import CareOptions, evaluate
    from mgir.cli._common import read_document

    evaluation = evaluate(
        parse_person(read_document(person), assessed_on=date.today()),
        CareOptions(project=False, **options),
        stages="plan",
    )
    return evaluation.to_dict()["plan"]


def test_simulate_with_plan(app: typer.Typer, person: Path, tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    document = _plan_document(
        person,
        requested_salt="magnesium glycinate",
        requested_elemental_mg_per_day=200,
        supplement_requested=True,
    )
    plan.write_text(json.dumps(document), encoding="utf-8")
    res = CliRunner().invoke(
        app,
        ["simulate", str(person), "--plan", str(plan), "--json", "--draws", "5", "--weeks", "2"],
    )
    assert res.exit_code == 0, res.output
    arms = json.loads(res.stdout)["projection"]["arms"]
    # the knowledge base resolves the alias to the bisglycinate the model knows
    assert arms[1]["salt"] == "magnesium bisglycinate (anhydrous)"
    assert arms[1]["elemental_mg_per_day"] == 200


@pytest.mark.parametrize("edited", [351, 600, 6000])
def test_simulate_refuses_a_plan_edited_above_the_ul(
    app: typer.Typer, person: Path, tmp_path: Path, edited: float
) -> None:
    document = _plan_document(person)
    document["supplement"]["elemental_mg_per_day"] = edited
    document["supplement"]["total_mg_per_day"] = edited
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(document), encoding="utf-8")
    res = CliRunner().invoke(app, ["simulate", str(person), "--plan", str(plan), "--draws", "5"])
    assert res.exit_code == 2, res.output
    assert "350 mg/day" in res.stderr


def test_simulate_refuses_a_plan_with_a_text_dose(
    app: typer.Typer, person: Path, tmp_path: Path
) -> None:
    document = _plan_document(person)
    document["supplement"]["elemental_mg_per_day"] = "three hundred"
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(document), encoding="utf-8")
    res = CliRunner().invoke(app, ["simulate", str(person), "--plan", str(plan)])
    assert res.exit_code == 2
    assert "plan.supplement.elemental_mg_per_day" in res.stderr


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--weeks", "0"], "--weeks"),
        (["--supplement", "magnesium unobtainium", "--elemental-mg", "100"], "--supplement"),
        (["--supplement", "magnesium citrate", "--elemental-mg", "-5"], "--elemental-mg"),
        (["--supplement", "magnesium citrate", "--elemental-mg", "0.5"], "--elemental-mg"),
        (["--supplement", "magnesium citrate", "--elemental-mg", "2000"], "--elemental-mg"),
    ],
)
def test_simulate_bad_input_names_the_field(
    app: typer.Typer, person: Path, args: list[str], field: str
) -> None:
    res = CliRunner().invoke(app, ["simulate", str(person), "--json", *args])
    assert res.exit_code == 2
    assert res.stdout == ""  # errors go to stderr, even with --json
    assert res.stderr.startswith(f"error: {field}:")
    if "2000" in args:  # above the UL: the message says how to record an override
        assert "--override-ul REASON --override-by NAME" in res.stderr


def test_simulate_seed_must_not_be_negative(app: typer.Typer, person: Path) -> None:
    res = CliRunner().invoke(app, ["simulate", str(person), "--seed", "-1"])
    assert res.exit_code == 2
    assert "--seed" in res.output


def test_unwritable_output_is_a_clear_error(app: typer.Typer, person: Path, tmp_path: Path) -> None:
    target = tmp_path / "missing-folder" / "traj.csv"
    res = CliRunner().invoke(app, ["simulate", str(person), "--draws", "5", "-o", str(target)])
    assert res.exit_code == 2
    assert "writable file path" in res.stderr
    assert "Traceback" not in res.output


def test_export_sbml_command(app: typer.Typer, tmp_path: Path) -> None:
    pytest.importorskip("libsbml")
    target = tmp_path / "model.xml"
    res = CliRunner().invoke(app, ["model", "export-sbml", str(target)])
    assert res.exit_code == 0, res.output
    assert "<sbml" in target.read_text(encoding="utf-8")


def test_export_sbml_of_a_person_with_the_plan(app: typer.Typer, tmp_path: Path) -> None:
    """The fitted person's labs and the plan's (safety-checked) supplement are in the file."""
    libsbml = pytest.importorskip("libsbml")
    from tests.conftest import EXAMPLES

    from mgir.assessment import parse_person
    from mgir.care import CareOptions, evaluate
    from mgir.cli._common import read_document

    example = EXAMPLES / "t2d_low_magnesium.toml"
    target = tmp_path / "person.xml"
    res = CliRunner().invoke(
        app, ["model", "export-sbml", str(target), "--person", str(example), "--with-plan"]
    )
    assert res.exit_code == 0, res.output
    model = libsbml.readSBMLFromString(target.read_text(encoding="utf-8")).getModel()
    person = parse_person(read_document(example))
    serum = (
        model.getSpecies("mg_extracellular_mmol").getInitialAmount()
        / model.getCompartment("extracellular").getSize()
    )
    assert serum == pytest.approx(person.lab("serum_magnesium"), rel=1e-6)
    glucose = model.getParameter("glucose_mg_per_dl").getValue() / 18.0156
    assert glucose == pytest.approx(person.lab("fasting_glucose"), rel=1e-4)
    plan = evaluate(person, CareOptions(project=False), stages="plan").plan
    assert plan is not None and plan.supplement is not None
    taken = model.getParameter("supplement_mmol_per_day").getValue()
    assert taken * 24.305 == pytest.approx(plan.supplement.elemental_mg_per_day, rel=1e-4)


def test_export_sbml_with_plan_needs_a_person_with_a_supplement(
    app: typer.Typer, tmp_path: Path
) -> None:
    pytest.importorskip("libsbml")
    from tests.conftest import EXAMPLES

    alone = CliRunner().invoke(
        app, ["model", "export-sbml", str(tmp_path / "a.xml"), "--with-plan"]
    )
    assert alone.exit_code == 2
    assert "--with-plan" in alone.output
    healthy = CliRunner().invoke(
        app,
        [
            "model",
            "export-sbml",
            str(tmp_path / "b.xml"),
            "--person",
            str(EXAMPLES / "healthy_adult.toml"),
            "--with-plan",
        ],
    )
    assert healthy.exit_code == 2
    assert "has none" in healthy.output
    assert not (tmp_path / "b.xml").exists()


@pytest.mark.slow
def test_model_calibrate_command_writes_a_calibration(app: typer.Typer, tmp_path: Path) -> None:
    import tomllib

    target = tmp_path / "calibrated.toml"
    res = CliRunner().invoke(
        app,
        ["model", "calibrate", "--no-progression", "--posterior-steps", "30", "-o", str(target)],
    )
    assert res.exit_code == 0, res.output
    record = tomllib.loads(target.read_text(encoding="utf-8"))
    from mgir.model import Param, calibration_record, parameter_info

    # A short posterior run: 32 walkers x (30 - 10 burn-in) steps, one in 10 kept.
    posterior = record["posterior"]
    draws = np.exp(np.asarray(posterior["log_draws"]))
    assert draws.shape == (64, len(posterior["names"]))
    assert len(posterior["chi_square"]) == 64
    info = parameter_info(calibrated=False)
    for j, name in enumerate(posterior["names"]):
        assert info[Param(name)].lower <= draws[:, j].min()
        assert draws[:, j].max() <= info[Param(name)].upper
    # No draw beats the least-squares optimum by more than the optimiser's tolerance.
    assert min(posterior["chi_square"]) >= record["fit"]["chi_square"] - 0.05

    shipped = calibration_record()
    for name, value in shipped["parameters"].items():
        if name == Param.PROGRESSION_RATE.value:  # the stage this run leaves out
            assert name not in record["parameters"]
            assert "progression" not in record
            continue
        assert record["parameters"][name] == pytest.approx(value, rel=1e-3)


def test_simulate_writes_parquet_trajectories(
    app: typer.Typer, person: Path, tmp_path: Path
) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "traj.parquet"
    res = CliRunner().invoke(
        app, ["simulate", str(person), "--weeks", "1", "--draws", "4", "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    table = pq.read_table(out)
    assert table.column_names == [
        "arm",
        "output",
        "unit",
        "anchored",
        "day",
        "central",
        "low",
        "median",
        "high",
    ]
    assert table.num_rows == 2 * 5 * 8  # no change and the plan (deficient) x 5 outputs x 8 days
    assert b"mgir_projection_model" in table.schema.metadata


def test_export_petab_command(app: typer.Typer, tmp_path: Path) -> None:
    pytest.importorskip("petab")
    target = tmp_path / "petab"
    res = CliRunner().invoke(app, ["model", "export-petab", str(target)])
    assert res.exit_code == 0, res.output
    assert (target / "problem.yaml").exists()
    measurements = (target / "measurements.tsv").read_text(encoding="utf-8").splitlines()
    assert measurements[0].startswith("observableId")
    assert len(measurements) == 1 + 8  # eight end-of-arm targets
    blocked = tmp_path / "file"
    blocked.write_text("x", encoding="utf-8")
    bad = CliRunner().invoke(app, ["model", "export-petab", str(blocked / "sub")])
    assert bad.exit_code == 2
    assert "DIRECTORY" in bad.output


def test_export_sbml_of_a_person_without_serum_mg_starts_from_the_population(
    app: typer.Typer, tmp_path: Path
) -> None:
    libsbml = pytest.importorskip("libsbml")
    from mgir.model import population_serum_mg

    person = tmp_path / "p.toml"
    person.write_text(
        'spec_version = 1\n[person]\nage_years = 60\nsex = "female"\nconditions = ["t2d"]\n'
        '[[labs]]\nname = "fasting_glucose"\nvalue = 8.4\nunit = "mmol/L"\n',
        encoding="utf-8",
    )
    target = tmp_path / "p.xml"
    res = CliRunner().invoke(app, ["model", "export-sbml", str(target), "--person", str(person)])
    assert res.exit_code == 0, res.output
    assert "not measured" in res.output
    model = libsbml.readSBMLFromString(target.read_text(encoding="utf-8")).getModel()
    serum = (
        model.getSpecies("mg_extracellular_mmol").getInitialAmount()
        / model.getCompartment("extracellular").getSize()
    )
    expected = population_serum_mg(sex="female", conditions=["t2d"]).mean_mmol_per_l
    assert serum == pytest.approx(expected, rel=1e-9)
