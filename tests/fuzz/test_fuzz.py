"""Fuzz targets: generated and mutated inputs at every entry point people type into.

A crash is an exception other than :class:`~mgir.InvalidInputError`; a silent failure is a result
that lost or changed what was given without an error. The ``ci`` profile runs a few hundred
examples per target; ``HYPOTHESIS_PROFILE=long python -m pytest tests/fuzz`` runs 100,000 per
library entry point (figures in docs/fuzzing.md).
"""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mgir._errors import InvalidInputError
from mgir.assessment import assess_table, diary_intake, parse_diary_csv, parse_person
from mgir.care import CareOptions, evaluate, read_plan
from mgir.testing import csv_tables, diary_csvs, mutated, person_documents

ON = date(2026, 11, 1)
_CLI_EXAMPLES = min(settings().max_examples, 2_000)


def _no_numpy_repr(error: InvalidInputError) -> None:
    for e in error.errors:
        text = str(e)
        assert e.field, text
        assert "np.float" not in text and "array(" not in text, text


def _plan_invariants(plan: Any, ul: float | None) -> None:
    supplement = plan.supplement
    if supplement is None:
        return
    assert ul is not None
    assert supplement.total_mg_per_day <= ul + 1e-9 or plan.overrides
    assert not plan.blocks


@given(document=st.one_of(person_documents(), mutated(person_documents())))
def test_person_files(document: Any) -> None:
    try:
        person = parse_person(document, assessed_on=ON)
    except InvalidInputError as error:
        _no_numpy_repr(error)
        return
    # Nothing given is silently dropped or replaced.
    labs = document.get("labs", [])
    assert len(person.lab_history) == len(labs)
    for given_lab, kept in zip(labs, person.lab_history, strict=True):
        assert kept.given_value == given_lab["value"]
    assert len(person.diet) == len(document.get("diet", []))
    assert len(person.supplements) == len(document.get("supplements", []))
    evaluation = evaluate(person, CareOptions(project=False), stages="plan")
    _plan_invariants(evaluation.plan, evaluation.assessment.requirements.supplement_ul_mg_per_day)
    json.dumps(evaluation.to_dict(), allow_nan=False)


@given(text=csv_tables())
def test_csv_batches(text: str) -> None:
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], [r for r in rows[1:] if r]
    try:
        result = assess_table(header, body)
    except InvalidInputError as error:
        _no_numpy_repr(error)
        return
    assert result.n_rows == len(body)  # rows in = rows out
    for i in range(result.n_rows):
        row = dict(zip(result.columns, (result.columns[c][i] for c in result.columns), strict=True))
        if result.errors[i]:
            assert row["errors"] and row["magnesium_status"] == ""
            assert all(e.field.startswith(f"row {i + 2} ") for e in result.errors[i])
        for column in ("homa_ir", "egfr_ml_min_1_73m2", "quicki"):
            value = row[column]
            assert isinstance(value, float)
            assert math.isnan(value) or math.isfinite(value)


@given(text=diary_csvs(), as_bytes=st.booleans())
def test_food_diary_csvs(text: str, as_bytes: bool) -> None:
    content: str | bytes = text.encode("utf-8") if as_bytes else text
    try:
        entries = parse_diary_csv(content)
    except InvalidInputError as error:
        _no_numpy_repr(error)
        return
    assert len(entries) == len([line for line in text.splitlines()[1:] if line.strip()])
    try:
        result = diary_intake(entries)
    except InvalidInputError as error:
        _no_numpy_repr(error)
        return
    assert len(result.entries) == len(entries)
    assert result.mean_mg_per_day >= 0


@st.composite
def _plans(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    document = draw(person_documents(adults_only=True))
    person = parse_person(document, assessed_on=ON)
    options = CareOptions(project=False, supplement_requested=True)
    try:
        evaluation = evaluate(person, options, stages="plan")
    except InvalidInputError:
        evaluation = evaluate(person, CareOptions(project=False), stages="plan")
    plan = json.loads(json.dumps(evaluation.to_dict()["plan"]))
    if plan["supplement"] is not None and draw(st.booleans()):
        plan["supplement"]["elemental_mg_per_day"] = draw(
            st.sampled_from([351, 600, 6000, -5, 0, "300", "three hundred", None, 1e300])
        )
    return document, draw(st.one_of(st.just(plan), mutated(st.just(plan))))


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(case=_plans())
def test_plans_read_back(case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    document, plan = case
    person = parse_person(document, assessed_on=ON)
    try:
        checked = read_plan(plan, person)
    except InvalidInputError as error:
        _no_numpy_repr(error)
        return
    supplement = checked.supplement
    assert supplement is not None
    ul = evaluate(person, stages="assessment").assessment.requirements.supplement_ul_mg_per_day
    assert ul is not None
    assert (
        supplement.elemental_mg_per_day + supplement.existing_mg_per_day <= ul or checked.overrides
    )


@settings(
    max_examples=_CLI_EXAMPLES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    document=person_documents(adults_only=True),
    edit=st.sampled_from([None, 351, 6000, "text"]),
    target=st.sampled_from(["ok.json", "missing/dir/out.csv", "out.txt", "", "."]),
)
def test_the_cli_never_crashes_on_plans_and_paths(
    document: dict[str, Any], edit: Any, target: str, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from mgir.cli import app

    person_path = tmp_path / "person.json"
    person_path.write_text(json.dumps(document), encoding="utf-8")
    runner = CliRunner()
    planned = runner.invoke(app, ["plan", str(person_path), "--json"])
    assert planned.exit_code == 0, planned.output
    plan = json.loads(planned.stdout)["plan"]
    if plan["supplement"] is not None and edit is not None:
        plan["supplement"]["elemental_mg_per_day"] = edit
    plan_path = tmp_path / "plan.json"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    args = ["simulate", str(person_path), "--plan", str(plan_path), "--draws", "3", "--weeks", "1"]
    if target:
        args += ["-o", str(tmp_path / target)]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        json.loads(result.stdout)
    else:
        assert result.stderr.startswith("error: ")


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"id,age_years,sex\n",
        b"id,age_years,sex\n1,40\n",
        b"id,age_years,sex\n1,40,male,extra\n",
        b"id,age_years,sex\n1,40,m\xe9le\n",
        b"id,age_years,sex,sex\n1,40,male,female\n",
        b"id,age_years,sex\n1," + b"9" * 2_000_000 + b",male\n",
    ],
    ids=["empty", "header-only", "short", "extra", "latin1", "repeated", "over-long"],
)
def test_csv_files_that_crashed_before(tmp_path: Path, content: bytes) -> None:
    from typer.testing import CliRunner

    from mgir.cli import app

    path = tmp_path / "in.csv"
    path.write_bytes(content)
    result = CliRunner().invoke(app, ["assess", "--csv", str(path)])
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 0:
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        data = [line for line in content.decode("utf-8", "replace").splitlines()[1:] if line]
        assert len(rows) == len(data)
