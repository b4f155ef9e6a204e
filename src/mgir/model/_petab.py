"""PEtab export of the calibration problem (extra ``petab``), so others can refit it.

The problem is written as PEtab v1 files: the SBML model (from the one definition), one
experimental condition per calibration trial arm (the arm's typical subject and its supplement),
the arm's end-point targets as measurements with their standard errors, observables for serum
Mg, fasting glucose and HOMA-IR (levels and changes from baseline), and the calibrated
parameters with their bounds (log scale).

What PEtab cannot hold is said in the problem's ``README.md``: every arm's typical subject is
fitted to its baseline labs by :func:`mgir.model.fit_person` *at the shipped estimate* and held
fixed in the files, and the four physiological constraints that are not trial simulations
(Nadler 1993, Lübeck 2000 ×2, Djurhuus) are left out; the weak prior on ``fe_below_threshold``
becomes a PEtab objective prior.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from mgir.model._calibration import FREE_PARAMETERS, calibration_targets, trial_arms
from mgir.model._inputs import Regimen
from mgir.model._parameters import Param, default_parameters, parameter_info
from mgir.model._sbml import export_sbml
from mgir.model._states import State
from mgir.model._steady_state import fit_person

__all__ = ["PERSON_PARAMETERS", "export_petab"]

PERSON_PARAMETERS: Final[tuple[Param, ...]] = tuple(
    p for p, info in parameter_info().items() if info.role == "person"
)
"""Hidden per-person parameters: fitted per arm and set by that arm's condition."""

_OBSERVABLES: Final[dict[str, str]] = {
    "serum_mg": f"{State.MG_EXTRACELLULAR.value} / {Param.ECF_VOLUME.value}",
    "glucose": f"{State.GLUCOSE.value} / glucose_mg_per_dl_per_mmol_per_l",
    "homa_ir": (
        f"{State.GLUCOSE.value} / glucose_mg_per_dl_per_mmol_per_l * {State.INSULIN.value} / 22.5"
    ),
}
"""Observable formulas (HOMA1-IR = G[mmol/L] · I[µIU/mL] / 22.5, Matthews 1985)."""

_README = """# mgir calibration problem (PEtab v1)

Written by `mgir model export-petab` (mgir {version}). Load with any PEtab tool, e.g.
`petab.v1.Problem.from_yaml("problem.yaml")`, pyPESTO, AMICI, COPASI or Data2Dynamics.

- `model.xml`: the model as SBML (the calibrated reference adult; time in days).
- `conditions.tsv`: one condition per supplemented trial arm: the arm's typical subject
  (hidden person parameters and initial state) and its supplement (elemental Mg taken and its
  bioaccessible part, mmol/day, constant from day 0).
- `measurements.tsv`: the arms' end-of-study targets with their standard errors as the noise
  parameter (normal noise).
- `observables.tsv`: serum Mg (mmol/L), fasting glucose (mmol/L), HOMA-IR; a change from
  baseline subtracts the baseline, given as an observable parameter.
- `parameters.tsv`: the calibrated parameters, estimated on log10 scale within their plausible
  ranges, nominal value = mgir's shipped estimate; every other parameter fixed, and so is
  `deficit_intake_share` (it acts only in fitting each arm's subject, see below).

Differences from `scripts/calibrate_model.py` (mgir's own fit):

1. mgir refits every arm's typical subject to its baseline labs whenever the population
   parameters change; here the subject is fitted once, at the shipped estimate, and held fixed.
2. Four targets are not trial simulations and are left out: {constraints}.
3. mgir compares a supplemented arm with its own simulated control arm (the same typical
   subject without supplement); PEtab v1 cannot subtract one condition from another, so a
   difference against placebo is written here as the arm's change from its baseline (the same
   while the control arm stays at its steady state, as mgir's model has it today).
4. The weak prior on `fe_below_threshold` is a PEtab objective prior (normal, {prior}).
"""


