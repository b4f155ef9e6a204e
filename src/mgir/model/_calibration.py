"""Calibration of the population parameters to trial end-points and physiological constraints.

Every trial is represented by one *typical subject* built from the trial's baseline labs with
:func:`mgir.model.fit_person` (the same path a clinician's patient takes), given the trial's
dose for the trial's duration; the model's end-of-study values are compared with the reported
ones. Two physiological constraints enter directly: the fall of insulin sensitivity with
intracellular Mg depletion (Nadler 1993) and fractional Mg excretion at a given serum Mg and
glycaemia (Lübeck 2000). Residuals are divided by the standard errors; the fit is a bounded
least-squares fit in log-parameter space; its Laplace approximation (covariance ``(JᵀJ)⁻¹``,
inflated by the reduced χ² when that exceeds 1) is reported, and the uncertainty the
projections use is a posterior sample around the optimum (:func:`sample_calibration_posterior`).

Assumptions that are not in the sources (baseline glucose where a trial did not report it,
elemental dose of "2.5 g MgCl₂", group sizes) are written next to each target.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from numpy.typing import NDArray

from mgir._errors import ReferenceDataError
from mgir.assessment import formulas
from mgir.model._equations import (
    GLUCOSE_MG_PER_DL_PER_MMOL_PER_L,
    filtered_mg_mmol_per_day,
    mg_coupling_factor,
    renal_excretion_mmol_per_day,
)
from mgir.model._inputs import DoseSegment, Regimen, model_salt_name
from mgir.model._parameters import Param, ParameterSet, default_parameters, parameter_info
from mgir.model._posterior import PosteriorSample, sample_log_space_posterior
from mgir.model._result import Output
from mgir.model._simulate import simulate
from mgir.model._solvers import QuasiSteadyState
from mgir.model._steady_state import fit_person
from mgir.model._tables import load_model_table
from mgir.reference import MG_G_PER_MOL
from mgir.units import ureg

__all__ = [
    "FREE_PARAMETERS",
    "CalibrationOutcome",
    "Target",
    "TrialArm",
    "calibrate",
    "calibration_targets",
    "predict_targets",
    "sample_calibration_posterior",
    "trial_arms",
]

if TYPE_CHECKING:
    from mgir.model._progression import ProgressionOutcome

FloatArray = NDArray[np.float64]

FREE_PARAMETERS: Final[tuple[Param, ...]] = (
    Param.SI_MG_HILL,
    Param.BETA_PLASTICITY_GLUCOSE_SCALE,
    Param.RENAL_THRESHOLD,
    Param.FE_BELOW_THRESHOLD,
    Param.GLUCOSE_THRESHOLD_SHIFT,
    Param.DEFICIT_INTAKE_SHARE,
)


@dataclass(frozen=True, slots=True)
class TrialArm:
    """A supplemented trial arm reduced to a typical subject (a row of calibration_arms.csv)."""

    key: str
    source_key: str
    population: str
    glucose_mmol_per_l: float
    homa_ir: float | None
    serum_mg_mmol_per_l: float
    salt: str
    elemental_mg_per_day: float
    days: float
    assumptions: str

    @property
    def insulin_uiu_per_ml(self) -> float | None:
        """Baseline insulin implied by HOMA-IR and glucose."""
        if self.homa_ir is None:
            return None
        return float(formulas.insulin_from_homa_ir(self.homa_ir, self.glucose_mmol_per_l))


@dataclass(frozen=True, slots=True)
class Target:
    """One observed value the model should reproduce (a row of calibration_targets.csv)."""

    key: str
    arm: str | None
    quantity: str
    observed: float
    standard_error: float
    unit: str
    source_key: str
    note: str


def _elemental_mg_per_day(dose: float, unit: str, key: str) -> float:
    """An arm's elemental Mg dose in mg/day from a mass or an amount of Mg per time (pint)."""
    import pint  # noqa: PLC0415  (imported with the registry)

    try:
        quantity = ureg.Quantity(dose, unit)
        if quantity.check("[substance] / [time]"):
            quantity = quantity * ureg.Quantity(MG_G_PER_MOL, "g/mol")
        return float(quantity.to("mg/day").magnitude)
    except (pint.errors.UndefinedUnitError, pint.errors.DimensionalityError) as exc:
        raise ReferenceDataError(
            f"calibration_arms.csv {key}: dose_unit {unit!r} is not a mass or amount of "
            f"Mg per time, e.g. mg/day or mmol/day ({exc})"
        ) from None


