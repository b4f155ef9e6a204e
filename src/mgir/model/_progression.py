"""Progression to diabetes: the set-point drift calibrated to incident diabetes.

The β-cell glucose set point (a state) rises at ``k (G - G_thr)+ S_I,ref / S_I`` mg/dL per day
(:mod:`mgir.model._definition`). The rate ``k`` differs between people: it is log-normal around
the population median ``progression_rate_per_day`` with log-SD ``log_sd``. Both are fitted to
incident diabetes (fasting glucose reaching 7.0 mmol/L) in a virtual cohort of US adults with
impaired fasting glucose: every NHANES 2017–March 2020 fasting participant with IFG
(``nhanes_ifg_adults.csv``; survey weights kept), fitted one by one to their own fasting glucose,
insulin and HbA1c with serum Mg drawn from the prediabetes population
(:func:`mgir.model.population_serum_mg`). The between-person spread of ``k`` is integrated by
Gauss–Hermite quadrature, so the prediction is deterministic.

Two associations of Mg with incident diabetes are *not* fitted and are reported as checks:
intake (Dong 2011, per +100 mg/day) and serum Mg (Kao 1999, lowest vs highest category).

References
----------
Morris 2013 and Nichols 2007 (targets, ``data/progression_targets.csv``); Ha & Sherman 2016
(β-cell failure under glucotoxicity and insulin resistance); Tabák 2009 (accelerating fasting
glucose before diagnosis).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Final

import numpy as np
from numpy.typing import NDArray

from mgir._errors import ReferenceDataError
from mgir.model._parameters import Param, ParameterSet, calibration_record, default_parameters
from mgir.model._population import population_serum_mg
from mgir.model._result import Output
from mgir.model._simulate import simulate
from mgir.model._solvers import QuasiSteadyState
from mgir.model._steady_state import fit_person_or_reason, steady_state
from mgir.model._tables import load_model_table

__all__ = [
    "DIABETES_FASTING_GLUCOSE_MMOL_PER_L",
    "IfgCohort",
    "ProgressionOutcome",
    "ProgressionTarget",
    "calibrate_progression",
    "ifg_cohort",
    "mg_status_cohorts",
    "predict_incidence",
    "progression_checks",
    "progression_log_sd",
    "progression_targets",
]

FloatArray = NDArray[np.float64]

DIABETES_FASTING_GLUCOSE_MMOL_PER_L: Final[float] = 7.0
"""Diagnostic fasting glucose (ADA; 126 mg/dL): the event the incidence counts."""

FOLLOW_UP_YEARS: Final[float] = 5.0
"""Follow-up of the virtual cohort (the Morris 2013 cohorts and Nichols 2007 ran 2-10 years)."""

QUADRATURE_NODES: Final[int] = 7
"""Gauss-Hermite nodes over the log-normal between-person spread of the drift rate."""

DAYS_PER_YEAR: Final[float] = 365.25

KAO_SERUM_MG_MMOL_PER_L: Final[tuple[float, float]] = (0.68, 0.97)
"""Serum Mg standing for Kao 1999's lowest (<= 0.70) and highest (>= 0.95 mmol/L) categories
(category midpoints assumed: the abstract gives the cut-offs only)."""


@dataclass(frozen=True, slots=True)
class ProgressionTarget:
    """One observed incidence (per 1,000 person-years) in a baseline fasting-glucose stratum."""

    key: str
    source_key: str
    glucose_low_mmol_per_l: float
    glucose_high_mmol_per_l: float
    incidence_per_1000_person_years: float
    log_standard_error: float
    note: str


@cache
def progression_targets() -> tuple[ProgressionTarget, ...]:
    """The incidence targets of ``data/progression_targets.csv``."""
    out = []
    for row in load_model_table("progression_targets").rows:
        if row["ci95_low"] is not None and row["ci95_high"] is not None:
            se = (math.log(float(row["ci95_high"])) - math.log(float(row["ci95_low"]))) / (
                2 * 1.959964
            )
        else:
            se = float(row["log_standard_error"])
        out.append(
            ProgressionTarget(
                key=str(row["key"]),
                source_key=str(row["source_key"]),
                glucose_low_mmol_per_l=float(row["fasting_glucose_low_mmol_per_l"]),
                glucose_high_mmol_per_l=float(row["fasting_glucose_high_mmol_per_l"]),
                incidence_per_1000_person_years=float(row["incidence_per_1000_person_years"]),
                log_standard_error=se,
                note=str(row["note"]),
            )
        )
    return tuple(out)


@dataclass(frozen=True, slots=True)
class IfgCohort:
    """Fitted people of the virtual IFG cohort.

    Attributes
    ----------
    parameters, initial_state
        One row per person (fitted at steady state to their labs).
    weight
        NHANES survey weight (the person stands for this many US adults).
    fasting_glucose_mmol_per_l
        Baseline fasting glucose (selects the strata).
    excluded
        People of the table left out, with the reason (labs outside the fit's range).
    """

    parameters: ParameterSet
    initial_state: FloatArray
    weight: FloatArray
    fasting_glucose_mmol_per_l: FloatArray
    excluded: tuple[str, ...]


def ifg_cohort(
    base: ParameterSet | None = None,
    *,
    seed: int = 20261201,
    serum_mg_mmol_per_l: float | None = None,
) -> IfgCohort:
    """Fit every NHANES adult with IFG (``nhanes_ifg_adults.csv``) to their own labs.

    Parameters
    ----------
    base
        Population parameters (default: the calibrated set).
    seed
        Seed of the serum Mg draws (from the prediabetes population of the person's sex).
    serum_mg_mmol_per_l
        Give everyone this serum Mg instead of a draw (the serum-Mg check).
    """
    rng = np.random.default_rng(seed)
    params, states, weights, glucose, excluded = [], [], [], [], []
    for row in load_model_table("nhanes_ifg_adults").rows:
        serum = (
            float(
                population_serum_mg(sex=str(row["sex"]), conditions=("prediabetes",)).draw(1, rng)[
                    0
                ]
            )
            if serum_mg_mmol_per_l is None
            else serum_mg_mmol_per_l
        )
        fasting_glucose = float(row["fasting_glucose_mmol_per_l"])
        fit = fit_person_or_reason(
            fasting_glucose_mmol_per_l=fasting_glucose,
            fasting_insulin_uiu_per_ml=float(row["fasting_insulin_uiu_per_ml"]),
            hba1c_percent=float(row["hba1c_percent"]),
            serum_mg_mmol_per_l=serum,
            base=base,
        )
        if isinstance(fit, str):
            excluded.append(f"seqn {row['seqn']}: {fit}")
            continue
        params.append(fit.parameters.values[0])
        states.append(fit.initial_state[0])
        weights.append(float(row["weight"]))
        glucose.append(fasting_glucose)
    return IfgCohort(
        parameters=ParameterSet(np.array(params), label="nhanes_ifg"),
        initial_state=np.array(states),
        weight=np.array(weights),
        fasting_glucose_mmol_per_l=np.array(glucose),
        excluded=tuple(excluded),
    )


def mg_status_cohorts(base: ParameterSet | None = None) -> tuple[IfgCohort, IfgCohort]:
    """The IFG cohort Mg-replete and Mg-deficient, otherwise the same people (Kao 1999 check).

    Each person is fitted to their labs at the highest Kao serum Mg (replete). The deficient
    twin keeps the person's own insulin sensitivity scale but takes the Mg balance (intake and
    absorption) that the lowest serum Mg needs; its steady state then follows from the model
    (lower intracellular Mg, lower effective S_I, more insulin), as a person made deficient would.
    """
    low, high = KAO_SERUM_MG_MMOL_PER_L
    replete = ifg_cohort(base, serum_mg_mmol_per_l=high)
    low_fit = ifg_cohort(base, serum_mg_mmol_per_l=low)
    if low_fit.weight.size != replete.weight.size:
        raise ReferenceDataError("the Kao check cohorts differ in who the fit accepts")
    balance = (Param.DIETARY_INTAKE, Param.ABSORPTION_SCALE)
    params = replete.parameters.replace(**{b: low_fit.parameters[b] for b in balance})
    deficient = IfgCohort(
        parameters=params,
        initial_state=steady_state(params),
        weight=replete.weight,
        fasting_glucose_mmol_per_l=replete.fasting_glucose_mmol_per_l,
        excluded=replete.excluded,
    )
    return replete, deficient


def predict_incidence(
    cohort: IfgCohort,
    rate_per_day: float,
    log_sd: float,
    *,
    years: float = FOLLOW_UP_YEARS,
    dietary_intake_increase_mg_per_day: float = 0.0,
    dt_days: float = 1.0,
) -> dict[str, float]:
    """Incidence of diabetes per 1,000 person-years in each target's stratum.

    Everyone is followed for ``years`` (or until fasting glucose reaches 7.0 mmol/L);
    incidence is the survey-weighted number of events over the weighted person-years at risk.
    Keys are the target keys plus ``all`` (the whole cohort).

    Parameters
    ----------
    cohort
        From :func:`ifg_cohort`.
    rate_per_day, log_sd
        Population median drift rate (1/day) and between-person log-SD.
    dietary_intake_increase_mg_per_day
        Extra dietary Mg from the start (the intake check).
    """
    nodes, node_weights = np.polynomial.hermite_e.hermegauss(QUADRATURE_NODES)
    node_weights = node_weights / node_weights.sum()
    n = cohort.weight.size
    p = np.repeat(cohort.parameters.values[None], nodes.size, axis=0).reshape(n * nodes.size, -1)
    y0 = np.repeat(cohort.initial_state[None], nodes.size, axis=0).reshape(n * nodes.size, -1)
    weight = (node_weights[:, None] * cohort.weight[None, :]).ravel()
    glucose0 = np.tile(cohort.fasting_glucose_mmol_per_l, nodes.size)
    rates = rate_per_day * np.exp(log_sd * np.repeat(nodes, n))
    params = ParameterSet(p).replace(**{Param.PROGRESSION_RATE: rates})
    if dietary_intake_increase_mg_per_day:
        params = params.replace(
            **{
                Param.DIETARY_INTAKE: params[Param.DIETARY_INTAKE]
                + dietary_intake_increase_mg_per_day
            }
        )
    result = simulate(
        params,
        initial_state=y0,
        days=DAYS_PER_YEAR * years,
        save_every_days=DAYS_PER_YEAR / 12.0,
        solver=QuasiSteadyState(dt_days=dt_days),
    )
    glucose = result.output(Output.FASTING_GLUCOSE)
    t_years = np.asarray(result.time_days) / DAYS_PER_YEAR
    crossed = np.asarray(glucose >= DIABETES_FASTING_GLUCOSE_MMOL_PER_L, dtype=bool)
    event = np.asarray(crossed.any(axis=1), dtype=bool)
    # Crossing time interpolated between monthly saves, so that incidence varies smoothly with
    # the parameters (the fit differentiates it numerically).
    after = np.maximum(np.argmax(crossed, axis=1), 1)
    before = after - 1
    rows = np.arange(glucose.shape[0])
    g0, g1 = glucose[rows, before], glucose[rows, after]
    share = np.clip((DIABETES_FASTING_GLUCOSE_MMOL_PER_L - g0) / np.maximum(g1 - g0, 1e-12), 0, 1)
    crossing = t_years[before] + share * (t_years[after] - t_years[before])
    at_risk = np.where(event, crossing, years)
    out: dict[str, float] = {}
    strata = {
        t.key: (t.glucose_low_mmol_per_l, t.glucose_high_mmol_per_l) for t in progression_targets()
    }
    strata["all"] = (-np.inf, np.inf)
    for key, (low, high) in strata.items():
        inside = np.asarray((glucose0 >= low) & (glucose0 < high), dtype=bool)
        out[key] = float(
            1000.0
            * np.sum(weight[inside] * event[inside])
            / np.sum(weight[inside] * at_risk[inside])
        )
    return out


@dataclass(frozen=True, slots=True)
class ProgressionOutcome:
    """Fitted drift rate and its between-person spread, with fit and checks."""

    rate_per_day: float
    log_sd: float
    log_covariance: FloatArray
    predictions: dict[str, float]
    residuals: dict[str, float]
    chi_square: float
    dof: int
    checks: dict[str, float]
    cohort_size: int
    excluded: int

    def to_toml(self) -> str:
        """The ``[progression]`` table of ``calibrated.toml``."""
        lines = [
            "[progression]",
            f"log_sd = {self.log_sd!r}",
            'names = ["progression_rate_per_day", "progression_rate_log_sd"]',
            f"log_covariance = {[[float(v) for v in row] for row in self.log_covariance]!r}",
            f"chi_square = {self.chi_square!r}",
            f"dof = {self.dof}",
            f"cohort_size = {self.cohort_size}",
            f"excluded = {self.excluded}",
            f"follow_up_years = {FOLLOW_UP_YEARS!r}",
            "",
            "[progression.predictions]",
            *(f"{k} = {v!r}" for k, v in self.predictions.items()),
            "",
            "[progression.residuals]",
            *(f"{k} = {v!r}" for k, v in self.residuals.items()),
            "",
            "[progression.checks]",
            *(f"{k} = {v!r}" for k, v in self.checks.items()),
        ]
        return "\n".join(lines) + "\n"


def progression_log_sd() -> float:
    """Between-person log-SD of the drift rate from the shipped calibration (0 without one)."""
    record = calibration_record().get("progression")
    if not isinstance(record, Mapping):
        return 0.0
    return float(record["log_sd"])


def _residuals(
    cohort: IfgCohort, rate_per_day: float, log_sd: float
) -> tuple[FloatArray, dict[str, float]]:
    pred = predict_incidence(cohort, rate_per_day, log_sd)
    res = np.array(
        [
            (math.log(pred[t.key]) - math.log(t.incidence_per_1000_person_years))
            / t.log_standard_error
            for t in progression_targets()
        ]
    )
    return res, pred


def progression_checks(
    base: ParameterSet | None = None,
    rate_per_day: float | None = None,
    log_sd: float | None = None,
    *,
    cohort: IfgCohort | None = None,
) -> dict[str, float]:
    """How Mg moves incidence in the IFG cohort: the checks that are not fitted.

    Parameters
    ----------
    base
        Population parameters (default: the calibrated set).
    rate_per_day, log_sd
        Drift rate median (1/day) and between-person log-SD (default: the shipped calibration).
    cohort
        The fitted IFG cohort of ``base``, when already at hand.

    Returns
    -------
    dict
        ``rate_ratio_per_100_mg_intake``: incidence with 100 mg/day more dietary Mg over
        incidence without (to set against Dong 2011). ``rate_ratio_lowest_vs_highest_serum_mg``:
        incidence of the cohort made deficient (serum Mg 0.68 mmol/L) over the cohort replete
        (0.97 mmol/L), the same people otherwise (Kao 1999).
    """
    if base is None:
        base = default_parameters()
    if rate_per_day is None:
        rate_per_day = float(base[Param.PROGRESSION_RATE][0])
    if log_sd is None:
        log_sd = progression_log_sd()
    if cohort is None:
        cohort = ifg_cohort(base)
    now = predict_incidence(cohort, rate_per_day, log_sd)["all"]
    more = predict_incidence(
        cohort, rate_per_day, log_sd, dietary_intake_increase_mg_per_day=100.0
    )["all"]
    replete, deficient = mg_status_cohorts(base)
    return {
        "rate_ratio_per_100_mg_intake": more / now,
        "rate_ratio_lowest_vs_highest_serum_mg": (
            predict_incidence(deficient, rate_per_day, log_sd)["all"]
            / predict_incidence(replete, rate_per_day, log_sd)["all"]
        ),
    }


def calibrate_progression(base: ParameterSet, *, checks: bool = True) -> ProgressionOutcome:
    """Fit the median drift rate and its log-SD to :func:`progression_targets`.

    Bounded least squares on ``(ln k, ln σ)`` (``scipy.optimize.least_squares``); the
    covariance is the Laplace approximation, inflated by the reduced χ² when above 1.

    Parameters
    ----------
    base
        Population parameters of the cohort (the calibrated estimate of the trial fit).
    checks
        Also compute the unfitted checks (incidence ratio per +100 mg/day intake, Dong 2011;
        lowest vs highest serum Mg, Kao 1999).
    """
    from scipy.optimize import least_squares  # noqa: PLC0415 - scipy only needed here

    cohort = ifg_cohort(base)

    # Unknowns are log-ratios to a starting guess, so that one finite-difference step (3 %)
    # moves enough virtual people across the diagnostic line to see a slope.
    start = np.array([5e-5, 1.0])

    def fun(x: FloatArray) -> FloatArray:
        rate, log_sd = start * np.exp(x)
        return _residuals(cohort, float(rate), float(log_sd))[0]

    sol = least_squares(
        fun,
        np.zeros(2),
        bounds=(np.log([1e-7, 0.05] / start), np.log([1e-2, 3.0] / start)),
        diff_step=0.03,
        xtol=1e-4,
        ftol=1e-6,
    )
    rate, log_sd = (float(v) for v in start * np.exp(sol.x))
    res, pred = _residuals(cohort, rate, log_sd)
    chi2 = float(res @ res)
    dof = max(res.size - sol.x.size, 1)
    jac = np.asarray(sol.jac, dtype=float)
    cov = np.linalg.pinv(jac.T @ jac) * max(1.0, chi2 / dof)
    found = progression_checks(base, rate, log_sd, cohort=cohort) if checks else {}
    return ProgressionOutcome(
        rate_per_day=rate,
        log_sd=log_sd,
        log_covariance=cov,
        predictions=pred,
        residuals={t.key: float(r) for t, r in zip(progression_targets(), res, strict=True)},
        chi_square=chi2,
        dof=dof,
        checks=found,
        cohort_size=cohort.weight.size,
        excluded=len(cohort.excluded),
    )