def export_petab(directory: str | Path) -> Path:
    """Write the calibration problem as PEtab v1 files into ``directory``.

    Parameters
    ----------
    directory : str or Path
        Created if missing; existing files of the same names are replaced.

    Returns
    -------
    Path
        The problem's YAML file (``problem.yaml``).

    Raises
    ------
    ImportError
        Without the ``petab`` extra (``pip install 'mgir[petab]'``).
    """
    import pandas as pd  # noqa: PLC0415 - optional dependency (comes with petab)
    import petab.v1 as petab  # noqa: PLC0415
    from petab.v1 import C  # noqa: PLC0415

    from mgir.model._simulate import package_version  # noqa: PLC0415

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    base = default_parameters()
    export_sbml(out / "model.xml", parameters=base, regimen=Regimen.none())

    arms = {a.key: a for a in trial_arms()}
    conditions = []
    for arm in arms.values():
        fit = fit_person(
            fasting_glucose_mmol_per_l=arm.glucose_mmol_per_l,
            fasting_insulin_uiu_per_ml=arm.insulin_uiu_per_ml,
            serum_mg_mmol_per_l=arm.serum_mg_mmol_per_l,
            base=base,
        )
        row: dict[str, object] = {C.CONDITION_ID: arm.key, C.CONDITION_NAME: arm.population}
        for p in PERSON_PARAMETERS:
            row[p.value] = float(fit.parameters.values[0, p.pos])
        for s in State:
            row[s.value] = float(fit.initial_state[0, s.pos])
        supp, acc = Regimen.constant(arm.salt, arm.elemental_mg_per_day).supplement_mmol_per_day(
            0.0, 1
        )
        row["supplement_mmol_per_day"] = float(supp[0])
        row["supplement_accessible_mmol_per_day"] = float(acc[0])
        conditions.append(row)

    kinds = {"end": "", "change": "_change"}
    observables = []
    for stem, formula in _OBSERVABLES.items():
        for kind, suffix in kinds.items():
            oid = f"{stem}{suffix}"
            observables.append(
                {
                    C.OBSERVABLE_ID: oid,
                    C.OBSERVABLE_NAME: f"{stem} ({kind})",
                    C.OBSERVABLE_FORMULA: formula
                    if kind == "end"
                    else f"{formula} - observableParameter1_{oid}",
                    C.OBSERVABLE_TRANSFORMATION: C.LIN,
                    C.NOISE_FORMULA: f"noiseParameter1_{oid}",
                    C.NOISE_DISTRIBUTION: C.NORMAL,
                }
            )

    baseline = {"serum_mg": "serum_mg_mmol_per_l", "glucose": "glucose_mmol_per_l"}
    measurements = []
    left_out = []
    for target in calibration_targets():
        if target.arm is None:
            left_out.append(target)
            continue
        arm = arms[target.arm]
        stem, kind = target.quantity.rsplit("_", 1)
        # PEtab v1 cannot subtract one condition from another: a difference against the
        # control arm is written as the arm's change from its baseline (see the README).
        kind = "change" if kind == "difference" else kind
        start: float | None = None
        if kind == "change":
            start = (
                float(arm.homa_ir)
                if stem == "homa_ir" and arm.homa_ir is not None
                else float(getattr(arm, baseline[stem]))
            )
        measurements.append(
            {
                C.OBSERVABLE_ID: f"{stem}{kinds[kind]}",
                C.SIMULATION_CONDITION_ID: arm.key,
                C.MEASUREMENT: target.observed,
                C.TIME: arm.days,
                C.OBSERVABLE_PARAMETERS: "" if start is None else repr(start),
                C.NOISE_PARAMETERS: repr(target.standard_error),
                C.DATASET_ID: target.key,
            }
        )

    info = parameter_info()
    prior_target = next(t for t in left_out if t.quantity == Param.FE_BELOW_THRESHOLD.value)
    parameters = []
    for p in FREE_PARAMETERS:
        row = {
            C.PARAMETER_ID: p.value,
            C.PARAMETER_NAME: info[p].description,
            C.PARAMETER_SCALE: C.LOG10,
            C.LOWER_BOUND: info[p].lower,
            C.UPPER_BOUND: info[p].upper,
            C.NOMINAL_VALUE: float(base.values[0, p.pos]),
            # deficit_intake_share acts only in person fitting, which PEtab holds fixed.
            C.ESTIMATE: 0 if p is Param.DEFICIT_INTAKE_SHARE else 1,
            C.OBJECTIVE_PRIOR_TYPE: "",
            C.OBJECTIVE_PRIOR_PARAMETERS: "",
        }
        if p is Param.FE_BELOW_THRESHOLD:
            row[C.OBJECTIVE_PRIOR_TYPE] = C.NORMAL
            row[C.OBJECTIVE_PRIOR_PARAMETERS] = (
                f"{prior_target.observed!r};{prior_target.standard_error!r}"
            )
        parameters.append(row)

    pd.DataFrame(conditions).to_csv(out / "conditions.tsv", sep="\t", index=False)
    pd.DataFrame(observables).to_csv(out / "observables.tsv", sep="\t", index=False)
    pd.DataFrame(measurements).to_csv(out / "measurements.tsv", sep="\t", index=False)
    pd.DataFrame(parameters).to_csv(out / "parameters.tsv", sep="\t", index=False)
    yaml_path = out / "problem.yaml"
    petab.create_problem_yaml(
        sbml_files=[out / "model.xml"],
        condition_files=[out / "conditions.tsv"],
        measurement_files=[out / "measurements.tsv"],
        parameter_file=out / "parameters.tsv",
        observable_files=[out / "observables.tsv"],
        yaml_file=yaml_path,
        relative_paths=True,
    )
    constraints = ", ".join(
        f"`{t.key}`" for t in left_out if t.quantity != Param.FE_BELOW_THRESHOLD.value
    )
    (out / "README.md").write_text(
        _README.format(
            version=package_version(),
            constraints=constraints,
            prior=f"mean {prior_target.observed}, SD {prior_target.standard_error}",
        ),
        encoding="utf-8",
    )
    return yaml_path