def trial_arms() -> tuple[TrialArm, ...]:
    """The supplemented arms used in calibration, from ``data/calibration_arms.csv``."""
    arms = []
    for row in load_model_table("calibration_arms").rows:
        arms.append(
            TrialArm(
                key=str(row["key"]),
                source_key=str(row["source_key"]),
                population=str(row["population"]),
                glucose_mmol_per_l=float(row["glucose_mmol_per_l"]),
                homa_ir=None if row["homa_ir"] is None else float(row["homa_ir"]),
                serum_mg_mmol_per_l=float(row["serum_mg_mmol_per_l"]),
                salt=model_salt_name(str(row["salt"]), field="calibration_arms.csv salt"),
                elemental_mg_per_day=_elemental_mg_per_day(
                    float(row["dose"]), str(row["dose_unit"]), str(row["key"])
                ),
                days=float(row["days"]),
                assumptions=str(row["assumptions"]),
            )
        )
    return tuple(arms)


def _standard_error(row: Mapping[str, object]) -> float:
    spread = str(row["spread"])
    values = {k: row[k] for k in ("sd", "sd_reference", "n", "ci_low", "ci_high", "se")}
    needed = {
        "sd_n": ("sd", "n"),
        "difference_sd_n": ("sd", "sd_reference", "n"),
        "ci95": ("ci_low", "ci_high"),
        "se": ("se",),
    }
    if spread not in needed or any(values[k] is None for k in needed[spread]):
        raise ReferenceDataError(
            f"calibration_targets.csv {row['key']}: spread {spread!r} needs "
            f"{needed.get(spread, 'one of sd_n, ci95, se')}"
        )
    v = {k: float(x) for k, x in values.items() if isinstance(x, int | float)}
    if spread == "sd_n":
        return v["sd"] / math.sqrt(v["n"])
    if spread == "difference_sd_n":
        return math.sqrt((v["sd"] ** 2 + v["sd_reference"] ** 2) / v["n"])
    if spread == "ci95":
        return (v["ci_high"] - v["ci_low"]) / (2 * 1.96)
    return v["se"]


def calibration_targets() -> tuple[Target, ...]:
    """Observed values with standard errors, from ``data/calibration_targets.csv``.

    The standard error is SD/√n where a trial reported an SD, the 95 % interval's width / 3.92
    where it reported an interval, or given (derived or assumed, as each row's note says).
    """
    return tuple(
        Target(
            key=str(row["key"]),
            arm=None if row["arm"] is None else str(row["arm"]),
            quantity=str(row["quantity"]),
            observed=float(row["observed"]),
            standard_error=_standard_error(row),
            unit=str(row["unit"]),
            source_key=str(row["source_key"]),
            note=str(row["note"]),
        )
        for row in load_model_table("calibration_targets").rows
    )


def _fe(p: FloatArray, serum: float, glucose_mmol: float) -> float:
    glucose = np.array([glucose_mmol * GLUCOSE_MG_PER_DL_PER_MMOL_PER_L])
    action = p[:, Param.GLUCOSE_PRODUCTION.pos] / glucose - p[:, Param.GLUCOSE_EFFECTIVENESS.pos]
    ecf = np.array([serum]) * p[:, Param.ECF_VOLUME.pos]
    urine, _ = renal_excretion_mmol_per_day(p, ecf, glucose, action)
    return float(urine[0] / filtered_mg_mmol_per_day(p, np.array([serum]))[0])


def _urine_ratio(p: FloatArray) -> float:
    """Urinary Mg at glucose 12.3 vs 5.3 mmol/L, equal insulin action and serum 0.85 (-3 %)."""
    ecf = np.array([0.85]) * p[:, Param.ECF_VOLUME.pos]
    action = p[:, Param.INSULIN_ACTION_REFERENCE.pos]
    lo, _ = renal_excretion_mmol_per_day(
        p, ecf, np.array([5.3 * GLUCOSE_MG_PER_DL_PER_MMOL_PER_L]), action
    )
    hi, _ = renal_excretion_mmol_per_day(
        p, 0.97 * ecf, np.array([12.3 * GLUCOSE_MG_PER_DL_PER_MMOL_PER_L]), action
    )
    return float(hi[0] / lo[0])


