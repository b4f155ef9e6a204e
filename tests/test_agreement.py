"""Every front end reads a person the same way: assess, plan, simulate and report agree.

Each shipped example and a generated population of persons (``mgir.testing.person_documents``)
go through the four commands of the installed CLI (in-process). Their documents must agree on the
magnesium status, the intake and its verdict, the supplement (salt and dose) and the blocks, and
the report must show the same status and supplement.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from markupsafe import escape
from typer.testing import CliRunner

from mgir.cli import app
from mgir.report._labels import notice_title
from mgir.testing import person_documents
from tests.conftest import example_files

runner = CliRunner()


def _run(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    return result


def _reading(doc: dict[str, Any]) -> dict[str, Any]:
    a = doc["assessment"]
    return {
        "status": a["magnesium"]["status"],
        "intake": a["intake"]["mean_mg_per_day"],
        "below_ear": a["intake"]["below_ear"],
        "egfr": a["kidney"]["egfr"]["value"],
    }


def _decision(plan: dict[str, Any]) -> dict[str, Any]:
    supplement = plan["supplement"]
    return {
        "supplement": None
        if supplement is None
        else (supplement["salt"], supplement["elemental_mg_per_day"]),
        "blocks": sorted(b["code"] for b in plan["blocks"]),
        "urgent": [u["code"] for u in plan["urgent"]],
    }


def check_agreement(path: Path, tmp: Path) -> None:
    assessed = _run("assess", str(path), "--json")
    assert assessed.exit_code == 0, assessed.output
    planned = _run("plan", str(path), "--json")
    assert planned.exit_code == 0, planned.output
    a, p = json.loads(assessed.stdout), json.loads(planned.stdout)
    assert _reading(a) == _reading(p)
    decision = _decision(p["plan"])
    simulated = _run("simulate", str(path), "--json", "--draws", "4", "--weeks", "2")
    assert simulated.exit_code == 0, simulated.output
    s = json.loads(simulated.stdout)
    assert _reading(s) == _reading(a)
    assert _decision(s["plan"]) == decision
    arms = s["projection"]["arms"]
    if decision["supplement"] is None:
        assert [arm["label"] for arm in arms] == ["no change"]
    else:
        assert (arms[1]["salt"], arms[1]["elemental_mg_per_day"]) == decision["supplement"]
    # Without a serum Mg lab the projection starts from the person's population, and says so.
    measured = p["assessment"]["person"]["labs"].get("serum_magnesium") is not None
    serum = arms[0]["outputs"]["serum_magnesium"]
    assert serum["anchored"] == ("measured" if measured else "population")
    codes = {n["code"] for n in s["projection"]["notices"]}
    assert ("serum_mg_from_population" in codes) == (not measured)
    html_path = tmp / f"{path.stem}.html"
    reported = _run("report", str(path), "-o", str(html_path), "--draws", "4", "--weeks", "2")
    assert reported.exit_code == 0, reported.output
    html = html_path.read_text(encoding="utf-8")
    status = a["assessment"]["magnesium"]["status"]
    assert f'class="status {status}"' in html
    if decision["supplement"] is None:
        assert "No supplement:" in html
    else:
        salt, dose = decision["supplement"]
        assert re.search(rf"<b>{re.escape(salt)}</b>: {dose:.0f} mg elemental", html)
    for code in decision["blocks"]:
        assert f"<b>{escape(notice_title(code))}</b>" in html


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.stem)
def test_every_example_agrees_across_commands(path: Path, tmp_path: Path) -> None:
    tomllib.loads(path.read_text(encoding="utf-8"))  # the example is valid TOML
    check_agreement(path, tmp_path)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(document=person_documents())
def test_a_generated_population_agrees_across_commands(document: dict, tmp_path: Path) -> None:
    path = tmp_path / "person.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    check_agreement(path, tmp_path)
