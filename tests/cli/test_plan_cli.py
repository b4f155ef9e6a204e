"""``mgir plan`` and ``mgir foods``: output, JSON and exit codes (0 ok, 2 invalid, 1 internal)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from mgir.cli import _foods, _plan

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@pytest.fixture
def app() -> typer.Typer:
    application = typer.Typer()
    _foods.register(application)
    _plan.register(application)
    return application


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


PERSON = """spec_version = 1
[person]
age_years = 45
sex = "female"
medications = ["dolutegravir", "zorblaxin"]
[person.medication_times]
dolutegravir = ["08:00"]
[[labs]]
name = "serum_magnesium"
value = 0.65
unit = "mmol/L"
[[labs]]
name = "creatinine"
value = 0.8
unit = "mg/dL"
"""


def test_foods_search_json(app: typer.Typer, runner: CliRunner) -> None:
    result = runner.invoke(app, ["foods", "search", "almonds", "--limit", "3", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert len(rows) == 3
    assert rows[0]["ndb_id"] == "12061"
    assert rows[0]["mg_per_100g"] == 270


def test_foods_show(app: typer.Typer, runner: CliRunner) -> None:
    result = runner.invoke(app, ["foods", "show", "12014"])
    assert result.exit_code == 0
    assert "592" in result.output


def test_foods_show_unknown_is_exit_2(app: typer.Typer, runner: CliRunner) -> None:
    result = runner.invoke(app, ["foods", "show", "99999"])
    assert result.exit_code == 2


def test_foods_intake_csv(app: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    diary = tmp_path / "diary.csv"
    diary.write_text("day,food,amount,unit\n2026-10-01,12061,100,g\n", encoding="utf-8")
    result = runner.invoke(app, ["foods", "intake", str(diary), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["mean_mg_per_day"] == 270


def test_plan_json(app: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "person.toml"
    path.write_text(PERSON, encoding="utf-8")
    result = runner.invoke(app, ["plan", str(path), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)["plan"]
    assert doc["medications_not_checked"] == ["zorblaxin"]
    for dose in doc["supplement"]["schedule"]:
        hour, minute = map(int, dose["time"].split(":"))
        m = hour * 60 + minute
        assert m >= 600 or m <= 120  # between 10:00 and 02:00
    assert any(c["code"] == "interaction_timing" for c in doc["cautions"])


def test_plan_text_and_override(app: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "person.toml"
    path.write_text(PERSON, encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "plan",
            str(path),
            "--elemental-mg",
            "450",
            "--override-ul",
            "monitored repletion",
            "--override-by",
            "Dr B. Clinician",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    plan = doc["plan"]
    assert plan["supplement"]["elemental_mg_per_day"] == 450
    (override,) = plan["overrides"]
    assert (override["kind"], override["reason"], override["by"]) == (
        "upper_limit",
        "monitored repletion",
        "Dr B. Clinician",
    )
    assert doc["provenance"]["overrides"] == plan["overrides"]
    unsigned = runner.invoke(
        app, ["plan", str(path), "--elemental-mg", "450", "--override-ul", "x"]
    )
    assert unsigned.exit_code == 2 and "--override-by" in unsigned.stderr
    capped = runner.invoke(app, ["plan", str(path), "--elemental-mg", "450"])
    assert capped.exit_code == 2 and "350 mg/day" in capped.stderr
    text = runner.invoke(app, ["plan", str(path)])
    assert text.exit_code == 0
    assert "not checked" in text.output


def test_plan_with_diary_csv(app: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "person.toml"
    path.write_text(PERSON, encoding="utf-8")
    diary = tmp_path / "diary.csv"
    diary.write_text("day,food,amount,unit\n2026-10-01,12061,1,oz\n", encoding="utf-8")
    result = runner.invoke(app, ["plan", str(path), "--diary", str(diary), "--json"])
    assert result.exit_code == 0
    # 1 oz almonds: 28.349523125 g x 270 mg/100 g (SR28 12061).
    assert json.loads(result.stdout)["plan"]["diet"]["current_mg_per_day"] == pytest.approx(
        28.349523125 * 2.70
    )


@pytest.mark.skipif(not EXAMPLES.exists(), reason="example person files not present")
def test_plan_renal_example(app: typer.Typer, runner: CliRunner) -> None:
    result = runner.invoke(app, ["plan", str(EXAMPLES / "ckd_stage4.toml"), "--json"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)["plan"]
    assert doc["supplement"] is None
    assert any(b["code"] == "renal_contraindication" for b in doc["blocks"])


def test_invalid_input_is_exit_2(app: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    missing = runner.invoke(app, ["plan", str(tmp_path / "nope.toml")])
    assert missing.exit_code == 2
    path = tmp_path / "person.toml"
    path.write_text(
        PERSON + '[[diet]]\nfood = "almonds"\namount = { value = 1, unit = "oz" }\n',
        encoding="utf-8",
    )
    ambiguous = runner.invoke(app, ["plan", str(path)])
    assert ambiguous.exit_code == 2
    assert "12061" in ambiguous.output


def test_internal_error_is_exit_1(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "person.toml"
    path.write_text(PERSON, encoding="utf-8")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    import mgir.care._evaluate as pipeline

    monkeypatch.setattr(pipeline, "plan", broken)
    monkeypatch.delenv("MGIR_DEBUG", raising=False)
    result = runner.invoke(app, ["plan", str(path)])
    assert result.exit_code == 1