def predict_targets(base: ParameterSet, *, dt_days: float = 0.25) -> dict[str, float]:
    """Model predictions for every target, keyed by target key, using ``base`` (one row).

    The drift towards diabetes is held off here: the trials last weeks to months while the drift
    acts over years, and it is fitted in its own stage (:mod:`mgir.model._progression`) after
    this one; holding it off keeps this stage's fit independent of that stage's result.
    """
    base = base.replace(**{Param.PROGRESSION_RATE: 0.0})
    arms = trial_arms()
    fits = [
        fit_person(
            fasting_glucose_mmol_per_l=a.glucose_mmol_per_l,
            fasting_insulin_uiu_per_ml=a.insulin_uiu_per_ml,
            serum_mg_mmol_per_l=a.serum_mg_mmol_per_l,
            base=base,
        )
        for a in arms
    ]
    # Every arm's typical subject twice: supplemented (rows 0..n-1) and as its own control
    # (rows n..2n-1), so that a target stated against placebo compares like with like.
    n = len(arms)
    params = ParameterSet(np.vstack([f.parameters.values for f in fits] * 2))
    y0 = np.vstack([f.initial_state for f in fits] * 2)
    horizon = max(a.days for a in arms)
    # Each arm takes its own salt: one dose segment per arm, zero for the other subjects.
    regimen = Regimen(
        tuple(
            DoseSegment(
                a.salt,
                np.where(np.arange(2 * n) == i, a.elemental_mg_per_day, 0.0),
                0.0,
                math.inf,
            )
            for i, a in enumerate(arms)
        )
    )
    result = simulate(
        params,
        days=horizon,
        initial_state=y0,
        regimen=regimen,
        solver=QuasiSteadyState(dt_days=dt_days),
        save_every_days=1.0,
    )
    serum = result.output(Output.SERUM_MG)
    homa = result.output(Output.HOMA_IR)
    glucose = result.output(Output.FASTING_GLUCOSE)
    end = {a.key: (i, round(a.days)) for i, a in enumerate(arms)}
    pred: dict[str, float] = {}
    for t in calibration_targets():
        if t.arm is not None:
            i, d = end[t.arm]
            series = {"serum_mg": serum, "homa_ir": homa, "glucose": glucose}
            stem, kind = t.quantity.rsplit("_", 1)
            arm, control = series[stem][i], series[stem][n + i]
            if kind == "end":
                value = arm[d]
            elif kind == "difference":  # end of the arm minus end of its control
                value = arm[d] - control[d]
            else:  # change of the arm minus change of its control
                value = (arm[d] - arm[0]) - (control[d] - control[0])
            pred[t.key] = float(value)
    p = base.values[:1]
    pred["nadler1993_si_ratio"] = float(
        mg_coupling_factor(
            np.array([0.68]), p[:, Param.SI_MG_HALF_SATURATION.pos], p[:, Param.SI_MG_HILL.pos]
        )[0]
    )
    pred["lubeck2000_fe_diabetes"] = _fe(p, 0.73, 11.0)
    pred["lubeck2000_fe_control"] = _fe(p, 0.83, 5.0)
    pred["djurhuus_excretion_ratio"] = _urine_ratio(p)
    pred["fe_mg_below_threshold_prior"] = float(p[0, Param.FE_BELOW_THRESHOLD.pos])
    return pred


