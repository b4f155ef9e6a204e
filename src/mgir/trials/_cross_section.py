"""Cross-sectional check against NHANES 2015-2016: insulin resistance by dietary Mg intake.

The observed side is computed here from the package's NHANES table
(``mgir/model/data/nhanes_mg_intake_adults.csv``, derived from the CDC's files by
``scripts/derive_nhanes_mg_intake.py``): the survey-weighted regression of ln HOMA-IR on the
2-day mean Mg intake, with standard errors clustered on the survey's pseudo-PSUs
(``statsmodels``), crude and adjusted for energy intake, age, sex and BMI.

The model side is a virtual population of the same people: each adult fitted at steady state to
their own fasting glucose, insulin and recorded intake, with a serum Mg drawn from the population
they belong to (prediabetes at fasting glucose >= 5.6 mmol/L, else adults; the survey did not
measure serum Mg). The model's slope is the survey-weighted mean change in ln HOMA-IR when every
person eats 100 mg/day more Mg (new steady state): a causal effect, set against an observed
association that also carries confounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from mgir.model import (
    Param,
    ParameterSet,
    State,
    homa_ir,
    population_serum_mg,
    steady_state,
)
from mgir.model._equations import GLUCOSE_MG_PER_DL_PER_MMOL_PER_L
from mgir.model._steady_state import fit_person_or_reason
from mgir.model._tables import load_model_table

__all__ = ["IntakeCrossSection", "nhanes_intake_cross_section"]

FloatArray = NDArray[np.float64]

PREDIABETES_FASTING_GLUCOSE_MMOL_PER_L: Final[float] = 5.6
"""ADA impaired fasting glucose (100 mg/dL): selects the serum Mg population of the draw."""

INTAKE_STEP_MG_PER_DAY: Final[float] = 100.0
"""The contrast of the published dose-response analyses (per 100 mg/day)."""

ADJUSTMENTS: Final[tuple[str, ...]] = ("energy intake", "age", "sex", "BMI")
"""Covariates of the adjusted regression."""


@dataclass(frozen=True, slots=True)
class IntakeCrossSection:
    """Observed and model relation of HOMA-IR to dietary Mg intake in NHANES 2015-2016 adults.

    Attributes
    ----------
    n_people, n_fitted
        Adults in the table; of them, those whose labs the model fit accepts.
    excluded
        Those left out of the model's population, with the reason.
    observed_slope, observed_ci95
        Change in ln HOMA-IR per +100 mg/day intake (survey-weighted least squares; 95 % CI from
        PSU-clustered standard errors), by adjustment: ``crude`` and ``adjusted``.
    model_slope
        The fitted population's weighted mean change in ln HOMA-IR for +100 mg/day intake.
    quartile_intake_mg_per_day
        Weighted mean intake of each intake quartile.
    observed_quartile_homa_ir
        Weighted geometric mean HOMA-IR of each quartile.
    model_quartile_homa_ir
        Weighted geometric mean HOMA-IR of the whole fitted population, everyone given the
        quartile's mean intake.
    """

    n_people: int
    n_fitted: int
    excluded: tuple[str, ...]
    observed_slope: dict[str, float]
    observed_ci95: dict[str, tuple[float, float]]
    model_slope: float
    quartile_intake_mg_per_day: tuple[float, ...]
    observed_quartile_homa_ir: tuple[float, ...]
    model_quartile_homa_ir: tuple[float, ...]


def _observed(
    columns: dict[str, FloatArray], male: NDArray[np.bool_]
) -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    import statsmodels.api as sm  # noqa: PLC0415 - heavy, only needed here

    ln_homa = np.log(homa_ir(columns["glucose_mg_per_dl"], columns["insulin"]))
    intake = columns["intake"] / INTAKE_STEP_MG_PER_DAY
    designs = {
        "crude": np.column_stack([intake]),
        "adjusted": np.column_stack(
            [
                intake,
                columns["energy"] / 1000.0,
                columns["age"],
                male.astype(float),
                columns["bmi"],
            ]
        ),
    }
    slopes, intervals = {}, {}
    for name, design in designs.items():
        fit = sm.WLS(ln_homa, sm.add_constant(design), weights=columns["weight"]).fit(
            cov_type="cluster", cov_kwds={"groups": columns["cluster"].astype(int)}
        )
        slopes[name] = float(fit.params[1])
        low, high = (float(v) for v in np.asarray(fit.conf_int(alpha=0.05))[1])
        intervals[name] = (low, high)
    return slopes, intervals


def nhanes_intake_cross_section(*, seed: int = 20261201) -> IntakeCrossSection:
    """Observed and model slope of ln HOMA-IR on dietary Mg intake (NHANES 2015-2016).

    Parameters
    ----------
    seed
        Seed of the serum Mg draws of the model's population.

    Returns
    -------
    IntakeCrossSection
    """
    rows = load_model_table("nhanes_mg_intake_adults").rows
    glucose_mmol_per_l = np.array([float(r["fasting_glucose_mmol_per_l"]) for r in rows])
    columns = {
        "glucose_mg_per_dl": glucose_mmol_per_l * GLUCOSE_MG_PER_DL_PER_MMOL_PER_L,
        "insulin": np.array([float(r["fasting_insulin_uiu_per_ml"]) for r in rows]),
        "intake": np.array([float(r["mg_intake_mg_per_day"]) for r in rows]),
        "energy": np.array([float(r["energy_intake_kcal_per_day"]) for r in rows]),
        "age": np.array([float(r["age_years"]) for r in rows]),
        "bmi": np.array([float(r["bmi_kg_per_m2"]) for r in rows]),
        "weight": np.array([float(r["weight"]) for r in rows]),
        "cluster": np.array([int(r["stratum"]) * 10 + int(r["psu"]) for r in rows], dtype=float),
    }
    male = np.array([r["sex"] == "male" for r in rows])
    slopes, intervals = _observed(columns, male)

    rng = np.random.default_rng(seed)
    fitted: list[FloatArray] = []
    kept: list[int] = []
    excluded: list[str] = []
    for i, row in enumerate(rows):
        glucose = float(glucose_mmol_per_l[i])
        conditions = ("prediabetes",) if glucose >= PREDIABETES_FASTING_GLUCOSE_MMOL_PER_L else ()
        prior = population_serum_mg(sex=str(row["sex"]), conditions=conditions)
        serum = float(prior.draw(1, rng)[0])
        fit = fit_person_or_reason(
            fasting_glucose_mmol_per_l=glucose,
            fasting_insulin_uiu_per_ml=float(columns["insulin"][i]),
            serum_mg_mmol_per_l=serum,
            dietary_intake_mg_per_day=float(columns["intake"][i]),
        )
        if isinstance(fit, str):
            excluded.append(f"seqn {row['seqn']}: {fit}")
            continue
        fitted.append(fit.parameters.values[0])
        kept.append(i)
    params = ParameterSet(np.array(fitted), label="nhanes_2015_2016")
    weight = columns["weight"][kept]

    def steady_homa_ir(p: ParameterSet) -> FloatArray:
        y = steady_state(p)
        return np.asarray(homa_ir(y[:, State.GLUCOSE.pos], y[:, State.INSULIN.pos]))

    now = steady_homa_ir(params)
    more = steady_homa_ir(
        params.replace(
            **{Param.DIETARY_INTAKE: params[Param.DIETARY_INTAKE] + INTAKE_STEP_MG_PER_DAY}
        )
    )
    model_slope = float(np.average(np.log(more / now), weights=weight))

    # Intake quartiles of the survey population (weighted).
    intake = columns["intake"]
    order = np.argsort(intake)
    cumulative = np.cumsum(columns["weight"][order]) / columns["weight"].sum()
    quartile = np.empty(intake.size, dtype=int)
    quartile[order] = np.minimum((cumulative * 4).astype(int), 3)
    ln_homa = np.log(homa_ir(columns["glucose_mg_per_dl"], columns["insulin"]))
    q_intake, q_observed, q_model = [], [], []
    for q in range(4):
        inside = quartile == q
        mean_intake = float(np.average(intake[inside], weights=columns["weight"][inside]))
        q_intake.append(mean_intake)
        q_observed.append(
            float(np.exp(np.average(ln_homa[inside], weights=columns["weight"][inside])))
        )
        at = steady_homa_ir(
            params.replace(**{Param.DIETARY_INTAKE: np.full(weight.size, mean_intake)})
        )
        q_model.append(float(np.exp(np.average(np.log(at), weights=weight))))
    return IntakeCrossSection(
        n_people=len(rows),
        n_fitted=len(kept),
        excluded=tuple(excluded),
        observed_slope=slopes,
        observed_ci95=intervals,
        model_slope=model_slope,
        quartile_intake_mg_per_day=tuple(q_intake),
        observed_quartile_homa_ir=tuple(q_observed),
        model_quartile_homa_ir=tuple(q_model),
    )
