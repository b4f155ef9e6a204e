"""PEtab export of the calibration problem: valid, complete, and it simulates what mgir fits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mgir.model import parameter_info
from mgir.model._calibration import FREE_PARAMETERS, calibration_targets, trial_arms

petab = pytest.importorskip("petab.v1")

# petab 0.8 reads its tables with pandas calls that pandas 3 deprecates (petab's, not mgir's).
pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")


@pytest.fixture(scope="module")
def problem(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    from mgir.model._petab import export_petab

    yaml_path = export_petab(tmp_path_factory.mktemp("petab") / "calibration")
    return yaml_path, petab.Problem.from_yaml(yaml_path)


def test_problem_passes_the_petab_linter(problem: tuple[Path, object]) -> None:
    yaml_path, prob = problem
    assert petab.lint_problem(prob) is False  # False: no error found
    for name in ("model.xml", "conditions.tsv", "measurements.tsv", "parameters.tsv"):
        assert (yaml_path.parent / name).stat().st_size > 0
    readme = (yaml_path.parent / "README.md").read_text(encoding="utf-8")
    assert "nadler1993_si_ratio" in readme


def test_tables_hold_the_arms_targets_and_parameters(problem: tuple[Path, object]) -> None:
    _, prob = problem
    conditions = prob.condition_df  # type: ignore[attr-defined]
    arms = {a.key: a for a in trial_arms()}
    assert set(conditions.index) == set(arms)
    for key, arm in arms.items():
        taken = conditions.loc[key, "supplement_mmol_per_day"]
        assert taken * 24.305 == pytest.approx(arm.elemental_mg_per_day, rel=1e-4)
    measurements = prob.measurement_df  # type: ignore[attr-defined]
    arm_targets = [t for t in calibration_targets() if t.arm is not None]
    assert len(measurements) == len(arm_targets)
    by_key = measurements.set_index("datasetId")
    for t in arm_targets:
        row = by_key.loc[t.key]
        assert row["measurement"] == t.observed
        assert float(row["noiseParameters"]) == pytest.approx(t.standard_error)
        assert row["time"] == arms[t.arm].days  # type: ignore[index]
    parameters = prob.parameter_df  # type: ignore[attr-defined]
    estimated = parameters[parameters["estimate"] == 1]
    # deficit_intake_share acts only in fitting each arm's subject, which the files hold fixed.
    assert set(estimated.index) == {p.value for p in FREE_PARAMETERS} - {"deficit_intake_share"}
    assert parameters.loc["deficit_intake_share", "estimate"] == 0
    info = parameter_info()
    for p in FREE_PARAMETERS:
        assert parameters.loc[p.value, "lowerBound"] == info[p].lower
        assert parameters.loc[p.value, "upperBound"] == info[p].upper
    assert parameters.loc["fe_below_threshold", "objectivePriorType"] == "normal"


@pytest.mark.slow
def test_libroadrunner_on_the_petab_problem_reproduces_mgir_simulations(
    problem: tuple[Path, object],
) -> None:
    """Each measurement simulated from the PEtab files is within 0.1 SE of mgir's own run.

    mgir's run: the arm's typical subject, fitted to its baseline labs, given its dose for its
    duration by mgir's fast solver; the observable read as the PEtab file defines it.
    """
    roadrunner = pytest.importorskip("roadrunner")
    from mgir.model import Output, Regimen, fit_person, simulate

    yaml_path, prob = problem
    sbml = (yaml_path.parent / "model.xml").read_text(encoding="utf-8")
    conditions = prob.condition_df  # type: ignore[attr-defined]
    observables = prob.observable_df  # type: ignore[attr-defined]
    targets = {t.key: t for t in calibration_targets()}
    arms = {a.key: a for a in trial_arms()}
    outputs = {
        "serum_mg": Output.SERUM_MG,
        "glucose": Output.FASTING_GLUCOSE,
        "homa_ir": Output.HOMA_IR,
    }
    for _, m in prob.measurement_df.iterrows():  # type: ignore[attr-defined]
        rr = roadrunner.RoadRunner(sbml)
        rr.integrator.relative_tolerance = 1e-8
        rr.integrator.absolute_tolerance = 1e-10
        # PEtab semantics: a condition sets initial amounts of species, initial values of
        # rate-rule variables and values of parameters; then the model starts from them.
        # (libRoadRunner re-applies parameter defaults when initial values change, so the
        # parameters are set last.)
        condition = conditions.loc[m["simulationConditionId"]].drop("conditionName")
        for column, value in condition.items():
            if column in rr.model.getFloatingSpeciesIds():
                rr.setInitAmount(column, float(value))
            elif column in _RATE_RULE_IDS:
                rr.setValue(f"init({column})", float(value))
        rr.reset()
        for column, value in condition.items():
            if column in rr.model.getGlobalParameterIds() and column not in _RATE_RULE_IDS:
                rr.setValue(column, float(value))
                assert rr.getValue(column) == float(value), column
        rr.simulate(0.0, float(m["time"]), 3)
        observable = str(m["observableId"])
        formula = observables.loc[observable, "observableFormula"]
        namespace = {name: rr.getValue(name) for name in _names(formula)}
        baseline = (
            float(m["observableParameters"]) if str(m["observableParameters"]) != "nan" else 0.0
        )
        namespace[f"observableParameter1_{observable}"] = baseline
        simulated = eval(formula.replace("^", "**"), {}, namespace)  # the export's own formula

        arm = arms[m["simulationConditionId"]]
        fit = fit_person(
            fasting_glucose_mmol_per_l=arm.glucose_mmol_per_l,
            fasting_insulin_uiu_per_ml=arm.insulin_uiu_per_ml,
            serum_mg_mmol_per_l=arm.serum_mg_mmol_per_l,
        )
        native = simulate(
            fit.parameters,
            initial_state=fit.initial_state,
            days=arm.days,
            regimen=Regimen.constant(arm.salt, arm.elemental_mg_per_day),
            save_every_days=arm.days,
        )
        end = float(native.output(outputs[observable.removesuffix("_change")])[0, -1])
        expected = end - baseline if observable.endswith("_change") else end
        target = targets[m["datasetId"]]
        assert abs(simulated - expected) < 0.1 * target.standard_error, target.key
        assert np.isfinite(simulated)


_RATE_RULE_IDS = {"glucose_mg_per_dl", "insulin_uiu_per_ml", "beta_cell_mass_mg", "hba1c_percent"}


def _names(formula: str) -> set[str]:
    import re

    return {
        n
        for n in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", formula)
        if not n.startswith("observableParameter")
    }