@dataclass(frozen=True, slots=True)
class CalibrationOutcome:
    """Result of :func:`calibrate`."""

    names: tuple[str, ...]
    estimate: dict[str, float]
    log_mean: FloatArray
    log_covariance: FloatArray
    prior: dict[str, float]
    predictions: dict[str, float]
    residuals: dict[str, float]
    chi_square: float
    dof: int
    at_bound: tuple[str, ...] = ()
    """Parameters on a bound or not locally identified: held fixed in the covariance."""
    profiles: dict[str, list[tuple[float, float]]] = field(default_factory=dict)

    def profile_intervals(self) -> dict[str, tuple[float, float, bool]]:
        """Grid interval where the profile Δχ² <= 3.84, and whether it touches a grid edge."""
        out: dict[str, tuple[float, float, bool]] = {}
        for name, prof in self.profiles.items():
            inside = [x for x, c in prof if c - self.chi_square <= 3.84]
            if inside:
                edge = inside[0] == prof[0][0] or inside[-1] == prof[-1][0]
                out[name] = (min(inside), max(inside), edge)
        return out

    def standard_errors(self) -> dict[str, tuple[float, float]]:
        """95 % interval of each parameter (log-normal Laplace approximation)."""
        sd = np.sqrt(np.diag(self.log_covariance))
        return {
            n: (float(np.exp(m - 1.96 * s)), float(np.exp(m + 1.96 * s)))
            for n, m, s in zip(self.names, self.log_mean, sd, strict=True)
        }

    def to_toml(
        self,
        extra: Mapping[str, Any] | None = None,
        *,
        progression: ProgressionOutcome | None = None,
        posterior: PosteriorSample | None = None,
    ) -> str:
        """Serialise as ``calibrated.toml`` text (with the posterior and progression if given)."""
        lines = [
            "# Written by scripts/calibrate_model.py; do not edit by hand.",
            "",
            "[parameters]",
        ]
        lines += [f"{n} = {self.estimate[n]!r}" for n in self.names]
        if progression is not None:
            lines.append(f"{Param.PROGRESSION_RATE.value} = {progression.rate_per_day!r}")
        lines += [
            "",
            "[uncertainty]",
            'method = "laplace_log_space"',
            f"names = {list(self.names)!r}".replace("'", '"'),
            f"log_mean = {[float(v) for v in self.log_mean]!r}",
            "log_covariance = [",
        ]
        lines += [f"  {[float(v) for v in row]!r}," for row in self.log_covariance]
        lines += [
            "]",
            f"at_bound = {list(self.at_bound)!r}".replace("'", '"'),
            "",
            "[fit]",
            f"chi_square = {self.chi_square!r}",
            f"dof = {self.dof}",
        ]
        for key, value in (extra or {}).items():
            lines.append(f"{key} = {value!r}".replace("'", '"'))
        lines += ["", "[fit.predictions]"]
        lines += [f"{k} = {v!r}" for k, v in self.predictions.items()]
        lines += ["", "[fit.residuals]"]
        lines += [f"{k} = {v!r}" for k, v in self.residuals.items()]
        if posterior is not None:
            lines += ["", posterior.to_toml().rstrip("\n")]
        if progression is not None:
            lines += ["", progression.to_toml().rstrip("\n")]
        return "\n".join(lines) + "\n"


def _residuals(
    values: FloatArray | Sequence[float], base: ParameterSet, dt_days: float
) -> tuple[FloatArray, dict[str, float]]:
    trial = base.replace(**{p.value: v for p, v in zip(FREE_PARAMETERS, values, strict=True)})
    pred = predict_targets(trial, dt_days=dt_days)
    targets = calibration_targets()
    res = np.array([(pred[t.key] - t.observed) / t.standard_error for t in targets])
    return res, pred


def _log_bounds() -> tuple[FloatArray, FloatArray]:
    """Natural logs of the free parameters' plausible ranges (lower, upper)."""
    info = parameter_info(calibrated=False)
    return (
        np.log([info[p].lower for p in FREE_PARAMETERS]),
        np.log([info[p].upper for p in FREE_PARAMETERS]),
    )


class _LogSpaceResiduals:
    """Picklable standardised residuals at log-parameters (for worker processes)."""

    def __init__(self, base: ParameterSet, dt_days: float) -> None:
        self.base = base
        self.dt_days = dt_days

    def __call__(self, x: FloatArray) -> FloatArray:
        return _residuals(np.exp(x), self.base, self.dt_days)[0]


def sample_calibration_posterior(
    outcome: CalibrationOutcome,
    *,
    dt_days: float = 0.5,
    n_walkers: int = 32,
    n_steps: int = 1200,
    burn_in: int | None = None,
    thin: int = 10,
    seed: int = 0,
    processes: int = 1,
) -> PosteriorSample:
    """Sample the posterior of :data:`FREE_PARAMETERS` around the fit in ``outcome`` (emcee).

    Flat prior over each log-parameter's plausible range; likelihood ``exp(-χ²/(2 T))`` with
    ``T`` the fit's reduced χ² when above 1 (see :mod:`mgir.model._posterior`). The first third
    of the steps is discarded unless ``burn_in`` says otherwise. The projections' uncertainty
    draws resample these draws. Needs the ``calibrate`` extra (emcee).
    """
    lower, upper = _log_bounds()
    return sample_log_space_posterior(
        _LogSpaceResiduals(default_parameters(calibrated=False), dt_days),
        outcome.names,
        outcome.log_mean,
        lower,
        upper,
        temperature=max(1.0, outcome.chi_square / outcome.dof),
        n_walkers=n_walkers,
        n_steps=n_steps,
        burn_in=n_steps // 3 if burn_in is None else burn_in,
        thin=thin,
        seed=seed,
        processes=processes,
    )


def calibrate(*, dt_days: float = 0.5, profile_points: int = 0) -> CalibrationOutcome:
    """Fit :data:`FREE_PARAMETERS` (bounded least squares in log space) and return the outcome.

    Parameters
    ----------
    dt_days
        Step of the QSS solver during the fit.
    profile_points
        If > 0, also profile χ² over each parameter: this many points across its range plus
        seven points around the estimate (slower; used for the report).
    """
    from scipy.optimize import least_squares  # noqa: PLC0415 - scipy only needed here

    info = parameter_info(calibrated=False)
    base = default_parameters(calibrated=False)
    names = tuple(p.value for p in FREE_PARAMETERS)
    lo, hi = _log_bounds()
    x0 = np.log([info[p].value for p in FREE_PARAMETERS])

    def fun(x: FloatArray) -> FloatArray:
        return _residuals(np.exp(x), base, dt_days)[0]

    sol = least_squares(fun, x0, bounds=(lo, hi), x_scale=1.0, diff_step=1e-4)
    res, pred = _residuals(np.exp(sol.x), base, dt_days)
    jac = np.asarray(sol.jac, dtype=float)
    m, k = jac.shape
    chi2 = float(res @ res)
    dof = max(m - k, 1)
    # Parameters that end on a bound are reported as such and held fixed in the Laplace
    # approximation (a Gaussian about a boundary optimum would be meaningless).
    # Parameters the data do not identify locally (Laplace log-SD above 2, i.e. a 95 % range
    # wider than a factor of about 50) are held fixed in the same way and reported.
    at_bound = (np.abs(sol.x - lo) < 1e-3) | (np.abs(sol.x - hi) < 1e-3)
    inflate = max(1.0, chi2 / dof)
    full = np.linalg.pinv(jac.T @ jac) * inflate
    held = at_bound | (np.sqrt(np.clip(np.diag(full), 0.0, None)) > 2.0)
    free = ~held
    cov = np.zeros((k, k))
    jf = jac[:, free]
    cov[np.ix_(free, free)] = np.linalg.pinv(jf.T @ jf) * inflate
    targets = calibration_targets()
    profiles: dict[str, list[tuple[float, float]]] = {}
    if profile_points > 0:
        sd = np.sqrt(np.clip(np.diag(full), 0.0, None))
        for j, name in enumerate(names):
            step = min(sd[j], 0.5) if free[j] else 0.5
            local = sol.x[j] + step * np.array([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
            grid = np.unique(
                np.clip(
                    np.concatenate([np.linspace(lo[j], hi[j], profile_points), local]), lo[j], hi[j]
                )
            )
            prof: list[tuple[float, float]] = []
            for g in grid:

                def fixed(z: FloatArray, j: int = j, g: float = float(g)) -> FloatArray:
                    return fun(np.insert(z, j, g))

                rest = np.delete(sol.x, j)
                s2 = least_squares(
                    fixed,
                    rest,
                    bounds=(np.delete(lo, j), np.delete(hi, j)),
                    diff_step=1e-4,
                    max_nfev=60,
                )
                prof.append((float(np.exp(g)), float(s2.fun @ s2.fun)))
            profiles[name] = prof
    return CalibrationOutcome(
        names=names,
        estimate={n: float(v) for n, v in zip(names, np.exp(sol.x), strict=True)},
        log_mean=np.asarray(sol.x, dtype=float),
        log_covariance=np.asarray(cov, dtype=float),
        prior={n: info[p].value for n, p in zip(names, FREE_PARAMETERS, strict=True)},
        predictions=pred,
        residuals={t.key: float(r) for t, r in zip(targets, res, strict=True)},
        chi_square=chi2,
        dof=dof,
        at_bound=tuple(n for n, b in zip(names, held, strict=True) if b),
        profiles=profiles,
    )
